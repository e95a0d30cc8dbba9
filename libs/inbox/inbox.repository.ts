import { Injectable } from '@nestjs/common';
import { DATA_PRIVACY_TAG } from '../auth/tenant-principal.js';
import { FALLBACK_LOCALE } from '../notices/template-engine.js';
import type { OrderKey } from './list-query.js';
import type { FilterNode, TimeField } from './odata-filter.js';
import type { NoticeRow } from './service-update-message.js';
import type { TenantTx } from './tenant-scope.js';

/** Who reads: the tenant (also enforced by RLS), the user (view points), whether data-privacy notices are theirs to see. */
export interface Reader {
  tenantId: string;
  userId: string;
  mayReadDataPrivacy: boolean;
  /** the template locale to serve notices in (a folder name from the templates listing); null: each notice's own */
  locale: string | null;
}

export type ViewPointFlag = 'isRead' | 'isArchived' | 'isFavorited';

/** Column names are constants chosen here, never taken from a request. */
const FLAG_COLUMN: Record<ViewPointFlag, string> = {
  isRead: 'is_read',
  isArchived: 'is_archived',
  isFavorited: 'is_favorited',
};

/** Bound parameters of one statement: every value from a request goes in as `$n`, never as text. */
export class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

/** Times as the Graph shape wants them (the columns hold UTC without a zone). */
const iso = (col: string) => `to_char(${col}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A notice's columns, with its title and body in the reader's template locale `locale` (a folder
 * name, never request text; null: the reader states no language): the stored translation when
 * the notice has one in that locale (else its en-US one), or the notice as written when it is
 * already in that locale, has no such translation, or the reader states none. The translations
 * value is looked at only when the locale differs from the notice's own, once per row (`tr`, kept
 * a subquery by OFFSET 0), and only the body shown leaves the database.
 */
const noticeColumns = `
  n.id, n.campaign_id::text AS "campaignId", COALESCE(tr.t ->> 'title', n.title) AS title, n.category, n.severity, n.tags,
  n.is_major_change AS "isMajorChange", ${iso('n.action_required_by')} AS "actionRequiredBy", n.services,
  n.details, COALESCE(tr.t ->> 'bodyHtml', n.body_html) AS "bodyHtml", ${iso('n.posted_at')} AS "postedAt", ${iso('n.last_modified_at')} AS "lastModifiedAt",
  COALESCE(v.is_read, false) AS "isRead", COALESCE(v.is_archived, false) AS "isArchived",
  COALESCE(v.is_favorited, false) AS "isFavorited",
  EXISTS (SELECT 1 FROM exposure_views e WHERE e.campaign_id = n.campaign_id AND e.tenant_id = n.tenant_id) AS "hasAttachments"`;

/** The `tr` of noticeColumns: the translation to show, or null. */
const translation = (locale: string) => `
  CROSS JOIN LATERAL (
    SELECT CASE WHEN ${locale} IS NULL OR n.locale = ${locale} THEN NULL
                ELSE COALESCE(n.translations -> ${locale}, CASE WHEN n.locale <> '${FALLBACK_LOCALE}' THEN n.translations -> '${FALLBACK_LOCALE}' END) END AS t
    OFFSET 0) tr`;

/**
 * The notices a reader may see: their tenant's (stated here and enforced again by the RLS
 * policies), minus data-privacy notices unless their roles allow them (the tag is compared
 * case-insensitively, so a variant spelling hides the notice rather than shows it).
 */
function visible(p: Params, r: Reader): string {
  return `n.tenant_id = ${p.add(r.tenantId)}::uuid
    AND (${p.add(r.mayReadDataPrivacy)}::boolean OR NOT EXISTS (SELECT 1 FROM unnest(n.tags) t WHERE lower(t) = ${p.add(DATA_PRIVACY_TAG.toLowerCase())}))`;
}

/** Column names and operators are constants chosen here, never taken from a request. */
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

/**
 * A parsed `$filter` as SQL: every literal a bound parameter. Times compare at the millisecond the
 * reader was shown (the columns hold UTC without a zone); a missing time (no action required) is
 * neither before nor after anything, and `ne` on it is true, as OData's null rules say.
 */
export function filterSql(p: Params, f: FilterNode): string {
  switch (f.kind) {
    case 'and':
    case 'or':
      return `(${f.args.map((a) => filterSql(p, a)).join(f.kind === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `(NOT COALESCE(${filterSql(p, f.arg)}, false))`;
    case 'bool':
      return `(${BOOL_COLUMN[f.field]} ${f.op === 'eq' ? '=' : '<>'} ${p.add(f.value)}::boolean)`;
    case 'text':
      return `(${TEXT_COLUMN[f.field]} ${f.op === 'eq' ? '=' : '<>'} ${p.add(f.value)}::text)`;
    case 'time': {
      const col = `(date_trunc('milliseconds', ${TIME_COLUMN[f.field]}) AT TIME ZONE 'UTC')`;
      const cmp = `${col} ${TIME_OP[f.op]} ${p.add(f.value)}::timestamptz`;
      return f.op === 'ne' ? `(${col} IS NULL OR ${cmp})` : `COALESCE(${cmp}, false)`;
    }
    case 'any':
      return `(${p.add(f.value)}::text = ANY(${f.field === 'tags' ? 'n.tags' : 'n.services'}))`;
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
function orderSql(keys: readonly OrderKey[]): string {
  if (keys.length === 0) return 'n.posted_at DESC, n.id DESC';
  return [
    ...keys.map((k) => `${ORDER_COLUMN[k.field]} ${k.desc ? 'DESC NULLS LAST' : 'ASC NULLS FIRST'}`),
    'n.id ASC',
  ].join(', ');
}

/**
 * The inbox's queries, always on a TenantScope transaction. Thin: the rules are the service's.
 * The fixed-shape queries are named, so each pooled connection parses and plans them once; a
 * filtered list is not (its shapes are many, and each name would stay on every connection).
 */
@Injectable()
export class InboxRepository {
  /** In `orderBy` order (none: newest first); `limit` rows from `offset`. */
  async list(
    tx: TenantTx,
    r: Reader,
    q: { filter: FilterNode | null; orderBy: readonly OrderKey[] },
    offset: number,
    limit: number,
  ): Promise<NoticeRow[]> {
    const p = new Params();
    const tr = translation(`${p.add(r.locale)}::text`);
    const user = p.add(r.userId);
    const where = [visible(p, r), ...(q.filter ? [filterSql(p, q.filter)] : [])].join(' AND ');
    const text = `SELECT ${noticeColumns}
       FROM notices n
       LEFT JOIN notice_view_points v ON v.notice_id = n.id AND v.user_id = ${user}${tr}
       WHERE ${where}
       ORDER BY ${orderSql(q.orderBy)}
       LIMIT ${p.add(limit)} OFFSET ${p.add(offset)}`;
    const { rows } = await tx.client.query<NoticeRow>({
      ...(q.filter === null && q.orderBy.length === 0 ? { name: 'inbox-list' } : {}),
      text,
      values: p.values,
    });
    return rows;
  }

  /** How many notices the reader may see match the filter (`$count`, paging aside). */
  async count(tx: TenantTx, r: Reader, filter: FilterNode | null): Promise<number> {
    const p = new Params();
    const user = p.add(r.userId);
    const where = [visible(p, r), ...(filter ? [filterSql(p, filter)] : [])].join(' AND ');
    const { rows } = await tx.client.query<{ n: string }>({
      text: `SELECT count(*) AS n FROM notices n
       LEFT JOIN notice_view_points v ON v.notice_id = n.id AND v.user_id = ${user}
       WHERE ${where}`,
      values: p.values,
    });
    return Number(rows[0]?.n ?? 0);
  }

  async get(tx: TenantTx, r: Reader, id: string): Promise<NoticeRow | null> {
    const p = new Params();
    const tr = translation(`${p.add(r.locale)}::text`);
    const { rows } = await tx.client.query<NoticeRow>({
      name: 'inbox-get',
      text: `SELECT ${noticeColumns}
       FROM notices n
       LEFT JOIN notice_view_points v ON v.notice_id = n.id AND v.user_id = ${p.add(r.userId)}${tr}
       WHERE n.id = ${p.add(id)} AND ${visible(p, r)}`,
      values: p.values,
    });
    return rows[0] ?? null;
  }

  /** The reader's tenant's exposure view for the campaign of notice `id`; undefined when the notice is not theirs to see. */
  async exposureView(
    tx: TenantTx,
    r: Reader,
    id: string,
  ): Promise<{ campaignId: string; view: unknown; lastModified: string } | undefined> {
    const p = new Params();
    const { rows } = await tx.client.query<{ campaignId: string; view: unknown; lastModified: string }>({
      name: 'inbox-exposure',
      text: `SELECT n.campaign_id::text AS "campaignId", e.view, ${iso('n.last_modified_at')} AS "lastModified"
       FROM notices n
       LEFT JOIN exposure_views e ON e.campaign_id = n.campaign_id AND e.tenant_id = n.tenant_id
       WHERE n.id = ${p.add(id)} AND ${visible(p, r)}`,
      values: p.values,
    });
    return rows[0];
  }

  /** Of these ids, the notices the reader may see, with their campaigns. */
  async visibleNotices(tx: TenantTx, r: Reader, ids: readonly string[]): Promise<{ id: string; campaignId: string }[]> {
    const p = new Params();
    const { rows } = await tx.client.query<{ id: string; campaignId: string }>({
      name: 'inbox-visible',
      text: `SELECT n.id, n.campaign_id::text AS "campaignId" FROM notices n WHERE n.id = ANY(${p.add(ids)}::text[]) AND ${visible(p, r)}`,
      values: p.values,
    });
    return rows;
  }

  /** Sets one flag of the reader's view point on these notices (rows created as needed). */
  async setFlag(tx: TenantTx, r: Reader, ids: readonly string[], flag: ViewPointFlag, value: boolean): Promise<number> {
    const col = FLAG_COLUMN[flag];
    const p = new Params();
    const res = await tx.client.query({
      name: `inbox-set-${col}`,
      text: `INSERT INTO notice_view_points (notice_id, tenant_id, user_id, ${col}, updated_at)
       SELECT n.id, n.tenant_id, ${p.add(r.userId)}, ${p.add(value)}::boolean, CURRENT_TIMESTAMP
       FROM notices n WHERE n.id = ANY(${p.add(ids)}::text[]) AND ${visible(p, r)}
       ON CONFLICT (notice_id, user_id) DO UPDATE SET ${col} = EXCLUDED.${col}, updated_at = CURRENT_TIMESTAMP`,
      values: p.values,
    });
    return res.rowCount ?? 0;
  }
}
