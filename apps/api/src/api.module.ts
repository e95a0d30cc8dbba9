import { Module } from '@nestjs/common';
import { ConfigModule } from '../../../libs/config/config.module.js';
import { DbModule } from '../../../libs/db/db.module.js';
import { QueueModule } from '../../../libs/queue/queue.module.js';
import { AuditModule } from '../../../libs/audit/audit.module.js';
import { OperatorAuthGuard } from '../../../libs/auth/operator-auth.guard.js';
import { DirectoryModule } from '../../../libs/directory/directory.module.js';
import { ExposureModule } from '../../../libs/exposure/exposure.module.js';
import { CampaignsModule } from '../../../libs/campaigns/campaigns.module.js';
import { TenantsController } from './operator/tenants.controller.js';
import { DatasetsController } from './operator/datasets.controller.js';
import { CampaignsController } from './operator/campaigns.controller.js';
import { ReviewsController } from './operator/reviews.controller.js';

@Module({
  imports: [ConfigModule, DbModule, QueueModule, AuditModule, DirectoryModule, ExposureModule, CampaignsModule],
  controllers: [TenantsController, DatasetsController, CampaignsController, ReviewsController],
  providers: [OperatorAuthGuard],
})
export class ApiModule {}
