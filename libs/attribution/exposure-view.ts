/**
 * What one tenant may see of an exposure (docs/design.md rule 4, docs/contracts.md §4): only the elements
 * attributed to it; a file name only when the file is that tenant's alone; nothing that shows
 * another tenant exists on a record (no count, no flag); never a subject or a body.
 */
import type { DataCategory, RecordAttribution } from './attribution.types.js';
import { categoriesFromMask, elementCategoryMask, ownsElement } from './review.js';

export interface ExposureViewPerson {
  name?: string;
  email?: string;
  phone?: string;
}

export interface ExposureViewFile {
  /** null when the file is not this tenant's alone (or has no name) */
  fileName: string | null;
  /** only with a shown file: a hash can identify another customer's file */
  sha256?: string;
  /** there is deliberately no such flag: it would tell that another customer exists */
  sharedWithAnotherCustomer?: never;
}

export interface ExposureViewRecord {
  recordId: string;
  kind: string;
  dataCategories: DataCategory[];
}

export interface ExposureView {
  dataCategories: DataCategory[];
  records: ExposureViewRecord[];
  people: ExposureViewPerson[];
  files: ExposureViewFile[];
}

/** Stands for an organization outside the directory among a file's owners: no tenant id is empty-prefixed. */
const OUTSIDE = '\u0000outside';

/** file key → the tenants owning that file in any record (or that may, while a review is open) */
export type FileOwners = Map<string, Set<string>>;

/**
 * Adds one record's file owners to `fileOwners` and returns it. Feed it every record of the
 * analysis (resolved with `applyResolution`). A record whose review is still open counts its
 * candidates as owners too, so a file name is never shown to one tenant and later found to be
 * another's.
 */
export function collectFileOwners(fileOwners: FileOwners, ra: RecordAttribution): FileOwners {
  const pending = ra.review && ra.review.resolvedTo === undefined ? ra.review.candidates : [];
  for (const el of ra.elements) {
    if (el.kind !== 'file') continue;
    let set = fileOwners.get(el.key);
    if (!set) fileOwners.set(el.key, (set = new Set()));
    for (const o of el.owners) set.add(o.tenantId);
    for (const c of pending) set.add(c);
    if (el.sharedOutside) set.add(OUTSIDE);
  }
  return fileOwners;
}

/**
 * The tenant's exposure view from its records' attributions (resolved with `applyResolution`;
 * records where it owns nothing contribute nothing) and the file owners over all records.
 */
export function buildExposureView(
  tenantId: string,
  attributions: Iterable<RecordAttribution>,
  fileOwners: ReadonlyMap<string, ReadonlySet<string>>,
): ExposureView {
  let allMask = 0;
  const records: ExposureViewRecord[] = [];
  const people = new Map<string, ExposureViewPerson>();
  const files = new Map<string, ExposureViewFile>();
  const seenRecord = new Set<string>();
  const addPerson = (key: string, p: ExposureViewPerson): void => {
    const known = people.get(key);
    if (!known) people.set(key, p);
    else
      for (const k of ['name', 'email', 'phone'] as const)
        if (known[k] === undefined && p[k] !== undefined) known[k] = p[k];
  };

  for (const ra of attributions) {
    let mask = 0;
    const own = ra.elements.filter((el) => ownsElement(el, tenantId));
    for (const el of own) mask |= elementCategoryMask(el);
    // People first: a person's address and phone then do not repeat as entries of their own.
    const personEmails = new Set<string>();
    const personPhones = new Set<string>();
    for (const el of own) {
      if (el.kind !== 'person') continue;
      const p: ExposureViewPerson = {};
      if (el.name !== undefined) p.name = el.name;
      if (el.email !== undefined) {
        p.email = el.email;
        personEmails.add(el.email);
      }
      if (el.phone !== undefined) {
        p.phone = el.phone;
        personPhones.add(el.phone);
      }
      // a number that is not valid is the person's exposed data all the same (never evidence)
      else if (el.otherPhone !== undefined) p.phone = el.otherPhone;
      addPerson(`person:${el.key}`, p);
    }
    for (const el of own) {
      if (el.kind === 'address' && el.email !== undefined && !personEmails.has(el.email)) {
        addPerson(`person:email:${el.email}`, { email: el.email });
      } else if (el.kind === 'phone' && el.phone !== undefined && !personPhones.has(el.phone)) {
        addPerson(`phone:${el.phone}`, { phone: el.phone });
      } else if (el.kind === 'file' && !files.has(el.key)) {
        const owners = fileOwners.get(el.key);
        const alone = owners !== undefined && owners.size === 1 && owners.has(tenantId);
        const f: ExposureViewFile = { fileName: alone ? (el.fileName ?? null) : null };
        if (alone && el.sha256 !== undefined) f.sha256 = el.sha256;
        files.set(el.key, f);
      }
    }
    if (own.length === 0 && !ra.strongTenants.includes(tenantId) && ra.review?.resolvedTo !== tenantId) continue;
    allMask |= mask;
    if (seenRecord.has(ra.recordId)) continue;
    seenRecord.add(ra.recordId);
    records.push({ recordId: ra.recordId, kind: ra.kind, dataCategories: categoriesFromMask(mask) });
  }

  return {
    dataCategories: categoriesFromMask(allMask),
    records,
    people: [...people.values()],
    files: [...files.values()],
  };
}
