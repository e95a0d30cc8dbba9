import { Module } from '@nestjs/common';
import { ExposureModule } from '../exposure/exposure.module.js';
import { NoticesModule } from '../notices/notices.module.js';
import { NoticesStoreModule } from '../notices/notices-store.module.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import { MailModule } from '../mail/mail.module.js';
import { MetricsModule } from '../observability/metrics.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { RecipientsModule } from '../recipients/recipients.module.js';
import { DispatchQueues } from './dispatch-queues.js';
import { CampaignCompletion } from './campaign-completion.js';
import { DispatchReconciler } from './dispatch-reconciler.js';
import { CampaignLauncher } from './campaign-launcher.js';
import { NoticeJob } from './notice-job.js';
import { EmailJob } from './email-job.js';
import { CampaignStatusView } from './campaign-status.js';
import { IdentifiedImpactGate } from './identified-impact.js';
import { CampaignsRepository } from './campaigns.repository.js';
import { AnalysisService } from './analysis.service.js';
import { CampaignsService } from './campaigns.service.js';
import { ReviewService } from './review.service.js';
import { PreviewService } from './preview.service.js';

@Module({
  imports: [
    ExposureModule,
    NoticesModule,
    NoticesStoreModule,
    MailModule,
    MetricsModule,
    WebhooksModule,
    RecipientsModule,
  ],
  providers: [
    CampaignsRepository,
    // the directory's tables are read through their owner (DirectoryModule exports only its service)
    DirectoryRepository,
    AnalysisService,
    CampaignsService,
    ReviewService,
    PreviewService,
    DispatchQueues,
    CampaignCompletion,
    DispatchReconciler,
    CampaignLauncher,
    NoticeJob,
    EmailJob,
    CampaignStatusView,
    IdentifiedImpactGate,
  ],
  exports: [
    CampaignsService,
    ReviewService,
    PreviewService,
    AnalysisService,
    CampaignsRepository,
    DispatchReconciler,
    CampaignLauncher,
    NoticeJob,
    EmailJob,
    CampaignStatusView,
    IdentifiedImpactGate,
  ],
})
export class CampaignsModule {}
