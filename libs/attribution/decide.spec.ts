import { describe, expect, it } from '@jest/globals';
import type { ReviewResolution } from './attribution.types.js';
import { attributeRecord } from './attribute-record.js';
import { DecisionAccumulator, type DecisionOutcome, type TenantDecision } from './decide.js';
import { DirectoryIndex } from './directory-index.js';
import { reviewKeyFor } from './review.js';
import { OPERATOR_DOMAINS, T, record, worldTenants, type RecordSpec } from './attribution.test-helpers.js';

const index = DirectoryIndex.build(worldTenants(), OPERATOR_DOMAINS);

/** [itemKey, record] pairs through a fresh accumulator. */
function decide(rows: [string, RecordSpec][], resolutions: ReviewResolution[] = []): DecisionOutcome {
  const acc = new DecisionAccumulator();
  for (const [itemKey, spec] of rows) acc.add(attributeRecord(record(spec), index), itemKey);
  return acc.finish(resolutions);
}
const of = (out: DecisionOutcome, tenantId: string): TenantDecision => {
  const d = out.decisions.find((x) => x.tenantId === tenantId);
  if (!d) throw new Error(`no decision for ${tenantId}`);
  return d;
};

const sharedThread: RecordSpec = {
  from: 'lena@contoso.com',
  to: ['bjorn.costa@fabrikamcapital.de'],
  people: [
    { name: 'Lena Horvat', email: 'lena@contoso.com', phone: '+16465551618' },
    { name: 'Bjorn Costa', email: 'bjorn.costa@fabrikamcapital.de' },
  ],
  companies: ['Contoso Ltd', 'Fabrikam Capital'],
  subject: 'SOW',
  hasBody: true,
  files: [{ fileName: 'SOW.pdf', sha256: 'ab' }],
};
const weakFabrikam: RecordSpec = { companies: ['Fabrikam Capital'], from: 'deals@gmail.com', hasBody: true };
const conflict: RecordSpec = {
  tenantIds: [T.fabrikam],
  from: 'lena@contoso.com',
  hasBody: true,
  files: [{ sha256: 'cd' }],
};

describe('DecisionAccumulator', () => {
  it('a strong signal makes a tenant affected, counting unique items, not records', () => {
    const out = decide([
      ['item-1', { recordId: 'R1', from: 'lena@contoso.com', hasBody: true }],
      ['item-1', { recordId: 'R1-copy', from: 'lena@contoso.com', hasBody: true }],
      ['item-2', { recordId: 'R2', to: ['ops@contoso.com'] }],
      // records of one item need not be adjacent
      ['item-1', { recordId: 'R1-backup', from: 'lena@contoso.com', hasBody: true }],
    ]);
    expect(of(out, T.contoso)).toMatchObject({
      decision: 'affected',
      reasons: ['verified domain contoso.com in 2 records'],
      dataCategories: ['Email addresses', 'Email content'],
      records: 2,
      rawRecords: 4,
      reviewKeys: [],
    });
    expect(out.tenants).toEqual({ affected: 1, notAffected: 0, needsReview: 0 });
  });

  it('reasons name every signal; a single record reads "1 record"', () => {
    const out = decide([['i', { tenantIds: [T.contoso], from: 'admin@contoso.com' }]]);
    expect(of(out, T.contoso).reasons).toEqual(['tenant id in 1 record', 'verified domain contoso.com in 1 record']);
    const contact = decide([['i', { from: 'it@northwind-consulting.net' }]]);
    expect(of(contact, T.northwind).reasons).toEqual(['contact address in 1 record']);
  });

  it('data categories are only those of the elements attributed to that tenant', () => {
    const out = decide([['i', sharedThread]]);
    expect(of(out, T.contoso).dataCategories).toEqual([
      'Names',
      'Email addresses',
      'Phone numbers',
      'Email content',
      'Company name',
      'Attached files',
    ]);
    // Bjorn has no phone number: Lena's is Contoso's, not Fabrikam's
    expect(of(out, T.fabrikam).dataCategories).toEqual([
      'Names',
      'Email addresses',
      'Email content',
      'Company name',
      'Attached files',
    ]);
    expect(of(out, T.fabrikam).reasons).toEqual([
      'verified domain fabrikamcapital.de in 1 record',
      'company name "fabrikam capital" (weak, with a strong signal) in 1 record',
    ]);
  });

  it('weak signals never make a tenant affected, however many records carry them: needs_review', () => {
    const rows: [string, RecordSpec][] = [];
    for (let i = 0; i < 20; i++) rows.push([`item-${i}`, { ...weakFabrikam, recordId: `W${i}` }]);
    const out = decide(rows);
    expect(of(out, T.fabrikam)).toMatchObject({
      decision: 'needs_review',
      dataCategories: [],
      records: 0,
      reasons: [
        'company name "fabrikam capital" without a strong signal (review) in 20 records',
        'unresolved review in 20 records',
      ],
    });
    expect(of(out, T.fabrikam).reviewKeys).toHaveLength(20);
    expect(out.reviewItems).toHaveLength(20);
  });

  it('a company name shared by two tenants and nothing stronger: one review item naming both, needs_review for both', () => {
    const out = decide([['i', { companies: ['Tailspin Toys Ltd.'], hasBody: true }]]);
    expect(out.reviewItems).toHaveLength(1);
    expect(out.reviewItems[0]).toMatchObject({
      candidates: [T.tailspinUs, T.tailspinDe].sort(),
      triggers: ['ambiguousWeakSignal'],
    });
    for (const t of [T.tailspinUs, T.tailspinDe]) {
      expect(of(out, t)).toMatchObject({
        decision: 'needs_review',
        reasons: [
          'company name "tailspin toys" without a strong signal (review) in 1 record',
          'unresolved review in 1 record',
        ],
        dataCategories: [],
      });
    }
  });

  it('an unknown tenant id and an internal-only thread produce no decision at all', () => {
    const out = decide([
      ['i1', { tenantIds: ['99999999-9999-4999-8999-999999999999'], hasBody: true }],
      ['i2', { from: 'ana@microsoft.com', to: ['bo@microsoft.com'], hasBody: true }],
    ]);
    expect(out.decisions).toEqual([]);
    expect(out.reviewItems).toEqual([]);
  });

  it('one review item per item and candidate set, with all its records', () => {
    const out = decide([
      ['item-w', { ...weakFabrikam, recordId: 'W2' }],
      ['item-w', { ...weakFabrikam, recordId: 'W1' }],
    ]);
    expect(out.reviewItems).toEqual([
      {
        reviewKey: reviewKeyFor('item-w', [T.fabrikam]),
        itemKey: 'item-w',
        recordIds: ['W1', 'W2'],
        candidates: [T.fabrikam],
        triggers: ['weakSignalOnly'],
        excerpts: [],
        resolution: null,
      },
    ]);
  });

  it('review keys are deterministic: the same item and candidates give the same key in any order', () => {
    expect(reviewKeyFor('item-1', [T.contoso, T.fabrikam])).toBe(reviewKeyFor('item-1', [T.fabrikam, T.contoso]));
    expect(reviewKeyFor('item-1', [T.contoso])).not.toBe(reviewKeyFor('item-2', [T.contoso]));
    expect(reviewKeyFor('item-1', [T.contoso])).not.toBe(reviewKeyFor('item-1', [T.contoso, T.fabrikam]));
    expect(reviewKeyFor('item-1', [T.contoso])).toMatch(/^rv_[0-9a-f]{32}$/);
  });

  it('a resolution survives a re-analysis: the same resolutions give the same decisions', () => {
    const first = decide([['item-w', weakFabrikam]]);
    const key = first.reviewItems[0]!.reviewKey;
    const again = decide(
      [['item-w', { ...weakFabrikam, recordId: 'other-id' }]],
      [{ reviewKey: key, tenantId: T.fabrikam }],
    );
    expect(of(again, T.fabrikam).decision).toBe('affected');
  });

  it("resolved to a tenant: affected, with the record's unclaimed elements as its categories", () => {
    const first = decide([['item-w', weakFabrikam]]);
    const reviewKey = first.reviewItems[0]!.reviewKey;
    const out = decide([['item-w', weakFabrikam]], [{ reviewKey, tenantId: T.fabrikam }]);
    expect(of(out, T.fabrikam)).toMatchObject({
      decision: 'affected',
      dataCategories: ['Email addresses', 'Email content', 'Company name'],
      records: 1,
      rawRecords: 1,
      reviewKeys: [reviewKey],
    });
    expect(of(out, T.fabrikam).reasons).toContain('review resolved to this tenant in 1 record');
    expect(out.reviewItems[0]!.resolution).toEqual({ tenantId: T.fabrikam });
  });

  it('resolved to none: not_affected', () => {
    const first = decide([['item-w', weakFabrikam]]);
    const out = decide([['item-w', weakFabrikam]], [{ reviewKey: first.reviewItems[0]!.reviewKey, tenantId: null }]);
    expect(of(out, T.fabrikam)).toMatchObject({ decision: 'not_affected', dataCategories: [], records: 0 });
    expect(of(out, T.fabrikam).reasons).toContain('review resolved to none in 1 record');
  });

  it('conflicting signals: both candidates need review; resolved to one, the other is not affected and gets nothing', () => {
    const open = decide([['item-c', conflict]]);
    expect(of(open, T.fabrikam).decision).toBe('needs_review');
    expect(of(open, T.contoso).decision).toBe('needs_review');
    expect(of(open, T.contoso).reasons).toEqual([
      'verified domain contoso.com held for review (conflicting strong signals) in 1 record',
      'unresolved review in 1 record',
    ]);

    const reviewKey = open.reviewItems[0]!.reviewKey;
    const toContoso = decide([['item-c', conflict]], [{ reviewKey, tenantId: T.contoso }]);
    expect(of(toContoso, T.contoso)).toMatchObject({
      decision: 'affected',
      dataCategories: ['Email addresses', 'Email content', 'Attached files'],
    });
    expect(of(toContoso, T.fabrikam)).toMatchObject({ decision: 'not_affected', dataCategories: [] });
    expect(of(toContoso, T.fabrikam).reasons).toContain('review resolved to another tenant in 1 record');

    // resolved to the tenant id's tenant: Contoso's address stays Contoso's evidence, not Fabrikam's data
    const toFabrikam = decide([['item-c', conflict]], [{ reviewKey, tenantId: T.fabrikam }]);
    expect(of(toFabrikam, T.fabrikam).dataCategories).toEqual(['Email content', 'Attached files']);
    expect(of(toFabrikam, T.contoso).decision).toBe('not_affected');
  });

  it('an ambiguous contact: both need review until an operator picks one', () => {
    const spec: RecordSpec = { from: 'partner@adatum.com', hasBody: true };
    const open = decide([['i', spec]]);
    expect(of(open, T.adatum).decision).toBe('needs_review');
    expect(of(open, T.woodgrove).decision).toBe('needs_review');
    expect(of(open, T.adatum).reasons[0]).toBe('contact address listed by several tenants (review) in 1 record');
    const out = decide([['i', spec]], [{ reviewKey: open.reviewItems[0]!.reviewKey, tenantId: T.adatum }]);
    expect(of(out, T.adatum)).toMatchObject({
      decision: 'affected',
      dataCategories: ['Email addresses', 'Email content'],
    });
    expect(of(out, T.woodgrove).decision).toBe('not_affected');
  });

  it('a tenant affected elsewhere stays affected whatever its reviews say', () => {
    const open = decide([
      ['a', { from: 'x@fabrikamcapital.com' }],
      ['b', weakFabrikam],
    ]);
    expect(of(open, T.fabrikam).decision).toBe('affected');
    const key = open.reviewItems[0]!.reviewKey;
    const out = decide(
      [
        ['a', { from: 'x@fabrikamcapital.com' }],
        ['b', weakFabrikam],
      ],
      [{ reviewKey: key, tenantId: null }],
    );
    expect(of(out, T.fabrikam)).toMatchObject({
      decision: 'affected',
      dataCategories: ['Email addresses'],
      records: 1,
    });
  });

  it('finish changes nothing inside: it can be called again with other resolutions', () => {
    const acc = new DecisionAccumulator();
    acc.add(attributeRecord(record(weakFabrikam), index), 'item-w');
    const key = acc.finish().reviewItems[0]!.reviewKey;
    expect(acc.finish([{ reviewKey: key, tenantId: T.fabrikam }]).decisions[0]!.decision).toBe('affected');
    expect(acc.finish().decisions[0]!.decision).toBe('needs_review');
    expect(acc.finish([{ reviewKey: 'rv_unknown', tenantId: T.fabrikam }]).decisions[0]!.decision).toBe('needs_review');
  });

  it("a resolution to a tenant that was no candidate gives it only what no tenant's evidence names", () => {
    const acc = new DecisionAccumulator();
    acc.add(attributeRecord(record(weakFabrikam), index), 'item-w');
    const key = acc.finish().reviewItems[0]!.reviewKey;
    const out = acc.finish([{ reviewKey: key, tenantId: T.northwind }]);
    expect(of(out, T.northwind)).toMatchObject({
      decision: 'affected',
      dataCategories: ['Email addresses', 'Email content'],
    });
    expect(of(out, T.fabrikam).decision).toBe('not_affected');
  });

  it('a record on a conflicted domain gives a review item for the claimants and never makes either affected', () => {
    const imposter = '99999999-9999-4999-8999-999999999999';
    const tenants = worldTenants().map((t) =>
      t.id === T.contoso ? { ...t, domains: [], conflictedDomains: ['contoso.com'] } : t,
    );
    tenants.push({
      id: imposter,
      name: 'Contoso Imposter Holdings',
      aliases: [],
      domains: [],
      phones: [],
      contacts: [{ email: 'ceo@contoso.com', roles: ['GlobalAdmin'] }],
      conflictedDomains: ['contoso.com'],
    });
    const conflicted = DirectoryIndex.build(tenants, OPERATOR_DOMAINS);
    const acc = new DecisionAccumulator();
    const rows: [string, RecordSpec][] = [
      ['i1', { from: 'lena@contoso.com', to: ['ops@contoso.com'], hasBody: true }],
      ['i2', { from: 'ceo@contoso.com', hasBody: true, files: [{ fileName: 'plan.pdf', sha256: 'ef' }] }],
    ];
    for (const [itemKey, spec] of rows) acc.add(attributeRecord(record(spec), conflicted), itemKey);
    const out = acc.finish([]);
    expect(of(out, T.contoso).decision).toBe('needs_review');
    expect(of(out, imposter).decision).toBe('needs_review');
    expect(out.tenants.affected).toBe(0);
    expect(out.reviewItems.map((r) => [r.candidates, [...r.triggers]])).toEqual([
      [[T.contoso, imposter].sort(), ['conflictedDomain']],
      [[T.contoso, imposter].sort(), ['conflictedDomain']],
    ]);
    // the operator decides: resolved to the victim, only the victim is affected
    const resolved = acc.finish(out.reviewItems.map((r) => ({ reviewKey: r.reviewKey, tenantId: T.contoso })));
    expect(of(resolved, T.contoso).decision).toBe('affected');
    expect(of(resolved, imposter).decision).toBe('not_affected');
  });
});
