import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/errors.js';
import { IncidentsService } from '../incidents/incidents.service.js';
import { NoticesRepository } from '../notices/notices.repository.js';
import { WebhookService } from '../webhooks/webhook.service.js';
import { DispatchQueues } from './dispatch-queues.js';
import { planUpdateRevision } from './revision-plan.js';
import type { StepOutcome } from './step-outcome.js';

/** Notices revised per transaction. */
export const UPDATE_PAGE = 100;
/** Pages in a row that revise nothing (every notice moved on meanwhile) before the job is retried later. */
const MAX_IDLE_PAGES = 5;

/**
 * The update job: posts an incident update to one campaign's notices, a page at a time, each page
 * one transaction. Which notices are left is what PostgreSQL says (those without a revision for
 * the update), and a notice takes at most one revision per update (a unique key), so a crash, a
 * retry or the same job run twice never posts the update twice nor skips a notice.
 */
@Injectable()
export class UpdateJob {
  constructor(
    private readonly repo: NoticesRepository,
    private readonly incidents: IncidentsService,
    private readonly queues: DispatchQueues,
    private readonly webhooks: WebhookService,
  ) {}

  async postUpdate(updateId: string, campaignId: string): Promise<StepOutcome> {
    const update = await this.incidents.findUpdate(updateId).catch((e: unknown) => {
      if (e instanceof NotFoundError) return null;
      throw e;
    });
    if (!update) return { kind: 'skipped', reason: 'update gone' };
    let idle = 0;
    for (;;) {
      const page = await this.repo.updateCandidates(campaignId, updateId, UPDATE_PAGE);
      if (!page.length) break;
      // one time for the whole page: the section's date and the notices' lastModifiedDateTime agree
      const at = new Date();
      const written = await this.repo.writeRevisions(page.map((n) => planUpdateRevision(n, update, at)));
      if (!written.length) {
        if (++idle >= MAX_IDLE_PAGES) return { kind: 'retry', reason: 'the notices kept changing meanwhile' };
        continue;
      }
      idle = 0;
      await this.queues.enqueueEmails(written.flatMap((w) => w.deliveries));
      await this.webhooks.noticesRevised('notice.updated', written);
    }
    await this.catchUp(updateId, campaignId);
    return { kind: 'done' };
  }

  /**
   * What a run that died between a page's commit and its enqueue left behind: the update's emails
   * still to send and its events. Both are queued under deterministic ids, so doing it again is harmless.
   */
  private async catchUp(updateId: string, campaignId: string): Promise<void> {
    const revised = await this.repo.revisionsOfUpdate(updateId, campaignId);
    if (!revised.length) return;
    await this.queues.enqueueEmails(await this.repo.pendingRevisionDeliveries(revised.map((r) => r.noticeId)));
    await this.webhooks.noticesRevised('notice.updated', revised);
  }
}
