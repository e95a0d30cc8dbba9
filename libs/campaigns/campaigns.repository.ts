import { Injectable } from '@nestjs/common';
import { PrismaService } from '../db/prisma.service.js';
import type { Prisma, CampaignStatus, Decision } from '../../generated/prisma/client.js';
import type { DirectoryTenant } from '../attribution/directory-index.js';

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
    return this.prisma.campaign.findMany({ orderBy: { createdAt: 'desc' }, skip, take });
  }

  /** Moves the status only if it is still `from`: two operators cannot both win a race. */
  async moveStatus(id: string, from: CampaignStatus, to: CampaignStatus, data: Prisma.CampaignUpdateInput = {}): Promise<boolean> {
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
      id: string; name: string; aliases: string[]; phones: string[]; domains: string[] | null; contacts: { email: string; roles: string[] }[] | null;
    }>(
      `SELECT t.id, t.name, t.aliases, t.phones,
              (SELECT array_agg(d.domain) FROM tenant_domains d WHERE d.tenant_id = t.id) AS domains,
              (SELECT json_agg(json_build_object('email', c.email, 'roles', c.roles)) FROM tenant_contacts c WHERE c.tenant_id = t.id) AS contacts
         FROM tenants t`,
    );
    return res.rows.map((r) => ({ id: r.id, name: r.name, aliases: r.aliases, phones: r.phones, domains: r.domains ?? [], contacts: r.contacts ?? [] }));
  }

  /** A page of a data set's records with their cluster, in recordId order (keyset pagination). */
  async recordPage(datasetId: string, after: string | null, limit: number) {
    const res = await this.prisma.pool.query<{ record_id: string; data: Record<string, unknown>; cluster_id: string }>(
      `SELECT r.record_id, r.data, i.cluster_id
         FROM exposure_records r JOIN items i ON i.dataset_id = r.dataset_id AND i.fingerprint = r.fingerprint
        WHERE r.dataset_id = $1 AND ($2::text IS NULL OR r.record_id > $2)
        ORDER BY r.record_id LIMIT $3`,
      [datasetId, after, limit],
    );
    return res.rows;
  }

  async clearAttributions(campaignId: string): Promise<void> {
    await this.prisma.pool.query('DELETE FROM record_attributions WHERE campaign_id = $1', [campaignId]);
    await this.prisma.pool.query('DELETE FROM tenant_records WHERE campaign_id = $1', [campaignId]);
  }

  async insertAttributions(campaignId: string, rows: StoredAttribution[]): Promise<void> {
    if (!rows.length) return;
    await this.prisma.pool.query(
      `INSERT INTO record_attributions (campaign_id, record_id, item_key, tenant_ids, attribution)
       SELECT $1, a.rid, a.item, string_to_array(a.tenants, ','), a.attr::jsonb
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS a(rid, item, tenants, attr)`,
      [campaignId, rows.map((r) => r.recordId), rows.map((r) => r.itemKey), rows.map((r) => r.tenantIds.join(',')), rows.map((r) => r.attribution)],
    );
    const pairs = rows.flatMap((r) => r.tenantIds.map((t) => [t, r.recordId] as const));
    if (pairs.length) {
      await this.prisma.pool.query(
        `INSERT INTO tenant_records (campaign_id, tenant_id, record_id)
         SELECT $1, p.tid::uuid, p.rid FROM unnest($2::text[], $3::text[]) AS p(tid, rid) ON CONFLICT DO NOTHING`,
        [campaignId, pairs.map((p) => p[0]), pairs.map((p) => p[1])],
      );
    }
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
  async tenantAttributionPage(campaignId: string, tenantIds: string[], after: { tenantId: string; recordId: string } | null, limit: number) {
    const res = await this.prisma.pool.query<{ tenant_id: string; record_id: string; item_key: string; attribution: unknown }>(
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
    return this.prisma.reviewItem.findMany({ where: { campaignId, resolved: true }, select: { reviewKey: true, resolvedTenantId: true } });
  }

  /** Replaces the campaign's decisions, review items (keeping resolutions) and exposure views in one transaction. */
  async saveOutcome(
    campaignId: string,
    decisions: { tenantId: string; decision: Decision; reasons: string[]; dataCategories: string[]; records: number; rawRecords: number; reviewKeys: string[] }[],
    reviews: { reviewKey: string; itemKey: string; recordIds: string[]; candidates: string[]; triggers: string[] }[],
    views: { tenantId: string; view: Prisma.InputJsonValue }[],
    analysis: Prisma.InputJsonValue,
  ): Promise<void> {
    await this.prisma.$transaction(
      async (tx) => {
        await tx.tenantDecision.deleteMany({ where: { campaignId } });
        for (let i = 0; i < decisions.length; i += 5000) {
          await tx.tenantDecision.createMany({ data: decisions.slice(i, i + 5000).map((d) => ({ campaignId, ...d })) });
        }
        await tx.reviewItem.updateMany({ where: { campaignId }, data: { open: false } });
        for (const r of reviews) {
          await tx.reviewItem.upsert({
            where: { campaignId_reviewKey: { campaignId, reviewKey: r.reviewKey } },
            create: { campaignId, ...r, open: true },
            update: { itemKey: r.itemKey, recordIds: r.recordIds, candidates: r.candidates, triggers: r.triggers, open: true },
          });
        }
        await tx.exposureView.deleteMany({ where: { campaignId } });
        for (let i = 0; i < views.length; i += 2000) {
          await tx.exposureView.createMany({ data: views.slice(i, i + 2000).map((v) => ({ campaignId, tenantId: v.tenantId, view: v.view })) });
        }
        await tx.campaign.update({ where: { id: campaignId }, data: { analysis, analyzedAt: new Date() } });
      },
      { timeout: 600_000, maxWait: 30_000 },
    );
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

  async decisionCounts(campaignId: string): Promise<Record<Decision, number>> {
    const rows = await this.prisma.tenantDecision.groupBy({ by: ['decision'], where: { campaignId }, _count: { _all: true } });
    const out: Record<Decision, number> = { affected: 0, not_affected: 0, needs_review: 0 };
    for (const r of rows) out[r.decision] = r._count._all;
    return out;
  }

  exposureView(campaignId: string, tenantId: string) {
    return this.prisma.exposureView.findUnique({ where: { campaignId_tenantId: { campaignId, tenantId } } });
  }

  reviewItems(campaignId: string, filter: { open?: boolean; resolved?: boolean }) {
    return this.prisma.reviewItem.findMany({
      where: { campaignId, ...(filter.open !== undefined ? { open: filter.open } : {}), ...(filter.resolved !== undefined ? { resolved: filter.resolved } : {}) },
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
}
