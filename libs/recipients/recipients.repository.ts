import { Injectable } from '@nestjs/common';
import { sql, type Selectable } from 'kysely';
import { PrismaService } from '../db/prisma.service.js';
import type { TenantTx } from '../inbox/tenant-scope.js';
import type { NotificationRecipient } from '../../generated/kysely/database.js';

/** The delivery role of a tenant's own confirmed recipient (beside the directory's GlobalAdmin and PrivacyReader). */
export const RECIPIENT_ROLE = 'NotificationRecipient';

/** The audit action of a confirmation email: the resend window and the tenant's hourly limit count these. */
export const CONFIRMATION_SENT = 'recipients.confirmation.sent';

type Recipient = Selectable<NotificationRecipient>;

/** UTC now: the columns hold UTC without a zone (as Prisma writes them). */
const UTC_NOW = sql<Date>`(now() AT TIME ZONE 'UTC')`;
const ISO = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"';

export type RecipientRow = Pick<Recipient, 'id' | 'address' | 'locale'> & {
  addedBy: Recipient['added_by'];
  /** ISO 8601, UTC */
  createdAt: string;
  confirmedAt: string | null;
  /** seconds since the last confirmation email, null when none was sent */
  sentAgoS: number | null;
};

/** A recipient's columns as RecipientRow. */
const COLUMNS = [
  'id',
  'address',
  'locale',
  'added_by as addedBy',
  sql<string>`to_char(created_at, ${sql.lit(ISO)})`.as('createdAt'),
  sql<string | null>`to_char(confirmed_at, ${sql.lit(ISO)})`.as('confirmedAt'),
  sql<number | null>`extract(epoch FROM ${UTC_NOW} - confirmation_sent_at)::float8`.as('sentAgoS'),
] as const;

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

/**
 * The one owner of notification_recipients. Tenant calls run on a TenantScope transaction
 * (row-level security on). The directory's tables are DirectoryRepository's, the audit log is
 * AuditService's.
 */
@Injectable()
export class RecipientsRepository {
  constructor(private readonly prisma: PrismaService) {}

  // ── in the tenant's transaction ──

  /** Serializes a tenant's adds, so the limit of five holds under concurrent requests. */
  async lockTenant(tx: TenantTx, tenantId: string): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`notification-recipients:${tenantId}`}, 0))`.execute(
      tx.db,
    );
  }

  list(tx: TenantTx, tenantId: string): Promise<RecipientRow[]> {
    return tx.db
      .selectFrom('notification_recipients')
      .select(COLUMNS)
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  async find(tx: TenantTx, tenantId: string, address: string): Promise<RecipientRow | null> {
    const row = await tx.db
      .selectFrom('notification_recipients')
      .select(COLUMNS)
      .where('tenant_id', '=', tenantId)
      .where('address', '=', address)
      .executeTakeFirst();
    return row ?? null;
  }

  insert(
    tx: TenantTx,
    r: { tenantId: string; address: string; locale: string; addedBy: string; tokenHash: string; ttlHours: number },
  ): Promise<RecipientRow> {
    return tx.db
      .insertInto('notification_recipients')
      .values({
        id: sql<string>`gen_random_uuid()`,
        tenant_id: r.tenantId,
        address: r.address,
        locale: r.locale,
        added_by: r.addedBy,
        created_at: UTC_NOW,
        token_hash: r.tokenHash,
        token_expires_at: sql<Date>`${UTC_NOW} + make_interval(hours => ${r.ttlHours}::int)`,
        confirmation_sent_at: UTC_NOW,
      })
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
  }

  /** A fresh link for a pending recipient: the old one stops working. */
  async renewToken(tx: TenantTx, id: string, tokenHash: string, ttlHours: number): Promise<void> {
    await tx.db
      .updateTable('notification_recipients')
      .set({
        token_hash: tokenHash,
        token_expires_at: sql<Date>`${UTC_NOW} + make_interval(hours => ${ttlHours}::int)`,
        confirmation_sent_at: UTC_NOW,
      })
      .where('id', '=', id)
      .where('confirmed_at', 'is', null)
      .execute();
  }

  /** Removes one of the tenant's recipients; null when it has none with that id (or it is another tenant's: RLS hides it). */
  async remove(tx: TenantTx, tenantId: string, id: string): Promise<Pick<Recipient, 'address'> | null> {
    const row = await tx.db
      .deleteFrom('notification_recipients')
      .where('id', '=', id)
      .where('tenant_id', '=', tenantId)
      .returning('address')
      .executeTakeFirst();
    return row ?? null;
  }

  // ── as the service ──

  /** Confirms the pending recipient whose unexpired token has this hash, once: the token is cleared. */
  async confirm(
    tokenHash: string,
  ): Promise<{ tenantId: Recipient['tenant_id']; address: Recipient['address'] } | null> {
    const row = await this.prisma.db
      .updateTable('notification_recipients')
      .set({ confirmed_at: UTC_NOW, token_hash: null, token_expires_at: null })
      .where('token_hash', '=', tokenHash)
      .where('confirmed_at', 'is', null)
      .where('token_expires_at', '>', UTC_NOW)
      .returning(['tenant_id as tenantId', 'address'])
      .executeTakeFirst();
    return row ?? null;
  }

  async isConfirmed(tenantId: string, address: string): Promise<boolean> {
    const row = await this.prisma.db
      .selectFrom('notification_recipients')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('address', '=', address)
      .where('confirmed_at', 'is not', null)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Of a campaign's affected tenants: their privileged contacts, and their confirmed recipients who
   * are not also one. It reads tenant_decisions, which the campaigns lib owns, but stays here: the
   * campaigns lib depends on this one (the notice job's recipient list, the preview's counts), so
   * reading it through CampaignsRepository would make an import cycle.
   */
  async campaignCounts(
    campaignId: string,
    roles: readonly string[],
  ): Promise<{ privilegedContacts: number; notificationRecipients: number }> {
    const row = await sql<{ contacts: number; recipients: number }>`
      SELECT (SELECT count(*) FROM tenant_contacts ct JOIN tenant_decisions d ON d.tenant_id = ct.tenant_id
               WHERE d.campaign_id = ${campaignId}::uuid AND d.decision = 'affected' AND ct.roles && ${[...roles]}::text[])::int AS contacts,
             (SELECT count(*) FROM notification_recipients r JOIN tenant_decisions d ON d.tenant_id = r.tenant_id
               WHERE d.campaign_id = ${campaignId}::uuid AND d.decision = 'affected' AND r.confirmed_at IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM tenant_contacts c
                                  WHERE c.tenant_id = r.tenant_id AND c.email = r.address AND c.roles && ${[...roles]}::text[]))::int AS recipients`.execute(
      this.prisma.db,
    );
    const r = row.rows[0];
    return { privilegedContacts: r?.contacts ?? 0, notificationRecipients: r?.recipients ?? 0 };
  }
}
