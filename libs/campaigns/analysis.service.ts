import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { Metrics } from '../observability/metrics.js';
import { DirectoryIndex } from '../attribution/directory-index.js';
import { attributeRecord } from '../attribution/attribute-record.js';
import { ItemAttribution } from '../attribution/item-attribution.js';
import { DecisionAccumulator } from '../attribution/decide.js';
import { buildExposureView, collectFileOwners, type FileOwners } from '../attribution/exposure-view.js';
import { applyResolution, resolutionLookup, type ResolutionLookup } from '../attribution/review.js';
import type { RecordAttribution, ReviewResolution } from '../attribution/attribution.types.js';
import { normalizeRecord } from '../exposure/rules/normalize-record.js';
import type { ExposureRecordInput } from '../exposure/exposure.types.js';
import { NotFoundError } from '../common/errors.js';
import { quiet } from '../common/quiet.js';
import { yieldToIo } from '../common/yield-to-io.js';
import { CampaignsRepository, type StoredAttribution } from './campaigns.repository.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import { ExposureRepository } from '../exposure/exposure.repository.js';

/** How the analysis pages through a data set; a test makes them small to cross every boundary. */
export const ANALYSIS_PAGING = {
  /** records or attribution rows per query */
  page: 5000,
  /** affected tenants per exposure-view query */
  tenantWindow: 1000,
};
/**
 * Records attributed between two turns of the event loop: a page is seconds of synchronous
 * work, and meanwhile the next page's rows and the COPY of the previous one wait behind it.
 */
const YIELD_EVERY = 250;

export interface AnalysisProgress {
  phase: 'attributing' | 'deciding' | 'views';
  done: number;
}

export interface AnalysisSummary {
  records: number;
  attributedRecords: number;
  tenants: { affected: number; notAffected: number; needsReview: number };
  reviewItems: number;
  openReviewItems: number;
}

/**
 * Attribution and decisions for a campaign: every record of the data set is
 * attributed against an index of the directory built once; the decisions, review items and each
 * affected tenant's exposure view are then derived from the stored attributions, so resolving a
 * review item recomputes them without attributing again.
 */
@Injectable()
export class AnalysisService {
  private readonly logger = new Logger(AnalysisService.name);

  constructor(
    private readonly repo: CampaignsRepository,
    private readonly directory: DirectoryRepository,
    private readonly records: ExposureRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  async attribute(campaignId: string, onProgress?: (p: AnalysisProgress) => void): Promise<AnalysisSummary> {
    const campaign = await this.repo.find(campaignId);
    if (!campaign) throw new NotFoundError(`campaign ${campaignId} not found`);
    await this.repo.clearAttributions(campaignId);
    // The decisions' first pass runs here, on the attributions as they are made, instead of
    // reading them all back; it needs the resolutions, which are checked again under the lock.
    const resolutions = await this.resolutions(campaignId);
    const pass = new DecisionPass(resolutions);
    const { records, kept } = await this.attributeAll(campaignId, campaign.datasetId, pass, onProgress);
    this.logger.log(`campaign ${campaignId}: ${records} records attributed, ${kept} touch a tenant`);
    const summary = await this.repo.withCampaignLock(campaignId, async () => {
      const now = await this.resolutions(campaignId);
      // an operator resolved a review item meanwhile: decide from the stored attributions
      if (!sameResolutions(now, resolutions)) return this.decideLocked(campaignId, onProgress);
      return this.finish(campaignId, pass, onProgress);
    });
    return { ...summary, records, attributedRecords: kept };
  }

  /**
   * Attributes every record of the data set and stores those that touch a tenant. The next page
   * is read and the previous one written while a page is attributed.
   */
  private async attributeAll(
    campaignId: string,
    datasetId: string,
    pass: DecisionPass,
    onProgress?: (p: AnalysisProgress) => void,
  ): Promise<{ records: number; kept: number }> {
    const index = DirectoryIndex.build(await this.directory.loadDirectory(), this.config.OPERATOR_DOMAINS);
    let records = 0;
    let kept = 0;
    let next = quiet(this.records.recordPage(datasetId, null, ANALYSIS_PAGING.page));
    let writing: Promise<void> = Promise.resolve();
    // the records come item by item: each item is attributed at its first record, its copies
    // (possibly on the next page) take that attribution with their own recordId
    let item = null as ItemAttribution | null;
    try {
      for (;;) {
        const page = await next;
        if (!page.length) break;
        const last = page[page.length - 1]!;
        next = quiet(
          this.records.recordPage(
            datasetId,
            { fingerprint: last.fingerprint, recordId: last.record_id },
            ANALYSIS_PAGING.page,
          ),
        );
        const rows: StoredAttribution[] = [];
        for (let i = 0; i < page.length; i++) {
          if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToIo();
          const r = page[i]!;
          if (item?.fingerprint !== r.fingerprint) {
            const rec = JSON.parse(r.data) as ExposureRecordInput;
            item = new ItemAttribution(r.fingerprint, attributeRecord(normalizeRecord(rec), index));
          }
          // a record that names nobody, not even weakly, adds nothing to any decision
          if (!item.tenants.length) continue;
          rows.push({
            recordId: r.record_id,
            itemKey: r.cluster_id,
            tenantIds: item.tenants,
            attribution: item.jsonFor(r.record_id),
          });
          pass.add(item.forRecord(r.record_id), r.cluster_id);
        }
        await writing;
        writing = quiet(this.repo.insertAttributions(campaignId, rows));
        records += page.length;
        this.metrics.attributionRecords.inc(page.length);
        kept += rows.length;
        onProgress?.({ phase: 'attributing', done: records });
      }
    } finally {
      // nothing is left running when this returns or throws
      await Promise.allSettled([next, writing]);
    }
    await writing;
    await this.repo.indexTenantRecords(campaignId);
    return { records, kept };
  }

  /**
   * Decisions, review items and exposure views from the stored attributions and resolutions.
   * One at a time per campaign: two operators resolving at once must not let the older
   * computation overwrite the newer one.
   */
  async decide(
    campaignId: string,
    onProgress?: (p: AnalysisProgress) => void,
  ): Promise<Omit<AnalysisSummary, 'records' | 'attributedRecords'>> {
    return this.repo.withCampaignLock(campaignId, () => this.decideLocked(campaignId, onProgress));
  }

  private async resolutions(campaignId: string): Promise<ReviewResolution[]> {
    return (await this.repo.resolvedReviews(campaignId)).map((r) => ({
      reviewKey: r.reviewKey,
      tenantId: r.resolvedTenantId,
    }));
  }

  private async decideLocked(
    campaignId: string,
    onProgress?: (p: AnalysisProgress) => void,
  ): Promise<Omit<AnalysisSummary, 'records' | 'attributedRecords'>> {
    const pass = new DecisionPass(await this.resolutions(campaignId));
    let after: string | null = null;
    let done = 0;
    for (;;) {
      const page = await this.repo.attributionPage(campaignId, after, ANALYSIS_PAGING.page);
      if (!page.length) break;
      for (const row of page) pass.add(row.attribution as RecordAttribution, row.item_key);
      done += page.length;
      after = page[page.length - 1]!.record_id;
      onProgress?.({ phase: 'deciding', done });
    }
    return this.finish(campaignId, pass, onProgress);
  }

  /** Decisions from the first pass; each affected tenant's view from a second, per-tenant pass, written as it is built. */
  private async finish(
    campaignId: string,
    pass: DecisionPass,
    onProgress?: (p: AnalysisProgress) => void,
  ): Promise<Omit<AnalysisSummary, 'records' | 'attributedRecords'>> {
    const outcome = pass.acc.finish(pass.resolutions);
    const affected = outcome.decisions.filter((d) => d.decision === 'affected').map((d) => d.tenantId);
    const summary = {
      tenants: outcome.tenants,
      reviewItems: outcome.reviewItems.length,
      openReviewItems: outcome.reviewItems.filter((r) => r.resolution === null).length,
    };
    await this.repo.saveOutcome(
      campaignId,
      outcome.decisions.map((d) => ({
        tenantId: d.tenantId,
        decision: d.decision,
        reasons: d.reasons,
        dataCategories: [...d.dataCategories],
        records: d.records,
        rawRecords: d.rawRecords,
        reviewKeys: d.reviewKeys,
      })),
      outcome.reviewItems.map((r) => ({
        reviewKey: r.reviewKey,
        itemKey: r.itemKey,
        recordIds: r.recordIds,
        candidates: r.candidates,
        triggers: [...r.triggers],
        excerpts: r.excerpts,
      })),
      this.views(campaignId, affected, pass, onProgress),
      summary,
    );
    return summary;
  }

  /** Each affected tenant's exposure view, tenant by tenant (the next page read while one is built). */
  private async *views(
    campaignId: string,
    affected: string[],
    pass: DecisionPass,
    onProgress?: (p: AnalysisProgress) => void,
  ): AsyncGenerator<{ tenantId: string; view: object }> {
    let built = 0;
    let current = null as { tenantId: string; records: RecordAttribution[] } | null;
    // Each query names a window of the affected tenants, not all of them: the whole list (36,000
    // at a million records) was serialized, sent and parsed again for every page.
    let from = 0;
    const query = (after: { tenantId: string; recordId: string } | null) =>
      quiet(
        this.repo.tenantAttributionPage(
          campaignId,
          affected.slice(from, from + ANALYSIS_PAGING.tenantWindow),
          after,
          ANALYSIS_PAGING.page,
        ),
      );
    let next = affected.length ? query(null) : null;
    try {
      while (next) {
        const page = await next;
        if (page.length === ANALYSIS_PAGING.page) {
          const last = page[page.length - 1]!;
          next = query({ tenantId: last.tenant_id, recordId: last.record_id });
        } else {
          // this window's rows are all read
          from += ANALYSIS_PAGING.tenantWindow;
          next = from < affected.length ? query(null) : null;
        }
        for (const row of page) {
          if (current?.tenantId !== row.tenant_id) {
            if (current) {
              yield {
                tenantId: current.tenantId,
                view: buildExposureView(current.tenantId, current.records, pass.fileOwners),
              };
              built++;
            }
            current = { tenantId: row.tenant_id, records: [] };
          }
          current.records.push(applyResolution(row.attribution as RecordAttribution, row.item_key, pass.lookup));
        }
        onProgress?.({ phase: 'views', done: built });
      }
      if (current)
        yield {
          tenantId: current.tenantId,
          view: buildExposureView(current.tenantId, current.records, pass.fileOwners),
        };
    } finally {
      await Promise.allSettled([next]);
    }
  }
}

/** The decisions' pass over the stored attributions: the accumulator and who owns each file. */
class DecisionPass {
  readonly acc = new DecisionAccumulator();
  readonly fileOwners: FileOwners = new Map();
  readonly lookup: ResolutionLookup;

  constructor(readonly resolutions: ReviewResolution[]) {
    this.lookup = resolutionLookup(resolutions);
  }

  add(ra: RecordAttribution, itemKey: string): void {
    this.acc.add(ra, itemKey);
    collectFileOwners(this.fileOwners, applyResolution(ra, itemKey, this.lookup));
  }
}

function sameResolutions(a: ReviewResolution[], b: ReviewResolution[]): boolean {
  if (a.length !== b.length) return false;
  const m = resolutionLookup(a);
  return b.every((r) => m.has(r.reviewKey) && m.get(r.reviewKey) === r.tenantId);
}
