import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { sameOperator } from '../auth/operator-roles.js';
import { ConflictError, NotFoundError } from '../common/errors.js';
import type { IncidentUpdateInput } from '../incidents/incident-input.js';
import { IncidentsService } from '../incidents/incidents.service.js';
import { PrismaService } from '../db/prisma.service.js';
import { NoticesRepository, type WithdrawalRow } from '../notices/notices.repository.js';
import { WebhookService } from '../webhooks/webhook.service.js';
import { DispatchQueues } from './dispatch-queues.js';
import { planWithdrawalRevision } from './revision-plan.js';
import { campaignCounts } from './campaign-completion.js';
import { CampaignsRepository } from './campaigns.repository.js';
import type { WithdrawalInput } from './revision-input.js';

const withdrawalView = (w: WithdrawalRow) => ({
  noticeId: w.noticeId,
  tenantId: w.tenantId,
  campaignId: w.campaignId,
  reason: w.reason,
  requestedBy: w.requestedBy,
  requestedAt: w.requestedAt.toISOString(),
  approvedBy: w.approvedBy,
  approvedAt: w.approvedAt?.toISOString() ?? null,
  revision: w.revision,
  status: w.approvedAt ? ('withdrawn' as const) : ('requested' as const),
});
export type WithdrawalView = ReturnType<typeof withdrawalView>;

/**
 * The operator's actions on posted notices: an incident update posted to every notice of the
 * incident (by the update jobs), and the four-eyes withdrawal of a notice sent in error.
 */
@Injectable()
export class NoticeRevisions {
  constructor(
    private readonly incidents: IncidentsService,
    private readonly repo: NoticesRepository,
    private readonly queues: DispatchQueues,
    private readonly webhooks: WebhookService,
    private readonly audit: AuditService,
    private readonly prisma: PrismaService,
    private readonly campaignsRepo: CampaignsRepository,
  ) {}

  /**
   * Writes the update and queues its posting to the notices of every campaign of the incident.
   * Refused while a campaign of the incident is still posting its notices: the update would miss
   * the notices posted after it (a campaign sent later carries the incident's words instead).
   */
  async postUpdate(incidentId: string, input: IncidentUpdateInput, actor: string) {
    const incident = await this.incidents.show(incidentId);
    for (const c of incident.campaigns) {
      if (c.status !== 'sending' && c.status !== 'paused') continue;
      const n = await campaignCounts(this.campaignsRepo, this.repo, c.campaignId);
      if (n.notices < n.affected)
        throw new ConflictError(
          `campaign ${c.campaignId} is still posting its notices (${n.notices} of ${n.affected}): post the update once they are all posted`,
        );
    }
    const update = await this.incidents.createUpdate(incidentId, input, actor);
    const campaignIds = await this.incidents.campaignIds(update.incidentId);
    await this.queues.enqueueUpdate(update.id, campaignIds);
    return {
      updateId: update.id,
      incidentId: update.incidentId,
      locales: Object.keys(update.texts).sort(),
      notify: update.notify,
      createdBy: update.createdBy,
      createdAt: update.createdAt.toISOString(),
      campaigns: campaignIds,
    };
  }

  /** How far an update has come: notices revised, notices still to revise (withdrawn ones are skipped). */
  async updateProgress(updateId: string) {
    const update = await this.incidents.findUpdate(updateId);
    const progress = await this.repo.updateProgress(update.id, await this.incidents.campaignIds(update.incidentId));
    return { updateId: update.id, incidentId: update.incidentId, ...progress };
  }

  /** One operator asks for a notice's withdrawal; another approves it (`approveWithdrawal`). */
  async requestWithdrawal(noticeId: string, input: WithdrawalInput, actor: string): Promise<WithdrawalView> {
    const n = await this.repo.revisableNotice(noticeId);
    if (!n) throw new NotFoundError(`notice ${noticeId} not found`);
    if (!(await this.repo.requestWithdrawal(n.id, input.reason, actor))) {
      const w = (await this.repo.withdrawal(n.id))!;
      throw new ConflictError(
        w.approvedAt
          ? `notice ${n.id} is already withdrawn`
          : `a withdrawal of notice ${n.id} is already asked for (by ${w.requestedBy}); another operator approves it`,
      );
    }
    await this.audit.record({
      actor,
      action: 'notice.withdrawalRequest',
      campaignId: n.campaignId,
      tenantId: n.tenantId,
      subject: n.id,
      details: { reason: input.reason },
    });
    return withdrawalView((await this.repo.withdrawal(n.id))!);
  }

  /**
   * Four eyes, as for a campaign's approval: the approver must be another operator than the one who
   * asked, unless `requireSecondOperator` is false (ALLOW_SELF_APPROVAL), which the audit records.
   * In one transaction: the withdrawal approved, the exposure view deleted, the current body kept as
   * a revision and replaced by the "sent in error" text, every reader's view point unread, the
   * withdrawal emails written, and the audit event. The emails and the webhook events follow.
   */
  async approveWithdrawal(
    noticeId: string,
    actor: string,
    opts: { requireSecondOperator: boolean },
  ): Promise<WithdrawalView> {
    const w = await this.repo.withdrawal(noticeId);
    if (!w) {
      if (!(await this.repo.revisableNotice(noticeId))) throw new NotFoundError(`notice ${noticeId} not found`);
      throw new ConflictError(`no withdrawal of notice ${noticeId} is asked for (notices withdraw ${noticeId})`);
    }
    if (w.approvedAt) throw new ConflictError(`notice ${w.noticeId} is already withdrawn`);
    const selfApproval = sameOperator(w.requestedBy, actor);
    if (opts.requireSecondOperator && selfApproval)
      throw new ConflictError(
        `the approver must be another operator than the one who asked for the withdrawal (${w.requestedBy})`,
      );
    const n = await this.repo.revisableNotice(w.noticeId);
    if (!n) throw new NotFoundError(`notice ${noticeId} not found`);
    const written = await this.prisma.transaction(async (tx) => {
      if (!(await this.repo.approveWithdrawal(tx, n.id, actor)))
        throw new ConflictError(`notice ${n.id} is already withdrawn`);
      const [revision] = await this.repo.writeRevisions([planWithdrawalRevision(n)], tx);
      if (!revision) throw new ConflictError(`notice ${n.id} changed meanwhile (an update was posted): approve again`);
      await this.repo.withdrawalRevision(tx, n.id, revision.revision);
      this.audit.recordMany(
        [
          {
            actor,
            action: 'notice.withdraw',
            campaignId: n.campaignId,
            tenantId: n.tenantId,
            subject: n.id,
            details: {
              requestedBy: w.requestedBy,
              revision: revision.revision,
              emails: revision.deliveries.length,
              ...(selfApproval ? { selfApproval: true } : {}),
            },
          },
        ],
        tx,
      );
      return revision;
    });
    await this.queues.enqueueEmails(written.deliveries);
    await this.webhooks.noticesRevised('notice.withdrawn', [written]);
    return withdrawalView((await this.repo.withdrawal(n.id))!);
  }

  /** A notice's withdrawal, asked or approved. */
  async withdrawal(noticeId: string): Promise<WithdrawalView> {
    const w = await this.repo.withdrawal(noticeId);
    if (!w) throw new NotFoundError(`no withdrawal of notice ${noticeId} is asked for`);
    return withdrawalView(w);
  }
}
