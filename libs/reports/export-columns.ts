/**
 * The campaign exports' stable column lists (docs/contracts.md §5, "campaign exports") and how one
 * page of rows becomes CSV text. Pure: no Nest, no database.
 */
import { stringify } from 'csv-stringify/sync';
import { neutraliseCell } from '../inbox/exposure-attachment.js';

export const EXPORT_KINDS = ['decisions', 'deliveries', 'notices', 'audit'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

/** Extend at the end only: scripts read these columns by name and by position. */
export const EXPORT_COLUMNS = {
  decisions: [
    'tenantId',
    'tenantName',
    'decision',
    'reasons',
    'dataCategories',
    'records',
    'reviewItems',
    'reviewOutcome',
    'reviewedBy',
    'reviewedAt',
    'reviewJustification',
  ],
  deliveries: [
    'noticeId',
    'tenantId',
    'address',
    'role',
    'kind',
    'revision',
    'state',
    'attempts',
    'lastError',
    'queuedAt',
    'sentAt',
  ],
  notices: [
    'noticeId',
    'tenantId',
    'tenantName',
    'postedAt',
    'lastModifiedAt',
    'readers',
    'firstReadAt',
    'acknowledgements',
    'firstAcknowledgedAt',
  ],
  audit: ['at', 'actor', 'action', 'tenantId', 'subject', 'details'],
} as const satisfies Record<ExportKind, readonly string[]>;

export type ExportRow<K extends ExportKind> = Record<(typeof EXPORT_COLUMNS)[K][number], Cell>;

/** A cell before it is written: absent values are empty cells. */
export type Cell = string | number | Date | null | undefined;

/**
 * CRLF between records, and a cell holding any line break quoted: csv-stringify quotes only the
 * record delimiter itself, and a bare LF would split a row in most readers.
 */
const CSV_OPTIONS = { record_delimiter: 'windows', quoted_match: /[\r\n]/ } as const;

/** Several values in one cell (reasons, data categories, reviewers). */
export const LIST_SEPARATOR = '; ';

/**
 * A cell as written: times as ISO 8601 in UTC, and text that a spreadsheet would run as a formula
 * (starting with `=`, `+`, `-`, `@`, tab, CR or the quote itself) prefixed with `'`, so that a
 * tenant name like `=HYPERLINK(...)` is shown, never evaluated.
 */
export function cellText(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'number') return String(v);
  return neutraliseCell(v);
}

/** The header line, with a byte-order mark so that spreadsheets read the file as UTF-8. */
export function csvHeader(kind: ExportKind): string {
  return `\uFEFF${stringify([[...EXPORT_COLUMNS[kind]]], CSV_OPTIONS)}`;
}

/** One page of rows as CSV lines, in the column order of `kind`. */
export function csvLines<K extends ExportKind>(kind: K, rows: readonly ExportRow<K>[]): string {
  if (rows.length === 0) return '';
  const columns = EXPORT_COLUMNS[kind] as readonly (keyof ExportRow<K>)[];
  return stringify(
    rows.map((r) => columns.map((c) => cellText(r[c]))),
    CSV_OPTIONS,
  );
}

/** A review item as the decisions export weighs it. */
export interface ReviewOfTenant {
  resolved: boolean;
  resolvedTenantId: string | null;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  justification: string | null;
}

/**
 * What the review of a tenant came to: nothing to say without review items; `open` while any is
 * unresolved; `assigned` when an operator gave any of them to this tenant; else `notAssigned`.
 */
export function reviewOutcome(
  tenantId: string,
  items: readonly ReviewOfTenant[],
): Pick<ExportRow<'decisions'>, 'reviewItems' | 'reviewOutcome' | 'reviewedBy' | 'reviewedAt' | 'reviewJustification'> {
  if (items.length === 0)
    return { reviewItems: 0, reviewOutcome: '', reviewedBy: '', reviewedAt: null, reviewJustification: '' };
  const resolved = items.filter((i) => i.resolved);
  const outcome =
    resolved.length < items.length
      ? 'open'
      : resolved.some((i) => i.resolvedTenantId?.toLowerCase() === tenantId.toLowerCase())
        ? 'assigned'
        : 'notAssigned';
  const by = [...new Set(resolved.map((i) => i.resolvedBy).filter((b): b is string => !!b))].sort();
  const times = resolved.map((i) => i.resolvedAt?.getTime()).filter((t): t is number => t !== undefined);
  return {
    reviewItems: items.length,
    reviewOutcome: outcome,
    reviewedBy: by.join(LIST_SEPARATOR),
    reviewedAt: times.length ? new Date(Math.max(...times)) : null,
    reviewJustification: [
      ...new Set(resolved.map((i) => i.justification?.trim()).filter((j): j is string => !!j)),
    ].join(LIST_SEPARATOR),
  };
}

/** The file name an export is offered as. */
export const exportFileName = (campaignId: string, kind: ExportKind) => `campaign-${campaignId}-${kind}.csv`;
