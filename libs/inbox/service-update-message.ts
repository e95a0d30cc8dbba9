import type { ServiceUpdateMessage } from '../notices/notice-composer.js';

export type { ServiceUpdateMessage };

/** A stored notice with the reading user's view point, as the inbox repository returns it. */
export interface NoticeRow {
  id: string;
  campaignId: string;
  title: string;
  category: string;
  severity: string;
  tags: string[];
  isMajorChange: boolean;
  /** ISO 8601 UTC, as the repository selects them */
  actionRequiredBy: string | null;
  services: string[];
  details: unknown;
  bodyHtml: string;
  postedAt: string;
  lastModifiedAt: string;
  isRead: boolean;
  isArchived: boolean;
  isFavorited: boolean;
}

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
export function toServiceUpdateMessage(r: NoticeRow): ServiceUpdateMessage {
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
    viewPoint: { isRead: r.isRead, isArchived: r.isArchived, isFavorited: r.isFavorited },
  };
}
