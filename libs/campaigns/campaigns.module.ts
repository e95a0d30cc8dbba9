import { Module } from '@nestjs/common';
import { ExposureModule } from '../exposure/exposure.module.js';
import { NoticesModule } from '../notices/notices.module.js';
import { NoticesStoreModule } from '../notices/notices-store.module.js';
import { DirectoryModule } from '../directory/directory.module.js';
import { MailModule } from '../mail/mail.module.js';
import { MetricsModule } from '../observability/metrics.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { RecipientsModule } from '../recipients/recipients.module.js';
import { IncidentsModule } from '../incidents/incidents.module.js';
import { DispatchQueues } from './dispatch-queues.js';
import { CampaignCompletion } from './campaign-completion.js';
import { DispatchReconciler } from './dispatch-reconciler.js';
import { CampaignLauncher } from './campaign-launcher.js';
import { NoticeJob } from './notice-job.js';
import { EmailJob } from './email-job.js';
import { ReminderRun } from './reminder-run.js';
import { CampaignStatusView } from './campaign-status.js';
import { IdentifiedImpactGate } from './identified-impact.js';
import { CampaignsRepository } from './campaigns.repository.js';
import { DatasetCampaignsModule } from './dataset-campaigns.module.js';
import { AnalysisService } from './analysis.service.js';
import { CampaignsService } from './campaigns.service.js';
import { ReviewService } from './review.service.js';
import { PreviewService } from './preview.service.js';
import { IncidentReportService } from './incident-report.service.js';
import { UpdateJob } from './update-job.js';
import { NoticeRevisions } from './notice-revisions.service.js';
import { RevisionReconciler } from './revision-reconciler.js';

@Module({
  // DatasetCampaignsModule: the ingest's view of the campaigns of a data set (libs/exposure)
  imports: [
    ExposureModule,
    NoticesModule,
    NoticesStoreModule,
    DirectoryModule,
    MailModule,
    MetricsModule,
    WebhooksModule,
    RecipientsModule,
    DatasetCampaignsModule,
    IncidentsModule,
  ],
  providers: [
    CampaignsRepository,
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
    ReminderRun,
    UpdateJob,
    NoticeRevisions,
    RevisionReconciler,
    CampaignStatusView,
    IdentifiedImpactGate,
    IncidentReportService,
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
    ReminderRun,
    UpdateJob,
    NoticeRevisions,
    RevisionReconciler,
    CampaignStatusView,
    IdentifiedImpactGate,
    IncidentReportService,
    IncidentsModule,
  ],
})
export class CampaignsModule {}
