import { Module } from '@nestjs/common';
import { ConfigModule } from '../../../libs/config/config.module.js';
import { DbModule } from '../../../libs/db/db.module.js';
import { QueueModule } from '../../../libs/queue/queue.module.js';
import { AuditModule } from '../../../libs/audit/audit.module.js';
import { OperatorAuthGuard } from '../../../libs/auth/operator-auth.guard.js';
import { DirectoryModule } from '../../../libs/directory/directory.module.js';
import { ExposureModule } from '../../../libs/exposure/exposure.module.js';
import { CampaignsModule } from '../../../libs/campaigns/campaigns.module.js';
import { InboxModule } from '../../../libs/inbox/inbox.module.js';
import { TenantsController } from './operator/tenants.controller.js';
import { DatasetsController } from './operator/datasets.controller.js';
import { CampaignsController } from './operator/campaigns.controller.js';
import { CampaignReportsController } from './operator/campaign-reports.controller.js';
import { ReportsModule } from '../../../libs/reports/reports.module.js';
import { ReviewsController } from './operator/reviews.controller.js';
import { AuditController } from './operator/audit.controller.js';
import { IncidentsController } from './operator/incidents.controller.js';
import { OperatorSelfController } from './operator/operator-self.controller.js';
import { ConsolePageController } from './console/console-page.controller.js';
import { NoticesController } from './operator/notices.controller.js';
import { IncidentsModule } from '../../../libs/incidents/incidents.module.js';
import { InboxMessagesController } from './inbox/messages.controller.js';
import { InboxPageController } from './inbox/inbox-page.controller.js';
import { WebhooksController } from './inbox/webhooks.controller.js';
import { WebhooksModule } from '../../../libs/webhooks/webhooks.module.js';
import { NotificationRecipientsController, RecipientConfirmationController } from './inbox/recipients.controller.js';
import { RecipientsModule } from '../../../libs/recipients/recipients.module.js';
import { OpsModule } from './ops/ops.module.js';
import { loggingModule } from '../../../libs/observability/logging.js';

@Module({
  imports: [
    ConfigModule,
    loggingModule('api'),
    DbModule,
    QueueModule,
    AuditModule,
    DirectoryModule,
    ExposureModule,
    CampaignsModule,
    ReportsModule,
    IncidentsModule,
    InboxModule,
    WebhooksModule,
    RecipientsModule,
    OpsModule,
  ],
  controllers: [
    TenantsController,
    DatasetsController,
    CampaignsController,
    CampaignReportsController,
    ReviewsController,
    AuditController,
    IncidentsController,
    OperatorSelfController,
    ConsolePageController,
    NoticesController,
    InboxMessagesController,
    InboxPageController,
    WebhooksController,
    NotificationRecipientsController,
    RecipientConfirmationController,
  ],
  providers: [OperatorAuthGuard],
})
export class ApiModule {}
