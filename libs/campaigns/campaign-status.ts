import { Injectable } from '@nestjs/common';
import type { DeliveryState } from '../../generated/prisma/client.js';
import { CampaignsService } from './campaigns.service.js';
import { NoticesRepository } from '../notices/notices.repository.js';
import { CampaignsRepository } from './campaigns.repository.js';
import { campaignCounts } from './campaign-completion.js';
import { formatRemindBefore } from './reminder-duration.js';

export type CampaignStatusReport = Awaited<ReturnType<CampaignStatusView['status']>>;

/** What operators read of a campaign's sending: counts, progress and the deliveries. */
@Injectable()
export class CampaignStatusView {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly repo: NoticesRepository,
    private readonly campaignsRepo: CampaignsRepository,
  ) {}

  async status(campaignId: string) {
    const c = await this.campaigns.get(campaignId);
    const [n, r] = await Promise.all([
      campaignCounts(this.campaignsRepo, this.repo, campaignId),
      this.repo.reminderCounts(campaignId),
    ]);
    const emailsTotal = n.queued + n.sending + n.sent + n.failed + n.retrying;
    const work = n.affected + emailsTotal;
    const done = n.notices + n.sent + n.failed;
    return {
      campaignId: c.id,
      status: c.status,
      counts: {
        tenants: { affected: n.affected, notAffected: n.notAffected, needsReview: n.needsReview },
        notices: { posted: n.notices, expected: n.affected },
        emails: {
          queued: n.queued + n.sending,
          sent: n.sent,
          failed: n.failed,
          retrying: n.retrying,
          total: emailsTotal,
        },
        // first reads: an update that marks a notice unread again does not take a read back
        reads: { tenantsRead: r.tenantsRead, tenantsUnread: Math.max(0, n.notices - r.tenantsRead) },
        reminders: {
          written: r.queued + r.sending + r.sent + r.failed + r.retrying,
          queued: r.queued + r.sending,
          sent: r.sent,
          failed: r.failed,
          retrying: r.retrying,
        },
        // sent after the notices, counted apart: the campaign's own figures above stay what they were
        updateEmails: n.updateEmails,
        withdrawalEmails: n.withdrawalEmails,
      },
      remindBefore: c.remindBeforeSeconds === null ? null : formatRemindBefore(c.remindBeforeSeconds),
      progress: {
        done,
        total: work,
        percent: work ? Math.floor((done / work) * 1000) / 10 : c.status === 'completed' ? 100 : 0,
      },
      startedAt: c.startedAt?.toISOString() ?? null,
      finishedAt: c.finishedAt?.toISOString() ?? null,
      approvedBy: c.approvedBy,
      lastError: c.lastError,
    };
  }

  async deliveries(campaignId: string, state: DeliveryState | undefined, skip: number, take: number) {
    await this.campaigns.get(campaignId);
    const rows = await this.repo.deliveries(campaignId, state, skip, take);
    return { campaignId, skip, take, value: rows.map((r) => ({ ...r, id: r.id.toString() })) };
  }
}
