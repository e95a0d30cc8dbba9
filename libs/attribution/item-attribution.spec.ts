import { describe, expect, it } from '@jest/globals';
import { attributeRecord } from './attribute-record.js';
import { DirectoryIndex } from './directory-index.js';
import { ItemAttribution } from './item-attribution.js';
import { touchedTenants } from './review.js';
import { OPERATOR_DOMAINS, T, record, worldTenants } from './attribution.test-helpers.js';

const index = DirectoryIndex.build(worldTenants(), OPERATOR_DOMAINS);
const spec = {
  recordId: 'R1',
  from: 'anna@fabrikamcapital.de',
  to: ['bob@contoso.com'],
  companies: ['Tailspin Toys'],
  hasBody: true,
  files: [{ fileName: 'q3.xlsx' }],
};

describe('ItemAttribution: one attribution for the copies of an item', () => {
  const first = attributeRecord(record(spec), index);
  const item = new ItemAttribution('fp', first);

  it('gives each copy what attributing it alone gives: the same but for its recordId', () => {
    for (const id of ['R1', 'R2', 'copy "quoted" \\ back', 'ünï-cødé-☃', '']) {
      const alone = attributeRecord(record({ ...spec, recordId: id }), index);
      expect(item.forRecord(id)).toEqual(alone);
      expect(item.jsonFor(id)).toBe(JSON.stringify(alone));
      expect(JSON.parse(item.jsonFor(id))).toEqual(alone);
    }
    expect(item.tenants).toEqual(touchedTenants(first));
    expect(item.tenants).toEqual(expect.arrayContaining([T.fabrikam, T.contoso]));
  });

  it('leaves the first attribution as it was', () => {
    item.forRecord('R9');
    item.jsonFor('R9');
    expect(first.recordId).toBe('R1');
  });

  it('serializes each copy whole when its text holds the recordId stand-in', () => {
    const odd = attributeRecord(record({ ...spec, files: [{ fileName: '\u0000recordId\u0000' }] }), index);
    const it2 = new ItemAttribution('fp2', odd);
    expect(it2.jsonFor('R7')).toBe(JSON.stringify({ ...odd, recordId: 'R7' }));
  });
});
