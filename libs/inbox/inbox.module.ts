import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { NoticesModule } from '../notices/notices.module.js';
import { NoticesStoreModule } from '../notices/notices-store.module.js';
import { InboxService } from './inbox.service.js';
import { TenantScope } from './tenant-scope.js';

/** The tenant inbox (NoticesModule: which template locale a reader is served). Needs ConfigModule, DbModule and AuditModule (global). */
@Module({
  imports: [AuthModule, NoticesModule, NoticesStoreModule],
  providers: [TenantScope, InboxService],
  exports: [AuthModule, TenantScope, InboxService],
})
export class InboxModule {}
