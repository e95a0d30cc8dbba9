import { Module, OnApplicationBootstrap } from '@nestjs/common';
import { CampaignsModule } from '../../../libs/campaigns/campaigns.module.js';
import { DispatchService } from '../../../libs/campaigns/dispatch.service.js';
import { AnalysisProcessor } from './processors/analysis.processor.js';
import { NoticeProcessor } from './processors/notice.processor.js';
import { EmailProcessor } from './processors/email.processor.js';

/** Every BullMQ processor; the worker runs them, and so does a CLI command given --wait. */
@Module({ imports: [CampaignsModule], providers: [AnalysisProcessor, NoticeProcessor, EmailProcessor] })
export class ProcessorsModule implements OnApplicationBootstrap {
  constructor(private readonly dispatch: DispatchService) {}

  /** Redis is not the record: on start, put back whatever PostgreSQL says is unfinished. */
  async onApplicationBootstrap(): Promise<void> {
    await this.dispatch.reconcileAll();
  }
}
