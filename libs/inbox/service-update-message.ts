import type { ServiceUpdateMessage } from '../notices/notice-composer.js';
import type { InboxNoticeRow } from '../notices/notice-query.js';
import type { InboxRevisionRow } from '../notices/notices.repository.js';

export type { ServiceUpdateMessage };

/**
 * The inbox's message: Graph's serviceUpdateMessage, with `hasAttachments` (the exposure view as
 * files) and, in the reader's view point, whether and when they acknowledged it.
 */
export type InboxMessage = Omit<ServiceUpdateMessage, 'viewPoint'> & {
  viewPoint: ServiceUpdateMessage['viewPoint'] & { isAcknowledged: boolean; acknowledgedDateTime: string | null };
  hasAttachments: boolean;
};

/** A stored notice with the reading user's view point, as the notices repository returns it. */
export type NoticeRow = InboxNoticeRow;

const CATEGORIES = new Set(['preventOrFixIssue', 'planForChange', 'stayInformed']);
const SEVERITIES = new Set(['normal', 'high', 'critical']);

/** `details` as stored (JSON): only `{name, value}` string pairs pass. */
function detailsOf(raw: unknown): ServiceUpdateMessage['details'] {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter(
      (d: { name?: unknown; value?: unknown } | null): d is { name: string; value: string } =>
        typeof d?.name === 'string' && typeof d?.value === 'string',
    )
    .map((d) => ({ name: d.name, value: d.value }));
}

/** A stored notice in Microsoft Graph's serviceUpdateMessage shape (docs/contracts.md §4), in the reader's language (the repository picks it). */
export function toServiceUpdateMessage(r: NoticeRow): InboxMessage {
  return {
    id: r.id,
    title: r.title,
    category: (CATEGORIES.has(r.category) ? r.category : 'stayInformed') as ServiceUpdateMessage['category'],
    severity: (SEVERITIES.has(r.severity) ? r.severity : 'normal') as ServiceUpdateMessage['severity'],
    tags: r.tags,
    isMajorChange: r.isMajorChange,
    actionRequiredByDateTime: r.actionRequiredBy,
    services: r.services,
    startDateTime: r.postedAt,
    lastModifiedDateTime: r.lastModifiedAt,
    body: { contentType: 'html', content: r.bodyHtml },
    details: detailsOf(r.details),
    viewPoint: {
      isRead: r.isRead,
      isArchived: r.isArchived,
      isFavorited: r.isFavorited,
      isAcknowledged: r.acknowledgedAt !== null,
      acknowledgedDateTime: r.acknowledgedAt,
    },
    hasAttachments: r.hasAttachments,
  };
}

/** An earlier revision of a message: what it said until the next revision replaced it. */
export interface MessageRevision {
  revision: number;
  /** what made it: `posted` (the notice as first posted), `update` or `withdrawal` */
  cause: string;
  title: string;
  body: { contentType: 'html'; content: string };
  tags: string[];
  lastModifiedDateTime: string;
}

export function toMessageRevision(r: InboxRevisionRow): MessageRevision {
  return {
    revision: r.revision,
    cause: r.cause,
    title: r.title,
    body: { contentType: 'html', content: r.bodyHtml },
    tags: r.tags ?? [],
    lastModifiedDateTime: r.lastModifiedAt,
  };
}
