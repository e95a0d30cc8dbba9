import { Injectable } from '@nestjs/common';
import { sql, type Compilable, type RawBuilder, type Selectable, type SqlBool } from 'kysely';
import type {
  Campaign,
  Delivery,
  DeliveryState,
  ExposureView,
  Notice,
  NoticeViewPoint,
  Tenant,
  TenantContact,
  TenantDecision,
} from '../../generated/kysely/database.js';
import { DATA_PRIVACY_TAG } from '../auth/tenant-principal.js';
import { PrismaService } from '../db/prisma.service.js';
import { runNamed, type Transaction } from '../db/transaction.js';
import { confirmedRecipientsJson } from '../recipients/recipients.repository.js';
import type { FilterNode, InboxNoticeRow, OrderKey, Reader, TimeField, ViewPointFlag } from './notice-query.js';
import { FALLBACK_LOCALE } from './template-engine.js';

export type { InboxNoticeRow, Reader, ViewPointFlag };

type N = Selectable<Notice>;
type D = Selectable<Delivery>;
type C = Selectable<Campaign>;

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
  contacts: NoticeContact[];
}

type NoticeContact = Pick<Selectable<TenantContact>, 'email' | 'roles' | 'locale'>;

/** What the email job needs about one delivery, read in one statement. */
export interface EmailContext {
  id: bigint;
  campaignId: D['campaign_id'];
  tenantId: D['tenant_id'];
  noticeId: D['notice_id'];
  address: D['address'];
  role: D['role'];
  locale: D['locale'];
  operationId: D['operation_id'];
  state: D['state'];
  /** what the email announces: the notice, a later revision of it, or a reminder that nobody read it */
  kind: D['kind'];
  revision: D['revision'];
  /** the notice's act-by date (a reminder names it) */
  actionRequiredBy: Date | null;
  /** whether someone of the tenant has ever read the notice (a reminder is not sent then) */
  noticeRead: boolean;
  campaign: {
    id: C['id'];
    status: string;
    supportUrl: C['support_url'];
    supportPhone: C['support_phone'];
    supportEmail: C['support_email'];
  } | null;
  decision: string | null;
  tenantName: string | null;
}

export type DeliveryRow = Pick<D, 'address' | 'role' | 'locale'> & { operationId: D['operation_id'] };

/** The notice a batch writes for one tenant: its columns that are not the key or set by the database. */
export interface NoticeContent {
  title: N['title'];
  category: N['category'];
  severity: N['severity'];
  tags: N['tags'];
  isMajorChange: N['is_major_change'];
  actionRequiredBy: Date | null;
  services: N['services'];
  details: unknown;
  bodyHtml: N['body_html'];
  /** the template locale title and body are written in */
  locale: N['locale'];
  /** the same notice in other template locales, by locale (see the schema's Notice.translations) */
  translations?: NoticeTranslations;
}

/** One tenant's part of a notice batch: the notice to write (null: it exists as `noticeId`) and its delivery rows. */
export interface NoticeWrite {
  campaignId: string;
  tenantId: string;
  noticeId: string;
  notice: NoticeContent | null;
  deliveries: DeliveryRow[];
}

/** A notice whose act-by date is within its campaign's reminder lead time. */
export interface ReminderCandidate {
  noticeId: N['id'];
  tenantId: N['tenant_id'];
  actionRequiredBy: Date;
  /** someone of the tenant has marked it read at least once */
  read: boolean;
  withdrawn: boolean;
}

/** One reminder email to write: to one contact, about one notice. */
export interface ReminderWrite {
  campaignId: string;
  tenantId: string;
  noticeId: string;
  address: string;
  role: string;
  locale: string;
  operationId: string;
}

/** What a campaign's status says about reads and reminders. */
export interface ReminderCounts {
  /** tenants whose notice someone has read at least once */
  tenantsRead: number;
  queued: number;
  sending: number;
  sent: number;
  failed: number;
  retrying: number;
}

/** Notices and deliveries of one campaign by state, for its status and its completion. */
export interface DispatchCounts {
  notices: number;
  queued: number;
  sending: number;
  sent: number;
  failed: number;
  retrying: number;
  /** emails announcing an update, by state */
  updateEmails: LaterEmailCounts;
  /** emails announcing a withdrawal, by state */
  withdrawalEmails: LaterEmailCounts;
}

export interface LaterEmailCounts {
  queued: number;
  sent: number;
  failed: number;
  retrying: number;
}

/** A notice as a revision starts from: its current content and who was told of it. */
export interface RevisableNotice {
  id: string;
  tenantId: string;
  campaignId: string;
  revision: number;
  locale: string;
  title: string;
  bodyHtml: string;
  translations: NoticeTranslations | null;
  tags: string[] | null;
  /** the addresses its notice emails went to */
  recipients: { address: string; role: string; locale: string }[];
}

/** A new revision of a notice, made from revision `baseRevision`. */
export interface RevisionWrite {
  noticeId: string;
  baseRevision: number;
  cause: 'update' | 'withdrawal';
  updateId: string | null;
  title: string;
  bodyHtml: string;
  translations: NoticeTranslations | null;
  tags: string[];
  /** the revision's emails (none without notify) */
  deliveries: DeliveryRow[];
}

export interface WrittenRevision {
  noticeId: string;
  revision: number;
  /** its new deliveries */
  deliveries: bigint[];
}

export interface WithdrawalRow {
  noticeId: string;
  tenantId: string;
  campaignId: string;
  reason: string;
  requestedBy: string;
  requestedAt: Date;
  approvedBy: string | null;
  approvedAt: Date | null;
  revision: number | null;
}

/** An earlier revision of a notice, as the inbox shows it. */
export interface InboxRevisionRow {
  revision: number;
  cause: string;
  title: string;
  bodyHtml: string;
  tags: string[] | null;
  lastModifiedAt: string;
}

/** How a notice batch's results are keyed. */
export const writeKey = (campaignId: string, tenantId: string) =>
  `${campaignId.toLowerCase()}/${tenantId.toLowerCase()}`;

/** Timestamps as Prisma writes them: UTC wall time in `timestamp(3)` columns. */
const UTC_NOW = sql<Date>`(now() AT TIME ZONE 'UTC')`;

/**
 * A revision's `details` over `n` (the notice) and `r` (the revision): kept, except that a withdrawn
 * notice keeps only its campaign reference: the data categories and the record count it named
 * were never the tenant's.
 */
const WITHDRAWN_DETAILS = sql`CASE WHEN r.withdrawn
  THEN COALESCE((SELECT jsonb_agg(d) FROM jsonb_array_elements(CASE WHEN jsonb_typeof(n.details) = 'array' THEN n.details ELSE '[]'::jsonb END) d
                  WHERE d ->> 'name' = 'CampaignReference'), '[]'::jsonb)
  ELSE n.details END`;

/** Rows of exposure views per INSERT when an analysis replaces a campaign's views. */
const VIEW_CHUNK = 2000;

// ── the inbox's statements: column names and operators are constants chosen here, never request text ──

/** Times as the Graph shape wants them (the columns hold UTC without a zone). */
const iso = (col: string) => `to_char(${col}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A notice's columns, with its title and body in the reader's template locale (see `translation`),
 * the reader's view point (`v`), and whether it has an exposure view to serve as attachments.
 */
const NOTICE_COLUMNS = sql.raw(`
  n.id, n.campaign_id::text AS "campaignId", COALESCE(tr.t ->> 'title', n.title) AS title, n.category, n.severity, n.tags,
  n.is_major_change AS "isMajorChange", ${iso('n.action_required_by')} AS "actionRequiredBy", n.services,
  n.details, COALESCE(tr.t ->> 'bodyHtml', n.body_html) AS "bodyHtml", ${iso('n.posted_at')} AS "postedAt", ${iso('n.last_modified_at')} AS "lastModifiedAt",
  COALESCE(v.is_read, false) AS "isRead", COALESCE(v.is_archived, false) AS "isArchived",
  COALESCE(v.is_favorited, false) AS "isFavorited", ${iso('ak.acknowledged_at')} AS "acknowledgedAt",
  EXISTS (SELECT 1 FROM exposure_views e WHERE e.campaign_id = n.campaign_id AND e.tenant_id = n.tenant_id) AS "hasAttachments"`);

/**
 * `tr` of NOTICE_COLUMNS: the title and body to show in the reader's template locale `locale` (a
 * folder name, never request text; null: the reader states no language): the stored translation
 * when the notice has one in that locale (else its en-US one), or null (the notice as written)
 * when it is already in that locale, has no such translation, or the reader states none. The
 * translations value is looked at only when the locale differs from the notice's own, once per row
 * (kept a subquery by OFFSET 0), and only the body shown leaves the database.
 */
const translation = (locale: string | null) => sql`
  CROSS JOIN LATERAL (
    SELECT CASE WHEN ${locale}::text IS NULL OR n.locale = ${locale}::text THEN NULL
                ELSE COALESCE(n.translations -> ${locale}::text, CASE WHEN n.locale <> ${sql.raw(`'${FALLBACK_LOCALE}'`)} THEN n.translations -> ${sql.raw(`'${FALLBACK_LOCALE}'`)} END) END AS t
    OFFSET 0) tr`;

/**
 * The notices a reader may see: their tenant's (stated here and enforced again by the RLS
 * policies), minus data-privacy notices unless their roles allow them (the tag is compared
 * case-insensitively, so a variant spelling hides the notice rather than shows it).
 */
const visible = (r: Reader) =>
  sql<SqlBool>`n.tenant_id = ${r.tenantId}::uuid
    AND (${r.mayReadDataPrivacy}::boolean OR NOT EXISTS (SELECT 1 FROM unnest(n.tags) t WHERE lower(t) = ${DATA_PRIVACY_TAG.toLowerCase()}))`;

const TIME_COLUMN: Record<TimeField, string> = {
  lastModifiedDateTime: 'n.last_modified_at',
  startDateTime: 'n.posted_at',
  actionRequiredByDateTime: 'n.action_required_by',
};
const TIME_OP = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;
const BOOL_COLUMN = {
  isRead: 'COALESCE(v.is_read, false)',
  isArchived: 'COALESCE(v.is_archived, false)',
  isFavorited: 'COALESCE(v.is_favorited, false)',
  isMajorChange: 'n.is_major_change',
} as const;
const TEXT_COLUMN = { id: 'n.id', category: 'n.category', severity: 'n.severity' } as const;
const FLAG_COLUMN: Record<ViewPointFlag, 'is_read' | 'is_archived' | 'is_favorited'> = {
  isRead: 'is_read',
  isArchived: 'is_archived',
  isFavorited: 'is_favorited',
};

/**
 * A parsed `$filter` as SQL over `n` (notices) and `v` (the reader's view points): every literal a
 * bound parameter, every column and operator a constant of this file. Times compare at the
 * millisecond the reader was shown (the columns hold UTC without a zone); a missing time (no
 * action required) is neither before nor after anything, and `ne` on it is true, as OData's null
 * rules say.
 */
export function filterSql(f: FilterNode): RawBuilder<SqlBool> {
  switch (f.kind) {
    case 'and':
    case 'or':
      return sql<SqlBool>`(${sql.join(f.args.map(filterSql), sql.raw(f.kind === 'and' ? ' AND ' : ' OR '))})`;
    case 'not':
      return sql<SqlBool>`(NOT COALESCE(${filterSql(f.arg)}, false))`;
    case 'bool':
      return sql<SqlBool>`(${sql.raw(BOOL_COLUMN[f.field])} ${sql.raw(f.op === 'eq' ? '=' : '<>')} ${f.value}::boolean)`;
    case 'text':
      return sql<SqlBool>`(${sql.raw(TEXT_COLUMN[f.field])} ${sql.raw(f.op === 'eq' ? '=' : '<>')} ${f.value}::text)`;
    case 'time': {
      const col = sql.raw(`(date_trunc('milliseconds', ${TIME_COLUMN[f.field]}) AT TIME ZONE 'UTC')`);
      const cmp = sql`${col} ${sql.raw(TIME_OP[f.op])} ${f.value}::timestamptz`;
      return f.op === 'ne' ? sql<SqlBool>`(${col} IS NULL OR ${cmp})` : sql<SqlBool>`COALESCE(${cmp}, false)`;
    }
    case 'any':
      return sql<SqlBool>`(${f.value}::text = ANY(${sql.raw(f.field === 'tags' ? 'n.tags' : 'n.services')}))`;
  }
}

const ORDER_COLUMN: Record<OrderKey['field'], string> = {
  lastModifiedDateTime: 'n.last_modified_at',
  startDateTime: 'n.posted_at',
  actionRequiredByDateTime: 'n.action_required_by',
  // the title shown, in the reader's language
  title: "COALESCE(tr.t ->> 'title', n.title)",
};

/**
 * `$orderby` as SQL, with the id last so pages never overlap; null sorts first ascending and last
 * descending, as OData says. No keys: the inbox's own order, newest posted first.
 */
function orderSql(keys: readonly OrderKey[]): RawBuilder<unknown> {
  if (keys.length === 0) return sql.raw('n.posted_at DESC, n.id DESC');
  return sql.raw(
    [...keys.map((k) => `${ORDER_COLUMN[k.field]} ${k.desc ? 'DESC NULLS LAST' : 'ASC NULLS FIRST'}`), 'n.id ASC'].join(
      ', ',
    ),
  );
}

/** A raw typed statement as something runNamed can compile, on the transaction's Kysely. */
const on = <R>(tx: Transaction, statement: RawBuilder<R>): Compilable<R> => ({
  compile: () => statement.compile(tx.db),
});

/**
 * The one owner of notices, deliveries, notice_view_points and exposure_views: what the dispatch
 * posts and sends, what an analysis stores for each tenant, and what the tenant inbox reads (on a
 * TenantScope transaction, row-level security on). Thin: the rules are the services'.
 */
@Injectable()
export class NoticesRepository {
  constructor(private readonly prisma: PrismaService) {}

  // ── dispatch: notices and their deliveries ──

  /**
   * Everything the notice jobs of a batch read, in one round trip, in the order asked. The message
   * number is drawn here too, and only when the notice will be written: no notice yet, the campaign
   * sending, the tenant affected (a number drawn in vain is only a gap).
   *
   * Reads campaigns, tenant_decisions, tenants, tenant_contacts and notification_recipients beside
   * this family's notices and exposure_views: a documented exception to one owner per table
   * (docs/design.md, "Table ownership: campaigns and notices"). The notice job's throughput is one
   * such statement per batch of up to 100 tenants; split per family it would be seven round trips.
   */
  async noticeContexts(
    items: { campaignId: string; tenantId: string }[],
    roles: readonly string[],
  ): Promise<NoticeContext[]> {
    const { rows } = await sql<{
      c_id: C['id'] | null;
      c_status: C['status'] | null;
      title: C['title'] | null;
      support_url: C['support_url'];
      support_phone: C['support_phone'];
      support_email: C['support_email'];
      /** the stored UTC wall time read as an instant */
      respond_by: Date | null;
      incident_date: Date | null;
      decision: Selectable<TenantDecision>['decision'] | null;
      records: Selectable<TenantDecision>['records'] | null;
      t_id: Selectable<Tenant>['id'] | null;
      t_name: Selectable<Tenant>['name'] | null;
      has_view: boolean;
      categories: unknown;
      notice_id: N['id'] | null;
      new_notice_id: string | null;
      contacts: NoticeContact[];
    }>`SELECT c.id AS c_id, c.status AS c_status, c.title, c.support_url, c.support_phone, c.support_email,
              c.respond_by AT TIME ZONE 'UTC' AS respond_by, c.incident_date AT TIME ZONE 'UTC' AS incident_date,
              d.decision, d.records, t.id AS t_id, t.name AS t_name,
              v.campaign_id IS NOT NULL AS has_view, v.view -> 'dataCategories' AS categories, n.id AS notice_id,
              CASE WHEN n.id IS NULL AND c.status = 'sending' AND d.decision = 'affected' THEN 'MC' || nextval('notice_number') END AS new_notice_id,
              COALESCE((SELECT jsonb_agg(jsonb_build_object('email', ct.email, 'roles', ct.roles, 'locale', ct.locale) ORDER BY ct.id)
                          FROM tenant_contacts ct WHERE ct.tenant_id = k.tenant_id AND ct.roles && p.roles), '[]'::jsonb)
                || ${sql.raw(confirmedRecipientsJson('k.tenant_id', 'p.roles'))} AS contacts
         FROM unnest(${items.map((x) => x.campaignId)}::uuid[], ${items.map((x) => x.tenantId)}::uuid[]) WITH ORDINALITY AS k(campaign_id, tenant_id, i)
         CROSS JOIN (SELECT ${[...roles]}::text[] AS roles) p
         LEFT JOIN campaigns c ON c.id = k.campaign_id
         LEFT JOIN tenant_decisions d ON d.campaign_id = k.campaign_id AND d.tenant_id = k.tenant_id
         LEFT JOIN tenants t ON t.id = k.tenant_id
         LEFT JOIN exposure_views v ON v.campaign_id = k.campaign_id AND v.tenant_id = k.tenant_id
         LEFT JOIN notices n ON n.campaign_id = k.campaign_id AND n.tenant_id = k.tenant_id
        ORDER BY k.i`.execute(this.prisma.db);
    return rows.map((r) => ({
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
      dataCategories: r.has_view
        ? Array.isArray(r.categories)
          ? r.categories.filter((x): x is string => typeof x === 'string')
          : []
        : null,
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
    const notices = writes.flatMap((w) => {
      const n = w.notice;
      if (!n) return [];
      return [
        {
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
        },
      ];
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
    // one statement: jsonb_to_recordset turns the batch into rows, the CTEs write both tables
    const { rows } = await sql<{
      kind: 'notice' | 'delivery';
      campaign_id: string;
      tenant_id: string;
      /** the notice's id, or the delivery's as text */
      ref: string;
    }>`WITH n AS (
         INSERT INTO notices (id, campaign_id, tenant_id, decision, title, category, severity, tags, is_major_change,
                              action_required_by, services, details, body_html, locale, translations, posted_at, last_modified_at)
         SELECT r.id, r.campaign_id, r.tenant_id, 'affected', r.title, r.category, r.severity, r.tags, r.is_major_change,
                r.action_required_by AT TIME ZONE 'UTC', r.services, r.details, r.body_html, r.locale, r.translations, ${UTC_NOW}, ${UTC_NOW}
           FROM jsonb_to_recordset(${JSON.stringify(notices)}::jsonb) AS r(id text, campaign_id uuid, tenant_id uuid, title text, category text, severity text, tags text[],
                                                   is_major_change boolean, action_required_by timestamptz, services text[], details jsonb,
                                                   body_html text, locale text, translations jsonb)
         ON CONFLICT (campaign_id, tenant_id) DO NOTHING
         RETURNING id, campaign_id, tenant_id
       ), dl AS (
         INSERT INTO deliveries (campaign_id, tenant_id, notice_id, address, role, locale, operation_id, queued_at, updated_at)
         SELECT r.campaign_id, r.tenant_id, COALESCE(r.notice_id, n.id), r.address, r.role, r.locale, r.operation_id, ${UTC_NOW}, ${UTC_NOW}
           FROM jsonb_to_recordset(${JSON.stringify(deliveries)}::jsonb) AS r(campaign_id uuid, tenant_id uuid, notice_id text, address text, role text, locale text, operation_id uuid)
           LEFT JOIN n ON r.notice_id IS NULL AND n.campaign_id = r.campaign_id AND n.tenant_id = r.tenant_id
          WHERE COALESCE(r.notice_id, n.id) IS NOT NULL
         ON CONFLICT DO NOTHING
         RETURNING id, campaign_id, tenant_id
       )
       SELECT 'notice' AS kind, campaign_id::text, tenant_id::text, id AS ref FROM n
       UNION ALL SELECT 'delivery', campaign_id::text, tenant_id::text, id::text FROM dl
       UNION ALL SELECT 'delivery', campaign_id::text, tenant_id::text, id::text FROM deliveries
                  WHERE notice_id = ANY(${existing}::text[]) AND state IN ('queued', 'retrying', 'sending')`.execute(
      this.prisma.db,
    );
    const out = new Map<string, { noticeId: string | null; pending: bigint[] }>();
    for (const w of writes)
      out.set(writeKey(w.campaignId, w.tenantId), { noticeId: w.notice ? null : w.noticeId, pending: [] });
    for (const r of rows) {
      const e = out.get(writeKey(r.campaign_id, r.tenant_id));
      if (!e) continue;
      if (r.kind === 'notice') e.noticeId = r.ref;
      else if (!e.pending.some((p) => p === BigInt(r.ref))) e.pending.push(BigInt(r.ref));
    }
    return out;
  }

  /** Of these tenants, those that have the campaign's notice. */
  async tenantsWithNotice(campaignId: string, tenantIds: readonly string[]): Promise<Set<string>> {
    if (!tenantIds.length) return new Set();
    const rows = await this.prisma.db
      .selectFrom('notices')
      .select('tenant_id')
      .where('campaign_id', '=', campaignId)
      .where(sql<SqlBool>`tenant_id = ANY(${[...tenantIds]}::uuid[])`)
      .execute();
    return new Set(rows.map((r) => r.tenant_id));
  }

  /**
   * The delivery with its campaign, its tenant's decision and name, in one round trip: a documented
   * exception to one owner per table (docs/design.md, "Table ownership: campaigns and notices"),
   * read once per email sent, where three more round trips would bound the send rate.
   */
  async emailContext(id: bigint): Promise<EmailContext | null> {
    const r = await this.prisma.db
      .selectFrom('deliveries as d')
      .leftJoin('campaigns as c', 'c.id', 'd.campaign_id')
      .leftJoin('tenant_decisions as td', (j) =>
        j.onRef('td.campaign_id', '=', 'd.campaign_id').onRef('td.tenant_id', '=', 'd.tenant_id'),
      )
      .leftJoin('tenants as t', 't.id', 'd.tenant_id')
      .leftJoin('notices as n', 'n.id', 'd.notice_id')
      .select([
        sql<string>`d.id::text`.as('id'),
        'd.kind',
        sql<Date | null>`n.action_required_by AT TIME ZONE 'UTC'`.as('action_required_by'),
        sql<boolean>`EXISTS (SELECT 1 FROM notice_view_points v WHERE v.notice_id = d.notice_id AND v.first_read_at IS NOT NULL)`.as(
          'notice_read',
        ),
        'd.campaign_id',
        'd.tenant_id',
        'd.notice_id',
        'd.address',
        'd.role',
        'd.locale',
        'd.operation_id',
        'd.state',
        'd.kind',
        'd.revision',
        'c.id as c_id',
        'c.status as c_status',
        'c.support_url',
        'c.support_phone',
        'c.support_email',
        'td.decision',
        't.name as t_name',
      ])
      .where('d.id', '=', id.toString())
      .executeTakeFirst();
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
      kind: r.kind,
      actionRequiredBy: r.action_required_by,
      noticeRead: r.notice_read,
      revision: r.revision,
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
    if (!from.length) return false;
    const r = await this.prisma.db
      .updateTable('deliveries')
      .set((eb) => ({ state: 'sending', attempts: eb('attempts', '+', 1), updated_at: UTC_NOW }))
      .where('id', '=', id.toString())
      .where('state', 'in', from)
      .executeTakeFirst();
    return r.numUpdatedRows === 1n;
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
    await this.prisma.db
      .updateTable('deliveries')
      .set((eb) => ({
        state: r.state,
        last_error: r.lastError,
        ...(r.providerMessageId !== undefined ? { provider_message_id: r.providerMessageId } : {}),
        ...(r.sent === true ? { sent_at: UTC_NOW } : {}),
        attempts: eb('attempts', '+', r.attemptsDelta ?? 0),
        updated_at: UTC_NOW,
      }))
      .where('id', '=', id.toString())
      .execute();
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
    const { rows } = await sql<{
      id: N['id'];
      tenant_id: N['tenant_id'];
      has_deliveries: boolean;
      /** delivery ids as text */
      pending: string[];
    }>`SELECT n.id, n.tenant_id,
              EXISTS (SELECT 1 FROM deliveries x WHERE x.notice_id = n.id) AS has_deliveries,
              ARRAY(SELECT x.id::text FROM deliveries x WHERE x.notice_id = n.id AND x.state IN ('queued', 'retrying', 'sending') ORDER BY x.id) AS pending
         FROM notices n
        WHERE n.campaign_id = ${campaignId} AND (${after}::text IS NULL OR n.id > ${after}::text)
          AND (NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.notice_id = n.id)
               OR EXISTS (SELECT 1 FROM deliveries x WHERE x.notice_id = n.id AND x.state IN ('queued', 'retrying', 'sending')))
        ORDER BY n.id LIMIT ${limit}`.execute(this.prisma.db);
    return rows.map((r) => ({
      id: r.id,
      tenantId: r.tenant_id,
      hasDeliveries: r.has_deliveries,
      pending: r.pending.map((x) => BigInt(x)),
    }));
  }

  /**
   * The campaign's notices, and its notice emails by state; the update and withdrawal emails sent
   * later are counted apart, so they never hold up nor confuse the campaign's completion.
   */
  async dispatchCounts(campaignId: string): Promise<DispatchCounts> {
    const { rows } = await sql<{ k: string; n: number }>`
      SELECT 'notices' AS k, count(*)::int AS n FROM notices WHERE campaign_id = ${campaignId}
      UNION ALL SELECT state::text, count(*)::int FROM deliveries WHERE campaign_id = ${campaignId} AND kind = 'notice' GROUP BY state
      UNION ALL SELECT kind::text || '.' || state::text, count(*)::int FROM deliveries
                 WHERE campaign_id = ${campaignId} AND kind IN ('update', 'withdrawal') GROUP BY kind, state`.execute(
      this.prisma.db,
    );
    const m = new Map(rows.map((r) => [r.k, r.n]));
    const n = (k: string) => m.get(k) ?? 0;
    const later = (kind: 'update' | 'withdrawal'): LaterEmailCounts => ({
      queued: n(`${kind}.queued`) + n(`${kind}.sending`),
      sent: n(`${kind}.sent`),
      failed: n(`${kind}.failed`),
      retrying: n(`${kind}.retrying`),
    });
    return {
      notices: n('notices'),
      queued: n('queued'),
      sending: n('sending'),
      sent: n('sent'),
      failed: n('failed'),
      retrying: n('retrying'),
      updateEmails: later('update'),
      withdrawalEmails: later('withdrawal'),
    };
  }

  /** The campaign's tenants whose notice someone has read, and its reminder emails by state. */
  async reminderCounts(campaignId: string): Promise<ReminderCounts> {
    const { rows } = await sql<{ k: string; n: number }>`
      SELECT 'read' AS k, count(*)::int AS n FROM notices n
       WHERE n.campaign_id = ${campaignId}
         AND EXISTS (SELECT 1 FROM notice_view_points v WHERE v.notice_id = n.id AND v.first_read_at IS NOT NULL)
      UNION ALL SELECT state::text, count(*)::int FROM deliveries
       WHERE campaign_id = ${campaignId} AND kind = 'reminder' GROUP BY state`.execute(this.prisma.db);
    const m = new Map(rows.map((r) => [r.k, r.n]));
    const n = (k: string) => m.get(k) ?? 0;
    return {
      tenantsRead: n('read'),
      queued: n('queued'),
      sending: n('sending'),
      sent: n('sent'),
      failed: n('failed'),
      retrying: n('retrying'),
    };
  }

  /**
   * A page (in id order, after `after`) of the campaign's notices whose act-by date is after `now`
   * and at most `remindBeforeSeconds` away, that nobody of their tenant has read. Only privileged
   * readers can see (and so mark read) a data-privacy notice: any first read counts.
   */
  async reminderCandidates(
    campaignId: string,
    remindBeforeSeconds: number,
    now: Date,
    after: string | null,
    limit: number,
  ): Promise<ReminderCandidate[]> {
    const { rows } = await sql<{
      id: N['id'];
      tenant_id: N['tenant_id'];
      action_required_by: Date;
      read: boolean;
      withdrawn: boolean;
    }>`SELECT n.id, n.tenant_id, n.action_required_by AT TIME ZONE 'UTC' AS action_required_by,
              EXISTS (SELECT 1 FROM notice_view_points v WHERE v.notice_id = n.id AND v.first_read_at IS NOT NULL) AS read,
              n.withdrawn_at IS NOT NULL AS withdrawn
         FROM notices n
        WHERE n.campaign_id = ${campaignId}::uuid AND (${after}::text IS NULL OR n.id > ${after}::text)
          AND n.withdrawn_at IS NULL
          AND n.action_required_by AT TIME ZONE 'UTC' > ${now}::timestamptz
          AND n.action_required_by AT TIME ZONE 'UTC' - make_interval(secs => ${remindBeforeSeconds}::int) <= ${now}::timestamptz
          AND NOT EXISTS (SELECT 1 FROM notice_view_points v WHERE v.notice_id = n.id AND v.first_read_at IS NOT NULL)
        ORDER BY n.id LIMIT ${limit}`.execute(this.prisma.db);
    return rows.map((r) => ({
      noticeId: r.id,
      tenantId: r.tenant_id,
      actionRequiredBy: r.action_required_by,
      read: r.read,
      withdrawn: r.withdrawn,
    }));
  }

  /**
   * Writes reminder delivery rows (one per notice and address: the unique key makes a second run,
   * a crashed run's retry or another worker's run at the same time write nothing) and answers
   * the ids of these notices' reminders still to send, new or left by an earlier run.
   */
  async writeReminders(rows: ReminderWrite[]): Promise<bigint[]> {
    if (!rows.length) return [];
    const noticeIds = [...new Set(rows.map((r) => r.noticeId))];
    const { rows: out } = await sql<{ id: string }>`WITH dl AS (
         INSERT INTO deliveries (campaign_id, tenant_id, notice_id, address, role, locale, operation_id, kind, revision, queued_at, updated_at)
         SELECT r.campaign_id, r.tenant_id, r.notice_id, r.address, r.role, r.locale, r.operation_id, 'reminder', 0, ${UTC_NOW}, ${UTC_NOW}
           FROM jsonb_to_recordset(${JSON.stringify(
             rows.map((r) => ({
               campaign_id: r.campaignId,
               tenant_id: r.tenantId,
               notice_id: r.noticeId,
               address: r.address,
               role: r.role,
               locale: r.locale,
               operation_id: r.operationId,
             })),
           )}::jsonb) AS r(campaign_id uuid, tenant_id uuid, notice_id text, address text, role text, locale text, operation_id uuid)
         ON CONFLICT DO NOTHING
         RETURNING id
       )
       SELECT id::text FROM dl
       UNION SELECT id::text FROM deliveries
        WHERE notice_id = ANY(${noticeIds}::text[]) AND kind = 'reminder' AND state IN ('queued', 'retrying', 'sending')`.execute(
      this.prisma.db,
    );
    return out.map((r) => BigInt(r.id)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
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
        kind: true,
        revision: true,
        state: true,
        attempts: true,
        lastError: true,
        queuedAt: true,
        sentAt: true,
        updatedAt: true,
      },
    });
  }

  /**
   * Deliveries a send was attempted for in the last windowMs (claimed, sent, failed, or waiting
   * to retry), with when: what rebuilds the send-rate log after Redis lost it.
   */
  async recentSendAttempts(windowMs: number): Promise<{ deliveryId: string; at: number }[]> {
    const { rows } = await sql<{ id: string; at: number }>`
      SELECT id::text AS id, floor(extract(epoch FROM updated_at) * 1000)::float8 AS at FROM deliveries
       WHERE updated_at > ${UTC_NOW} - make_interval(secs => ${windowMs}::float8 / 1000)
         AND state IN ('sending', 'sent', 'failed', 'retrying')`.execute(this.prisma.db);
    return rows.map((r) => ({ deliveryId: r.id, at: Number(r.at) }));
  }

  // ── revisions: incident updates and withdrawals ──

  /**
   * A page of the campaign's notices that do not have the update yet and are not withdrawn, in id
   * order, with their current content and who was told of them (the addresses of their notice
   * emails): what the update job revises next.
   */
  async updateCandidates(campaignId: string, updateId: string, limit: number): Promise<RevisableNotice[]> {
    const { rows } = await sql<RevisableNotice>`
      SELECT n.id, n.tenant_id::text AS "tenantId", n.campaign_id::text AS "campaignId", n.revision, n.locale, n.title,
             n.body_html AS "bodyHtml", n.translations, n.tags,
             COALESCE((SELECT jsonb_agg(jsonb_build_object('address', d.address, 'role', d.role, 'locale', d.locale) ORDER BY d.id)
                         FROM deliveries d WHERE d.notice_id = n.id AND d.kind = 'notice'), '[]'::jsonb) AS recipients
        FROM notices n
       WHERE n.campaign_id = ${campaignId}::uuid AND n.withdrawn_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM notice_revisions r WHERE r.notice_id = n.id AND r.update_id = ${updateId}::uuid)
       ORDER BY n.id LIMIT ${limit}`.execute(this.prisma.db);
    return rows;
  }

  /** One notice as a revision starts from, or undefined. */
  async revisableNotice(noticeId: string): Promise<RevisableNotice | undefined> {
    const { rows } = await sql<RevisableNotice>`
      SELECT n.id, n.tenant_id::text AS "tenantId", n.campaign_id::text AS "campaignId", n.revision, n.locale, n.title,
             n.body_html AS "bodyHtml", n.translations, n.tags,
             COALESCE((SELECT jsonb_agg(jsonb_build_object('address', d.address, 'role', d.role, 'locale', d.locale) ORDER BY d.id)
                         FROM deliveries d WHERE d.notice_id = n.id AND d.kind = 'notice'), '[]'::jsonb) AS recipients
        FROM notices n WHERE n.id = ${noticeId}`.execute(this.prisma.db);
    return rows[0];
  }

  /**
   * Writes new revisions, each on top of the revision it was made from, in one transaction: the
   * notices are locked first, so a revision whose notice moved on meanwhile (another update, a
   * withdrawal) or was withdrawn is left out (the caller reads it again); the revision it replaces
   * is kept (revision 0 is written on the first change), the notice takes the new content, every
   * reader's view point turns unread, and the revision's email deliveries are written. Answers the
   * revisions written with their deliveries still to send. `tx`: an enclosing transaction.
   */
  async writeRevisions(writes: readonly RevisionWrite[], tx?: Transaction): Promise<WrittenRevision[]> {
    if (!writes.length) return [];
    const work = async (t: Transaction): Promise<WrittenRevision[]> => {
      const locked = await sql<{ id: string; revision: number }>`
        SELECT id, revision FROM notices WHERE id = ANY(${writes.map((w) => w.noticeId)}::text[]) AND withdrawn_at IS NULL
         ORDER BY id FOR UPDATE`.execute(t.db);
      const current = new Map(locked.rows.map((r) => [r.id, r.revision]));
      const ready = writes.filter((w) => current.get(w.noticeId) === w.baseRevision);
      if (!ready.length) return [];
      const input = ready.map((w) => ({
        notice_id: w.noticeId,
        revision: w.baseRevision + 1,
        cause: w.cause,
        update_id: w.updateId,
        title: w.title,
        body_html: w.bodyHtml,
        translations: w.translations ?? null,
        tags: w.tags,
        withdrawn: w.cause === 'withdrawal',
      }));
      const { rows } = await sql<{ notice_id: string; revision: number }>`
        WITH r AS (
          SELECT * FROM jsonb_to_recordset(${JSON.stringify(input)}::jsonb)
            AS r(notice_id text, revision int, cause text, update_id uuid, title text, body_html text, translations jsonb, tags text[], withdrawn boolean)
        ), kept AS (
          INSERT INTO notice_revisions (notice_id, tenant_id, revision, cause, update_id, title, body_html, translations, tags,
                                        details, action_required_by, last_modified_at)
          SELECT n.id, n.tenant_id, 0, 'posted', NULL, n.title, n.body_html, n.translations, n.tags, n.details, n.action_required_by,
                 n.last_modified_at
            FROM notices n JOIN r ON r.notice_id = n.id WHERE n.revision = 0
          ON CONFLICT DO NOTHING
        ), ins AS (
          INSERT INTO notice_revisions (notice_id, tenant_id, revision, cause, update_id, title, body_html, translations, tags,
                                        details, action_required_by, last_modified_at)
          SELECT n.id, n.tenant_id, r.revision, r.cause, r.update_id, r.title, r.body_html, r.translations, r.tags,
                 ${WITHDRAWN_DETAILS}, CASE WHEN r.withdrawn THEN NULL ELSE n.action_required_by END, ${UTC_NOW}
            FROM r JOIN notices n ON n.id = r.notice_id
          ON CONFLICT DO NOTHING
          RETURNING notice_id, revision
        ), moved AS (
          UPDATE notices n SET revision = ins.revision, title = r.title, body_html = r.body_html, translations = r.translations,
                 tags = r.tags, last_modified_at = ${UTC_NOW}, withdrawn_at = CASE WHEN r.withdrawn THEN ${UTC_NOW} ELSE n.withdrawn_at END,
                 details = ${WITHDRAWN_DETAILS}, action_required_by = CASE WHEN r.withdrawn THEN NULL ELSE n.action_required_by END
            FROM ins JOIN r ON r.notice_id = ins.notice_id
           WHERE n.id = ins.notice_id
        ), unread AS (
          UPDATE notice_view_points v SET is_read = false, updated_at = ${UTC_NOW} FROM ins WHERE v.notice_id = ins.notice_id
        )
        SELECT notice_id, revision FROM ins`.execute(t.db);
      const written = new Map(rows.map((r) => [r.notice_id, r.revision]));
      const deliveries = ready.flatMap((w) =>
        written.has(w.noticeId)
          ? w.deliveries.map((d) => ({
              notice_id: w.noticeId,
              kind: w.cause,
              revision: written.get(w.noticeId)!,
              address: d.address,
              role: d.role,
              locale: d.locale,
              operation_id: d.operationId,
            }))
          : [],
      );
      const ids = deliveries.length
        ? (
            await sql<{ id: string; notice_id: string }>`
              INSERT INTO deliveries (campaign_id, tenant_id, notice_id, address, role, locale, kind, revision, operation_id, queued_at, updated_at)
              SELECT n.campaign_id, n.tenant_id, n.id, r.address, r.role, r.locale, r.kind::delivery_kind, r.revision, r.operation_id, ${UTC_NOW}, ${UTC_NOW}
                FROM jsonb_to_recordset(${JSON.stringify(deliveries)}::jsonb)
                  AS r(notice_id text, kind text, revision int, address text, role text, locale text, operation_id uuid)
                JOIN notices n ON n.id = r.notice_id
              ON CONFLICT DO NOTHING
              RETURNING id::text, notice_id`.execute(t.db)
          ).rows
        : [];
      return [...written].map(([noticeId, revision]) => ({
        noticeId,
        revision,
        deliveries: ids.filter((d) => d.notice_id === noticeId).map((d) => BigInt(d.id)),
      }));
    };
    return tx ? work(tx) : this.prisma.transaction(work);
  }

  /** The notices of the campaign the update revised, with the revision it made. */
  async revisionsOfUpdate(updateId: string, campaignId: string): Promise<{ noticeId: string; revision: number }[]> {
    const { rows } = await sql<{ noticeId: string; revision: number }>`
      SELECT r.notice_id AS "noticeId", r.revision FROM notice_revisions r JOIN notices n ON n.id = r.notice_id
       WHERE r.update_id = ${updateId}::uuid AND n.campaign_id = ${campaignId}::uuid ORDER BY r.notice_id`.execute(
      this.prisma.db,
    );
    return rows;
  }

  /** The update a revision of a notice announces, or null (a withdrawal, or no such revision). */
  async updateOfRevision(noticeId: string, revision: number): Promise<string | null> {
    const r = await this.prisma.db
      .selectFrom('notice_revisions')
      .select('update_id')
      .where('notice_id', '=', noticeId)
      .where('revision', '=', revision)
      .executeTakeFirst();
    return r?.update_id ?? null;
  }

  /** Update and withdrawal deliveries still to send, of any campaign, oldest first. */
  async pendingRevisionDeliveriesAll(limit: number): Promise<bigint[]> {
    const rows = await this.prisma.db
      .selectFrom('deliveries')
      .select(sql<string>`id::text`.as('id'))
      .where('kind', 'in', ['update', 'withdrawal'])
      .where('state', 'in', ['queued', 'retrying', 'sending'])
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => BigInt(r.id));
  }

  /** Update and withdrawal deliveries still to send (a job retried after its enqueue failed finds them here). */
  async pendingRevisionDeliveries(noticeIds: readonly string[]): Promise<bigint[]> {
    if (!noticeIds.length) return [];
    const rows = await this.prisma.db
      .selectFrom('deliveries')
      .select(sql<string>`id::text`.as('id'))
      .where(sql<SqlBool>`notice_id = ANY(${[...noticeIds]}::text[])`)
      .where('kind', 'in', ['update', 'withdrawal'])
      .where('state', 'in', ['queued', 'retrying', 'sending'])
      .orderBy('id')
      .execute();
    return rows.map((r) => BigInt(r.id));
  }

  /** How many notices of these campaigns have the update, how many could still get it, and its emails not yet finished. */
  async updateProgress(
    updateId: string,
    campaignIds: readonly string[],
  ): Promise<{ revised: number; pending: number; emailsPending: number }> {
    if (!campaignIds.length) return { revised: 0, pending: 0, emailsPending: 0 };
    const { rows } = await sql<{ revised: number; pending: number; emailsPending: number }>`
      SELECT count(*) FILTER (WHERE r.notice_id IS NOT NULL)::int AS revised,
             count(*) FILTER (WHERE r.notice_id IS NULL AND n.withdrawn_at IS NULL)::int AS pending,
             (SELECT count(*)::int FROM deliveries d JOIN notice_revisions x ON x.notice_id = d.notice_id AND x.revision = d.revision
               WHERE x.update_id = ${updateId}::uuid AND d.kind = 'update' AND d.state IN ('queued', 'sending', 'retrying')) AS "emailsPending"
        FROM notices n LEFT JOIN notice_revisions r ON r.notice_id = n.id AND r.update_id = ${updateId}::uuid
       WHERE n.campaign_id = ANY(${[...campaignIds]}::uuid[])`.execute(this.prisma.db);
    return rows[0] ?? { revised: 0, pending: 0, emailsPending: 0 };
  }

  /** A notice's withdrawal, asked or approved, or undefined. */
  async withdrawal(noticeId: string): Promise<WithdrawalRow | undefined> {
    const { rows } = await sql<WithdrawalRow>`
      SELECT w.notice_id AS "noticeId", n.tenant_id::text AS "tenantId", n.campaign_id::text AS "campaignId", w.reason,
             w.requested_by AS "requestedBy", w.requested_at AT TIME ZONE 'UTC' AS "requestedAt",
             w.approved_by AS "approvedBy", w.approved_at AT TIME ZONE 'UTC' AS "approvedAt", w.revision
        FROM notice_withdrawals w JOIN notices n ON n.id = w.notice_id WHERE w.notice_id = ${noticeId}`.execute(
      this.prisma.db,
    );
    return rows[0];
  }

  /** Asks for a notice's withdrawal; false when one is already asked for. */
  async requestWithdrawal(noticeId: string, reason: string, requestedBy: string): Promise<boolean> {
    const r = await sql`INSERT INTO notice_withdrawals (notice_id, reason, requested_by, requested_at)
      VALUES (${noticeId}, ${reason}, ${requestedBy}, ${UTC_NOW}) ON CONFLICT DO NOTHING`.execute(this.prisma.db);
    return r.numAffectedRows === 1n;
  }

  /**
   * The approval's writes, inside the caller's transaction: the withdrawal marked approved (false
   * when it was approved meanwhile), and the notice's exposure view deleted, so the inbox's
   * exposure endpoint and its attachments answer 404 from the commit on.
   */
  async approveWithdrawal(tx: Transaction, noticeId: string, approvedBy: string): Promise<boolean> {
    const r = await sql`UPDATE notice_withdrawals SET approved_by = ${approvedBy}, approved_at = ${UTC_NOW}
      WHERE notice_id = ${noticeId} AND approved_at IS NULL`.execute(tx.db);
    if (r.numAffectedRows !== 1n) return false;
    await sql`DELETE FROM exposure_views e USING notices n
      WHERE n.id = ${noticeId} AND e.campaign_id = n.campaign_id AND e.tenant_id = n.tenant_id`.execute(tx.db);
    return true;
  }

  /** Records which revision the withdrawal made. */
  async withdrawalRevision(tx: Transaction, noticeId: string, revision: number): Promise<void> {
    await sql`UPDATE notice_withdrawals SET revision = ${revision} WHERE notice_id = ${noticeId}`.execute(tx.db);
  }

  // ── exposure views: written by an analysis, read by the operator's preview and the inbox ──

  /**
   * Replaces the campaign's exposure views inside the analysis' transaction `tx`. The views may
   * be produced while they are written (an async iterable), so they are never all in memory.
   * A multi-row INSERT, not COPY: PostgreSQL refuses COPY FROM into a table under row-level
   * security, and the application role is under it here (docs/design.md "Database roles").
   */
  async replaceExposureViews(
    tx: Transaction,
    campaignId: string,
    views: Iterable<{ tenantId: string; view: unknown }> | AsyncIterable<{ tenantId: string; view: unknown }>,
  ): Promise<void> {
    await tx.db.deleteFrom('exposure_views').where('campaign_id', '=', campaignId).execute();
    let chunk: { tenant_id: string; view: unknown }[] = [];
    const flush = async () => {
      if (!chunk.length) return;
      await sql`INSERT INTO exposure_views (campaign_id, tenant_id, view, updated_at)
        SELECT ${campaignId}, r.tenant_id, r.view, ${new Date().toISOString()}
          FROM json_to_recordset(${JSON.stringify(chunk)}::json) AS r(tenant_id uuid, view jsonb)`.execute(tx.db);
      chunk = [];
    };
    for await (const v of views) {
      chunk.push({ tenant_id: v.tenantId, view: v.view });
      if (chunk.length >= VIEW_CHUNK) await flush();
    }
    await flush();
  }

  /** One tenant's exposure view in a campaign, or undefined. */
  tenantExposureView(
    campaignId: string,
    tenantId: string,
  ): Promise<Pick<Selectable<ExposureView>, 'view'> | undefined> {
    return this.prisma.db
      .selectFrom('exposure_views')
      .select('view')
      .where('campaign_id', '=', campaignId)
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
  }

  /** How many of these tenants have an exposure view in the campaign. */
  async countExposureViews(campaignId: string, tenantIds: readonly string[]): Promise<number> {
    if (!tenantIds.length) return 0;
    const r = await this.prisma.db
      .selectFrom('exposure_views')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('campaign_id', '=', campaignId)
      .where(sql<SqlBool>`tenant_id = ANY(${[...tenantIds]}::uuid[])`)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  // ── the tenant inbox: always on a TenantScope transaction ──
  // The fixed-shape statements are named, so each pooled connection parses and plans them once; a
  // filtered or ordered list is not (its shapes are many, and each name would stay on every connection).

  /** In `orderBy` order (none: newest first); `limit` rows from `offset`. */
  async list(
    tx: Transaction,
    r: Reader,
    q: { filter: FilterNode | null; orderBy: readonly OrderKey[] },
    offset: number,
    limit: number,
  ): Promise<InboxNoticeRow[]> {
    const where = sql.join([visible(r), ...(q.filter ? [filterSql(q.filter)] : [])], sql.raw(' AND '));
    const statement = sql<InboxNoticeRow>`SELECT ${NOTICE_COLUMNS}
       FROM notices n
       LEFT JOIN notice_view_points v ON v.notice_id = n.id AND v.user_id = ${r.userId}
       LEFT JOIN notice_acknowledgements ak ON ak.notice_id = n.id AND ak.user_id = ${r.userId}${translation(r.locale)}
       WHERE ${where}
       ORDER BY ${orderSql(q.orderBy)}
       LIMIT ${limit} OFFSET ${offset}`;
    if (q.filter === null && q.orderBy.length === 0) return runNamed(tx.client, 'inbox-list', on(tx, statement));
    return (await statement.execute(tx.db)).rows;
  }

  /** How many notices the reader may see match the filter (`$count`, paging aside). */
  async count(tx: Transaction, r: Reader, filter: FilterNode | null): Promise<number> {
    const where = sql.join([visible(r), ...(filter ? [filterSql(filter)] : [])], sql.raw(' AND '));
    const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM notices n
       LEFT JOIN notice_view_points v ON v.notice_id = n.id AND v.user_id = ${r.userId}
       WHERE ${where}`.execute(tx.db);
    return Number(rows[0]?.n ?? 0);
  }

  async get(tx: Transaction, r: Reader, id: string): Promise<InboxNoticeRow | null> {
    const rows = await runNamed(
      tx.client,
      'inbox-get',
      on(
        tx,
        sql<InboxNoticeRow>`SELECT ${NOTICE_COLUMNS}
       FROM notices n
       LEFT JOIN notice_view_points v ON v.notice_id = n.id AND v.user_id = ${r.userId}
       LEFT JOIN notice_acknowledgements ak ON ak.notice_id = n.id AND ak.user_id = ${r.userId}${translation(r.locale)}
       WHERE n.id = ${id} AND ${visible(r)}`,
      ),
    );
    return rows[0] ?? null;
  }

  /** The reader's tenant's exposure view for the campaign of notice `id`; undefined when the notice is not theirs to see. */
  async exposureView(
    tx: Transaction,
    r: Reader,
    id: string,
  ): Promise<{ campaignId: string; view: Selectable<ExposureView>['view']; lastModified: string } | undefined> {
    const rows = await runNamed(
      tx.client,
      'inbox-exposure',
      on(
        tx,
        sql<{ campaignId: string; view: Selectable<ExposureView>['view']; lastModified: string }>`
       SELECT n.campaign_id::text AS "campaignId", e.view, ${sql.raw(iso('n.last_modified_at'))} AS "lastModified"
       FROM notices n
       LEFT JOIN exposure_views e ON e.campaign_id = n.campaign_id AND e.tenant_id = n.tenant_id
       WHERE n.id = ${id} AND ${visible(r)}`,
      ),
    );
    return rows[0];
  }

  /**
   * The earlier revisions of notice `id`, newest first, in the reader's template locale as the
   * notice itself is shown; null when the notice is not the reader's to see. Under the tenant
   * scope both reads are row-level secured: another tenant's notice has no revisions to show.
   */
  async revisions(
    tx: Transaction,
    r: Reader,
    id: string,
  ): Promise<{ campaignId: string; revisions: InboxRevisionRow[] } | null> {
    const [seen] = await this.visibleNotices(tx, r, [id]);
    if (!seen) return null;
    const { rows } = await sql<InboxRevisionRow>`
      SELECT n.revision, n.cause, COALESCE(tr.t ->> 'title', n.title) AS title,
             COALESCE(tr.t ->> 'bodyHtml', n.body_html) AS "bodyHtml", n.tags,
             ${sql.raw(iso('n.last_modified_at'))} AS "lastModifiedAt"
        FROM (SELECT rv.*, cur.locale, cur.revision AS current FROM notice_revisions rv JOIN notices cur ON cur.id = rv.notice_id
               WHERE rv.notice_id = ${id} AND rv.tenant_id = ${r.tenantId}::uuid) n
        ${translation(r.locale)}
       WHERE n.revision < n.current
       ORDER BY n.revision DESC`.execute(tx.db);
    return { campaignId: seen.campaignId, revisions: rows };
  }

  /** Of these ids, the notices the reader may see, with their campaigns. */
  visibleNotices(tx: Transaction, r: Reader, ids: readonly string[]): Promise<{ id: N['id']; campaignId: string }[]> {
    return runNamed(
      tx.client,
      'inbox-visible',
      on(
        tx,
        sql<{ id: N['id']; campaignId: string }>`SELECT n.id, n.campaign_id::text AS "campaignId" FROM notices n
          WHERE n.id = ANY(${[...ids]}::text[]) AND ${visible(r)}`,
      ),
    );
  }

  /** Sets one flag of the reader's view point on these notices (rows created as needed). */
  async setFlag(
    tx: Transaction,
    r: Reader,
    ids: readonly string[],
    flag: ViewPointFlag,
    value: boolean,
  ): Promise<number> {
    const col = sql.raw(FLAG_COLUMN[flag]);
    // the first read is kept whatever comes after (an update marks the notice unread again): it is
    // what tells the reminder run that someone of the tenant has read it
    const firstRead = sql.raw(flag === 'isRead' ? ', first_read_at' : '');
    const firstReadValue = flag === 'isRead' ? sql`, CASE WHEN ${value}::boolean THEN ${UTC_NOW} END` : sql``;
    const keepFirstRead = sql.raw(
      flag === 'isRead' ? ', first_read_at = COALESCE(notice_view_points.first_read_at, EXCLUDED.first_read_at)' : '',
    );
    const rows = await runNamed(
      tx.client,
      `inbox-set-${FLAG_COLUMN[flag]}`,
      on(
        tx,
        sql<
          Pick<Selectable<NoticeViewPoint>, 'notice_id'>
        >`INSERT INTO notice_view_points (notice_id, tenant_id, user_id, ${col}${firstRead}, updated_at)
       SELECT n.id, n.tenant_id, ${r.userId}, ${value}::boolean${firstReadValue}, CURRENT_TIMESTAMP
       FROM notices n WHERE n.id = ANY(${[...ids]}::text[]) AND ${visible(r)}
       ON CONFLICT (notice_id, user_id) DO UPDATE SET ${col} = EXCLUDED.${col}${keepFirstRead}, updated_at = CURRENT_TIMESTAMP
       RETURNING notice_id`,
      ),
    );
    return rows.length;
  }

  /**
   * The reader's acknowledgement of notice `id`, stored the first time (the first one stands):
   * when, and whether this call stored it; undefined when the notice is not theirs to see.
   */
  async acknowledge(
    tx: Transaction,
    r: Reader,
    id: string,
    by: string,
  ): Promise<{ campaignId: string; acknowledgedAt: string; stored: boolean } | undefined> {
    const rows = await runNamed(
      tx.client,
      'inbox-acknowledge',
      on(
        tx,
        sql<{ campaignId: string; acknowledgedAt: string; stored: boolean }>`
       WITH n AS (SELECT n.id, n.tenant_id, n.campaign_id FROM notices n WHERE n.id = ${id} AND ${visible(r)}),
       ins AS (
         INSERT INTO notice_acknowledgements (notice_id, tenant_id, user_id, acknowledged_by, acknowledged_at)
         SELECT n.id, n.tenant_id, ${r.userId}, ${by}, ${UTC_NOW} FROM n
         ON CONFLICT (notice_id, user_id) DO NOTHING
         RETURNING acknowledged_at)
       SELECT n.campaign_id::text AS "campaignId",
              ${sql.raw(iso('COALESCE((SELECT acknowledged_at FROM ins), a.acknowledged_at)'))} AS "acknowledgedAt",
              EXISTS (SELECT 1 FROM ins) AS stored
         FROM n LEFT JOIN notice_acknowledgements a ON a.notice_id = n.id AND a.user_id = ${r.userId}`,
      ),
    );
    return rows[0];
  }

  // ── the campaign exports and rates (libs/reports): keyset pages and counts per time bucket ──

  /** Up to `limit` of the campaign's deliveries after id `after`, in id order. */
  deliveryPage(campaignId: string, after: bigint | null, limit: number) {
    let q = this.prisma.db
      .selectFrom('deliveries')
      .select([
        sql<string>`id::text`.as('id'),
        'notice_id',
        'tenant_id',
        'address',
        'role',
        'kind',
        'revision',
        'state',
        'attempts',
        'last_error',
        sql<Date>`queued_at AT TIME ZONE 'UTC'`.as('queued_at'),
        sql<Date | null>`sent_at AT TIME ZONE 'UTC'`.as('sent_at'),
      ])
      .where('campaign_id', '=', campaignId);
    // the column, not the text alias of the same name: ids in number order, as the keyset compares them
    if (after !== null) q = q.where('deliveries.id', '>', after.toString());
    return q.orderBy('deliveries.id').limit(limit).execute();
  }

  /**
   * Up to `limit` of the campaign's notices after id `after`, in id order, each with how many of
   * its tenant's users acknowledged it and when the first did.
   */
  async noticePage(campaignId: string, after: string | null, limit: number) {
    const { rows } = await sql<{
      id: N['id'];
      tenant_id: N['tenant_id'];
      posted_at: Date;
      last_modified_at: Date;
      acknowledgements: number;
      first_acknowledged_at: Date | null;
    }>`SELECT n.id, n.tenant_id, n.posted_at AT TIME ZONE 'UTC' AS posted_at,
              n.last_modified_at AT TIME ZONE 'UTC' AS last_modified_at,
              (SELECT count(*)::int FROM notice_acknowledgements a WHERE a.notice_id = n.id) AS acknowledgements,
              (SELECT min(a.acknowledged_at) AT TIME ZONE 'UTC' FROM notice_acknowledgements a WHERE a.notice_id = n.id) AS first_acknowledged_at
         FROM notices n
        WHERE n.campaign_id = ${campaignId} AND (${after}::text IS NULL OR n.id > ${after}::text)
        ORDER BY n.id LIMIT ${limit}`.execute(this.prisma.db);
    return rows;
  }

  /** The campaign's notices posted per `bucket` (`hour` or `day`, UTC): bucket start in ms. */
  async noticesPostedPerBucket(campaignId: string, bucket: 'hour' | 'day'): Promise<{ bucket: number; n: number }[]> {
    const { rows } = await sql<{ bucket: number; n: number }>`
      SELECT extract(epoch FROM date_trunc(${bucket}, posted_at))::float8 * 1000 AS bucket, count(*)::int AS n
        FROM notices WHERE campaign_id = ${campaignId} GROUP BY 1 ORDER BY 1`.execute(this.prisma.db);
    return rows.map((r) => ({ bucket: Number(r.bucket), n: r.n }));
  }

  /** The campaign's tenants by the `bucket` of their first acknowledgement of its notice. */
  async firstAcknowledgementsPerBucket(
    campaignId: string,
    bucket: 'hour' | 'day',
  ): Promise<{ bucket: number; n: number }[]> {
    const { rows } = await sql<{ bucket: number; n: number }>`
      SELECT extract(epoch FROM date_trunc(${bucket}, f.first))::float8 * 1000 AS bucket, count(*)::int AS n
        FROM (SELECT a.tenant_id, min(a.acknowledged_at) AS first
                FROM notice_acknowledgements a JOIN notices n ON n.id = a.notice_id
               WHERE n.campaign_id = ${campaignId} GROUP BY a.tenant_id) f
       GROUP BY 1 ORDER BY 1`.execute(this.prisma.db);
    return rows.map((r) => ({ bucket: Number(r.bucket), n: r.n }));
  }
}
