import { Injectable } from '@nestjs/common';
import { PrismaService } from '../db/prisma.service.js';
import type { DeliveryState, Prisma } from '../../generated/prisma/client.js';
import { confirmedRecipientsJson } from '../recipients/recipients.repository.js';

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
  /** the template locale title and body are written in */
  locale: string;
  /** the same notice in other template locales, by locale (see the schema's Notice.translations) */
  translations?: NoticeTranslations;
}

export type NoticeTranslations = Record<string, { title: string; bodyHtml: string }>;

/** What the notice job needs about one tenant in one campaign, read in one statement. */
export interface NoticeContext {
  campaign: {
    id: string;
    status: string;
    title: string;
    supportUrl: string | null;
    supportPhone: string | null;
    supportEmail: string | null;
    respondBy: Date | null;
    incidentDate: Date | null;
  } | null;
  decision: { decision: string; records: number } | null;
  tenant: { id: string; name: string } | null;
  /** the exposure view's data categories; null when the tenant has no exposure view */
  dataCategories: string[] | null;
  /** the notice already posted, if any */
  noticeId: string | null;
  /** a fresh `MC` number, drawn only when the notice is still to be written */
  newNoticeId: string | null;
  /** the contacts holding one of the roles, in id order, then the tenant's confirmed recipients who are not among them */
  contacts: { email: string; roles: string[]; locale: string }[];
}

/** What the email job needs about one delivery, read in one statement. */
export interface EmailContext {
  id: bigint;
  campaignId: string;
  tenantId: string;
  noticeId: string;
  address: string;
  role: string;
  locale: string;
  operationId: string;
  state: DeliveryState;
  campaign: {
    id: string;
    status: string;
    supportUrl: string | null;
    supportPhone: string | null;
    supportEmail: string | null;
  } | null;
  decision: string | null;
  tenantName: string | null;
}

export interface DeliveryRow {
  address: string;
  role: string;
  locale: string;
  operationId: string;
}

/** One tenant's part of a notice batch: the notice to write (null: it exists as `noticeId`) and its delivery rows. */
export interface NoticeWrite {
  campaignId: string;
  tenantId: string;
  noticeId: string;
  notice: Omit<NoticeRow, 'id' | 'campaignId' | 'tenantId'> | null;
  deliveries: DeliveryRow[];
}

/** How a notice batch's results are keyed. */
export const writeKey = (campaignId: string, tenantId: string) =>
  `${campaignId.toLowerCase()}/${tenantId.toLowerCase()}`;

const UTC_NOW = `(now() AT TIME ZONE 'UTC')`;

/** Notices and deliveries: PostgreSQL is the record of what was done. Thin, no decisions. */
@Injectable()
export class DispatchRepository {
  constructor(private readonly prisma: PrismaService) {}

  notice(campaignId: string, tenantId: string) {
    return this.prisma.notice.findUnique({ where: { campaignId_tenantId: { campaignId, tenantId } } });
  }

  delivery(id: bigint) {
    return this.prisma.delivery.findUnique({ where: { id } });
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

  /**
   * Everything the notice jobs of a batch read, in one round trip, in the order asked. The message
   * number is drawn here too, and only when the notice will be written: no notice yet, the campaign
   * sending, the tenant affected (a number drawn in vain is only a gap).
   */
  async noticeContexts(
    items: { campaignId: string; tenantId: string }[],
    roles: readonly string[],
  ): Promise<NoticeContext[]> {
    const res = await this.prisma.pool.query<{
      c_id: string | null;
      c_status: string | null;
      title: string | null;
      support_url: string | null;
      support_phone: string | null;
      support_email: string | null;
      respond_by: Date | null;
      incident_date: Date | null;
      decision: string | null;
      records: number | null;
      t_id: string | null;
      t_name: string | null;
      has_view: boolean;
      categories: string[] | null;
      notice_id: string | null;
      new_notice_id: string | null;
      contacts: { email: string; roles: string[]; locale: string }[];
    }>(
      `SELECT c.id AS c_id, c.status::text AS c_status, c.title, c.support_url, c.support_phone, c.support_email,
              c.respond_by AT TIME ZONE 'UTC' AS respond_by, c.incident_date AT TIME ZONE 'UTC' AS incident_date,
              d.decision::text AS decision, d.records, t.id AS t_id, t.name AS t_name,
              v.campaign_id IS NOT NULL AS has_view, v.view -> 'dataCategories' AS categories, n.id AS notice_id,
              CASE WHEN n.id IS NULL AND c.status = 'sending' AND d.decision = 'affected' THEN 'MC' || nextval('notice_number') END AS new_notice_id,
              COALESCE((SELECT jsonb_agg(jsonb_build_object('email', ct.email, 'roles', ct.roles, 'locale', ct.locale) ORDER BY ct.id)
                          FROM tenant_contacts ct WHERE ct.tenant_id = k.tenant_id AND ct.roles && $3::text[]), '[]'::jsonb)
                || ${confirmedRecipientsJson('k.tenant_id', '$3::text[]')} AS contacts
         FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS k(campaign_id, tenant_id, i)
         LEFT JOIN campaigns c ON c.id = k.campaign_id
         LEFT JOIN tenant_decisions d ON d.campaign_id = k.campaign_id AND d.tenant_id = k.tenant_id
         LEFT JOIN tenants t ON t.id = k.tenant_id
         LEFT JOIN exposure_views v ON v.campaign_id = k.campaign_id AND v.tenant_id = k.tenant_id
         LEFT JOIN notices n ON n.campaign_id = k.campaign_id AND n.tenant_id = k.tenant_id
        ORDER BY k.i`,
      [items.map((x) => x.campaignId), items.map((x) => x.tenantId), [...roles]],
    );
    return res.rows.map((r) => ({
      campaign: r.c_id
        ? {
            id: r.c_id,
            status: r.c_status!,
            title: r.title ?? '',
            supportUrl: r.support_url,
            supportPhone: r.support_phone,
            supportEmail: r.support_email,
            respondBy: r.respond_by,
            incidentDate: r.incident_date,
          }
        : null,
      decision: r.decision ? { decision: r.decision, records: r.records ?? 0 } : null,
      tenant: r.t_id ? { id: r.t_id, name: r.t_name ?? '' } : null,
      dataCategories: r.has_view ? (Array.isArray(r.categories) ? r.categories : []) : null,
      noticeId: r.notice_id,
      newNoticeId: r.new_notice_id,
      contacts: r.contacts,
    }));
  }

  /**
   * Writes a batch's notices (those with `notice`; the others exist already as `noticeId`) and
   * their delivery rows in one statement, so a notice is never left without its deliveries.
   * Answers per `campaignId/tenantId`: the notice's id (null when another writer's notice won the
   * unique (campaign, tenant) race and is not visible yet: the caller retries) and its deliveries
   * still to send.
   */
  async writeNotices(writes: NoticeWrite[]): Promise<Map<string, { noticeId: string | null; pending: bigint[] }>> {
    const notices = writes
      .filter((w) => w.notice)
      .map((w) => {
        const n = w.notice!;
        return {
          id: w.noticeId,
          campaign_id: w.campaignId,
          tenant_id: w.tenantId,
          title: n.title,
          category: n.category,
          severity: n.severity,
          tags: n.tags,
          is_major_change: n.isMajorChange,
          action_required_by: n.actionRequiredBy?.toISOString() ?? null,
          services: n.services,
          details: n.details,
          body_html: n.bodyHtml,
          locale: n.locale,
          translations: n.translations ?? null,
        };
      });
    const deliveries = writes.flatMap((w) =>
      w.deliveries.map((d) => ({
        campaign_id: w.campaignId,
        tenant_id: w.tenantId,
        notice_id: w.notice ? null : w.noticeId,
        address: d.address,
        role: d.role,
        locale: d.locale,
        operation_id: d.operationId,
      })),
    );
    const existing = writes.filter((w) => !w.notice).map((w) => w.noticeId);
    const res = await this.prisma.pool.query<{
      kind: 'notice' | 'delivery';
      campaign_id: string;
      tenant_id: string;
      ref: string;
    }>(
      `WITH n AS (
         INSERT INTO notices (id, campaign_id, tenant_id, decision, title, category, severity, tags, is_major_change,
                              action_required_by, services, details, body_html, locale, translations, posted_at, last_modified_at)
         SELECT r.id, r.campaign_id, r.tenant_id, 'affected', r.title, r.category, r.severity, r.tags, r.is_major_change,
                r.action_required_by AT TIME ZONE 'UTC', r.services, r.details, r.body_html, r.locale, r.translations, ${UTC_NOW}, ${UTC_NOW}
           FROM jsonb_to_recordset($1::jsonb) AS r(id text, campaign_id uuid, tenant_id uuid, title text, category text, severity text, tags text[],
                                                   is_major_change boolean, action_required_by timestamptz, services text[], details jsonb,
                                                   body_html text, locale text, translations jsonb)
         ON CONFLICT (campaign_id, tenant_id) DO NOTHING
         RETURNING id, campaign_id, tenant_id
       ), dl AS (
         INSERT INTO deliveries (campaign_id, tenant_id, notice_id, address, role, locale, operation_id, queued_at, updated_at)
         SELECT r.campaign_id, r.tenant_id, COALESCE(r.notice_id, n.id), r.address, r.role, r.locale, r.operation_id, ${UTC_NOW}, ${UTC_NOW}
           FROM jsonb_to_recordset($2::jsonb) AS r(campaign_id uuid, tenant_id uuid, notice_id text, address text, role text, locale text, operation_id uuid)
           LEFT JOIN n ON r.notice_id IS NULL AND n.campaign_id = r.campaign_id AND n.tenant_id = r.tenant_id
          WHERE COALESCE(r.notice_id, n.id) IS NOT NULL
         ON CONFLICT DO NOTHING
         RETURNING id, campaign_id, tenant_id
       )
       SELECT 'notice' AS kind, campaign_id::text, tenant_id::text, id AS ref FROM n
       UNION ALL SELECT 'delivery', campaign_id::text, tenant_id::text, id::text FROM dl
       UNION ALL SELECT 'delivery', campaign_id::text, tenant_id::text, id::text FROM deliveries
                  WHERE notice_id = ANY($3::text[]) AND state IN ('queued', 'retrying', 'sending')`,
      [JSON.stringify(notices), JSON.stringify(deliveries), existing],
    );
    const out = new Map<string, { noticeId: string | null; pending: bigint[] }>();
    for (const w of writes)
      out.set(writeKey(w.campaignId, w.tenantId), { noticeId: w.notice ? null : w.noticeId, pending: [] });
    for (const r of res.rows) {
      const e = out.get(writeKey(r.campaign_id, r.tenant_id));
      if (!e) continue;
      if (r.kind === 'notice') e.noticeId = r.ref;
      else if (!e.pending.some((p) => p === BigInt(r.ref))) e.pending.push(BigInt(r.ref));
    }
    return out;
  }

  /** The delivery with its campaign, its tenant's decision and name, in one round trip. */
  async emailContext(id: bigint): Promise<EmailContext | null> {
    const res = await this.prisma.pool.query<{
      id: string;
      campaign_id: string;
      tenant_id: string;
      notice_id: string;
      address: string;
      role: string;
      locale: string;
      operation_id: string;
      state: DeliveryState;
      c_id: string | null;
      c_status: string | null;
      support_url: string | null;
      support_phone: string | null;
      support_email: string | null;
      decision: string | null;
      t_name: string | null;
    }>(
      `SELECT d.id::text, d.campaign_id, d.tenant_id, d.notice_id, d.address, d.role, d.locale, d.operation_id, d.state::text AS state,
              c.id AS c_id, c.status::text AS c_status, c.support_url, c.support_phone, c.support_email,
              td.decision::text AS decision, t.name AS t_name
         FROM deliveries d
         LEFT JOIN campaigns c ON c.id = d.campaign_id
         LEFT JOIN tenant_decisions td ON td.campaign_id = d.campaign_id AND td.tenant_id = d.tenant_id
         LEFT JOIN tenants t ON t.id = d.tenant_id
        WHERE d.id = $1`,
      [id.toString()],
    );
    const r = res.rows[0];
    if (!r) return null;
    return {
      id: BigInt(r.id),
      campaignId: r.campaign_id,
      tenantId: r.tenant_id,
      noticeId: r.notice_id,
      address: r.address,
      role: r.role,
      locale: r.locale,
      operationId: r.operation_id,
      state: r.state,
      campaign: r.c_id
        ? {
            id: r.c_id,
            status: r.c_status!,
            supportUrl: r.support_url,
            supportPhone: r.support_phone,
            supportEmail: r.support_email,
          }
        : null,
      decision: r.decision,
      tenantName: r.t_name,
    };
  }

  /** Claims a delivery for the send path: to `sending` with one more attempt, only from one of `from`. */
  async claimForSend(id: bigint, from: DeliveryState[]): Promise<boolean> {
    const r = await this.prisma.pool.query(
      `UPDATE deliveries SET state = 'sending', attempts = attempts + 1, updated_at = ${UTC_NOW} WHERE id = $1 AND state = ANY($2::delivery_state[])`,
      [id.toString(), from],
    );
    return r.rowCount === 1;
  }

  /** Records a send's result on the delivery row. */
  async recordSendResult(
    id: bigint,
    r: {
      state: DeliveryState;
      lastError: string | null;
      providerMessageId?: string;
      sent?: boolean;
      attemptsDelta?: number;
    },
  ): Promise<void> {
    await this.prisma.pool.query(
      `UPDATE deliveries
          SET state = $2::delivery_state, last_error = $3, provider_message_id = COALESCE($4, provider_message_id),
              sent_at = CASE WHEN $5 THEN ${UTC_NOW} ELSE sent_at END, attempts = attempts + $6, updated_at = ${UTC_NOW}
        WHERE id = $1`,
      [id.toString(), r.state, r.lastError, r.providerMessageId ?? null, r.sent === true, r.attemptsDelta ?? 0],
    );
  }

  /**
   * Posted notices whose deliveries are not all written or not all finished, in id order, with
   * the ids of their unfinished deliveries (reconcile reads a page in one query, not one per notice).
   */
  async noticesWithPendingDeliveries(
    campaignId: string,
    after: string | null,
    limit: number,
  ): Promise<{ id: string; tenantId: string; hasDeliveries: boolean; pending: bigint[] }[]> {
    const res = await this.prisma.pool.query<{
      id: string;
      tenant_id: string;
      has_deliveries: boolean;
      pending: string[];
    }>(
      `SELECT n.id, n.tenant_id,
              EXISTS (SELECT 1 FROM deliveries x WHERE x.notice_id = n.id) AS has_deliveries,
              ARRAY(SELECT x.id::text FROM deliveries x WHERE x.notice_id = n.id AND x.state IN ('queued', 'retrying', 'sending') ORDER BY x.id) AS pending
         FROM notices n
        WHERE n.campaign_id = $1 AND ($2::text IS NULL OR n.id > $2)
          AND (NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.notice_id = n.id)
               OR EXISTS (SELECT 1 FROM deliveries x WHERE x.notice_id = n.id AND x.state IN ('queued', 'retrying', 'sending')))
        ORDER BY n.id LIMIT $3`,
      [campaignId, after, limit],
    );
    return res.rows.map((r) => ({
      id: r.id,
      tenantId: r.tenant_id,
      hasDeliveries: r.has_deliveries,
      pending: r.pending.map((x) => BigInt(x)),
    }));
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
      select: {
        id: true,
        tenantId: true,
        noticeId: true,
        address: true,
        role: true,
        state: true,
        attempts: true,
        lastError: true,
        queuedAt: true,
        sentAt: true,
        updatedAt: true,
      },
    });
  }

  tenant(id: string) {
    return this.prisma.tenant.findUnique({ where: { id }, select: { id: true, name: true } });
  }

  decision(campaignId: string, tenantId: string) {
    return this.prisma.tenantDecision.findUnique({ where: { campaignId_tenantId: { campaignId, tenantId } } });
  }

  /**
   * Deliveries a send was attempted for in the last windowMs (claimed, sent, failed, or waiting
   * to retry), with when: what rebuilds the send-rate log after Redis lost it.
   */
  async recentSendAttempts(windowMs: number): Promise<{ deliveryId: string; at: number }[]> {
    const res = await this.prisma.pool.query<{ id: string; at: number }>(
      `SELECT id::text AS id, floor(extract(epoch FROM updated_at) * 1000)::float8 AS at FROM deliveries
        WHERE updated_at > ${UTC_NOW} - make_interval(secs => $1::float8 / 1000) AND state IN ('sending', 'sent', 'failed', 'retrying')`,
      [windowMs],
    );
    return res.rows.map((r) => ({ deliveryId: r.id, at: Number(r.at) }));
  }
}
