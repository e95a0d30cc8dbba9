import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { analyticQuery } from '../db/analytic.js';
import { copyRowsPooled, copyText, copyTextArray } from '../db/copy.js';
import { PrismaService } from '../db/prisma.service.js';
import type { Prisma, CampaignStatus, Decision } from '../../generated/prisma/client.js';
import type { DirectoryTenant } from '../attribution/directory-index.js';
import type { DatasetCampaign } from '../exposure/exposure.repository.js';

export interface StoredAttribution {
  recordId: string;
  itemKey: string;
  tenantIds: string[];
  attribution: string;
}

/** Campaign tables: thin reads and writes, bulk where an analysis writes many rows. */
@Injectable()
export class CampaignsRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(data: Prisma.CampaignUncheckedCreateInput) {
    return this.prisma.campaign.create({ data });
  }

  find(id: string) {
    return this.prisma.campaign.findUnique({ where: { id } });
  }

  list(skip: number, take: number) {
    return this.prisma.campaign.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip, take });
  }

  /** Moves the status only if it is still `from`: two operators cannot both win a race. */
  async moveStatus(
    id: string,
    from: CampaignStatus,
    to: CampaignStatus,
    data: Prisma.CampaignUpdateInput = {},
  ): Promise<boolean> {
    const r = await this.prisma.campaign.updateMany({ where: { id, status: from }, data: { ...data, status: to } });
    return r.count === 1;
  }

  update(id: string, data: Prisma.CampaignUpdateInput) {
    return this.prisma.campaign.update({ where: { id }, data });
  }

  /** Runs fn holding a PostgreSQL advisory lock on the campaign (held on one pooled connection). */
  async withCampaignLock<T>(campaignId: string, fn: () => Promise<T>): Promise<T> {
    const client = await this.prisma.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [campaignId]);
      try {
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [campaignId]);
      }
    } finally {
      client.release();
    }
  }

  /** The whole directory in the shape the attribution index is built from. */
  async loadDirectory(): Promise<DirectoryTenant[]> {
    const res = await this.prisma.pool.query<{
      id: string;
      name: string;
      aliases: string[];
      phones: string[];
      domains: string[] | null;
      conflicted: string[] | null;
      contacts: { email: string; roles: string[] }[] | null;
    }>(
      // a domain with claims is in conflict: it goes to every claimant as conflicted, to none as verified
      `SELECT t.id, t.name, t.aliases, t.phones,
              (SELECT array_agg(d.domain) FROM tenant_domains d WHERE d.tenant_id = t.id
                  AND NOT EXISTS (SELECT 1 FROM tenant_domain_claims c WHERE c.domain = d.domain)) AS domains,
              (SELECT array_agg(x.domain) FROM (
                  SELECT c.domain FROM tenant_domain_claims c WHERE c.tenant_id = t.id
                  UNION
                  SELECT d.domain FROM tenant_domains d WHERE d.tenant_id = t.id
                     AND EXISTS (SELECT 1 FROM tenant_domain_claims c WHERE c.domain = d.domain)) x) AS conflicted,
              (SELECT json_agg(json_build_object('email', c.email, 'roles', c.roles)) FROM tenant_contacts c WHERE c.tenant_id = t.id) AS contacts
         FROM tenants t`,
    );
    return res.rows.map((r) => ({
      id: r.id,
      name: r.name,
      aliases: r.aliases,
      phones: r.phones,
      domains: r.domains ?? [],
      contacts: r.contacts ?? [],
      conflictedDomains: r.conflicted ?? [],
    }));
  }

  /**
   * A page of a data set's records with their cluster, item by item: in (fingerprint, recordId)
   * order, so that the copies of an item come one after the other (keyset pagination).
   */
  async recordPage(datasetId: string, after: { fingerprint: string; recordId: string } | null, limit: number) {
    const res = await this.prisma.pool.query<{
      record_id: string;
      fingerprint: string;
      data: string;
      cluster_id: string;
    }>(
      // data as text: a copy of the item before it is not parsed at all
      `SELECT r.record_id, r.fingerprint, r.data::text AS data, i.cluster_id
         FROM exposure_records r JOIN items i ON i.dataset_id = r.dataset_id AND i.fingerprint = r.fingerprint
        WHERE r.dataset_id = $1 AND ($2::text IS NULL OR (r.fingerprint, r.record_id) > ($2::text, $3::text))
          -- the same bound on the items: without it a merge join reads them from the first one, every page
          AND ($2::text IS NULL OR i.fingerprint >= $2::text)
        ORDER BY r.fingerprint, r.record_id LIMIT $4`,
      [datasetId, after?.fingerprint ?? null, after?.recordId ?? null, limit],
    );
    return res.rows;
  }

  async clearAttributions(campaignId: string): Promise<void> {
    await this.prisma.pool.query('DELETE FROM record_attributions WHERE campaign_id = $1', [campaignId]);
    await this.prisma.pool.query('DELETE FROM tenant_records WHERE campaign_id = $1', [campaignId]);
  }

  /**
   * Stores a page of attributions with COPY (the campaign's earlier ones were cleared first).
   * indexTenantRecords follows once they are all in.
   */
  async insertAttributions(campaignId: string, rows: StoredAttribution[]): Promise<void> {
    if (!rows.length) return;
    const attributions = rows.map(
      (r) =>
        `${campaignId}\t${copyText(r.recordId)}\t${copyText(r.itemKey)}\t${copyTextArray(r.tenantIds)}\t${copyText(r.attribution)}\n`,
    );
    await copyRowsPooled(
      this.prisma.pool,
      'COPY record_attributions (campaign_id, record_id, item_key, tenant_ids, attribution) FROM STDIN',
      attributions,
    );
  }

  /**
   * The (tenant, record) pairs of the campaign's attributions, the look-up of the per-tenant
   * views. Written in one statement, sorted: written page by page, in record order, every pair
   * went to a random leaf of the index, and at a million records that was half the analysis.
   */
  async indexTenantRecords(campaignId: string): Promise<void> {
    await analyticQuery(this.prisma.pool, {
      sql: `INSERT INTO tenant_records (campaign_id, tenant_id, record_id)
       SELECT DISTINCT $1::uuid, t.id::uuid, ra.record_id
         FROM record_attributions ra, unnest(ra.tenant_ids) AS t(id)
        WHERE ra.campaign_id = $1
        ORDER BY 2, 3`,
      parameters: [campaignId],
    });
  }

  /** A page of stored attributions, in recordId order. */
  async attributionPage(campaignId: string, after: string | null, limit: number) {
    const res = await this.prisma.pool.query<{ record_id: string; item_key: string; attribution: unknown }>(
      `SELECT record_id, item_key, attribution FROM record_attributions
        WHERE campaign_id = $1 AND ($2::text IS NULL OR record_id > $2) ORDER BY record_id LIMIT $3`,
      [campaignId, after, limit],
    );
    return res.rows;
  }

  /** A page of (tenant, attribution) rows for the given tenants, ordered by tenant then record. */
  async tenantAttributionPage(
    campaignId: string,
    tenantIds: string[],
    after: { tenantId: string; recordId: string } | null,
    limit: number,
  ) {
    const res = await this.prisma.pool.query<{
      tenant_id: string;
      record_id: string;
      item_key: string;
      attribution: unknown;
    }>(
      `SELECT tr.tenant_id, tr.record_id, ra.item_key, ra.attribution
         FROM tenant_records tr JOIN record_attributions ra ON ra.campaign_id = tr.campaign_id AND ra.record_id = tr.record_id
        WHERE tr.campaign_id = $1 AND tr.tenant_id = ANY($2::uuid[])
          AND ($3::uuid IS NULL OR (tr.tenant_id, tr.record_id) > ($3::uuid, $4::text))
        ORDER BY tr.tenant_id, tr.record_id LIMIT $5`,
      [campaignId, tenantIds, after?.tenantId ?? null, after?.recordId ?? null, limit],
    );
    return res.rows;
  }

  resolvedReviews(campaignId: string) {
    return this.prisma.reviewItem.findMany({
      where: { campaignId, resolved: true },
      select: { reviewKey: true, resolvedTenantId: true },
    });
  }

  /**
   * Replaces the campaign's decisions, review items (keeping resolutions) and exposure views in
   * one transaction. The views may be produced while they are written (an async iterable), so
   * that they are never all in memory at once.
   */
  async saveOutcome(
    campaignId: string,
    decisions: {
      tenantId: string;
      decision: Decision;
      reasons: string[];
      dataCategories: string[];
      records: number;
      rawRecords: number;
      reviewKeys: string[];
    }[],
    reviews: {
      reviewKey: string;
      itemKey: string;
      recordIds: string[];
      candidates: string[];
      triggers: string[];
      excerpts: string[];
    }[],
    views: Iterable<{ tenantId: string; view: unknown }> | AsyncIterable<{ tenantId: string; view: unknown }>,
    analysis: Prisma.InputJsonValue,
  ): Promise<void> {
    // timestamps as Prisma writes them: UTC wall time in `timestamp(3)` columns
    const now = () => new Date().toISOString();
    const client = await this.prisma.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query('DELETE FROM tenant_decisions WHERE campaign_id = $1', [campaignId]);
      for (let i = 0; i < decisions.length; i += 5000) {
        await client.query(
          `INSERT INTO tenant_decisions (campaign_id, tenant_id, decision, reasons, data_categories, records, raw_records, review_keys)
           SELECT $1, d.tenant_id, d.decision, d.reasons, d.data_categories, d.records, d.raw_records, d.review_keys
             FROM json_to_recordset($2::json)
                  AS d(tenant_id uuid, decision decision, reasons text[], data_categories text[], records int, raw_records int, review_keys text[])`,
          [
            campaignId,
            JSON.stringify(
              decisions.slice(i, i + 5000).map((d) => ({
                tenant_id: d.tenantId,
                decision: d.decision,
                reasons: d.reasons,
                data_categories: d.dataCategories,
                records: d.records,
                raw_records: d.rawRecords,
                review_keys: d.reviewKeys,
              })),
            ),
          ],
        );
      }
      await client.query('UPDATE review_items SET open = false WHERE campaign_id = $1', [campaignId]);
      // one row per key (one statement cannot upsert a row twice; the last one wins, as row by row)
      reviews = [...new Map(reviews.map((r) => [r.reviewKey, r])).values()];
      for (let i = 0; i < reviews.length; i += 5000) {
        await client.query(
          `INSERT INTO review_items (id, campaign_id, review_key, item_key, record_ids, candidates, triggers, excerpts, open)
           SELECT gen_random_uuid(), $1, r.review_key, r.item_key, r.record_ids, r.candidates, r.triggers, COALESCE(r.excerpts, '{}'), true
             FROM json_to_recordset($2::json) AS r(review_key text, item_key text, record_ids text[], candidates text[], triggers text[], excerpts text[])
           ON CONFLICT (campaign_id, review_key) DO UPDATE
              SET item_key = EXCLUDED.item_key, record_ids = EXCLUDED.record_ids, candidates = EXCLUDED.candidates,
                  triggers = EXCLUDED.triggers, excerpts = EXCLUDED.excerpts, open = true`,
          [
            campaignId,
            JSON.stringify(
              reviews.slice(i, i + 5000).map((r) => ({
                review_key: r.reviewKey,
                item_key: r.itemKey,
                record_ids: r.recordIds,
                candidates: r.candidates,
                triggers: r.triggers,
                excerpts: r.excerpts,
              })),
            ),
          ],
        );
      }
      await client.query('DELETE FROM exposure_views WHERE campaign_id = $1', [campaignId]);
      // A multi-row INSERT, not COPY: PostgreSQL refuses COPY FROM into a table under row-level
      // security, and the application role is under it here (docs/design.md "Database roles").
      let chunk: { tenant_id: string; view: unknown }[] = [];
      const flush = async () => {
        if (!chunk.length) return;
        await client.query(
          `INSERT INTO exposure_views (campaign_id, tenant_id, view, updated_at)
           SELECT $1, r.tenant_id, r.view, $3 FROM json_to_recordset($2::json) AS r(tenant_id uuid, view jsonb)`,
          [campaignId, JSON.stringify(chunk), now()],
        );
        chunk = [];
      };
      for await (const v of views) {
        chunk.push({ tenant_id: v.tenantId, view: v.view });
        if (chunk.length >= 2000) await flush();
      }
      await flush();
      const updated = await client.query(
        'UPDATE campaigns SET analysis = $2::jsonb, analyzed_at = $3, updated_at = $3 WHERE id = $1',
        [campaignId, JSON.stringify(analysis), now()],
      );
      if (updated.rowCount !== 1) throw new Error(`campaign ${campaignId} not found`);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch((e: Error) => {
        broken = e;
      });
      throw err;
    } finally {
      client.release(broken);
    }
  }

  decisions(campaignId: string, filter: { decision?: Decision; skip?: number; take?: number } = {}) {
    return this.prisma.tenantDecision.findMany({
      where: { campaignId, ...(filter.decision ? { decision: filter.decision } : {}) },
      orderBy: { tenantId: 'asc' },
      ...(filter.skip !== undefined ? { skip: filter.skip } : {}),
      ...(filter.take !== undefined ? { take: filter.take } : {}),
    });
  }

  decision(campaignId: string, tenantId: string) {
    return this.prisma.tenantDecision.findUnique({ where: { campaignId_tenantId: { campaignId, tenantId } } });
  }

  exposureView(campaignId: string, tenantId: string) {
    return this.prisma.exposureView.findUnique({ where: { campaignId_tenantId: { campaignId, tenantId } } });
  }

  reviewItems(campaignId: string, filter: { open?: boolean; resolved?: boolean }) {
    return this.prisma.reviewItem.findMany({
      where: {
        campaignId,
        ...(filter.open !== undefined ? { open: filter.open } : {}),
        ...(filter.resolved !== undefined ? { resolved: filter.resolved } : {}),
      },
      orderBy: { reviewKey: 'asc' },
    });
  }

  reviewItem(campaignId: string, reviewKey: string) {
    return this.prisma.reviewItem.findUnique({ where: { campaignId_reviewKey: { campaignId, reviewKey } } });
  }

  resolveReview(campaignId: string, reviewKey: string, tenantId: string | null, by: string) {
    return this.prisma.reviewItem.update({
      where: { campaignId_reviewKey: { campaignId, reviewKey } },
      data: { resolved: true, resolvedTenantId: tenantId, resolvedBy: by, resolvedAt: new Date() },
    });
  }

  tenantNames(ids: string[]) {
    return this.prisma.tenant.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } });
  }

  // ── the campaigns of a data set, for a change to the data set (DatasetCampaigns, libs/exposure) ──

  /** The campaigns of a data set, oldest first. */
  datasetCampaigns(datasetId: string): Promise<DatasetCampaign[]> {
    return this.prisma.db
      .selectFrom('campaigns')
      .select(['id', 'status', 'started_at as startedAt'])
      .where('dataset_id', '=', datasetId)
      .orderBy('created_at')
      .execute();
  }

  /** Sends a campaign back to draft if it is still `from`, with the reason the operator sees; false when it moved meanwhile. */
  async campaignBackToDraft(campaignId: string, from: CampaignStatus, message: string): Promise<boolean> {
    const r = await this.prisma.db
      .updateTable('campaigns')
      .set({
        status: 'draft',
        last_error: message,
        approved_by: null,
        approved_at: null,
        // stored as UTC without a zone, as Prisma writes it
        updated_at: sql<Date>`(now() AT TIME ZONE 'UTC')`,
      })
      .where('id', '=', campaignId)
      .where('status', '=', from)
      .executeTakeFirst();
    return r.numUpdatedRows === 1n;
  }
}
