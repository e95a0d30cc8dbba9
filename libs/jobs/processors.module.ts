import { Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CampaignsModule } from '../campaigns/campaigns.module.js';
import { DispatchReconciler } from '../campaigns/dispatch-reconciler.js';
import { RevisionReconciler } from '../campaigns/revision-reconciler.js';
import { AnalysisProcessor } from './processors/analysis.processor.js';
import { NoticeProcessor } from './processors/notice.processor.js';
import { EmailProcessor } from './processors/email.processor.js';
import { WebhookProcessor } from './processors/webhook.processor.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { WebhookService } from '../webhooks/webhook.service.js';

/** Every BullMQ processor; the worker runs them, and so does a CLI command given --wait. */
@Module({
  imports: [CampaignsModule, WebhooksModule],
  providers: [AnalysisProcessor, NoticeProcessor, EmailProcessor, WebhookProcessor],
})
export class ProcessorsModule implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly reconciler: DispatchReconciler,
    private readonly revisions: RevisionReconciler,
    private readonly analysis: AnalysisProcessor,
    private readonly notices: NoticeProcessor,
    private readonly emails: EmailProcessor,
    private readonly webhookDeliveries: WebhookProcessor,
    private readonly webhooks: WebhookService,
  ) {}

  /** Redis is not the record: on start, put back whatever PostgreSQL says is unfinished. */
  async onApplicationBootstrap(): Promise<void> {
    await this.reconciler.reconcileAll();
    await this.revisions.reconcile();
    await this.webhooks.reconcile();
  }

  /**
   * On SIGTERM, stop taking jobs and let the ones running finish while the database is still
   * there: Nest closes BullMQ workers only at application shutdown, after every module's destroy
   * hook, so the global database module would already have ended its pool under them. This module
   * is destroyed before the global ones.
   */
  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.analysis, this.notices, this.emails, this.webhookDeliveries].map((p) => p.worker.close()));
  }
}
