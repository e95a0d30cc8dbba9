/**
 * Review items and their resolutions, and what a tenant owns in an attributed record.
 * Pure functions shared by the decisions and the exposure view, so both always agree.
 */
import { createHash } from 'node:crypto';
import {
  DATA_CATEGORIES,
  type AttributedElement,
  type DataCategory,
  type ElementOwner,
  type RecordAttribution,
  type ReviewResolution,
} from './attribution.types.js';

/**
 * The stable key of a review item: the same item with the same candidates gets the same key in
 * every analysis, so an operator's resolution survives a re-analysis.
 */
export function reviewKeyFor(itemKey: string, candidates: readonly string[]): string {
  const h = createHash('sha256');
  h.update(itemKey);
  for (const c of [...new Set(candidates)].sort()) h.update(`\u0000${c}`);
  return `rv_${h.digest('hex').slice(0, 32)}`;
}

/** The review key of a record attribution, or null when it needs no review. */
export function reviewKeyOf(ra: RecordAttribution, itemKey: string): string | null {
  return ra.review ? reviewKeyFor(itemKey, ra.review.candidates) : null;
}

export type ResolutionLookup = ReadonlyMap<string, string | null>;

export function resolutionLookup(resolutions: Iterable<ReviewResolution>): Map<string, string | null> {
  const m = new Map<string, string | null>();
  for (const r of resolutions) m.set(r.reviewKey, r.tenantId);
  return m;
}

const RECORD_LEVEL = new Set(['file', 'project', 'content']);

/**
 * The record as the operator resolved it. To a tenant T: T joins the owners of the files,
 * projects and content, and owns every element owned by nobody that is not the operator's, not
 * on a confusable domain, and whose own evidence names no other tenant. To none: nothing changes. Without a review, or
 * with an already resolved one, the record is returned as it is.
 */
export function resolveTo(ra: RecordAttribution, tenantId: string | null): RecordAttribution {
  if (!ra.review || ra.review.resolvedTo !== undefined) return ra;
  if (tenantId === null) return { ...ra, review: { ...ra.review, resolvedTo: null } };
  const grant: ElementOwner = { tenantId, signal: 'operatorReview' };
  const elements = ra.elements.map((el): AttributedElement => {
    if (RECORD_LEVEL.has(el.kind)) {
      if (el.owners.some((o) => o.tenantId === tenantId)) return el;
      const { unowned: _, ...rest } = el;
      return { ...rest, owners: [...el.owners, grant] };
    }
    // The operator's own elements are nobody's; a homograph address imitates someone and is
    // never anyone's either, not even by an operator's choice.
    if (el.owners.length > 0 || el.operator || el.unowned === 'confusable') return el;
    if (el.pointsAt.length > 0 && !el.pointsAt.includes(tenantId)) return el;
    const { unowned: _, ...rest } = el;
    return { ...rest, owners: [grant] };
  });
  return { ...ra, elements, review: { ...ra.review, resolvedTo: tenantId } };
}

/** `resolveTo` with the operator's answer to this record's review item, if there is one. */
export function applyResolution(
  ra: RecordAttribution,
  itemKey: string,
  resolutions: ResolutionLookup,
): RecordAttribution {
  const key = reviewKeyOf(ra, itemKey);
  if (key === null || !resolutions.has(key)) return ra;
  return resolveTo(ra, resolutions.get(key)!);
}

export function ownsElement(el: AttributedElement, tenantId: string): boolean {
  return el.owners.some((o) => o.tenantId === tenantId);
}

/** The tenants the record belongs to: its strong tenants, the operator's choice, every element owner. */
export function recordTenants(ra: RecordAttribution): string[] {
  const ts = new Set(ra.strongTenants);
  if (ra.review?.resolvedTo) ts.add(ra.review.resolvedTo);
  for (const el of ra.elements) for (const o of el.owners) ts.add(o.tenantId);
  return [...ts].sort();
}

/**
 * Every tenant the record touches: its owners, its strong tenants, its review candidates, and
 * any tenant one of its signals named (even an ignored one). The records to store per tenant.
 */
export function touchedTenants(ra: RecordAttribution): string[] {
  const ts = new Set(recordTenants(ra));
  for (const c of ra.review?.candidates ?? []) ts.add(c);
  for (const s of ra.signals) ts.add(s.tenantId);
  return [...ts].sort();
}

const BIT = new Map<DataCategory, number>(DATA_CATEGORIES.map((c, i) => [c, 1 << i]));
const bit = (c: DataCategory): number => BIT.get(c)!;

/** The data categories an element exposes, as a bit mask over DATA_CATEGORIES. */
export function elementCategoryMask(el: AttributedElement): number {
  switch (el.kind) {
    case 'address':
      return bit('Email addresses');
    case 'person':
      return (
        (el.name ? bit('Names') : 0) |
        (el.email ? bit('Email addresses') : 0) |
        (el.phone || el.otherPhone ? bit('Phone numbers') : 0)
      );
    case 'phone':
      return bit('Phone numbers');
    case 'company':
      return bit('Company name');
    case 'file':
      return bit('Attached files');
    case 'content':
      return bit('Email content');
    case 'project':
      return 0;
  }
}

/** The categories of the elements that tenant owns in the record, as a bit mask. */
export function tenantCategoryMask(ra: RecordAttribution, tenantId: string): number {
  let m = 0;
  for (const el of ra.elements) if (ownsElement(el, tenantId)) m |= elementCategoryMask(el);
  return m;
}

export function categoriesFromMask(mask: number): DataCategory[] {
  return DATA_CATEGORIES.filter((c) => (mask & bit(c)) !== 0);
}

/** The categories of the elements that tenant owns in the record, in DATA_CATEGORIES order. */
export function tenantCategories(ra: RecordAttribution, tenantId: string): DataCategory[] {
  return categoriesFromMask(tenantCategoryMask(ra, tenantId));
}
