import { Global, Module } from '@nestjs/common';
import { AuditService } from './audit.service.js';
import { SecurityEvents } from './security-events.js';

@Global()
@Module({ providers: [AuditService, SecurityEvents], exports: [AuditService, SecurityEvents] })
export class AuditModule {}
