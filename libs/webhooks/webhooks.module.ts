import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/directory.module.js';
import { MailModule } from '../mail/mail.module.js';
import { TenantScope } from '../inbox/tenant-scope.js';
import { WebhooksRepository } from './webhooks.repository.js';
import { WebhookService } from './webhook.service.js';
import { WebhookRegistrationService } from './webhook-registration.service.js';

/**
 * Signed webhooks to the tenants' own tools: registration (tenant inbox API) and delivery (worker).
 * Needs ConfigModule, DbModule, QueueModule and AuditModule (global).
 */
@Module({
  imports: [DirectoryModule, MailModule],
  providers: [TenantScope, WebhooksRepository, WebhookService, WebhookRegistrationService],
  exports: [WebhookService, WebhookRegistrationService],
})
export class WebhooksModule {}
