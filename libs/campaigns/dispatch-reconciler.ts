import { Injectable, Logger } from '@nestjs/common';
import { CampaignsRepository } from './campaigns.repository.js';
import { NoticesRepository } from '../notices/notices.repository.js';
import { DispatchQueues } from './dispatch-queues.js';
import { CampaignCompletion } from './campaign-completion.js';

const PAGE = 1000;

/**
 * Redis only carries work: any of it can be lost, and reconcile puts back what PostgreSQL says is
 * unfinished (on launch, resume and worker start). Deterministic job ids make a repeat harmless.
 */
@Injectable()
export class DispatchReconciler {
  private readonly logger = new Logger(DispatchReconciler.name);

  constructor(
    private readonly repo: NoticesRepository,
    private readonly campaignsRepo: CampaignsRepository,
    private readonly queues: DispatchQueues,
    private readonly completion: CampaignCompletion,
  ) {}

  /** Enqueues every unfinished step of a sending campaign: notices not posted, deliveries not finished. */
  async reconcile(campaignId: string): Promise<{ notices: number; emails: number }> {
    let notices = 0;
    let emails = 0;
    const parked = await this.queues.parked();
    // Mail first: at a launch nothing is posted yet, so this pass is empty, instead of chasing the
    // notices the workers post meanwhile (their jobs queue their own emails).
    for (let after: string | null = null; ;) {
      const page = await this.repo.noticesWithPendingDeliveries(campaignId, after, PAGE);
      if (!page.length) break;
      const pending = page.flatMap((n) => n.pending);
      await this.queues.enqueueEmails(pending, parked.emails);
      emails += pending.length;
      // a notice whose deliveries were never written goes through the notice job again
      const bare = page.filter((n) => !n.hasDeliveries).map((n) => n.tenantId);
      await this.queues.enqueueNotices(campaignId, bare, parked.notices);
      notices += bare.length;
      after = page[page.length - 1]!.id;
    }
    // affected tenants a page at a time, less those with a notice: two statements a page, one per table family
    for (let after: string | null = null; ;) {
      const affected = await this.campaignsRepo.affectedTenants(campaignId, after, PAGE);
      if (!affected.length) break;
      const posted = await this.repo.tenantsWithNotice(campaignId, affected);
      const tenants = affected.filter((t) => !posted.has(t));
      if (tenants.length) await this.queues.enqueueNotices(campaignId, tenants, parked.notices);
      notices += tenants.length;
      after = affected[affected.length - 1]!;
    }
    this.completion.touch(campaignId);
    return { notices, emails };
  }

  /** Reconciles every campaign that is sending: run when a worker starts. */
  async reconcileAll(): Promise<void> {
    for (const c of await this.campaignsRepo.list(0, 1000)) {
      if (c.status === 'sending')
        await this.reconcile(c.id).catch((e: Error) => this.logger.error(`reconcile ${c.id}: ${e.message}`));
    }
  }
}
