import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { CampaignsService } from '../campaigns/campaigns.service.js';
import { CampaignsRepository } from '../campaigns/campaigns.repository.js';
import { BadInputError } from '../common/errors.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import { NoticesRepository } from '../notices/notices.repository.js';
import {
  csvHeader,
  csvLines,
  exportFileName,
  LIST_SEPARATOR,
  reviewOutcome,
  type ExportKind,
  type ExportRow,
} from './export-columns.js';
import { rateRows, type RateBucket, type RateBucketRow } from './rates.js';

async function* asCsv<K extends ExportKind>(
  kind: K,
  pages: AsyncGenerator<ExportRow<K>[]>,
): AsyncGenerator<{ rows: number; text: string }> {
  for await (const rows of pages) yield { rows: rows.length, text: csvLines(kind, rows) };
}

/** Rows read per statement: a page of a 100k-tenant campaign, never the campaign. */
export const EXPORT_PAGE = 1000;

export interface CampaignExport {
  fileName: string;
  /** the CSV text a page at a time; the export is audited when it ends, complete or not */
  chunks: AsyncGenerator<string>;
  /** rows written so far */
  counts: { rows: number };
}

export interface CampaignRates {
  campaignId: string;
  bucket: RateBucket;
  launchedAt: string | null;
  affectedTenants: number;
  buckets: RateBucketRow[];
}

/**
 * What operators read of a campaign in bulk: its decisions, deliveries, notices and audit events
 * as CSV (streamed from keyset pages, never the whole file in memory), and its rates over time.
 * Reads each table family through its owner.
 */
@Injectable()
export class CampaignReports {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly campaignsRepo: CampaignsRepository,
    private readonly notices: NoticesRepository,
    private readonly directory: DirectoryRepository,
    private readonly audit: AuditService,
  ) {}

  /** The export `kind` of a campaign; a campaign that does not exist is refused before anything is written. */
  async export(campaignId: string, kind: ExportKind, actor: string): Promise<CampaignExport> {
    await this.campaigns.get(campaignId);
    const counts = { rows: 0 };
    const pages = this.pages(campaignId, kind);
    const audit = this.audit;
    async function* chunks(): AsyncGenerator<string> {
      let complete = false;
      try {
        yield csvHeader(kind);
        for await (const page of pages) {
          counts.rows += page.rows;
          yield page.text;
        }
        complete = true;
      } finally {
        await audit.record({
          actor,
          action: 'campaign.export',
          campaignId,
          subject: kind,
          details: { what: kind, rows: counts.rows, complete },
        });
      }
    }
    return { fileName: exportFileName(campaignId, kind), chunks: chunks(), counts };
  }

  /** The export's pages as CSV text, with how many rows each holds. */
  private pages(campaignId: string, kind: ExportKind): AsyncGenerator<{ rows: number; text: string }> {
    switch (kind) {
      case 'decisions':
        return asCsv(kind, this.decisionPages(campaignId));
      case 'deliveries':
        return asCsv(kind, this.deliveryPages(campaignId));
      case 'notices':
        return asCsv(kind, this.noticePages(campaignId));
      case 'audit':
        return asCsv(kind, this.auditPages(campaignId));
    }
  }

  private async tenantNames(ids: readonly string[]): Promise<Map<string, string>> {
    const rows = await this.directory.tenantNames([...new Set(ids)]);
    return new Map(rows.map((t) => [t.id, t.name]));
  }

  private async *decisionPages(campaignId: string): AsyncGenerator<ExportRow<'decisions'>[]> {
    let after: string | null = null;
    for (;;) {
      const page = await this.campaignsRepo.decisionPage(campaignId, after, EXPORT_PAGE);
      if (!page.length) return;
      after = page[page.length - 1]!.tenant_id;
      const names = await this.tenantNames(page.map((d) => d.tenant_id));
      const items = await this.campaignsRepo.reviewItemsByKeys(campaignId, [
        ...new Set(page.flatMap((d) => d.review_keys)),
      ]);
      const byKey = new Map(items.map((i) => [i.review_key, i]));
      yield page.map((d) => ({
        tenantId: d.tenant_id,
        tenantName: names.get(d.tenant_id) ?? '',
        decision: d.decision,
        reasons: d.reasons.join(LIST_SEPARATOR),
        dataCategories: d.data_categories.join(LIST_SEPARATOR),
        records: d.records,
        ...reviewOutcome(
          d.tenant_id,
          d.review_keys
            .map((k) => byKey.get(k))
            .filter((i) => i !== undefined)
            .map((i) => ({
              resolved: i.resolved,
              resolvedTenantId: i.resolved_tenant_id,
              resolvedBy: i.resolved_by,
              resolvedAt: i.resolved_at,
              justification: i.justification,
            })),
        ),
      }));
      if (page.length < EXPORT_PAGE) return;
    }
  }

  private async *deliveryPages(campaignId: string): AsyncGenerator<ExportRow<'deliveries'>[]> {
    let after: bigint | null = null;
    for (;;) {
      const page = await this.notices.deliveryPage(campaignId, after, EXPORT_PAGE);
      if (!page.length) return;
      after = BigInt(page[page.length - 1]!.id);
      yield page.map((d) => ({
        noticeId: d.notice_id,
        tenantId: d.tenant_id,
        address: d.address,
        role: d.role,
        kind: d.kind,
        revision: d.revision,
        state: d.state,
        attempts: d.attempts,
        lastError: d.last_error,
        queuedAt: d.queued_at,
        sentAt: d.sent_at,
      }));
      if (page.length < EXPORT_PAGE) return;
    }
  }

  private async *noticePages(campaignId: string): AsyncGenerator<ExportRow<'notices'>[]> {
    let after: string | null = null;
    for (;;) {
      const page = await this.notices.noticePage(campaignId, after, EXPORT_PAGE);
      if (!page.length) return;
      after = page[page.length - 1]!.id;
      const names = await this.tenantNames(page.map((n) => n.tenant_id));
      const reads = await this.audit.noticeReads(
        campaignId,
        page.map((n) => n.id),
      );
      yield page.map((n) => ({
        noticeId: n.id,
        tenantId: n.tenant_id,
        tenantName: names.get(n.tenant_id) ?? '',
        postedAt: n.posted_at,
        lastModifiedAt: n.last_modified_at,
        readers: reads.get(n.id)?.readers ?? 0,
        firstReadAt: reads.get(n.id)?.firstReadAt ?? null,
        acknowledgements: n.acknowledgements,
        firstAcknowledgedAt: n.first_acknowledged_at,
      }));
      if (page.length < EXPORT_PAGE) return;
    }
  }

  private async *auditPages(campaignId: string): AsyncGenerator<ExportRow<'audit'>[]> {
    let after: bigint | null = null;
    for (;;) {
      const page = await this.audit.campaignEventPage(campaignId, after, EXPORT_PAGE);
      if (!page.length) return;
      after = BigInt(page[page.length - 1]!.id);
      yield page.map((e) => ({
        at: e.at,
        actor: e.actor,
        action: e.action,
        tenantId: e.tenant_id,
        subject: e.subject,
        details: e.details === null ? null : JSON.stringify(e.details),
      }));
      if (page.length < EXPORT_PAGE) return;
    }
  }

  /** Per `bucket` since the launch: notices posted, tenants with a first read and a first acknowledgement. */
  async rates(campaignId: string, bucket: RateBucket): Promise<CampaignRates> {
    const c = await this.campaigns.get(campaignId);
    const { affected } = await this.campaignsRepo.decisionCounts(campaignId);
    const base = { campaignId, bucket, affectedTenants: affected };
    if (!c.startedAt) return { ...base, launchedAt: null, buckets: [] };
    const [posted, firstReads, firstAcknowledgements] = await Promise.all([
      this.notices.noticesPostedPerBucket(campaignId, bucket),
      this.audit.firstReadsPerBucket(campaignId, bucket),
      this.notices.firstAcknowledgementsPerBucket(campaignId, bucket),
    ]);
    try {
      const buckets = rateRows({
        launchedAt: c.startedAt.getTime(),
        until: Date.now(),
        bucket,
        affected,
        posted,
        firstReads,
        firstAcknowledgements,
      });
      return { ...base, launchedAt: c.startedAt.toISOString(), buckets };
    } catch (e) {
      if (e instanceof RangeError) throw new BadInputError(`bucket: ${e.message}; ask for a coarser bucket (day)`);
      throw e;
    }
  }
}
