import { Module } from '@nestjs/common';
import { ConfigModule } from '../../../libs/config/config.module.js';
import { DbModule } from '../../../libs/db/db.module.js';
import { QueueModule } from '../../../libs/queue/queue.module.js';
import { AuditModule } from '../../../libs/audit/audit.module.js';
import { ProcessorsModule } from './processors.module.js';

@Module({ imports: [ConfigModule, DbModule, QueueModule, AuditModule, ProcessorsModule] })
export class WorkerModule {}
