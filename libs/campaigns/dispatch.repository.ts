import { Injectable } from '@nestjs/common';
import { PrismaService } from '../db/prisma.service.js';
import type { DeliveryState, Prisma } from '../../generated/prisma/client.js';

export interface NoticeRow {
  id: string;
  campaignId: string;
  tenantId: string;
  title: string;
  category: string;
  severity: string;
  tags: string[];
  isMajorChange: boolean;
  actionRequiredBy: Date | null;
  services: string[];
  details: Prisma.InputJsonValue;
  bodyHtml: string;
  locale: string;
}

/** Notices and deliveries: PostgreSQL is the record of what was done. Thin, no decisions. */
@Injectable()
export class DispatchRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The next message id: `MC` + digits from the sequence. */
  async nextNoticeId(): Promise<string> {
    const r = await this.prisma.pool.query<{ id: string }>(`SELECT 'MC' || nextval('notice_number') AS id`);
    return r.rows[0]!.id;
  }

  /** Inserts the notice unless this (campaign, tenant) has one; returns the one that exists. */
  async insertNotice(row: NoticeRow) {
    await this.prisma.notice.createMany({ data: [{ ...row, decision: 'affected' }], skipDuplicates: true });
    return this.prisma.notice.findUniqueOrThrow({ where: { campaignId_tenantId: { campaignId: row.campaignId, tenantId: row.tenantId } } });
  }

  notice(campaignId: string, tenantId: string) {
    return this.prisma.notice.findUnique({ where: { campaignId_tenantId: { campaignId, tenantId } } });
  }

  /** The tenant's contacts holding one of the roles. */
  contactsWithRoles(tenantId: string, roles: readonly string[]) {
    return this.prisma.tenantContact.findMany({
      where: { tenantId, roles: { hasSome: [...roles] } },
      orderBy: { id: 'asc' },
      select: { email: true, name: true, roles: true, locale: true },
    });
  }

  async insertDeliveries(rows: { campaignId: string; tenantId: string; noticeId: string; address: string; role: string; locale: string; operationId: string }[]) {
    if (rows.length) await this.prisma.delivery.createMany({ data: rows, skipDuplicates: true });
  }

  /** Deliveries of a notice that still need a send. */
  pendingDeliveriesOfNotice(noticeId: string) {
    return this.prisma.delivery.findMany({ where: { noticeId, state: { in: ['queued', 'retrying', 'sending'] } }, select: { id: true } });
  }

  delivery(id: bigint) {
    return this.prisma.delivery.findUnique({ where: { id } });
  }

  updateDelivery(id: bigint, data: Prisma.DeliveryUpdateInput) {
    return this.prisma.delivery.update({ where: { id }, data });
  }

  /** Moves a delivery from one of `from` to `to` only if it is still there (a check before every send). */
  async claimDelivery(id: bigint, from: DeliveryState[], data: Prisma.DeliveryUpdateInput): Promise<boolean> {
    const r = await this.prisma.delivery.updateMany({ where: { id, state: { in: from } }, data });
    return r.count === 1;
  }

  /** Affected tenants without a notice yet, in tenant order (keyset pages). */
  async affectedWithoutNotice(campaignId: string, after: string | null, limit: number): Promise<string[]> {
    const res = await this.prisma.pool.query<{ tenant_id: string }>(
      `SELECT d.tenant_id FROM tenant_decisions d
        WHERE d.campaign_id = $1 AND d.decision = 'affected' AND ($2::uuid IS NULL OR d.tenant_id > $2::uuid)
          AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.campaign_id = d.campaign_id AND n.tenant_id = d.tenant_id)
        ORDER BY d.tenant_id LIMIT $3`,
      [campaignId, after, limit],
    );
    return res.rows.map((r) => r.tenant_id);
  }

  /** Posted notices whose deliveries are not all written or not all finished, in id order. */
  async noticesWithPendingMail(campaignId: string, after: string | null, limit: number): Promise<{ id: string; tenantId: string }[]> {
    const res = await this.prisma.pool.query<{ id: string; tenant_id: string }>(
      `SELECT n.id, n.tenant_id FROM notices n
        WHERE n.campaign_id = $1 AND ($2::text IS NULL OR n.id > $2)
          AND (NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.notice_id = n.id)
               OR EXISTS (SELECT 1 FROM deliveries x WHERE x.notice_id = n.id AND x.state IN ('queued', 'retrying', 'sending')))
        ORDER BY n.id LIMIT $3`,
      [campaignId, after, limit],
    );
    return res.rows.map((r) => ({ id: r.id, tenantId: r.tenant_id }));
  }

  async counts(campaignId: string) {
    const res = await this.prisma.pool.query<{ k: string; n: string }>(
      `SELECT 'decision:' || decision AS k, count(*)::text AS n FROM tenant_decisions WHERE campaign_id = $1 GROUP BY decision
       UNION ALL SELECT 'notices', count(*)::text FROM notices WHERE campaign_id = $1
       UNION ALL SELECT 'delivery:' || state, count(*)::text FROM deliveries WHERE campaign_id = $1 GROUP BY state`,
      [campaignId],
    );
    const m = new Map(res.rows.map((r) => [r.k, Number(r.n)]));
    const n = (k: string) => m.get(k) ?? 0;
    return {
      affected: n('decision:affected'),
      notAffected: n('decision:not_affected'),
      needsReview: n('decision:needs_review'),
      notices: n('notices'),
      queued: n('delivery:queued'),
      sending: n('delivery:sending'),
      sent: n('delivery:sent'),
      failed: n('delivery:failed'),
      retrying: n('delivery:retrying'),
    };
  }

  deliveries(campaignId: string, state: DeliveryState | undefined, skip: number, take: number) {
    return this.prisma.delivery.findMany({
      where: { campaignId, ...(state ? { state } : {}) },
      orderBy: { id: 'asc' },
      skip,
      take,
      select: { id: true, tenantId: true, noticeId: true, address: true, role: true, state: true, attempts: true, lastError: true, queuedAt: true, sentAt: true, updatedAt: true },
    });
  }

  tenant(id: string) {
    return this.prisma.tenant.findUnique({ where: { id }, select: { id: true, name: true } });
  }

  decision(campaignId: string, tenantId: string) {
    return this.prisma.tenantDecision.findUnique({ where: { campaignId_tenantId: { campaignId, tenantId } } });
  }
}
