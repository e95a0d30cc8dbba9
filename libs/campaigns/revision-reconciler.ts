import { Injectable, Logger } from '@nestjs/common';
import { IncidentsService } from '../incidents/incidents.service.js';
import { NoticesRepository } from '../notices/notices.repository.js';
import { DispatchQueues } from './dispatch-queues.js';

/** Updates looked at on a worker's start: the newest, as an update older than these is long posted. */
const RECENT_UPDATES = 200;
/** Update and withdrawal emails queued again at most per start. */
const PENDING_EMAILS = 10_000;

/**
 * Redis only carries work: an update job or a revision's email job lost with it is put back from
 * what PostgreSQL says is unfinished (a notice without a revision for a recent update, a delivery
 * not sent), on a worker's start. Deterministic job ids make a repeat harmless.
 */
@Injectable()
export class RevisionReconciler {
  private readonly logger = new Logger(RevisionReconciler.name);

  constructor(
    private readonly incidents: IncidentsService,
    private readonly repo: NoticesRepository,
    private readonly queues: DispatchQueues,
  ) {}

  async reconcile(): Promise<{ updates: number; emails: number }> {
    const parked = await this.queues.parked();
    let updates = 0;
    for (const u of await this.incidents.recentUpdatesWithCampaigns(RECENT_UPDATES)) {
      const unfinished: string[] = [];
      for (const campaignId of u.campaignIds)
        if ((await this.repo.updateProgress(u.updateId, [campaignId])).pending > 0) unfinished.push(campaignId);
      if (!unfinished.length) continue;
      await this.queues.enqueueUpdate(u.updateId, unfinished, parked.notices);
      updates += unfinished.length;
    }
    const pending = await this.repo.pendingRevisionDeliveriesAll(PENDING_EMAILS);
    await this.queues.enqueueEmails(pending, parked.emails);
    if (updates || pending.length)
      this.logger.log(`queued again: ${updates} update job(s), ${pending.length} update or withdrawal email(s)`);
    return { updates, emails: pending.length };
  }
}
