import { describe, expect, it } from '@jest/globals';
import { attributeRecord } from '../attribution/attribute-record.js';
import { DirectoryIndex } from '../attribution/directory-index.js';
import { OPERATOR_DOMAINS, T, record, worldTenants } from '../attribution/attribution.test-helpers.js';
import { TRIGGER_EXPLANATIONS, describeSignal, explainReview } from './review-evidence.js';

const index = DirectoryIndex.build(worldTenants(), OPERATOR_DOMAINS);
const names = new Map(worldTenants().map((t) => [t.id, t.name]));

describe('explainReview', () => {
  // the tenant id in the record says Fabrikam, the addresses say Contoso: nobody is accepted
  const conflicted = attributeRecord(
    record({
      recordId: 'R-conflict',
      tenantIds: [T.fabrikam],
      from: 'lena@contoso.com',
      people: [{ name: 'Lena', email: 'lena@contoso.com' }],
    }),
    index,
  );

  it('says why the item was raised and gives each candidate the evidence for it and against it', () => {
    expect(conflicted.review?.triggers).toEqual(['conflictingStrongSignals']);
    const e = explainReview({
      recordIds: ['R-conflict'],
      candidates: conflicted.review!.candidates,
      triggers: conflicted.review!.triggers,
      names,
      attributions: new Map([['R-conflict', conflicted]]),
      records: new Map([['R-conflict', { upload: 0, line: 7, kind: 'email', content: { subject: 'Hello' } }]]),
    });
    expect(e.why).toEqual([
      { trigger: 'conflictingStrongSignals', explanation: TRIGGER_EXPLANATIONS.conflictingStrongSignals },
    ]);
    const contoso = e.candidates.find((c) => c.tenantId === T.contoso)!;
    const fabrikam = e.candidates.find((c) => c.tenantId === T.fabrikam)!;
    expect(contoso.name).toBe('Contoso Ltd');
    // each side's own strong evidence was held back, and the other side's speaks against it
    expect(contoso.against.join('\n')).toContain('verified domain contoso.com');
    expect(contoso.against.join('\n')).toContain('also names Fabrikam Capital Corp. by tenant id in the record');
    expect(fabrikam.against.join('\n')).toContain('also names Contoso Ltd by verified domain contoso.com');
    expect(e.records[0]).toMatchObject({
      recordId: 'R-conflict',
      line: 7,
      kind: 'email',
      content: { subject: 'Hello' },
    });
    expect(e.records[0]!.elements.find((x) => x.value === 'lena@contoso.com')).toMatchObject({
      kind: 'address',
      owners: [],
      pointsAt: [T.contoso],
      unowned: 'conflict',
    });
  });

  it('lists a record whose content or attribution is gone, saying so, instead of dropping it', () => {
    const e = explainReview({
      recordIds: ['R-gone'],
      candidates: [T.contoso],
      triggers: ['weakSignalOnly'],
      names,
      attributions: new Map(),
      records: new Map(),
    });
    expect(e.records).toEqual([
      {
        recordId: 'R-gone',
        upload: null,
        line: null,
        kind: null,
        content: null,
        elements: [],
        notes: ['no stored attribution for this record: analyze the campaign again'],
      },
    ]);
    expect(e.candidates).toEqual([{ tenantId: T.contoso, name: 'Contoso Ltd', for: [], against: [] }]);
  });

  it('puts signals in words', () => {
    expect(describeSignal('verifiedDomain:contoso.com')).toBe('verified domain contoso.com');
    expect(describeSignal('companyName:contoso')).toBe('company name contoso');
    expect(describeSignal('tenantId')).toBe('tenant id in the record');
  });
});
