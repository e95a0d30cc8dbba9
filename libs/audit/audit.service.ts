import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { PrismaService } from '../db/prisma.service.js';
import type { Transaction } from '../db/transaction.js';
import type { Prisma } from '../../generated/prisma/client.js';

/** What recordMany needs of a transaction: its connection (libs/db/transaction.ts). */
export type AuditTx = Pick<Transaction, 'client' | 'commitWith'>;

/** UTC now: audit times are stored as UTC without a zone (as Prisma writes them). */
const UTC_NOW = sql<Date>`(now() AT TIME ZONE 'UTC')`;

export interface AuditEntry {
  actor: string;
  action: string;
  campaignId?: string | null;
  tenantId?: string | null;
  subject?: string | null;
  details?: Prisma.InputJsonValue;
}

/**
 * The tenant events that say a user read a notice: they opened it, or marked it read (the inbox
 * page does so as it opens one). The notices export and the rates count readers from these.
 */
export const NOTICE_READ_ACTIONS = ['inbox.message.read', 'inbox.viewpoint.markRead'] as const;
const READ_ACTIONS_SQL = sql.raw(NOTICE_READ_ACTIONS.map((a) => `'${a}'`).join(', '));

/** An audit action as a filter accepts it: dotted words, or a family ending in `.*`. */
export const AUDIT_ACTION_FILTER = /^[A-Za-z_]+(\.[A-Za-z_]+)*(\.\*)?$/;

/** The append-only audit log (a trigger refuses UPDATE and DELETE on its table), and the one owner of audit_events. */
@Injectable()
export class AuditService {
  constructor(private readonly prisma: PrismaService) {}

  async record(e: AuditEntry, tx: Pick<PrismaService, 'auditEvent'> = this.prisma): Promise<void> {
    await tx.auditEvent.create({
      data: {
        actor: e.actor,
        action: e.action,
        campaignId: e.campaignId ?? null,
        tenantId: e.tenantId ?? null,
        subject: e.subject ?? null,
        ...(e.details !== undefined ? { details: e.details } : {}),
      },
    });
  }

  /**
   * Several events in one INSERT in a transaction, so they commit (or roll back) with it: the tenant inbox writes its read events inside its row-level
   * security transaction, where the audit_events policies hold them to the reading tenant.
   * Sent with the COMMIT (one round trip fewer on every tenant request): if the insert fails, nothing commits and the request fails.
   * No RETURNING: the tenant role may insert audit events but not read them.
   */
  recordMany(entries: readonly AuditEntry[], tx: AuditTx): void {
    if (entries.length === 0) return;
    const rows = entries.map((e) => ({
      actor: e.actor,
      action: e.action,
      campaign_id: e.campaignId ?? null,
      tenant_id: e.tenantId ?? null,
      subject: e.subject ?? null,
      details: e.details ?? null,
    }));
    // the simple protocol takes no parameters: the rows travel as one quoted JSON literal
    tx.commitWith(
      `INSERT INTO audit_events (actor, action, campaign_id, tenant_id, subject, details)
       SELECT actor, action, campaign_id, tenant_id, subject, details
         FROM jsonb_to_recordset(${tx.client.escapeLiteral(JSON.stringify(rows))}::jsonb)
           AS r(actor text, action text, campaign_id uuid, tenant_id uuid, subject text, details jsonb)`,
    );
  }

  /**
   * Of a tenant's events of one action: how many in the last hour, and how many of those about
   * `subject` in the last `windowS` seconds (a rate limit that no later change can reset).
   */
  async recentOfTenant(
    tenantId: string,
    action: string,
    subject: string,
    windowS: number,
  ): Promise<{ lastHour: number; ofSubject: number }> {
    const row = await this.prisma.db
      .selectFrom('audit_events')
      .select([
        sql<number>`count(*)::int`.as('lastHour'),
        sql<number>`count(*) FILTER (WHERE subject = ${subject} AND at > ${UTC_NOW} - make_interval(secs => ${windowS}::float8))::int`.as(
          'ofSubject',
        ),
      ])
      .where('tenant_id', '=', tenantId)
      .where('action', '=', action)
      .where('at', '>', sql<Date>`${UTC_NOW} - interval '1 hour'`)
      .executeTakeFirst();
    return { lastHour: row?.lastHour ?? 0, ofSubject: row?.ofSubject ?? 0 };
  }

  /** `action` is exact (`tenants.import`), or ends in `.*` for a family (`dataset.*`). */
  async list(filter: {
    campaignId?: string;
    tenantId?: string;
    action?: string;
    subject?: string;
    skip: number;
    take: number;
  }) {
    const family = filter.action?.endsWith('.*') ? filter.action.slice(0, -1) : null;
    const rows = await this.prisma.auditEvent.findMany({
      where: {
        ...(filter.campaignId ? { campaignId: filter.campaignId } : {}),
        ...(filter.tenantId ? { tenantId: filter.tenantId } : {}),
        ...(family ? { action: { startsWith: family } } : filter.action ? { action: filter.action } : {}),
        ...(filter.subject ? { subject: filter.subject } : {}),
      },
      orderBy: { id: 'asc' },
      skip: filter.skip,
      take: filter.take,
    });
    return rows.map((r) => ({ ...r, id: r.id.toString() }));
  }

  // ── the campaign exports and rates (libs/reports) ──

  /** Up to `limit` of the campaign's events after id `after`, in id (and so time) order. */
  campaignEventPage(campaignId: string, after: bigint | null, limit: number) {
    let q = this.prisma.db
      .selectFrom('audit_events')
      .select([
        sql<string>`id::text`.as('id'),
        sql<Date>`at AT TIME ZONE 'UTC'`.as('at'),
        'actor',
        'action',
        'tenant_id',
        'subject',
        'details',
      ])
      .where('campaign_id', '=', campaignId);
    // the column, not the text alias of the same name: ids in number order, as the keyset compares them
    if (after !== null) q = q.where('audit_events.id', '>', after.toString());
    return q.orderBy('audit_events.id').limit(limit).execute();
  }

  /** Of these notices of the campaign: how many distinct users read each, and when the first did. */
  async noticeReads(
    campaignId: string,
    noticeIds: readonly string[],
  ): Promise<Map<string, { readers: number; firstReadAt: Date }>> {
    if (!noticeIds.length) return new Map();
    const { rows } = await sql<{ subject: string; readers: number; first: Date }>`
      SELECT subject, count(DISTINCT details ->> 'userId')::int AS readers, min(at) AT TIME ZONE 'UTC' AS first
        FROM audit_events
       WHERE campaign_id = ${campaignId} AND subject = ANY(${[...noticeIds]}::text[])
         AND action IN (${READ_ACTIONS_SQL})
       GROUP BY subject`.execute(this.prisma.db);
    return new Map(rows.map((r) => [r.subject, { readers: r.readers, firstReadAt: r.first }]));
  }

  /** The campaign's tenants by the `bucket` (`hour` or `day`, UTC) of their first read of its notice. */
  async firstReadsPerBucket(campaignId: string, bucket: 'hour' | 'day'): Promise<{ bucket: number; n: number }[]> {
    const { rows } = await sql<{ bucket: number; n: number }>`
      SELECT extract(epoch FROM date_trunc(${bucket}, f.first))::float8 * 1000 AS bucket, count(*)::int AS n
        FROM (SELECT tenant_id, min(at) AS first FROM audit_events
               WHERE campaign_id = ${campaignId} AND action IN (${READ_ACTIONS_SQL}) AND tenant_id IS NOT NULL
               GROUP BY tenant_id) f
       GROUP BY 1 ORDER BY 1`.execute(this.prisma.db);
    return rows.map((r) => ({ bucket: Number(r.bucket), n: r.n }));
  }
}
