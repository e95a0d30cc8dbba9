/**
 * Evidence found in a record's subject and body (docs/deduplication.md, "Elements found in
 * text"), read end to end: normalization as ingest does it, attribution, decisions, views.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { ExposureRecordInput } from '../exposure/exposure.types.js';
import { normalizeRecord } from '../exposure/rules/normalize-record.js';
import { attributeRecord } from './attribute-record.js';
import { DecisionAccumulator } from './decide.js';
import { DirectoryIndex } from './directory-index.js';
import { buildExposureView, collectFileOwners, type FileOwners } from './exposure-view.js';
import { OPERATOR_DOMAINS, T, worldTenants } from './attribution.test-helpers.js';

const index = DirectoryIndex.build(worldTenants(), OPERATOR_DOMAINS);
const attribute = (r: Partial<ExposureRecordInput>) =>
  attributeRecord(normalizeRecord({ recordId: 'R1', kind: 'email', ...r }), index);
const decisionOf = (records: Partial<ExposureRecordInput>[], tenantId: string) => {
  const acc = new DecisionAccumulator();
  records.forEach((r, i) => acc.add(attribute({ recordId: `R${i}`, ...r }), `item-${i}`));
  return acc.finish().decisions.find((d) => d.tenantId === tenantId)?.decision ?? 'not_affected';
};

describe('evidence in free text', () => {
  it('an address on a verified domain in a signature makes its tenant strong, and says where it was found', () => {
    const ra = attribute({
      from: 'kai@microsoft.com',
      to: ['bo@microsoft.com'],
      body: 'Please call my colleague.\n--\nLena Horvat\nlena@Labs.Contoso.com.',
    });
    expect(ra.strongTenants).toEqual([T.contosoLabs]);
    const el = ra.elements.find((e) => e.key === 'lena@labs.contoso.com')!;
    expect(el).toMatchObject({
      kind: 'address',
      owners: [{ tenantId: T.contosoLabs, signal: 'verifiedDomain:labs.contoso.com' }],
      foundIn: ['body'],
    });
    expect(el.excerpt).toContain('lena@Labs.Contoso.com');
    expect(ra.evidence).toContain('1 address(es) naming a tenant found only in the subject or body');
  });

  it('a quoted `From:` header of a forward is evidence; an exact contact on free mail too', () => {
    const ra = attribute({
      from: 'kai@microsoft.com',
      body: 'FYI\n\n---------- Forwarded message ---------\nFrom: Bjorn <Bjorn.Costa@FabrikamCapital.de>\nCc: contoso.it@gmail.com\n\nhello',
    });
    expect(ra.strongTenants).toEqual([T.contoso, T.fabrikam].sort());
    expect(ra.elements.find((e) => e.key === 'bjorn.costa@fabrikamcapital.de')?.foundIn).toEqual(['quotedHeader']);
  });

  it('the same address in a field and in the body is one element, with no text place', () => {
    const ra = attribute({ cc: ['ADMIN@contoso.com'], body: 'ping admin@contoso.com' });
    const els = ra.elements.filter((e) => e.kind === 'address');
    expect(els).toHaveLength(1);
    expect(els[0]!.foundIn).toBeUndefined();
  });

  it("a lookalike or a homograph in text is nobody's; a domain two tenants claim goes to review", () => {
    const homograph = new URL('http://c\u043entoso.com').hostname;
    const ra = attribute({ body: `write to a@notcontoso.com or b@${homograph} or c@contoso.com.evil.net` });
    expect(ra.strongTenants).toEqual([]);
    expect(ra.review).toBeNull();
    expect(ra.elements.filter((e) => e.kind === 'address').every((e) => e.owners.length === 0)).toBe(true);
    const conflicted = DirectoryIndex.build(
      [
        ...worldTenants(),
        {
          id: '99999999-0000-4000-8000-000000000009',
          name: 'Imposter',
          aliases: [],
          domains: ['contoso.com'],
          phones: [],
          contacts: [],
        },
      ],
      OPERATOR_DOMAINS,
    );
    const rc = attributeRecord(
      normalizeRecord({ recordId: 'R', kind: 'email', body: 'see lena@contoso.com' }),
      conflicted,
    );
    expect(rc.strongTenants).toEqual([]);
    expect(rc.review?.candidates).toContain(T.contoso);
    expect(rc.review?.triggers).toEqual(['ambiguousVerifiedDomain']);
  });

  it('a phone number in text is weak: its tenant alone goes to review, never affected', () => {
    expect(decisionOf([{ body: 'Tel: +1 206 555 0123' }], T.woodgrove)).toBe('needs_review');
    expect(decisionOf([{ body: 'invoice 12065550123' }], T.woodgrove)).toBe('not_affected');
  });

  it('a review raised by text evidence carries the words around it, for the operator', () => {
    const ra = attribute({
      body: 'Thanks!\n\n-----Original Message-----\nFrom: Partner <partner@adatum.com>\nSubject: x\n\nhi',
    });
    expect(ra.review?.triggers).toEqual(['ambiguousContactAddress']);
    expect(ra.review?.excerpts).toEqual([
      'quotedHeader: Thanks! -----Original Message----- From: Partner <partner@adatum.com> Subject: x hi',
    ]);
    const phone = attribute({ body: 'Their switchboard, Tel: +1 206 555 0123, asked for a call.' });
    expect(phone.review).toMatchObject({ candidates: [T.woodgrove], triggers: ['weakSignalOnly'] });
    expect(phone.review?.excerpts).toEqual(['body: Their switchboard, Tel: +1 206 555 0123, asked for a call.']);
    const acc = new DecisionAccumulator();
    acc.add(phone, 'item-1');
    expect(acc.finish().reviewItems[0]!.excerpts).toEqual(phone.review!.excerpts);
    // no text evidence, no excerpt
    expect(attribute({ from: 'partner@adatum.com' }).review?.excerpts).toBeUndefined();
  });

  it('an address found in text is shown to its tenant only, never the excerpt', () => {
    const ra = attribute({ body: 'lena@labs.contoso.com and admin@contoso.com wrote the plan' });
    const owners: FileOwners = collectFileOwners(new Map(), ra);
    const labs = buildExposureView(T.contosoLabs, [ra], owners);
    expect(labs.people).toEqual([{ email: 'lena@labs.contoso.com' }]);
    expect(JSON.stringify(labs)).not.toContain('admin@contoso.com');
    expect(JSON.stringify(labs)).not.toContain('wrote the plan');
  });

  it('a record naming an organization outside the directory withholds its files from every tenant', () => {
    const shown = (r: Partial<ExposureRecordInput>) => {
      const ra = attribute({ from: 'admin@contoso.com', attachments: [{ fileName: 'joint.pdf' }], ...r });
      return buildExposureView(T.contoso, [ra], collectFileOwners(new Map(), ra)).files;
    };
    expect(shown({})).toEqual([{ fileName: 'joint.pdf' }]);
    expect(shown({ to: ['x@gmail.com', 'y@microsoft.com'] })).toEqual([{ fileName: 'joint.pdf' }]);
    expect(shown({ to: ['ceo@litware.example'] })).toEqual([{ fileName: null }]);
    expect(shown({ companies: ['Litware Inc.'] })).toEqual([{ fileName: null }]);
    expect(shown({ body: 'cc our partner ana@litware.example' })).toEqual([{ fileName: null }]);
  });
});

describe('evidence in free text, properties', () => {
  const ADDRESSES = [
    'admin@contoso.com',
    'lena@labs.contoso.com',
    'contoso.it@gmail.com',
    'bjorn.costa@fabrikamcapital.de',
    'x@fabrikamcapital.com',
    'partner@adatum.com',
    'it@northwind-consulting.net',
    'bo@microsoft.com',
    'a@notcontoso.com',
    'z@tailspintoys.de',
    'q@gmail.com',
  ];
  const WRAPS = [
    (a: string) => `Please reach my colleague ${a}.`,
    (a: string) => `Thanks\n--\nLena Horvat\n${a.toUpperCase()}`,
    (a: string) => `See below.\n\n-----Original Message-----\nFrom: Someone <${a}>\nSubject: hi\n\nok`,
    (a: string) => `On Mon, Ana wrote:\n> Cc: ${a}\n> text`,
  ];
  const recordArb = fc.record({
    cc: fc.subarray(ADDRESSES, { minLength: 1, maxLength: 4 }),
    from: fc.option(fc.constantFrom(...ADDRESSES), { nil: undefined }),
    companies: fc.subarray(['Tailspin Toys', 'Contoso Ltd', 'Litware Inc.'], { maxLength: 1 }),
    move: fc.nat(),
    wrap: fc.nat({ max: WRAPS.length - 1 }),
  });

  it('moving an address from `cc` into the body never turns an affected tenant into an unaffected one', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 4 }), (recs) => {
        const before = recs.map(({ cc, from, companies }) => ({ cc, from, companies }));
        const after = recs.map(({ cc, from, companies, move, wrap }) => {
          const moved = cc[move % cc.length]!;
          return { cc: cc.filter((a) => a !== moved), from, companies, body: WRAPS[wrap]!(moved) };
        });
        for (const t of Object.values(T)) {
          if (decisionOf(before, t) === 'affected') expect(decisionOf(after, t)).toBe('affected');
        }
      }),
      { numRuns: 300 },
    );
  });
});
