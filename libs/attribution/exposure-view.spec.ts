import { describe, expect, it } from '@jest/globals';
import type { RecordAttribution } from './attribution.types.js';
import { attributeRecord } from './attribute-record.js';
import { DirectoryIndex } from './directory-index.js';
import { buildExposureView, collectFileOwners, type FileOwners } from './exposure-view.js';
import { applyResolution, resolutionLookup, reviewKeyOf } from './review.js';
import { OPERATOR_DOMAINS, T, record, worldTenants, type RecordSpec } from './attribution.test-helpers.js';
import { normalizeRecord } from '../exposure/rules/normalize-record.js';

const index = DirectoryIndex.build(worldTenants(), OPERATOR_DOMAINS);
const attribute = (spec: RecordSpec): RecordAttribution => attributeRecord(record(spec), index);

function views(ras: RecordAttribution[], tenants: string[]) {
  const owners: FileOwners = new Map();
  for (const ra of ras) collectFileOwners(owners, ra);
  return Object.fromEntries(tenants.map((t) => [t, buildExposureView(t, ras, owners)]));
}

const SUBJECT = 'Confidential: Contoso and Fabrikam merger';
const sharedThread: RecordSpec = {
  recordId: 'R-shared',
  from: 'lena@contoso.com',
  to: ['bjorn.costa@fabrikamcapital.de', 'ana@microsoft.com', 'stranger@gmail.com'],
  people: [
    { name: 'Lena Horvat', email: 'lena@contoso.com', phone: '+16465551618' },
    { name: 'Bjorn Costa', email: 'bjorn.costa@fabrikamcapital.de', phone: '+493055509999' },
    { name: 'Ana Operator', email: 'ana@microsoft.com' },
  ],
  companies: ['Contoso Ltd', 'Fabrikam Capital'],
  subject: SUBJECT,
  hasBody: true,
  files: [{ fileName: 'Merger-terms.pdf', sha256: 'aa11' }],
  projectIds: ['PRJ-7'],
};
const contosoOnly: RecordSpec = {
  recordId: 'R-contoso',
  kind: 'attachment',
  from: 'lena@contoso.com',
  files: [{ fileName: 'Contoso-payroll.xlsx', sha256: 'bb22' }],
};

describe('buildExposureView', () => {
  it('a record shared by two tenants: each sees only its own part; the shared file name is hidden from both, the exclusive one shown', () => {
    const v = views([attribute(sharedThread), attribute(contosoOnly)], [T.contoso, T.fabrikam]);

    expect(v[T.contoso]).toEqual({
      dataCategories: ['Names', 'Email addresses', 'Phone numbers', 'Email content', 'Company name', 'Attached files'],
      records: [
        {
          recordId: 'R-shared',
          kind: 'email',
          dataCategories: [
            'Names',
            'Email addresses',
            'Phone numbers',
            'Email content',
            'Company name',
            'Attached files',
          ],
        },
        { recordId: 'R-contoso', kind: 'attachment', dataCategories: ['Email addresses', 'Attached files'] },
      ],
      people: [{ name: 'Lena Horvat', email: 'lena@contoso.com', phone: '+16465551618' }],
      files: [{ fileName: null }, { fileName: 'Contoso-payroll.xlsx', sha256: 'bb22' }],
    });

    expect(v[T.fabrikam]).toEqual({
      dataCategories: ['Names', 'Email addresses', 'Phone numbers', 'Email content', 'Company name', 'Attached files'],
      records: [
        {
          recordId: 'R-shared',
          kind: 'email',
          dataCategories: [
            'Names',
            'Email addresses',
            'Phone numbers',
            'Email content',
            'Company name',
            'Attached files',
          ],
        },
      ],
      people: [{ name: 'Bjorn Costa', email: 'bjorn.costa@fabrikamcapital.de', phone: '+493055509999' }],
      files: [{ fileName: null }],
    });
  });

  it("shows nothing of the other tenant, the operator, nobody's addresses, the subject or the body", () => {
    const v = views([attribute(sharedThread)], [T.contoso, T.fabrikam]);
    const contoso = JSON.stringify(v[T.contoso]);
    for (const leak of [
      'bjorn',
      'fabrikam',
      'Fabrikam',
      '+493055509999',
      'ana@',
      'Ana Operator',
      'stranger@',
      'Merger-terms',
      'aa11',
      SUBJECT,
      'PRJ-7',
    ]) {
      expect(contoso).not.toContain(leak);
    }
    const fabrikam = JSON.stringify(v[T.fabrikam]);
    for (const leak of [
      'lena',
      'Lena',
      'contoso',
      '+16465551618',
      'ana@',
      'stranger@',
      'Merger-terms',
      'aa11',
      SUBJECT,
    ]) {
      expect(fabrikam).not.toContain(leak);
    }
  });

  it("reveals not even that another tenant is on the record: the view is the same without the other's part", () => {
    const alone: RecordSpec = {
      ...sharedThread,
      to: ['ana@microsoft.com', 'stranger@gmail.com'],
      people: sharedThread.people!.filter((p) => !p.email?.includes('fabrikam')),
      companies: ['Contoso Ltd'],
      files: [],
    };
    const withOther: RecordSpec = { ...sharedThread, files: [] };
    expect(views([attribute(withOther)], [T.contoso])[T.contoso]).toEqual(
      views([attribute(alone)], [T.contoso])[T.contoso],
    );
  });

  it("a file name is shown only when the file is that tenant's alone across all records", () => {
    const payrollAgain: RecordSpec = {
      recordId: 'R-f',
      from: 'x@fabrikamcapital.com',
      files: [{ fileName: 'payroll.xlsx', sha256: 'bb22' }],
    };
    const v = views([attribute(contosoOnly), attribute(payrollAgain)], [T.contoso, T.fabrikam]);
    expect(v[T.contoso]!.files).toEqual([{ fileName: null }]);
    expect(v[T.fabrikam]!.files).toEqual([{ fileName: null }]);
  });

  it('a file missing from the owners map is hidden', () => {
    const v = buildExposureView(T.contoso, [attribute(contosoOnly)], new Map());
    expect(v.files).toEqual([{ fileName: null }]);
  });

  it('a tenant with nothing attributed sees an empty view, even for records it was a review candidate of', () => {
    const weak = attribute({ recordId: 'R-w', companies: ['Fabrikam Capital'], from: 'x@gmail.com', hasBody: true });
    expect(views([weak], [T.fabrikam])[T.fabrikam]).toEqual({ dataCategories: [], records: [], people: [], files: [] });
  });

  it("after a review resolved to it, the tenant sees the record's unclaimed elements, never another tenant's or the operator's", () => {
    const spec: RecordSpec = {
      recordId: 'R-c',
      tenantIds: [T.fabrikam],
      from: 'lena@contoso.com',
      to: ['deals@gmail.com', 'ana@microsoft.com'],
      hasBody: true,
      files: [{ fileName: 'terms.pdf', sha256: 'cc33' }],
    };
    const ra = attribute(spec);
    const resolutions = resolutionLookup([{ reviewKey: reviewKeyOf(ra, 'item-c')!, tenantId: T.fabrikam }]);
    const resolved = applyResolution(ra, 'item-c', resolutions);
    const v = views([resolved], [T.fabrikam, T.contoso]);
    expect(v[T.fabrikam]).toEqual({
      dataCategories: ['Email addresses', 'Email content', 'Attached files'],
      records: [
        { recordId: 'R-c', kind: 'email', dataCategories: ['Email addresses', 'Email content', 'Attached files'] },
      ],
      people: [{ email: 'deals@gmail.com' }],
      files: [{ fileName: 'terms.pdf', sha256: 'cc33' }],
    });
    expect(v[T.contoso]).toEqual({ dataCategories: [], records: [], people: [], files: [] });
  });

  it("a review resolved to a second tenant shares the record's files and content with it: the file name is then hidden from both", () => {
    const ra = attribute({
      recordId: 'R-2',
      from: 'lena@contoso.com',
      companies: ['Fabrikam Capital'],
      hasBody: true,
      files: [{ fileName: 'deal.pdf', sha256: 'dd44' }],
    });
    expect(views([ra], [T.contoso])[T.contoso]!.files).toEqual([{ fileName: null }]); // open review: hidden already
    const resolved = applyResolution(
      ra,
      'i',
      resolutionLookup([{ reviewKey: reviewKeyOf(ra, 'i')!, tenantId: T.fabrikam }]),
    );
    const v = views([resolved], [T.contoso, T.fabrikam]);
    expect(v[T.fabrikam]).toEqual({
      dataCategories: ['Email content', 'Company name', 'Attached files'],
      records: [
        { recordId: 'R-2', kind: 'email', dataCategories: ['Email content', 'Company name', 'Attached files'] },
      ],
      people: [],
      files: [{ fileName: null }],
    });
    expect(v[T.contoso]!.files).toEqual([{ fileName: null }]);
    expect(v[T.contoso]!.people).toEqual([{ email: 'lena@contoso.com' }]);
  });

  it("a homograph address is never granted to anyone, not even by an operator's resolution", () => {
    const ra = attribute({
      recordId: 'R-h',
      companies: ['Fabrikam Capital'],
      from: 'lena@c\u043entoso.com',
      to: ['deals@gmail.com'],
    });
    const resolved = applyResolution(
      ra,
      'i',
      resolutionLookup([{ reviewKey: reviewKeyOf(ra, 'i')!, tenantId: T.fabrikam }]),
    );
    expect(views([resolved], [T.fabrikam])[T.fabrikam]!.people).toEqual([{ email: 'deals@gmail.com' }]);
  });

  it('while a review is open, its candidates count as owners of its files, so no name is shown too early', () => {
    const weak = attribute({
      recordId: 'R-w',
      companies: ['Fabrikam Capital'],
      files: [{ fileName: 'p.xlsx', sha256: 'bb22' }],
    });
    const v = views([attribute(contosoOnly), weak], [T.contoso]);
    expect(v[T.contoso]!.files).toEqual([{ fileName: null }]);
  });

  it('lists a person once across records, and an address or phone outside any person as its own entry', () => {
    const ras = [
      attribute({ recordId: 'A', from: 'lena@contoso.com', phones: ['+14255550100'] }),
      attribute({ recordId: 'B', people: [{ name: 'Lena Horvat', email: 'lena@contoso.com' }] }),
    ];
    expect(views(ras, [T.contoso])[T.contoso]!.people).toEqual([
      { email: 'lena@contoso.com', name: 'Lena Horvat' },
      { phone: '+14255550100' },
    ]);
  });

  it("shows a person's phone number that is not valid to the person's tenant only", () => {
    const ra = attributeRecord(
      normalizeRecord({
        recordId: 'R-other-phones',
        kind: 'email',
        from: 'lena@contoso.com',
        to: ['bjorn.costa@fabrikamcapital.de'],
        people: [
          { name: 'Lena Horvat', email: 'lena@contoso.com', phone: '+1 (123) 555-0147' },
          { name: 'Bjorn Costa', email: 'bjorn.costa@fabrikamcapital.de', phone: '030 5550 9999' },
          { name: 'Nobody', phone: '+1 123 555 0199' },
        ],
      }),
      index,
    );
    const v = views([ra], [T.contoso, T.fabrikam]);
    expect(v[T.contoso]!.people).toEqual([{ name: 'Lena Horvat', email: 'lena@contoso.com', phone: '+11235550147' }]);
    expect(v[T.contoso]!.dataCategories).toContain('Phone numbers');
    expect(v[T.fabrikam]!.people).toEqual([
      { name: 'Bjorn Costa', email: 'bjorn.costa@fabrikamcapital.de', phone: '03055509999' },
    ]);
    expect(JSON.stringify(v[T.contoso])).not.toMatch(/03055509999|\+11235550199/);
    expect(JSON.stringify(v[T.fabrikam])).not.toMatch(/\+11235550147|\+11235550199/);
  });
});
