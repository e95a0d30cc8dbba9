import { Module } from '@nestjs/common';
import { ExposureModule } from '../exposure/exposure.module.js';
import { NoticesModule } from '../notices/notices.module.js';
import { MailModule } from '../mail/mail.module.js';
import { MetricsModule } from '../observability/metrics.js';
import { RecipientsModule } from '../recipients/recipients.module.js';
import { DispatchRepository } from './dispatch.repository.js';
import { DispatchService } from './dispatch.service.js';
import { CampaignsRepository } from './campaigns.repository.js';
import { AnalysisService } from './analysis.service.js';
import { CampaignsService } from './campaigns.service.js';
import { ReviewService } from './review.service.js';
import { PreviewService } from './preview.service.js';

@Module({
  imports: [ExposureModule, NoticesModule, MailModule, MetricsModule, RecipientsModule],
  providers: [
    CampaignsRepository,
    AnalysisService,
    CampaignsService,
    ReviewService,
    PreviewService,
    DispatchRepository,
    DispatchService,
  ],
  exports: [CampaignsService, ReviewService, PreviewService, AnalysisService, CampaignsRepository, DispatchService],
})
export class CampaignsModule {}
