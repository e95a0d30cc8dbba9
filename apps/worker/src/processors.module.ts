import { Module } from '@nestjs/common';
import { CampaignsModule } from '../../../libs/campaigns/campaigns.module.js';
import { AnalysisProcessor } from './processors/analysis.processor.js';

/** Every BullMQ processor; the worker runs them, and so does a CLI command given --wait. */
@Module({ imports: [CampaignsModule], providers: [AnalysisProcessor] })
export class ProcessorsModule {}
