import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DirectoryRepository } from '../directory/directory.repository.js';
import { AuditService } from '../audit/audit.service.js';
import { BadInputError, ConflictError, NotFoundError } from '../common/errors.js';
import { CampaignsRepository } from './campaigns.repository.js';
import { AnalysisService } from './analysis.service.js';
import { transition } from './campaign-lifecycle.js';
import { ExposureRepository } from '../exposure/exposure.repository.js';
import { explainReview, type ReviewEvidence } from './review-evidence.js';
import { readResolutions } from './review-input.js';
import type { Readable } from 'node:stream';

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
  resolution: {
    tenantId: string | null;
    by: string | null;
    at: string | null;
    /** the operator's reason; null when the resolution came without one */
    justification: string | null;
  } | null;
  assignment: { to: string; by: string | null; at: string | null } | null;
}

/** A review item with what an operator needs to judge it (`review show`). */
export type ReviewItemDetail = ReviewItemView & { evidence: ReviewEvidence };

/** Which open, unresolved items of a campaign a bulk action takes: every criterion given must hold. */
export interface ReviewFilter {
  trigger?: string;
  /** a tenant among the candidates */
  candidate?: string;
  group?: string;
  /** an operator name, or null for the unassigned */
  assignee?: string | null;
}

export interface BulkResolution {
  resolved: ReviewItemView[];
  /** items the filter took but the answer cannot apply to, each with the reason */
  skipped: { reviewItemId: string; reason: string }[];
}

export interface ImportedResolutions {
  resolved: number;
  /** lines of the file that were not applied, with their line number and reason; the others were */
  refused: { line: number; reason: string }[];
}

type StoredItem = NonNullable<Awaited<ReturnType<CampaignsRepository['reviewItemById']>>>;

interface Resolution {
  item: StoredItem;
  tenantId: string | null;
  justification: string | null;
}

/** The operator's review of uncertain attributions. */
@Injectable()
export class ReviewService {
  constructor(
    private readonly repo: CampaignsRepository,
    private readonly directory: DirectoryRepository,
    private readonly analysis: AnalysisService,
    private readonly audit: AuditService,
    private readonly records: ExposureRepository,
  ) {}

  async list(campaignId: string, opts: { all?: boolean; filter?: ReviewFilter } = {}): Promise<ReviewItemView[]> {
    if (!(await this.repo.find(campaignId))) throw new NotFoundError(`campaign ${campaignId} not found`);
    const items = (await this.repo.reviewItems(campaignId, opts.all ? {} : { open: true })).filter((i) =>
      matches(i, opts.filter ?? {}),
    );
    return this.views(items);
  }

  /** One item with each record's content, its elements, and the evidence for and against each candidate. */
  async show(reviewItemId: string): Promise<ReviewItemDetail> {
    const item = await this.repo.reviewItemById(reviewItemId);
    if (!item) throw new NotFoundError(`review item ${reviewItemId} not found`);
    const campaign = await this.repo.find(item.campaignId);
    if (!campaign) throw new NotFoundError(`campaign ${item.campaignId} not found`);
    const [attributions, rows, [view]] = await Promise.all([
      this.repo.attributionsOf(item.campaignId, item.recordIds),
      this.records.recordsById(campaign.datasetId, item.recordIds),
      this.views([item]),
    ]);
    const evidence = explainReview({
      recordIds: item.recordIds,
      candidates: item.candidates,
      triggers: item.triggers,
      names: new Map(view!.candidates.map((c) => [c.tenantId, c.name ?? c.tenantId])),
      attributions,
      records: new Map(
        rows.map((r) => [r.record_id, { upload: r.upload, line: r.line, kind: r.kind, content: r.data }]),
      ),
    });
    return { ...view!, evidence };
  }

  async resolve(
    reviewItemId: string,
    tenantId: string | null,
    actor: string,
    justification: string | null = null,
  ): Promise<ReviewItemView> {
    const item = await this.repo.reviewItemById(reviewItemId);
    if (!item) throw new NotFoundError(`review item ${reviewItemId} not found`);
    const campaign = await this.resolvableCampaign(item.campaignId);
    if (tenantId !== null && !item.candidates.includes(tenantId)) {
      throw new BadInputError(
        `tenant ${tenantId} is not a candidate of this review item (candidates: ${item.candidates.join(', ')})`,
      );
    }
    await this.apply(campaign, [{ item, tenantId, justification }], actor, {});
    const updated = await this.repo.reviewItemById(reviewItemId);
    if (!updated) throw new NotFoundError(`review item ${reviewItemId} not found`);
    return (await this.views([updated]))[0]!;
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
    justification: string | null = null,
  ): Promise<{ group: string; items: ReviewItemView[] }> {
    const campaign = await this.resolvableCampaign(campaignId);
    const items = (await this.repo.reviewItems(campaignId, { open: true, resolved: false })).filter(
      (i) => groupOf(i) === group,
    );
    if (!items.length) throw new NotFoundError(`no open review item in group ${group} of campaign ${campaignId}`);
    if (tenantId !== null && !items[0]!.candidates.includes(tenantId)) {
      throw new BadInputError(
        `tenant ${tenantId} is not a candidate of this group (candidates: ${items[0]!.candidates.join(', ')})`,
      );
    }
    await this.apply(
      campaign,
      items.map((item) => ({ item, tenantId, justification })),
      actor,
      { group },
    );
    return { group, items: await this.reread(campaignId, items) };
  }

  /**
   * Resolves every open, unresolved item the filter takes to one answer, with the operator's
   * reason, deciding once. An item the answer cannot apply to (the tenant is not among its
   * candidates) is left open and listed as skipped, not refused with the rest.
   */
  async resolveMatching(
    campaignId: string,
    filter: ReviewFilter,
    tenantId: string | null,
    justification: string,
    actor: string,
  ): Promise<BulkResolution> {
    const campaign = await this.resolvableCampaign(campaignId);
    const taken = (await this.repo.reviewItems(campaignId, { open: true, resolved: false })).filter((i) =>
      matches(i, filter),
    );
    if (!taken.length) throw new NotFoundError(`no open review item of campaign ${campaignId} matches the filter`);
    const skipped: BulkResolution['skipped'] = [];
    const apply: Resolution[] = [];
    for (const item of taken) {
      if (tenantId !== null && !item.candidates.includes(tenantId))
        skipped.push({ reviewItemId: item.id, reason: `tenant ${tenantId} is not a candidate of this item` });
      else apply.push({ item, tenantId, justification });
    }
    if (apply.length) await this.apply(campaign, apply, actor, { filter });
    return {
      resolved: await this.reread(
        campaignId,
        apply.map((r) => r.item),
      ),
      skipped,
    };
  }

  /**
   * Resolutions from a CSV file (`reviewItemId,tenantId,justification`; `tenantId` empty or
   * `none` for none). Every usable line is applied and the campaign decided once; a line that
   * cannot be used is refused with its line number and reason, and costs only itself.
   */
  async importResolutions(campaignId: string, csv: Readable, actor: string): Promise<ImportedResolutions> {
    const campaign = await this.resolvableCampaign(campaignId);
    const parsed = await readResolutions(csv);
    const refused = [...parsed.refused];
    const items = new Map((await this.repo.reviewItems(campaignId, {})).map((i) => [i.id, i]));
    const seen = new Map<string, number>();
    const apply: Resolution[] = [];
    for (const r of parsed.rows) {
      const item = items.get(r.reviewItemId);
      const earlier = seen.get(r.reviewItemId);
      if (!item)
        refused.push({ line: r.line, reason: `review item ${r.reviewItemId} is not an item of this campaign` });
      else if (earlier !== undefined)
        refused.push({ line: r.line, reason: `review item ${r.reviewItemId} is already on line ${earlier}` });
      else if (!item.open)
        refused.push({ line: r.line, reason: `review item ${r.reviewItemId} is no longer raised by the analysis` });
      else if (r.tenantId !== null && !item.candidates.includes(r.tenantId))
        refused.push({
          line: r.line,
          reason: `tenant ${r.tenantId} is not a candidate of review item ${r.reviewItemId}`,
        });
      else {
        seen.set(r.reviewItemId, r.line);
        apply.push({ item, tenantId: r.tenantId, justification: r.justification });
      }
    }
    if (apply.length) await this.apply(campaign, apply, actor, { source: 'import' });
    return { resolved: apply.length, refused: refused.sort((a, b) => a.line - b.line) };
  }

  /** Assigns the open items the filter takes, or those named, to an operator (null: unassigns them). */
  async assign(
    campaignId: string,
    target: { reviewItemIds?: readonly string[]; filter?: ReviewFilter },
    to: string | null,
    actor: string,
  ): Promise<{ assigned: number; items: ReviewItemView[] }> {
    if (!(await this.repo.find(campaignId))) throw new NotFoundError(`campaign ${campaignId} not found`);
    const all = await this.repo.reviewItems(campaignId, { open: true });
    const named = target.reviewItemIds ? new Set(target.reviewItemIds.map((i) => i.toLowerCase())) : null;
    if (named) {
      const known = new Set(all.map((i) => i.id));
      const unknown = [...named].filter((id) => !known.has(id));
      if (unknown.length)
        throw new NotFoundError(`not open review items of campaign ${campaignId}: ${unknown.join(', ')}`);
    }
    const taken = all.filter((i) => (named ? named.has(i.id) : true) && matches(i, target.filter ?? {}));
    if (!taken.length) throw new NotFoundError(`no open review item of campaign ${campaignId} matches`);
    const changed = await this.repo.assignReviews(
      campaignId,
      taken.map((i) => i.id),
      to,
      actor,
    );
    await this.audit.record({
      actor,
      action: to === null ? 'review.unassign' : 'review.assign',
      campaignId,
      subject: to,
      details: { reviewItemIds: changed, ...(target.filter ? { filter: { ...target.filter } } : {}) },
    });
    return { assigned: changed.length, items: await this.reread(campaignId, taken) };
  }

  private async resolvableCampaign(campaignId: string) {
    const campaign = await this.repo.find(campaignId);
    if (!campaign) throw new NotFoundError(`campaign ${campaignId} not found`);
    if (!transition(campaign.status, 'reviewChanged').ok)
      throw new ConflictError(
        `review items can be resolved while the campaign is ready or approved, not ${campaign.status}`,
      );
    return campaign;
  }

  /** Writes the resolutions, each audited with its reason; an approved campaign goes back to ready; decides once. */
  private async apply(
    campaign: { id: string; status: string },
    resolutions: readonly Resolution[],
    actor: string,
    context: object,
  ): Promise<void> {
    for (const { item, tenantId, justification } of resolutions) {
      await this.repo.resolveReview(campaign.id, item.reviewKey, tenantId, actor, justification);
      await this.audit.record({
        actor,
        action: 'review.resolve',
        campaignId: campaign.id,
        tenantId,
        subject: item.id,
        details: { reviewKey: item.reviewKey, tenantId, recordIds: item.recordIds, justification, ...context },
      });
    }
    // the operator approves the decisions as they now are
    if (campaign.status === 'approved') {
      await this.repo.moveStatus(campaign.id, 'approved', 'ready', { approvedBy: null, approvedAt: null });
      await this.audit.record({
        actor,
        action: 'campaign.reviewChanged',
        campaignId: campaign.id,
        details: { from: 'approved', to: 'ready' },
      });
    }
    await this.analysis.decide(campaign.id);
  }

  private async reread(campaignId: string, items: readonly { id: string }[]): Promise<ReviewItemView[]> {
    const ids = new Set(items.map((i) => i.id));
    return this.views((await this.repo.reviewItems(campaignId, {})).filter((i) => ids.has(i.id)));
  }

  private async views(items: readonly StoredItem[]): Promise<ReviewItemView[]> {
    const names = new Map(
      (await this.directory.tenantNames([...new Set(items.flatMap((i) => i.candidates))])).map((t) => [t.id, t.name]),
    );
    return items.map((i) => ({
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
            justification: i.justification ?? null,
          }
        : null,
      assignment: i.assignedTo
        ? { to: i.assignedTo, by: i.assignedBy ?? null, at: i.assignedAt?.toISOString() ?? null }
        : null,
    }));
  }
}

function matches(
  i: { candidates: string[]; triggers: string[]; assignedTo?: string | null },
  f: ReviewFilter,
): boolean {
  return (
    (f.trigger === undefined || i.triggers.includes(f.trigger)) &&
    (f.candidate === undefined || i.candidates.includes(f.candidate)) &&
    (f.group === undefined || groupOf(i) === f.group) &&
    (f.assignee === undefined || (i.assignedTo ?? null) === f.assignee)
  );
}

/** The group of a review item: its candidates and triggers, whatever the records. */
export function groupOf(i: { candidates: string[]; triggers: string[] }): string {
  const key = `${[...i.candidates].sort().join(',')}|${[...i.triggers].sort().join(',')}`;
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}
