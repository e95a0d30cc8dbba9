import { Injectable, Logger } from '@nestjs/common';
import { deterministicOperationId } from '../mail/mail-transport.js';
import { NoticesRepository, type ReminderCandidate, type ReminderWrite } from '../notices/notices.repository.js';
import { RECIPIENT_ROLE } from '../recipients/recipients.repository.js';
import { CampaignsRepository } from './campaigns.repository.js';
import { DispatchQueues } from './dispatch-queues.js';
import { requireIdentifiedImpact } from './identified-impact.js';
import { PRIVILEGED_ROLES } from './preview.service.js';
import { REMINDER_CAMPAIGN_STATUSES, reminderDue } from './reminder-rule.js';

/** Notices looked at per statement; the contacts of a page are read in one more. */
const PAGE = 100;

export interface ReminderRunReport {
  /** campaigns with reminders on that may send */
  campaigns: number;
  /** notices whose tenant is due a reminder */
  notices: number;
  /** reminder emails queued (new, or left unsent by an earlier run) */
  queued: number;
}

type RemindingCampaign = Awaited<ReturnType<CampaignsRepository['remindingCampaigns']>>[number];

/**
 * The reminder run: for each campaign with reminders on, the notices whose act-by date is near
 * and that nobody of their tenant has read get one reminder delivery per current privileged
 * contact (the notice job's recipients), and those emails are queued on the email queue. Safe to
 * run twice, after a crash or on two workers at once: the delivery rows' unique key writes each
 * reminder once, their deterministic job ids queue it once, and a run queues what an earlier one
 * wrote but did not get sent.
 */
@Injectable()
export class ReminderRun {
  private readonly logger = new Logger('reminders');

  constructor(
    private readonly repo: NoticesRepository,
    private readonly campaignsRepo: CampaignsRepository,
    private readonly queues: DispatchQueues,
  ) {}

  async run(now = new Date()): Promise<ReminderRunReport> {
    const report: ReminderRunReport = { campaigns: 0, notices: 0, queued: 0 };
    for (const c of await this.campaignsRepo.remindingCampaigns(REMINDER_CAMPAIGN_STATUSES)) {
      report.campaigns++;
      // one campaign's trouble does not hold back the others' reminders
      await this.remindCampaign(c, now, report).catch((e: Error) =>
        this.logger.error(`reminders of campaign ${c.id}: ${e.message}`),
      );
    }
    return report;
  }

  private async remindCampaign(c: RemindingCampaign, now: Date, report: ReminderRunReport): Promise<void> {
    for (let after: string | null = null; ;) {
      const page = await this.repo.reminderCandidates(c.id, c.remindBeforeSeconds, now, after, PAGE);
      if (!page.length) return;
      after = page[page.length - 1]!.noticeId;
      const due = page.filter((n) => reminderDue(n, c, now).remind);
      if (!due.length) continue;
      const rows = await this.reminderRows(c.id, due);
      const pending = await this.repo.writeReminders(rows);
      await this.queues.enqueueEmails(pending);
      report.notices += due.length;
      report.queued += pending.length;
    }
  }

  /** One reminder row per current privileged contact and confirmed recipient of each notice's tenant. */
  private async reminderRows(campaignId: string, due: ReminderCandidate[]): Promise<ReminderWrite[]> {
    const ctxs = await this.repo.noticeContexts(
      due.map((n) => ({ campaignId, tenantId: n.tenantId })),
      PRIVILEGED_ROLES,
    );
    return due.flatMap((n, i) => {
      const ctx = ctxs[i]!;
      try {
        // the same choke point as the notice: no identified impact, no email, a reminder included
        requireIdentifiedImpact(campaignId, n.tenantId, ctx.decision?.decision);
      } catch (e) {
        this.logger.error((e as Error).message);
        return [];
      }
      return ctx.contacts.map((ct) => ({
        campaignId,
        tenantId: n.tenantId,
        noticeId: n.noticeId,
        address: ct.email,
        role: ct.roles.find((r) => (PRIVILEGED_ROLES as readonly string[]).includes(r) || r === RECIPIENT_ROLE)!,
        locale: ct.locale,
        operationId: deterministicOperationId('notice-reminder', n.noticeId, ct.email),
      }));
    });
  }
}
