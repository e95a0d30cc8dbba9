import { Global, Module } from '@nestjs/common';
import { DATASET_CAMPAIGNS } from '../exposure/exposure.repository.js';
import { NoticesStoreModule } from '../notices/notices-store.module.js';
import { CampaignsRepository } from './campaigns.repository.js';

/**
 * The campaigns of a data set for the exposure lib (DatasetCampaigns): a change to a data set
 * sends its analyzed campaigns back to draft, and a launched campaign refuses it. Global, so the
 * exposure lib reaches the campaigns table through its owner without importing this lib, which
 * depends on it. Needs DbModule (global); the repository writes exposure views through NoticesStoreModule.
 */
@Global()
@Module({
  imports: [NoticesStoreModule],
  providers: [{ provide: DATASET_CAMPAIGNS, useClass: CampaignsRepository }],
  exports: [DATASET_CAMPAIGNS],
})
export class DatasetCampaignsModule {}
