import { Module } from '@nestjs/common';
import { CampaignsModule } from '../campaigns/campaigns.module.js';
import { DirectoryModule } from '../directory/directory.module.js';
import { NoticesStoreModule } from '../notices/notices-store.module.js';
import { CampaignReports } from './campaign-reports.service.js';

/** Operators' bulk reads of a campaign: CSV exports and rates over time. AuditModule is global. */
@Module({
  imports: [CampaignsModule, DirectoryModule, NoticesStoreModule],
  providers: [CampaignReports],
  exports: [CampaignReports],
})
export class ReportsModule {}
