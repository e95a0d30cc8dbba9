/**
 * Property tests over generated directories and records: whatever the mix of look-alike
 * domains, subsidiaries, homographs, free mail, shared names, shared contacts, conflicting ids
 * and operator resolutions, no tenant's exposure view shows an element attributed to another
 * tenant or to nobody, and weak signals alone never make a tenant affected.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { domainSuffixes, isFreeMailDomain } from '../common/domain.js';
import type { AttributedElement, RecordAttribution, ReviewResolution } from './attribution.types.js';
import { attributeRecord } from './attribute-record.js';
import { DecisionAccumulator } from './decide.js';
import { DirectoryIndex, type DirectoryTenant } from './directory-index.js';
import { buildExposureView, collectFileOwners, type FileOwners } from './exposure-view.js';
import { applyResolution, ownsElement, resolutionLookup, reviewKeyOf } from './review.js';
import { record, type RecordSpec } from './attribution.test-helpers.js';

const OPERATOR = ['microsoft.com'];
const TENANT_IDS = [1, 2, 3, 4, 5, 6].map((i) => `${String(i).repeat(8)}-0000-4000-8000-00000000000${i}`);
const UNKNOWN_ID = '99999999-9999-4999-8999-999999999999';
const HOMOGRAPH = new URL('http://c\u043entoso.com').hostname;

const BASE_DOMAINS = ['contoso.com', 'fabrikam.de', 'northwind.co.uk', 'tailspin.com', 'adatum.com'];
// subsidiaries' subdomains, and one nobody verifies
const SUB_DOMAINS = ['labs.contoso.com', 'eu.labs.contoso.com', 'research.fabrikam.de', 'mail.adatum.com'];
const VERIFIABLE = [...BASE_DOMAINS, ...SUB_DOMAINS];
// every domain an address may use: verified ones, their subdomains, look-alikes, free mail, operator, homograph
const ADDRESS_DOMAINS = [
  ...VERIFIABLE,
  'x.contoso.com',
  'notcontoso.com',
  'contoso.com.evil.net',
  'fabrikam.com',
  'gmail.com',
  'outlook.com',
  'microsoft.com',
  'eu.microsoft.com',
  HOMOGRAPH,
];
const LOCALS = ['lena', 'admin', 'bjorn', 'it'];
const ADDRESSES = ADDRESS_DOMAINS.flatMap((d) => LOCALS.map((l) => `${l}@${d}`));
const PHONES = ['+14255550100', '+493055501234', '+441632960001', '+12065550123', '+16465551618'];
const COMPANY_NAMES = [
  'Contoso Ltd',
  'Contoso',
  'Fabrikam Inc.',
  'Northwind',
  'Tailspin Toys GmbH',
  'Tailspin Toys',
  'Adatum',
];
const PERSON_NAMES = ['Lena Horvat', 'Bjorn Costa', 'Ana Silva', 'Kai Ito', 'Mia Wong'];
const FILES = [
  { fileName: 'sow.pdf', sha256: 'f1' },
  { fileName: 'payroll.xlsx', sha256: 'f2' },
  { fileName: 'plan.docx', sha256: 'f3' },
  { fileName: 'notes.txt' },
];

const tenantArb = (id: string): fc.Arbitrary<DirectoryTenant> =>
  fc.record({
    id: fc.constant(id),
    name: fc.constantFrom(...COMPANY_NAMES),
    aliases: fc.subarray(COMPANY_NAMES, { maxLength: 1 }),
    domains: fc.subarray(VERIFIABLE, { maxLength: 2 }),
    phones: fc.subarray(PHONES, { maxLength: 1 }),
    contacts: fc
      .subarray(ADDRESSES, { maxLength: 2 })
      .map((as) => as.map((email) => ({ email, roles: ['GlobalAdmin'] }))),
  });

const directoryArb: fc.Arbitrary<DirectoryTenant[]> = fc
  .integer({ min: 1, max: TENANT_IDS.length })
  .chain((n) => fc.tuple(...TENANT_IDS.slice(0, n).map(tenantArb)));

const recordArb = (i: number): fc.Arbitrary<RecordSpec> =>
  fc.record({
    recordId: fc.constant(`R${i}`),
    kind: fc.constantFrom('email', 'attachment', 'document', 'contact', 'project'),
    subject: fc.option(fc.constant(`SUBJECT-${i}`), { nil: undefined }),
    hasBody: fc.boolean(),
    from: fc.option(fc.constantFrom(...ADDRESSES), { nil: undefined }),
    to: fc.subarray(ADDRESSES, { maxLength: 3 }),
    people: fc.array(
      fc.record(
        {
          name: fc.constantFrom(...PERSON_NAMES),
          email: fc.constantFrom(...ADDRESSES),
          phone: fc.constantFrom(...PHONES),
        },
        { requiredKeys: [] },
      ),
      { maxLength: 3 },
    ),
    phones: fc.subarray(PHONES, { maxLength: 2 }),
    companies: fc.subarray(COMPANY_NAMES, { maxLength: 2 }),
    tenantIds: fc.subarray([...TENANT_IDS, UNKNOWN_ID], { maxLength: 2 }),
    projectIds: fc.subarray(['PRJ-1', 'PRJ-2'], { maxLength: 1 }),
    files: fc.subarray(FILES, { maxLength: 2 }),
  });

const recordsArb: fc.Arbitrary<RecordSpec[]> = fc
  .integer({ min: 1, max: 12 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => recordArb(i))));

/** How the operator answers each review item: left open, none, or a tenant (a candidate or not). */
const answersArb = fc.array(fc.integer({ min: -2, max: 10 }), { minLength: 30, maxLength: 30 });

interface World {
  tenants: DirectoryTenant[];
  resolved: RecordAttribution[];
  raw: RecordAttribution[];
  itemKeys: string[];
  resolutions: ReviewResolution[];
  fileOwners: FileOwners;
}

function buildWorld(tenants: DirectoryTenant[], specs: RecordSpec[], answers: number[]): World {
  const index = DirectoryIndex.build(tenants, OPERATOR);
  const raw = specs.map((s) => attributeRecord(record(s), index));
  // records 0 and 1, 2 and 3, ... are taken as one item when their record kinds agree
  const itemKeys = raw.map((ra, i) => (i % 2 === 1 && raw[i - 1]!.kind === ra.kind ? `item-${i - 1}` : `item-${i}`));
  const resolutions: ReviewResolution[] = [];
  const seen = new Set<string>();
  raw.forEach((ra, i) => {
    const key = reviewKeyOf(ra, itemKeys[i]!);
    if (!key || seen.has(key)) return;
    const a = answers[seen.size % answers.length]!;
    seen.add(key);
    if (a === -2) return; // left open
    if (a === -1) resolutions.push({ reviewKey: key, tenantId: null });
    else if (a < 5)
      resolutions.push({ reviewKey: key, tenantId: ra.review!.candidates[a % ra.review!.candidates.length]! });
    else resolutions.push({ reviewKey: key, tenantId: tenants[a % tenants.length]!.id });
  });
  const lookup = resolutionLookup(resolutions);
  const resolved = raw.map((ra, i) => applyResolution(ra, itemKeys[i]!, lookup));
  const fileOwners: FileOwners = new Map();
  for (const ra of resolved) collectFileOwners(fileOwners, ra);
  return { tenants, raw, resolved, itemKeys, resolutions, fileOwners };
}

/** Values of the elements a tenant owns, per kind of value. */
function ownedValues(resolved: RecordAttribution[], tenantId: string) {
  const emails = new Set<string>();
  const names = new Set<string>();
  const phones = new Set<string>();
  const files = new Map<string, AttributedElement>();
  for (const ra of resolved) {
    for (const el of ra.elements) {
      if (!ownsElement(el, tenantId)) continue;
      if (el.kind === 'address' || el.kind === 'person') if (el.email) emails.add(el.email);
      if (el.kind === 'person' && el.name) names.add(el.name);
      if ((el.kind === 'person' || el.kind === 'phone') && el.phone) phones.add(el.phone);
      if (el.kind === 'file') files.set(el.key, el);
    }
  }
  return { emails, names, phones, files };
}

/**
 * An independent reading of the address rules: the tenant an address belongs to by its own
 * evidence (an exclusive contact, else the longest verified domain off free mail), or
 * `nobody-operator` / `nobody-homograph`, or undefined when it names no single tenant.
 */
function oracleOwner(address: string, tenants: DirectoryTenant[]): string | undefined {
  const domain = address.slice(address.lastIndexOf('@') + 1);
  if (domain === 'microsoft.com' || domain.endsWith('.microsoft.com')) return 'nobody-operator';
  if (domain === HOMOGRAPH) return 'nobody-homograph';
  const contacts = tenants.filter((t) => t.contacts.some((c) => c.email.toLowerCase() === address));
  if (contacts.length === 1) return contacts[0]!.id;
  if (contacts.length > 1 || isFreeMailDomain(domain)) return undefined;
  for (const suffix of domainSuffixes(domain)) {
    const verifiers = tenants.filter((t) => t.domains.includes(suffix));
    if (verifiers.length === 1) return verifiers[0]!.id;
    if (verifiers.length > 1) return undefined;
  }
  return undefined;
}

describe('attribution properties', () => {
  it("no tenant's exposure view holds an element attributed to another tenant or to nobody", () => {
    fc.assert(
      fc.property(directoryArb, recordsArb, answersArb, (tenants, specs, answers) => {
        const w = buildWorld(tenants, specs, answers);
        for (const t of tenants) {
          const view = buildExposureView(t.id, w.resolved, w.fileOwners);
          const own = ownedValues(w.resolved, t.id);
          const json = JSON.stringify(view);
          expect(json).not.toContain('SUBJECT-');

          for (const p of view.people) {
            if (p.email !== undefined) {
              expect(own.emails).toContain(p.email);
              const owner = oracleOwner(p.email, tenants);
              expect(owner === undefined || owner === t.id).toBe(true);
            }
            if (p.name !== undefined) expect(own.names).toContain(p.name);
            if (p.phone !== undefined) expect(own.phones).toContain(p.phone);
          }

          const shownNames = view.files.flatMap((f) => (f.fileName === null ? [] : [f.fileName]));
          const shownHashes = view.files.flatMap((f) => (f.sha256 === undefined ? [] : [f.sha256]));
          for (const f of view.files) if (f.fileName === null) expect(f.sha256).toBeUndefined();
          for (const value of [...shownNames, ...shownHashes]) {
            const mine = [...own.files.values()].filter((el) => el.fileName === value || el.sha256 === value);
            expect(mine.length).toBeGreaterThan(0);
            // every occurrence of the file anywhere is this tenant's alone, and no open review may give it to another
            for (const el of mine) {
              w.resolved.forEach((ra) => {
                for (const other of ra.elements) {
                  if (other.kind !== 'file' || other.key !== el.key) continue;
                  expect(other.owners.every((o) => o.tenantId === t.id)).toBe(true);
                  if (ra.review && ra.review.resolvedTo === undefined) {
                    expect(ra.review.candidates.every((c) => c === t.id)).toBe(true);
                  }
                }
              });
            }
          }

          for (const r of view.records) {
            const ra = w.resolved.find((x) => x.recordId === r.recordId)!;
            expect(
              ra.elements.some((el) => ownsElement(el, t.id)) ||
                ra.strongTenants.includes(t.id) ||
                ra.review?.resolvedTo === t.id,
            ).toBe(true);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('only a strong signal or a resolution makes a tenant affected, and only an affected tenant has anything to see', () => {
    fc.assert(
      fc.property(directoryArb, recordsArb, answersArb, (tenants, specs, answers) => {
        const w = buildWorld(tenants, specs, answers);
        const acc = new DecisionAccumulator();
        w.raw.forEach((ra, i) => acc.add(ra, w.itemKeys[i]!));
        const out = acc.finish(w.resolutions);
        for (const t of tenants) {
          const d = out.decisions.find((x) => x.tenantId === t.id);
          const strong = w.raw.some((ra) => ra.strongTenants.includes(t.id));
          const resolvedTo = w.resolved.some((ra) => ra.review?.resolvedTo === t.id);
          expect(d?.decision === 'affected').toBe(strong || resolvedTo);
          const view = buildExposureView(t.id, w.resolved, w.fileOwners);
          if (d?.decision !== 'affected') {
            expect(view).toEqual({ dataCategories: [], records: [], people: [], files: [] });
          } else {
            // the decision names exactly the categories the tenant will see
            expect(view.dataCategories).toEqual(d.dataCategories);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
