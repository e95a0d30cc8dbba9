import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { Metrics } from '../observability/metrics.js';
import { DirectoryIndex } from '../attribution/directory-index.js';
import { attributeRecord } from '../attribution/attribute-record.js';
import { DecisionAccumulator } from '../attribution/decide.js';
import { buildExposureView, collectFileOwners, type FileOwners } from '../attribution/exposure-view.js';
import { applyResolution, resolutionLookup, touchedTenants } from '../attribution/review.js';
import type { RecordAttribution, ReviewResolution } from '../attribution/attribution.types.js';
import { normalizeRecord } from '../exposure/rules/normalize-record.js';
import type { ExposureRecordInput } from '../exposure/exposure.types.js';
import { NotFoundError } from '../common/errors.js';
import { CampaignsRepository, type StoredAttribution } from './campaigns.repository.js';

const PAGE = 5000;

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
 * Attribution and decisions for a campaign (issue 3): every record of the data set is
 * attributed against an index of the directory built once; the decisions, review items and each
 * affected tenant's exposure view are then derived from the stored attributions, so resolving a
 * review item recomputes them without attributing again.
 */
@Injectable()
export class AnalysisService {
  private readonly logger = new Logger(AnalysisService.name);

  constructor(
    private readonly repo: CampaignsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  async attribute(campaignId: string, onProgress?: (p: AnalysisProgress) => void): Promise<AnalysisSummary> {
    const campaign = await this.repo.find(campaignId);
    if (!campaign) throw new NotFoundError(`campaign ${campaignId} not found`);
    const index = DirectoryIndex.build(await this.repo.loadDirectory(), this.config.OPERATOR_DOMAINS);
    await this.repo.clearAttributions(campaignId);
    let after: string | null = null;
    let records = 0;
    let kept = 0;
    for (;;) {
      const page = await this.repo.recordPage(campaign.datasetId, after, PAGE);
      if (!page.length) break;
      const rows: StoredAttribution[] = [];
      for (const r of page) {
        const ra = attributeRecord(normalizeRecord(r.data as unknown as ExposureRecordInput), index);
        // a record that names nobody, not even weakly, adds nothing to any decision
        const touched = touchedTenants(ra);
        if (!touched.length) continue;
        rows.push({ recordId: r.record_id, itemKey: r.cluster_id, tenantIds: touched, attribution: JSON.stringify(ra) });
      }
      await this.repo.insertAttributions(campaignId, rows);
      records += page.length;
      this.metrics.attributionRecords.inc(page.length);
      kept += rows.length;
      after = page[page.length - 1]!.record_id;
      onProgress?.({ phase: 'attributing', done: records });
    }
    this.logger.log(`campaign ${campaignId}: ${records} records attributed, ${kept} touch a tenant`);
    const summary = await this.decide(campaignId, onProgress);
    return { ...summary, records, attributedRecords: kept };
  }

  /**
   * Decisions, review items and exposure views from the stored attributions and resolutions.
   * One at a time per campaign: two operators resolving at once must not let the older
   * computation overwrite the newer one.
   */
  async decide(campaignId: string, onProgress?: (p: AnalysisProgress) => void): Promise<Omit<AnalysisSummary, 'records' | 'attributedRecords'>> {
    return this.repo.withCampaignLock(campaignId, () => this.decideLocked(campaignId, onProgress));
  }

  private async decideLocked(campaignId: string, onProgress?: (p: AnalysisProgress) => void): Promise<Omit<AnalysisSummary, 'records' | 'attributedRecords'>> {
    const resolutions: ReviewResolution[] = (await this.repo.resolvedReviews(campaignId)).map((r) => ({ reviewKey: r.reviewKey, tenantId: r.resolvedTenantId }));
    const lookup = resolutionLookup(resolutions);
    const acc = new DecisionAccumulator();
    const fileOwners: FileOwners = new Map();
    let after: string | null = null;
    let done = 0;
    for (;;) {
      const page = await this.repo.attributionPage(campaignId, after, PAGE);
      if (!page.length) break;
      for (const row of page) {
        const ra = row.attribution as RecordAttribution;
        acc.add(ra, row.item_key);
        collectFileOwners(fileOwners, applyResolution(ra, row.item_key, lookup));
      }
      done += page.length;
      after = page[page.length - 1]!.record_id;
      onProgress?.({ phase: 'deciding', done });
    }
    const outcome = acc.finish(resolutions);

    const affected = outcome.decisions.filter((d) => d.decision === 'affected').map((d) => d.tenantId);
    const views: { tenantId: string; view: object }[] = [];
    let cursor: { tenantId: string; recordId: string } | null = null;
    let current = null as { tenantId: string; records: RecordAttribution[] } | null;
    const close = () => {
      if (current) views.push({ tenantId: current.tenantId, view: buildExposureView(current.tenantId, current.records, fileOwners) });
    };
    for (;;) {
      const page = await this.repo.tenantAttributionPage(campaignId, affected, cursor, PAGE);
      if (!page.length) break;
      for (const row of page) {
        if (current?.tenantId !== row.tenant_id) {
          close();
          current = { tenantId: row.tenant_id, records: [] };
        }
        current.records.push(applyResolution(row.attribution as RecordAttribution, row.item_key, lookup));
      }
      const last = page[page.length - 1]!;
      cursor = { tenantId: last.tenant_id, recordId: last.record_id };
      onProgress?.({ phase: 'views', done: views.length });
    }
    close();

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
      outcome.reviewItems.map((r) => ({ reviewKey: r.reviewKey, itemKey: r.itemKey, recordIds: r.recordIds, candidates: r.candidates, triggers: [...r.triggers] })),
      views as { tenantId: string; view: never }[],
      summary,
    );
    return summary;
  }
}
