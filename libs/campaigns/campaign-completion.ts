import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { CampaignsRepository } from './campaigns.repository.js';
import { NoticesRepository } from '../notices/notices.repository.js';

const COMPLETION_DEBOUNCE_MS = 300;

/** A campaign's decisions (its owner: the campaigns repository) and its notices and deliveries (the notices repository). */
export async function campaignCounts(
  campaigns: Pick<CampaignsRepository, 'decisionCounts'>,
  notices: Pick<NoticesRepository, 'dispatchCounts'>,
  campaignId: string,
) {
  const [decisions, dispatch] = await Promise.all([
    campaigns.decisionCounts(campaignId),
    notices.dispatchCounts(campaignId),
  ]);
  return { ...decisions, ...dispatch };
}

/** Moves a sending campaign to completed once its last notice is posted and its last email finished. */
@Injectable()
export class CampaignCompletion implements OnModuleDestroy {
  private readonly logger = new Logger(CampaignCompletion.name);
  private readonly completionTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly repo: NoticesRepository,
    private readonly campaignsRepo: CampaignsRepository,
    private readonly audit: AuditService,
  ) {}

  onModuleDestroy(): void {
    for (const t of this.completionTimers.values()) clearTimeout(t);
  }

  /** Schedules a completion check shortly after the last activity (trailing debounce). */
  touch(campaignId: string): void {
    const t = this.completionTimers.get(campaignId);
    if (t) clearTimeout(t);
    this.completionTimers.set(
      campaignId,
      setTimeout(() => {
        this.completionTimers.delete(campaignId);
        this.checkCompletion(campaignId).catch((e: Error) =>
          this.logger.error(`completion check ${campaignId}: ${e.message}`),
        );
      }, COMPLETION_DEBOUNCE_MS).unref(),
    );
  }

  /** Completes a sending campaign when every affected tenant has its notice and every email is finished. */
  async checkCompletion(campaignId: string): Promise<boolean> {
    const c = await this.campaignsRepo.find(campaignId);
    if (c?.status !== 'sending') return false;
    const n = await campaignCounts(this.campaignsRepo, this.repo, campaignId);
    if (n.notices < n.affected || n.queued + n.sending + n.retrying > 0) return false;
    if (await this.campaignsRepo.moveStatus(campaignId, 'sending', 'completed', { finishedAt: new Date() })) {
      await this.audit.record({
        actor: 'worker',
        action: 'campaign.complete',
        campaignId,
        details: { notices: n.notices, sent: n.sent, failed: n.failed },
      });
      this.logger.log(
        `campaign ${campaignId} completed: ${n.notices} notices, ${n.sent} emails sent, ${n.failed} failed`,
      );
    }
    return true;
  }
}
