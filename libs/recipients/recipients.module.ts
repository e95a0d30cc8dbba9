import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/directory.module.js';
import { TenantScope } from '../inbox/tenant-scope.js';
import { MailModule } from '../mail/mail.module.js';
import { NoticesModule } from '../notices/notices.module.js';
import { RecipientsRepository } from './recipients.repository.js';
import { RecipientsService } from './recipients.service.js';

/** The tenants' own notification recipients. Needs ConfigModule, DbModule and AuditModule (global). */
@Module({
  imports: [DirectoryModule, MailModule, NoticesModule],
  providers: [TenantScope, RecipientsRepository, RecipientsService],
  exports: [RecipientsService],
})
export class RecipientsModule {}
