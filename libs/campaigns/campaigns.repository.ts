import { Injectable } from '@nestjs/common';
import { sql, type Selectable, type SqlBool } from 'kysely';
import type { RecordAttribution, TenantDecision, TenantRecord } from '../../generated/kysely/database.js';
import { analyticQuery } from '../db/analytic.js';
import { copyRowsPooled, copyText, copyTextArray } from '../db/copy.js';
import { PrismaService } from '../db/prisma.service.js';
import type { Prisma, CampaignStatus, Decision } from '../../generated/prisma/client.js';
import type { DatasetCampaign } from '../exposure/exposure.repository.js';
import type { RecordAttribution as RecordAttributionShape } from '../attribution/attribution.types.js';
import { NoticesRepository } from '../notices/notices.repository.js';

export interface StoredAttribution {
  recordId: string;
  itemKey: string;
  tenantIds: string[];
  attribution: string;
}

type Attribution = Selectable<RecordAttribution>;

/** Rows of decisions or review items per INSERT when an analysis saves its outcome. */
const OUTCOME_CHUNK = 5000;

/**
 * The one owner of campaigns, record_attributions, tenant_records, tenant_decisions and
 * review_items: thin reads and writes, bulk where an analysis writes many rows. The exposure views
 * an analysis stores go through their owner, the NoticesRepository, in the same transaction.
 */
@Injectable()
export class CampaignsRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly notices: NoticesRepository,
  ) {}

  create(data: Prisma.CampaignUncheckedCreateInput) {
    return this.prisma.campaign.create({ data });
  }

  find(id: string) {
    return this.prisma.campaign.findUnique({ where: { id } });
  }

  list(skip: number, take: number) {
    return this.prisma.campaign.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip, take });
  }

  /**
   * What the regulator's report says of a campaign's affected tenants: each data category with how
   * many of them it was named for, and the unique items (clusters after deduplication) that touch
   * at least one of them, counted once however many tenants or copies they have.
   */
  async affectedSummary(campaignId: string): Promise<{
    categories: { category: string; tenants: number }[];
    affectedItems: number;
  }> {
    const [categories, items] = await Promise.all([
      sql<{ category: string; tenants: number }>`
        SELECT c.category, count(*)::int AS tenants
          FROM tenant_decisions d, unnest(d.data_categories) AS c(category)
         WHERE d.campaign_id = ${campaignId}::uuid AND d.decision = 'affected'
         GROUP BY c.category
         ORDER BY tenants DESC, c.category`.execute(this.prisma.db),
      sql<{ n: number }>`
        SELECT count(DISTINCT ra.item_key)::int AS n
          FROM record_attributions ra
         CROSS JOIN LATERAL unnest(ra.tenant_ids) AS t(id)
          JOIN tenant_decisions d
            ON d.campaign_id = ra.campaign_id AND d.tenant_id::text = t.id AND d.decision = 'affected'
         WHERE ra.campaign_id = ${campaignId}::uuid`.execute(this.prisma.db),
    ]);
    return { categories: categories.rows, affectedItems: items.rows[0]?.n ?? 0 };
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

  /** Campaigns in one of `statuses` that send reminders, with their lead time. */
  async remindingCampaigns(
    statuses: readonly CampaignStatus[],
  ): Promise<{ id: string; status: CampaignStatus; remindBeforeSeconds: number }[]> {
    const rows = await this.prisma.db
      .selectFrom('campaigns')
      .select(['id', 'status', 'remind_before_seconds'])
      .where('remind_before_seconds', 'is not', null)
      .where('status', 'in', [...statuses])
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ id: r.id, status: r.status, remindBeforeSeconds: r.remind_before_seconds! }));
  }

  /**
   * Sets the reminder lead time (null: none) unless the campaign is cancelled, in one statement so
   * a cancel at the same moment wins. Answers the lead time it replaced, or undefined when the
   * campaign is gone or cancelled.
   */
  async setRemindBefore(id: string, seconds: number | null): Promise<{ before: number | null } | undefined> {
    const { rows } = await sql<{ before: number | null }>`
      UPDATE campaigns c SET remind_before_seconds = ${seconds}::int, updated_at = (now() AT TIME ZONE 'UTC')
        FROM (SELECT id, remind_before_seconds FROM campaigns WHERE id = ${id}::uuid FOR UPDATE) old
       WHERE c.id = old.id AND c.status <> 'cancelled'
      RETURNING old.remind_before_seconds AS before`.execute(this.prisma.db);
    return rows[0];
  }

  /**
   * Runs fn holding a PostgreSQL advisory lock on the campaign: a transaction-level lock, released
   * by the transaction's end whatever fn does (fn's own statements run on other connections).
   */
  withCampaignLock<T>(campaignId: string, fn: () => Promise<T>): Promise<T> {
    return this.prisma.transaction(async ({ db }) => {
      await sql`SELECT pg_advisory_xact_lock(hashtextextended(${campaignId}, 0))`.execute(db);
      return fn();
    });
  }

  async clearAttributions(campaignId: string): Promise<void> {
    await this.prisma.db.deleteFrom('record_attributions').where('campaign_id', '=', campaignId).execute();
    await this.prisma.db.deleteFrom('tenant_records').where('campaign_id', '=', campaignId).execute();
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
    await analyticQuery(
      this.prisma.pool,
      sql`INSERT INTO tenant_records (campaign_id, tenant_id, record_id)
       SELECT DISTINCT ${campaignId}::uuid, t.id::uuid, ra.record_id
         FROM record_attributions ra, unnest(ra.tenant_ids) AS t(id)
        WHERE ra.campaign_id = ${campaignId}
        ORDER BY 2, 3`.compile(this.prisma.db),
    );
  }

  /** A page of stored attributions, in recordId order. */
  attributionPage(
    campaignId: string,
    after: string | null,
    limit: number,
  ): Promise<Pick<Attribution, 'record_id' | 'item_key' | 'attribution'>[]> {
    let q = this.prisma.db
      .selectFrom('record_attributions')
      .select(['record_id', 'item_key', 'attribution'])
      .where('campaign_id', '=', campaignId);
    if (after !== null) q = q.where('record_id', '>', after);
    return q.orderBy('record_id').limit(limit).execute();
  }

  /** A page of (tenant, attribution) rows for the given tenants, ordered by tenant then record. */
  async tenantAttributionPage(
    campaignId: string,
    tenantIds: string[],
    after: { tenantId: string; recordId: string } | null,
    limit: number,
  ): Promise<
    (Pick<Selectable<TenantRecord>, 'tenant_id' | 'record_id'> & Pick<Attribution, 'item_key' | 'attribution'>)[]
  > {
    const { rows } = await sql<
      Pick<Selectable<TenantRecord>, 'tenant_id' | 'record_id'> & Pick<Attribution, 'item_key' | 'attribution'>
    >`SELECT tr.tenant_id, tr.record_id, ra.item_key, ra.attribution
         FROM tenant_records tr JOIN record_attributions ra ON ra.campaign_id = tr.campaign_id AND ra.record_id = tr.record_id
        WHERE tr.campaign_id = ${campaignId} AND tr.tenant_id = ANY(${tenantIds}::uuid[])
          AND (${after?.tenantId ?? null}::uuid IS NULL OR (tr.tenant_id, tr.record_id) > (${after?.tenantId ?? null}::uuid, ${after?.recordId ?? null}::text))
        ORDER BY tr.tenant_id, tr.record_id LIMIT ${limit}`.execute(this.prisma.db);
    return rows;
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
    await this.prisma.transaction(async (tx) => {
      const { db } = tx;
      await db.deleteFrom('tenant_decisions').where('campaign_id', '=', campaignId).execute();
      for (let i = 0; i < decisions.length; i += OUTCOME_CHUNK) {
        const rows = decisions.slice(i, i + OUTCOME_CHUNK).map((d) => ({
          tenant_id: d.tenantId,
          decision: d.decision,
          reasons: d.reasons,
          data_categories: d.dataCategories,
          records: d.records,
          raw_records: d.rawRecords,
          review_keys: d.reviewKeys,
        }));
        // one JSON parameter for thousands of rows (a VALUES list would be seven parameters a row)
        await sql`INSERT INTO tenant_decisions (campaign_id, tenant_id, decision, reasons, data_categories, records, raw_records, review_keys)
           SELECT ${campaignId}, d.tenant_id, d.decision, d.reasons, d.data_categories, d.records, d.raw_records, d.review_keys
             FROM json_to_recordset(${JSON.stringify(rows)}::json)
                  AS d(tenant_id uuid, decision decision, reasons text[], data_categories text[], records int, raw_records int, review_keys text[])`.execute(
          db,
        );
      }
      await db.updateTable('review_items').set({ open: false }).where('campaign_id', '=', campaignId).execute();
      // one row per key (one statement cannot upsert a row twice; the last one wins, as row by row)
      const unique = [...new Map(reviews.map((r) => [r.reviewKey, r])).values()];
      for (let i = 0; i < unique.length; i += OUTCOME_CHUNK) {
        const rows = unique.slice(i, i + OUTCOME_CHUNK).map((r) => ({
          review_key: r.reviewKey,
          item_key: r.itemKey,
          record_ids: r.recordIds,
          candidates: r.candidates,
          triggers: r.triggers,
          excerpts: r.excerpts,
        }));
        await sql`INSERT INTO review_items (id, campaign_id, review_key, item_key, record_ids, candidates, triggers, excerpts, open)
           SELECT gen_random_uuid(), ${campaignId}, r.review_key, r.item_key, r.record_ids, r.candidates, r.triggers, COALESCE(r.excerpts, '{}'), true
             FROM json_to_recordset(${JSON.stringify(rows)}::json) AS r(review_key text, item_key text, record_ids text[], candidates text[], triggers text[], excerpts text[])
           ON CONFLICT (campaign_id, review_key) DO UPDATE
              SET item_key = EXCLUDED.item_key, record_ids = EXCLUDED.record_ids, candidates = EXCLUDED.candidates,
                  triggers = EXCLUDED.triggers, excerpts = EXCLUDED.excerpts, open = true`.execute(db);
      }
      await this.notices.replaceExposureViews(tx, campaignId, views);
      const at = now();
      const updated = await db
        .updateTable('campaigns')
        .set({ analysis: JSON.stringify(analysis), analyzed_at: at, updated_at: at })
        .where('id', '=', campaignId)
        .executeTakeFirst();
      if (updated.numUpdatedRows !== 1n) throw new Error(`campaign ${campaignId} not found`);
    });
  }

  /** The campaign's tenants by decision. */
  async decisionCounts(campaignId: string): Promise<{ affected: number; notAffected: number; needsReview: number }> {
    const rows = await this.prisma.db
      .selectFrom('tenant_decisions')
      .select(['decision', (eb) => eb.fn.countAll<string>().as('n')])
      .where('campaign_id', '=', campaignId)
      .groupBy('decision')
      .execute();
    const n = (d: Decision) => Number(rows.find((r) => r.decision === d)?.n ?? 0);
    return { affected: n('affected'), notAffected: n('not_affected'), needsReview: n('needs_review') };
  }

  /** The campaign's affected tenants in id order: a keyset page after `after`, or all of them without a limit. */
  async affectedTenants(
    campaignId: string,
    after: string | null = null,
    limit?: number,
  ): Promise<Selectable<TenantDecision>['tenant_id'][]> {
    let q = this.prisma.db
      .selectFrom('tenant_decisions')
      .select('tenant_id')
      .where('campaign_id', '=', campaignId)
      .where('decision', '=', 'affected');
    if (after !== null) q = q.where('tenant_id', '>', after);
    const rows = await (limit === undefined ? q : q.limit(limit)).orderBy('tenant_id').execute();
    return rows.map((r) => r.tenant_id);
  }

  /** A review item by its id (the operators' handle on it). */
  reviewItemById(id: string) {
    return this.prisma.reviewItem.findUnique({ where: { id } });
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

  resolveReview(
    campaignId: string,
    reviewKey: string,
    tenantId: string | null,
    by: string,
    justification: string | null = null,
  ) {
    return this.prisma.reviewItem.update({
      where: { campaignId_reviewKey: { campaignId, reviewKey } },
      data: { resolved: true, resolvedTenantId: tenantId, resolvedBy: by, resolvedAt: new Date(), justification },
    });
  }

  /** Assigns (or, with `to` null, unassigns) these items of the campaign; answers the ids changed. */
  async assignReviews(campaignId: string, ids: readonly string[], to: string | null, by: string): Promise<string[]> {
    if (!ids.length) return [];
    const rows = await this.prisma.db
      .updateTable('review_items')
      .set({ assigned_to: to, assigned_by: to === null ? null : by, assigned_at: to === null ? null : new Date() })
      .where('campaign_id', '=', campaignId)
      .where(sql<SqlBool>`id = ANY(${[...ids]}::uuid[])`)
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  /** The stored attributions of these records of the campaign, as the analysis wrote them. */
  async attributionsOf(campaignId: string, recordIds: readonly string[]): Promise<Map<string, RecordAttributionShape>> {
    if (!recordIds.length) return new Map();
    const rows = await this.prisma.db
      .selectFrom('record_attributions')
      .select(['record_id', 'attribution'])
      .where('campaign_id', '=', campaignId)
      .where(sql<SqlBool>`record_id = ANY(${[...recordIds]}::text[])`)
      .execute();
    return new Map(rows.map((r) => [r.record_id, r.attribution as RecordAttributionShape]));
  }

  // ── the campaign exports (libs/reports): keyset pages, so an export never holds a campaign in memory ──

  /** Up to `limit` of the campaign's decisions after tenant `after`, in tenant id order. */
  decisionPage(campaignId: string, after: string | null, limit: number) {
    let q = this.prisma.db
      .selectFrom('tenant_decisions')
      .select(['tenant_id', 'decision', 'reasons', 'data_categories', 'records', 'review_keys'])
      .where('campaign_id', '=', campaignId);
    if (after !== null) q = q.where('tenant_id', '>', after);
    return q.orderBy('tenant_id').limit(limit).execute();
  }

  /** The campaign's review items with these keys: who resolved them, when, and to which tenant. */
  reviewItemsByKeys(campaignId: string, keys: readonly string[]) {
    if (!keys.length) return Promise.resolve([]);
    return this.prisma.db
      .selectFrom('review_items')
      .select([
        'review_key',
        'resolved',
        'resolved_tenant_id',
        'resolved_by',
        sql<Date | null>`resolved_at AT TIME ZONE 'UTC'`.as('resolved_at'),
        'justification',
      ])
      .where('campaign_id', '=', campaignId)
      .where(sql<SqlBool>`review_key = ANY(${[...keys]}::text[])`)
      .execute();
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
