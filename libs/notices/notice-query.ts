import type { Selectable } from 'kysely';
import type { Notice } from '../../generated/kysely/database.js';

/**
 * What a tenant's read of the notices may ask for: the tree the inbox parses Graph's OData
 * `$filter` and `$orderby` into (libs/inbox/odata-filter.ts, list-query.ts), and the
 * NoticesRepository turns into SQL with bound parameters. Defined beside the table's owner so the
 * repository depends on no parser.
 */
export type BoolField = 'isRead' | 'isArchived' | 'isFavorited' | 'isMajorChange';
export type TextField = 'id' | 'category' | 'severity';
export type TimeField = 'lastModifiedDateTime' | 'startDateTime' | 'actionRequiredByDateTime';
export type TimeOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export type FilterNode =
  | { kind: 'and' | 'or'; args: FilterNode[] }
  | { kind: 'not'; arg: FilterNode }
  | { kind: 'bool'; field: BoolField; op: 'eq' | 'ne'; value: boolean }
  | { kind: 'text'; field: TextField; op: 'eq' | 'ne'; value: string }
  /** `value`: the literal as written, checked to be a real instant (PostgreSQL reads it as timestamptz) */
  | { kind: 'time'; field: TimeField; op: TimeOp; value: string }
  | { kind: 'any'; field: 'tags' | 'services'; value: string };

/** `$orderby` properties (Graph's serviceUpdateMessage names) */
export const ORDERABLE = ['lastModifiedDateTime', 'startDateTime', 'actionRequiredByDateTime', 'title'] as const;
export type OrderField = (typeof ORDERABLE)[number];
export interface OrderKey {
  field: OrderField;
  desc: boolean;
}

/** Who reads: the tenant (also enforced by RLS), the user (view points), whether data-privacy notices are theirs to see. */
export interface Reader {
  tenantId: string;
  userId: string;
  mayReadDataPrivacy: boolean;
  /** the template locale to serve notices in (a folder name from the templates listing); null: each notice's own */
  locale: string | null;
}

export type ViewPointFlag = 'isRead' | 'isArchived' | 'isFavorited';

type N = Selectable<Notice>;

/** A stored notice with the reading user's view point, as the inbox reads it. */
export interface InboxNoticeRow {
  id: N['id'];
  campaignId: N['campaign_id'];
  /** in the reader's locale when the notice has a translation to it */
  title: N['title'];
  category: N['category'];
  severity: N['severity'];
  tags: N['tags'];
  isMajorChange: N['is_major_change'];
  /** ISO 8601 UTC, as the repository selects them */
  actionRequiredBy: string | null;
  services: N['services'];
  details: N['details'];
  /** in the reader's locale when the notice has a translation to it */
  bodyHtml: N['body_html'];
  postedAt: string;
  lastModifiedAt: string;
  isRead: boolean;
  isArchived: boolean;
  isFavorited: boolean;
  /** when this reader acknowledged the notice (ISO 8601 UTC), null before */
  acknowledgedAt: string | null;
  /** the notice has an exposure view, served as attachments */
  hasAttachments: boolean;
}
