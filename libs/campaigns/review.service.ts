import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DirectoryRepository } from '../directory/directory.repository.js';
import { AuditService } from '../audit/audit.service.js';
import { BadInputError, ConflictError, NotFoundError } from '../common/errors.js';
import { CampaignsRepository } from './campaigns.repository.js';
import { AnalysisService } from './analysis.service.js';
import { transition } from './campaign-lifecycle.js';

export interface ReviewItemView {
  reviewItemId: string;
  campaignId: string;
  recordIds: string[];
  candidates: { tenantId: string; name: string | null }[];
  triggers: string[];
  /**
   * Items with the same candidates and triggers (a common company name in many records) share
   * it: `resolveGroup` settles them all at once.
   */
  group: string;
  /** the words around the text evidence that named a candidate (`body: …`, `quotedHeader: …`) */
  excerpts: string[];
  open: boolean;
  resolved: boolean;
  resolution: { tenantId: string | null; by: string | null; at: string | null; justification: string | null } | null;
}

/** The operator's review of uncertain attributions. */
@Injectable()
export class ReviewService {
  constructor(
    private readonly repo: CampaignsRepository,
    private readonly directory: DirectoryRepository,
    private readonly analysis: AnalysisService,
    private readonly audit: AuditService,
  ) {}

  async list(campaignId: string, opts: { all?: boolean } = {}): Promise<ReviewItemView[]> {
    if (!(await this.repo.find(campaignId))) throw new NotFoundError(`campaign ${campaignId} not found`);
    const items = await this.repo.reviewItems(campaignId, opts.all ? {} : { open: true });
    const names = new Map(
      (await this.directory.tenantNames([...new Set(items.flatMap((i) => i.candidates))])).map((t) => [t.id, t.name]),
    );
    return items.map((i) => this.view(i, names));
  }

  async resolve(
    reviewItemId: string,
    tenantId: string | null,
    actor: string,
    justification?: string,
  ): Promise<ReviewItemView> {
    const item = await this.repo.reviewItemById(reviewItemId);
    if (!item) throw new NotFoundError(`review item ${reviewItemId} not found`);
    const campaign = await this.repo.find(item.campaignId);
    if (!campaign) throw new NotFoundError(`campaign ${item.campaignId} not found`);
    const t = transition(campaign.status, 'reviewChanged');
    if (!t.ok)
      throw new ConflictError(
        `review items can be resolved while the campaign is ready or approved, not ${campaign.status}`,
      );
    if (tenantId !== null && !item.candidates.includes(tenantId)) {
      throw new BadInputError(
        `tenant ${tenantId} is not a candidate of this review item (candidates: ${item.candidates.join(', ')})`,
      );
    }
    await this.repo.resolveReview(item.campaignId, item.reviewKey, tenantId, actor, justification);
    await this.audit.record({
      actor,
      action: 'review.resolve',
      campaignId: item.campaignId,
      tenantId,
      subject: item.id,
      details: {
        reviewKey: item.reviewKey,
        tenantId,
        recordIds: item.recordIds,
        ...(justification ? { justification } : {}),
      },
    });
    // An approved campaign goes back to ready: the operator approves the decisions as they now are.
    if (campaign.status === 'approved') {
      await this.repo.moveStatus(campaign.id, 'approved', 'ready', { approvedBy: null, approvedAt: null });
      await this.audit.record({
        actor,
        action: 'campaign.reviewChanged',
        campaignId: campaign.id,
        details: { from: 'approved', to: 'ready' },
      });
    }
    await this.analysis.decide(item.campaignId);
    const updated = await this.repo.reviewItemById(reviewItemId);
    if (!updated) throw new NotFoundError(`review item ${reviewItemId} not found`);
    const names = new Map((await this.directory.tenantNames(updated.candidates)).map((t) => [t.id, t.name]));
    return this.view(updated, names);
  }

  /**
   * Resolves every open, unresolved item of a campaign's group to one answer, then decides once:
   * an operator settles a name several tenants share once, not record by record.
   */
  async resolveGroup(
    campaignId: string,
    group: string,
    tenantId: string | null,
    actor: string,
    justification?: string,
  ): Promise<{ group: string; items: ReviewItemView[] }> {
    const campaign = await this.repo.find(campaignId);
    if (!campaign) throw new NotFoundError(`campaign ${campaignId} not found`);
    const t = transition(campaign.status, 'reviewChanged');
    if (!t.ok)
      throw new ConflictError(
        `review items can be resolved while the campaign is ready or approved, not ${campaign.status}`,
      );
    const items = (await this.repo.reviewItems(campaignId, { open: true, resolved: false })).filter(
      (i) => groupOf(i) === group,
    );
    if (!items.length) throw new NotFoundError(`no open review item in group ${group} of campaign ${campaignId}`);
    if (tenantId !== null && !items[0]!.candidates.includes(tenantId)) {
      throw new BadInputError(
        `tenant ${tenantId} is not a candidate of this group (candidates: ${items[0]!.candidates.join(', ')})`,
      );
    }
    for (const item of items) {
      await this.repo.resolveReview(campaignId, item.reviewKey, tenantId, actor, justification);
      await this.audit.record({
        actor,
        action: 'review.resolve',
        campaignId,
        tenantId,
        subject: item.id,
        details: {
          reviewKey: item.reviewKey,
          tenantId,
          recordIds: item.recordIds,
          group,
          ...(justification ? { justification } : {}),
        },
      });
    }
    if (campaign.status === 'approved') {
      await this.repo.moveStatus(campaign.id, 'approved', 'ready', { approvedBy: null, approvedAt: null });
      await this.audit.record({
        actor,
        action: 'campaign.reviewChanged',
        campaignId: campaign.id,
        details: { from: 'approved', to: 'ready' },
      });
    }
    await this.analysis.decide(campaignId);
    const ids = new Set(items.map((i) => i.id));
    const updated = (await this.repo.reviewItems(campaignId, {})).filter((i) => ids.has(i.id));
    const names = new Map((await this.directory.tenantNames(items[0]!.candidates)).map((x) => [x.id, x.name]));
    return { group, items: updated.map((i) => this.view(i, names)) };
  }

  private view(
    i: {
      id: string;
      campaignId: string;
      recordIds: string[];
      candidates: string[];
      triggers: string[];
      excerpts: string[];
      open: boolean;
      resolved: boolean;
      resolvedTenantId: string | null;
      resolvedBy: string | null;
      resolvedAt: Date | null;
      justification: string | null;
    },
    names: Map<string, string>,
  ): ReviewItemView {
    return {
      reviewItemId: i.id,
      campaignId: i.campaignId,
      recordIds: i.recordIds,
      candidates: i.candidates.map((c) => ({ tenantId: c, name: names.get(c) ?? null })),
      triggers: i.triggers,
      group: groupOf(i),
      excerpts: i.excerpts,
      open: i.open,
      resolved: i.resolved,
      resolution: i.resolved
        ? {
            tenantId: i.resolvedTenantId,
            by: i.resolvedBy,
            at: i.resolvedAt?.toISOString() ?? null,
            justification: i.justification,
          }
        : null,
    };
  }
}

/** The group of a review item: its candidates and triggers, whatever the records. */
export function groupOf(i: { candidates: string[]; triggers: string[] }): string {
  const key = `${[...i.candidates].sort().join(',')}|${[...i.triggers].sort().join(',')}`;
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}
