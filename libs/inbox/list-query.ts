import { BadInputError } from '../common/errors.js';
import { ORDERABLE, type OrderField, type OrderKey } from '../notices/notice-query.js';
import { FilterSyntaxError, parseFilter, type FilterNode } from './odata-filter.js';

export { ORDERABLE, type OrderField, type OrderKey };

export const DEFAULT_TOP = 100;
export const MAX_TOP = 1000;
export const MAX_SKIP = 1_000_000;

export const MAX_ORDER_KEYS = ORDERABLE.length;

/** `$select` properties: every property of the inbox's serviceUpdateMessage (`id` is always returned). */
export const SELECTABLE = [
  'id',
  'title',
  'category',
  'severity',
  'tags',
  'isMajorChange',
  'actionRequiredByDateTime',
  'services',
  'startDateTime',
  'lastModifiedDateTime',
  'body',
  'details',
  'viewPoint',
  'hasAttachments',
] as const;
export type SelectField = (typeof SELECTABLE)[number];

export interface ListQuery {
  top: number;
  skip: number;
  filter: FilterNode | null;
  /** the `$filter` text as given, carried into `@odata.nextLink` */
  filterText: string | null;
  /** empty: the inbox's own order (newest posted first) */
  orderBy: OrderKey[];
  /** null: every property */
  select: SelectField[] | null;
  count: boolean;
}

/** What GET one message takes: `$select` only, as Graph. */
export interface ItemQuery {
  select: SelectField[] | null;
}

const LIST_OPTIONS = ['$top', '$skip', '$filter', '$orderby', '$select', '$count'];
const ITEM_OPTIONS = ['$select'];
const MAX_OPTION_LENGTH = 500;

/**
 * The options by lower-cased name (OData 4.01 and Graph read system query options case-insensitively),
 * each a single string. Unknown options and repeated ones are refused; the reasons never echo what was sent.
 */
function options(query: Record<string, unknown>, supported: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(query)) {
    const name = k.toLowerCase();
    if (!supported.includes(name))
      throw new BadInputError(
        supported.length > 0
          ? `unsupported query option (supported: ${supported.join(', ')})`
          : 'unsupported query option (this endpoint takes none)',
      );
    if (typeof v !== 'string' || out.has(name)) throw new BadInputError(`${name} may be given once`);
    out.set(name, v);
  }
  return out;
}

function parseTop(text: string | undefined): number {
  if (text === undefined) return DEFAULT_TOP;
  if (!/^\d{1,10}$/.test(text) || Number(text) < 1)
    throw new BadInputError(`$top must be a whole number from 1 to ${MAX_TOP}`);
  return Math.min(Number(text), MAX_TOP);
}

function parseSkip(text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^\d{1,10}$/.test(text) || Number(text) > MAX_SKIP)
    throw new BadInputError(`$skip must be a whole number from 0 to ${MAX_SKIP}`);
  return Number(text);
}

function parseCount(text: string | undefined): boolean {
  if (text === undefined) return false;
  if (text !== 'true' && text !== 'false') throw new BadInputError('$count must be true or false');
  return text === 'true';
}

/** `$orderby=prop [asc|desc], ...` over ORDERABLE, each property at most once. */
export function parseOrderBy(text: string | undefined): OrderKey[] {
  if (text === undefined) return [];
  if (text.length > MAX_OPTION_LENGTH) throw new BadInputError(`$orderby: longer than ${MAX_OPTION_LENGTH} characters`);
  const keys: OrderKey[] = [];
  const items = text.split(',');
  items.forEach((item, i) => {
    const m = /^\s*([A-Za-z]+)(?:\s+(asc|desc))?\s*$/.exec(item);
    if (!m) throw new BadInputError(`$orderby: item ${i + 1} is not 'property', 'property asc' or 'property desc'`);
    const field = ORDERABLE.find((f) => f === m[1]);
    if (!field)
      throw new BadInputError(
        `$orderby: item ${i + 1} is not a sortable property (supported: ${ORDERABLE.join(', ')})`,
      );
    if (keys.some((k) => k.field === field)) throw new BadInputError(`$orderby: item ${i + 1} repeats a property`);
    keys.push({ field, desc: m[2] === 'desc' });
  });
  return keys;
}

/** `$select=prop,prop,...` over SELECTABLE; `id` is always added, as Graph does. */
export function parseSelect(text: string | undefined): SelectField[] | null {
  if (text === undefined) return null;
  if (text.length > MAX_OPTION_LENGTH) throw new BadInputError(`$select: longer than ${MAX_OPTION_LENGTH} characters`);
  const fields = new Set<SelectField>(['id']);
  text.split(',').forEach((item, i) => {
    const field = SELECTABLE.find((f) => f === item.trim());
    if (!field) throw new BadInputError(`$select: item ${i + 1} is not a property of serviceUpdateMessage`);
    fields.add(field);
  });
  return [...fields];
}

function parseFilterOption(text: string | undefined): FilterNode | null {
  if (text === undefined) return null;
  try {
    return parseFilter(text);
  } catch (err) {
    if (err instanceof FilterSyntaxError) throw new BadInputError(err.message);
    throw err;
  }
}

/**
 * The list endpoint's query options: `$top` (1..1000, larger values are capped at 1000, default
 * 100), `$skip` (0..1,000,000), `$filter` (odata-filter.ts), `$orderby`, `$select`, `$count`.
 */
export function parseListQuery(query: Record<string, unknown>): ListQuery {
  const o = options(query, LIST_OPTIONS);
  const filterText = o.get('$filter');
  return {
    top: parseTop(o.get('$top')),
    skip: parseSkip(o.get('$skip')),
    filter: parseFilterOption(filterText),
    filterText: filterText ?? null,
    orderBy: parseOrderBy(o.get('$orderby')),
    select: parseSelect(o.get('$select')),
    count: parseCount(o.get('$count')),
  };
}

export function parseItemQuery(query: Record<string, unknown>): ItemQuery {
  return { select: parseSelect(options(query, ITEM_OPTIONS).get('$select')) };
}

/** For endpoints that take no query options: any is refused, as everywhere else. */
export function refuseQueryOptions(query: Record<string, unknown>): void {
  options(query, []);
}

/** The query string of the next page, with every option of this one, or null when this page was the last. */
export function nextPageQuery(q: ListQuery, hasMore: boolean): string | null {
  if (!hasMore) return null;
  const parts = [`$top=${q.top}`, `$skip=${q.skip + q.top}`];
  if (q.filterText !== null) parts.push(`$filter=${encodeURIComponent(q.filterText)}`);
  if (q.orderBy.length > 0)
    parts.push(
      `$orderby=${encodeURIComponent(q.orderBy.map((k) => `${k.field} ${k.desc ? 'desc' : 'asc'}`).join(','))}`,
    );
  if (q.select) parts.push(`$select=${encodeURIComponent(q.select.join(','))}`);
  if (q.count) parts.push('$count=true');
  return parts.join('&');
}

/** Graph's `@odata.context` path after `$metadata#`, naming the selected properties. */
export function contextFragment(select: readonly SelectField[] | null, entity: boolean): string {
  return `admin/serviceAnnouncement/messages${select ? `(${select.join(',')})` : ''}${entity ? '/$entity' : ''}`;
}

/** A message with only the selected properties (`id` first), or whole. */
export function selectProperties<T extends Record<SelectField, unknown>>(
  m: T,
  select: readonly SelectField[] | null,
): Partial<T> {
  if (!select) return m;
  return Object.fromEntries(select.map((f) => [f, m[f]])) as Partial<T>;
}
