import { Injectable } from '@nestjs/common';
import { Prisma } from '../../generated/prisma/client.js';
import { DATA_PRIVACY_TAG } from '../auth/tenant-principal.js';
import type { FilterClause } from './odata-filter.js';
import type { NoticeRow } from './service-update-message.js';
import type { TenantTx } from './tenant-scope.js';

/** Who reads: the tenant (also enforced by RLS), the user (view points), whether data-privacy notices are theirs to see. */
export interface Reader {
  tenantId: string;
  userId: string;
  mayReadDataPrivacy: boolean;
}

export type ViewPointFlag = 'isRead' | 'isArchived' | 'isFavorited';

/** Column names are constants chosen here, never taken from a request. */
const FLAG_COLUMN: Record<ViewPointFlag, Prisma.Sql> = {
  isRead: Prisma.raw('is_read'),
  isArchived: Prisma.raw('is_archived'),
  isFavorited: Prisma.raw('is_favorited'),
};

const NOTICE_COLUMNS = Prisma.sql`
  n.id, n.campaign_id::text AS "campaignId", n.title, n.category, n.severity, n.tags,
  n.is_major_change AS "isMajorChange", n.action_required_by AS "actionRequiredBy", n.services,
  n.details, n.body_html AS "bodyHtml", n.posted_at AS "postedAt", n.last_modified_at AS "lastModifiedAt",
  COALESCE(v.is_read, false) AS "isRead", COALESCE(v.is_archived, false) AS "isArchived",
  COALESCE(v.is_favorited, false) AS "isFavorited"`;

/**
 * The notices a reader may see: their tenant's (stated here and enforced again by the RLS
 * policies), minus data-privacy notices unless their roles allow them (the tag is compared
 * case-insensitively, so a variant spelling hides the notice rather than shows it).
 */
function visible(r: Reader): Prisma.Sql {
  return Prisma.sql`n.tenant_id = ${r.tenantId}::uuid
    AND (${r.mayReadDataPrivacy}::boolean OR NOT EXISTS (SELECT 1 FROM unnest(n.tags) t WHERE lower(t) = ${DATA_PRIVACY_TAG.toLowerCase()}))`;
}

function filterSql(c: FilterClause): Prisma.Sql {
  switch (c.field) {
    case 'isRead':
      return Prisma.sql`COALESCE(v.is_read, false) = ${c.value}::boolean`;
    case 'isArchived':
      return Prisma.sql`COALESCE(v.is_archived, false) = ${c.value}::boolean`;
    case 'category':
      return Prisma.sql`n.category = ${c.value}`;
    case 'tag':
      return Prisma.sql`${c.value}::text = ANY(n.tags)`;
  }
}

/** The inbox's queries, always inside a TenantScope transaction. Thin: the rules are the service's. */
@Injectable()
export class InboxRepository {
  /** Newest first; `limit` rows from `offset`. */
  list(tx: TenantTx, r: Reader, filter: readonly FilterClause[], offset: number, limit: number): Promise<NoticeRow[]> {
    const where = Prisma.join([visible(r), ...filter.map(filterSql)], ' AND ');
    return tx.$queryRaw<NoticeRow[]>`
      SELECT ${NOTICE_COLUMNS}
      FROM notices n
      LEFT JOIN notice_view_points v ON v.notice_id = n.id AND v.user_id = ${r.userId}
      WHERE ${where}
      ORDER BY n.posted_at DESC, n.id DESC
      LIMIT ${limit} OFFSET ${offset}`;
  }

  async get(tx: TenantTx, r: Reader, id: string): Promise<NoticeRow | null> {
    const rows = await tx.$queryRaw<NoticeRow[]>`
      SELECT ${NOTICE_COLUMNS}
      FROM notices n
      LEFT JOIN notice_view_points v ON v.notice_id = n.id AND v.user_id = ${r.userId}
      WHERE n.id = ${id} AND ${visible(r)}`;
    return rows[0] ?? null;
  }

  /** The reader's tenant's exposure view for the campaign of notice `id`; undefined when the notice is not theirs to see. */
  async exposureView(tx: TenantTx, r: Reader, id: string): Promise<{ campaignId: string; view: unknown } | undefined> {
    const rows = await tx.$queryRaw<{ campaignId: string; view: unknown }[]>`
      SELECT n.campaign_id::text AS "campaignId", e.view
      FROM notices n
      LEFT JOIN exposure_views e ON e.campaign_id = n.campaign_id AND e.tenant_id = n.tenant_id
      WHERE n.id = ${id} AND ${visible(r)}`;
    return rows[0];
  }

  /** Of these ids, the notices the reader may see, with their campaigns. */
  visibleNotices(tx: TenantTx, r: Reader, ids: readonly string[]): Promise<{ id: string; campaignId: string }[]> {
    return tx.$queryRaw<{ id: string; campaignId: string }[]>`
      SELECT n.id, n.campaign_id::text AS "campaignId" FROM notices n
      WHERE n.id = ANY(${[...ids]}::text[]) AND ${visible(r)}`;
  }

  /** Sets one flag of the reader's view point on these notices (rows created as needed). */
  async setFlag(tx: TenantTx, r: Reader, ids: readonly string[], flag: ViewPointFlag, value: boolean): Promise<number> {
    const col = FLAG_COLUMN[flag];
    return tx.$executeRaw`
      INSERT INTO notice_view_points (notice_id, tenant_id, user_id, ${col}, updated_at)
      SELECT n.id, n.tenant_id, ${r.userId}, ${value}::boolean, CURRENT_TIMESTAMP
      FROM notices n WHERE n.id = ANY(${[...ids]}::text[]) AND ${visible(r)}
      ON CONFLICT (notice_id, user_id) DO UPDATE SET ${col} = EXCLUDED.${col}, updated_at = CURRENT_TIMESTAMP`;
  }
}
