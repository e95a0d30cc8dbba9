import { Injectable } from '@nestjs/common';
import { PrismaService } from '../db/prisma.service.js';
import type { TenantTx } from '../inbox/tenant-scope.js';

/** The delivery role of a tenant's own confirmed recipient (beside the directory's GlobalAdmin and PrivacyReader). */
export const RECIPIENT_ROLE = 'NotificationRecipient';

/** The audit action of a confirmation email: the resend window and the tenant's hourly limit count these. */
export const CONFIRMATION_SENT = 'recipients.confirmation.sent';

const UTC_NOW = `(now() AT TIME ZONE 'UTC')`;
const iso = (col: string) => `to_char(${col}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export interface RecipientRow {
  id: string;
  address: string;
  locale: string;
  addedBy: string;
  createdAt: string;
  confirmedAt: string | null;
  /** seconds since the last confirmation email, null when none was sent */
  sentAgoS: number | null;
}

const COLUMNS = `id::text, address, locale, added_by AS "addedBy", ${iso('created_at')} AS "createdAt",
  ${iso('confirmed_at')} AS "confirmedAt",
  extract(epoch FROM ${UTC_NOW} - confirmation_sent_at)::float8 AS "sentAgoS"`;

/**
 * The tenant's confirmed recipients as a jsonb array of `{email, roles, locale}` (the shape of
 * the notice job's contacts), leaving out any address that is already one of the tenant's
 * privileged contacts (`roles`: a text[] parameter): one email per address. For the notice job's
 * recipient-list query, which appends it to the contacts.
 */
export function confirmedRecipientsJson(tenantIdSql: string, rolesSql: string): string {
  return `COALESCE((SELECT jsonb_agg(jsonb_build_object('email', r.address, 'roles', jsonb_build_array('${RECIPIENT_ROLE}'), 'locale', r.locale)
                                ORDER BY r.confirmed_at, r.id)
                      FROM notification_recipients r
                     WHERE r.tenant_id = ${tenantIdSql} AND r.confirmed_at IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM tenant_contacts c
                                        WHERE c.tenant_id = r.tenant_id AND c.email = r.address AND c.roles && ${rolesSql})), '[]'::jsonb)`;
}

/** The one owner of notification_recipients. Tenant calls run on a TenantScope transaction (row-level security on). */
@Injectable()
export class RecipientsRepository {
  constructor(private readonly prisma: PrismaService) {}

  // ── in the tenant's transaction ──

  /** Serializes a tenant's adds, so the limit of five holds under concurrent requests. */
  async lockTenant(tx: TenantTx, tenantId: string): Promise<void> {
    await tx.client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`notification-recipients:${tenantId}`]);
  }

  async list(tx: TenantTx, tenantId: string): Promise<RecipientRow[]> {
    const { rows } = await tx.client.query<RecipientRow>(
      `SELECT ${COLUMNS} FROM notification_recipients WHERE tenant_id = $1::uuid ORDER BY created_at, id`,
      [tenantId],
    );
    return rows;
  }

  async find(tx: TenantTx, tenantId: string, address: string): Promise<RecipientRow | null> {
    const { rows } = await tx.client.query<RecipientRow>(
      `SELECT ${COLUMNS} FROM notification_recipients WHERE tenant_id = $1::uuid AND address = $2`,
      [tenantId, address],
    );
    return rows[0] ?? null;
  }

  async insert(
    tx: TenantTx,
    r: { tenantId: string; address: string; locale: string; addedBy: string; tokenHash: string; ttlHours: number },
  ): Promise<RecipientRow> {
    const { rows } = await tx.client.query<RecipientRow>(
      `INSERT INTO notification_recipients (id, tenant_id, address, locale, added_by, created_at, token_hash, token_expires_at, confirmation_sent_at)
       VALUES (gen_random_uuid(), $1::uuid, $2, $3, $4, ${UTC_NOW}, $5, ${UTC_NOW} + make_interval(hours => $6::int), ${UTC_NOW})
       RETURNING ${COLUMNS}`,
      [r.tenantId, r.address, r.locale, r.addedBy, r.tokenHash, r.ttlHours],
    );
    return rows[0]!;
  }

  /** A fresh link for a pending recipient: the old one stops working. */
  async renewToken(tx: TenantTx, id: string, tokenHash: string, ttlHours: number): Promise<void> {
    await tx.client.query(
      `UPDATE notification_recipients
          SET token_hash = $2, token_expires_at = ${UTC_NOW} + make_interval(hours => $3::int), confirmation_sent_at = ${UTC_NOW}
        WHERE id = $1::uuid AND confirmed_at IS NULL`,
      [id, tokenHash, ttlHours],
    );
  }

  /** Removes one of the tenant's recipients; null when it has none with that id (or it is another tenant's: RLS hides it). */
  async remove(tx: TenantTx, tenantId: string, id: string): Promise<{ address: string } | null> {
    const { rows } = await tx.client.query<{ address: string }>(
      `DELETE FROM notification_recipients WHERE id = $1::uuid AND tenant_id = $2::uuid RETURNING address`,
      [id, tenantId],
    );
    return rows[0] ?? null;
  }

  // ── as the service ──

  /** Confirmation emails of the tenant in the last hour, and to the address in the last windowS seconds (from the audit log: a removal does not reset them). */
  async recentConfirmations(
    tenantId: string,
    address: string,
    windowS: number,
  ): Promise<{ lastHour: number; toAddress: number }> {
    const { rows } = await this.prisma.pool.query<{ last_hour: number; to_address: number }>(
      `SELECT count(*)::int AS last_hour,
              count(*) FILTER (WHERE subject = $2 AND at > ${UTC_NOW} - make_interval(secs => $3::float8))::int AS to_address
         FROM audit_events
        WHERE tenant_id = $1::uuid AND action = '${CONFIRMATION_SENT}' AND at > ${UTC_NOW} - interval '1 hour'`,
      [tenantId, address, windowS],
    );
    return { lastHour: rows[0]?.last_hour ?? 0, toAddress: rows[0]?.to_address ?? 0 };
  }

  /** Confirms the pending recipient whose unexpired token has this hash, once: the token is cleared. */
  async confirm(tokenHash: string): Promise<{ tenantId: string; address: string } | null> {
    const { rows } = await this.prisma.pool.query<{ tenant_id: string; address: string }>(
      `UPDATE notification_recipients
          SET confirmed_at = ${UTC_NOW}, token_hash = NULL, token_expires_at = NULL
        WHERE token_hash = $1 AND confirmed_at IS NULL AND token_expires_at > ${UTC_NOW}
        RETURNING tenant_id::text, address`,
      [tokenHash],
    );
    const r = rows[0];
    return r ? { tenantId: r.tenant_id, address: r.address } : null;
  }

  async isConfirmed(tenantId: string, address: string): Promise<boolean> {
    const { rows } = await this.prisma.pool.query(
      `SELECT 1 FROM notification_recipients WHERE tenant_id = $1::uuid AND address = $2 AND confirmed_at IS NOT NULL`,
      [tenantId, address],
    );
    return rows.length > 0;
  }

  async tenantName(tenantId: string): Promise<string | null> {
    const t = await this.prisma.tenant.findUnique({ where: { id: tenantId }, select: { name: true } });
    return t?.name ?? null;
  }

  /** Of a campaign's affected tenants: their privileged contacts, and their confirmed recipients who are not also one. */
  async campaignCounts(
    campaignId: string,
    roles: readonly string[],
  ): Promise<{ privilegedContacts: number; notificationRecipients: number }> {
    const { rows } = await this.prisma.pool.query<{ contacts: number; recipients: number }>(
      `SELECT (SELECT count(*) FROM tenant_contacts ct JOIN tenant_decisions d ON d.tenant_id = ct.tenant_id
                WHERE d.campaign_id = $1::uuid AND d.decision = 'affected' AND ct.roles && $2::text[])::int AS contacts,
              (SELECT count(*) FROM notification_recipients r JOIN tenant_decisions d ON d.tenant_id = r.tenant_id
                WHERE d.campaign_id = $1::uuid AND d.decision = 'affected' AND r.confirmed_at IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM tenant_contacts c
                                   WHERE c.tenant_id = r.tenant_id AND c.email = r.address AND c.roles && $2::text[]))::int AS recipients`,
      [campaignId, [...roles]],
    );
    return { privilegedContacts: rows[0]?.contacts ?? 0, notificationRecipients: rows[0]?.recipients ?? 0 };
  }
}
