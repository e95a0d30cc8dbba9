import { BadInputError } from '../common/errors.js';
import { FilterSyntaxError, parseFilter, type FilterClause } from './odata-filter.js';

export const DEFAULT_TOP = 100;
export const MAX_TOP = 1000;
export const MAX_SKIP = 1_000_000;

export interface ListQuery {
  top: number;
  skip: number;
  filter: FilterClause[];
  /** the `$filter` text as given, carried into `@odata.nextLink` */
  filterText: string | null;
}

const SUPPORTED = new Set(['$top', '$skip', '$filter']);

function single(query: Record<string, unknown>, name: string): string | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new BadInputError(`${name} may be given once`);
  return v;
}

/**
 * The list endpoint's query options: `$top` (1..1000, larger values are capped at 1000, default
 * 100), `$skip` (0..1,000,000), `$filter` (odata-filter.ts). Any other option is refused; the
 * reasons never echo what was sent.
 */
export function parseListQuery(query: Record<string, unknown>): ListQuery {
  for (const k of Object.keys(query)) {
    if (!SUPPORTED.has(k)) throw new BadInputError('unsupported query option (supported: $top, $skip, $filter)');
  }
  const topText = single(query, '$top');
  const skipText = single(query, '$skip');
  const filterText = single(query, '$filter');
  let top = DEFAULT_TOP;
  if (topText !== undefined) {
    if (!/^\d{1,10}$/.test(topText) || Number(topText) < 1)
      throw new BadInputError(`$top must be a whole number from 1 to ${MAX_TOP}`);
    top = Math.min(Number(topText), MAX_TOP);
  }
  let skip = 0;
  if (skipText !== undefined) {
    if (!/^\d{1,10}$/.test(skipText) || Number(skipText) > MAX_SKIP)
      throw new BadInputError(`$skip must be a whole number from 0 to ${MAX_SKIP}`);
    skip = Number(skipText);
  }
  let filter: FilterClause[] = [];
  if (filterText !== undefined) {
    try {
      filter = parseFilter(filterText);
    } catch (err) {
      if (err instanceof FilterSyntaxError) throw new BadInputError(err.message);
      throw err;
    }
  }
  return { top, skip, filter, filterText: filterText ?? null };
}

/** The query string of the next page, or null when this page was the last. */
export function nextPageQuery(q: ListQuery, hasMore: boolean): string | null {
  if (!hasMore) return null;
  const parts = [`$top=${q.top}`, `$skip=${q.skip + q.top}`];
  if (q.filterText !== null) parts.push(`$filter=${encodeURIComponent(q.filterText)}`);
  return parts.join('&');
}
