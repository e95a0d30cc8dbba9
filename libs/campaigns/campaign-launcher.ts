import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { ConflictError } from '../common/errors.js';
import { CampaignsService, type Campaign } from './campaigns.service.js';
import { PreviewService } from './preview.service.js';
import { DispatchReconciler } from './dispatch-reconciler.js';

/** The operator's sending actions: launch, pause, resume, cancel. Each is a lifecycle move, audited. */
@Injectable()
export class CampaignLauncher {
  private readonly logger = new Logger(CampaignLauncher.name);

  constructor(
    private readonly campaigns: CampaignsService,
    private readonly preview: PreviewService,
    private readonly audit: AuditService,
    private readonly reconciler: DispatchReconciler,
  ) {}

  async launch(campaignId: string, actor: string): Promise<Campaign> {
    const c = await this.campaigns.get(campaignId);
    // render every notice's template once more before anything is sent: a broken template is
    // an operator error now, not a failed job later
    await this.preflight(c);
    // what preview warned of goes with the launch into the audit log: recipients whose language
    // has no templates and who are written to in another
    const warnings = c.status === 'approved' ? await this.preview.warnings(campaignId) : [];
    const moved = await this.campaigns.move(campaignId, 'launch', actor, { startedAt: new Date(), lastError: null });
    if (warnings.length) {
      this.logger.warn(
        `campaign ${campaignId} launched with locale fallbacks: ${warnings.map((w) => `${w.recipients} × ${JSON.stringify(w.requested)} → ${w.used}`).join(', ')}`,
      );
      await this.audit.record({
        actor,
        action: 'campaign.launch.warnings',
        campaignId,
        details: { warnings: warnings.map((w) => ({ ...w })) },
      });
    }
    await this.reconciler.reconcile(campaignId);
    return moved;
  }

  async pause(campaignId: string, actor: string): Promise<Campaign> {
    return this.campaigns.move(campaignId, 'pause', actor);
  }

  async resume(campaignId: string, actor: string): Promise<Campaign> {
    const c = await this.campaigns.move(campaignId, 'resume', actor);
    await this.reconciler.reconcile(campaignId);
    return c;
  }

  /** Nothing more is sent: the jobs still queued find the campaign cancelled and end. */
  async cancel(campaignId: string, actor: string): Promise<Campaign> {
    return this.campaigns.move(campaignId, 'cancel', actor, { finishedAt: new Date() });
  }

  /**
   * Before anything is sent: every affected tenant has its exposure view, and the notice and the
   * email render in every locale the campaign will use.
   */
  private async preflight(c: Campaign): Promise<void> {
    if (c.status !== 'approved') return; // the lifecycle move refuses with its own reason
    const problems = await this.preview.renderCheck(c.id);
    if (problems.length) throw new ConflictError(`nothing was sent: ${problems.slice(0, 5).join('; ')}`);
  }
}
