import { parse } from 'csv-parse/sync';
import { cellText, csvHeader, csvLines, EXPORT_COLUMNS, EXPORT_KINDS, reviewOutcome } from './export-columns.js';

const parsed = (text: string): string[][] => parse(text, { bom: true, relax_column_count: false });

describe('campaign export columns', () => {
  it('writes each export header as documented, behind a byte-order mark, with CRLF line ends', () => {
    for (const kind of EXPORT_KINDS) {
      const h = csvHeader(kind);
      expect(h.startsWith('\uFEFF')).toBe(true);
      expect(h.endsWith('\r\n')).toBe(true);
      expect(parsed(h)).toEqual([[...EXPORT_COLUMNS[kind]]]);
    }
    expect(EXPORT_COLUMNS.notices).toEqual([
      'noticeId',
      'tenantId',
      'tenantName',
      'postedAt',
      'lastModifiedAt',
      'readers',
      'firstReadAt',
      'acknowledgements',
      'firstAcknowledgedAt',
    ]);
  });

  it.each([
    ['=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'],
    ['+1 646 555 0101', "'+1 646 555 0101"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    ['\rcmd', "'\rcmd"],
    ["'quoted", "''quoted"],
    ['Contoso = Ltd', 'Contoso = Ltd'],
    ['', ''],
  ])('neutralises a cell a spreadsheet would run: %j', (input, written) => {
    expect(cellText(input)).toBe(written);
  });

  it('writes times as ISO 8601 UTC, numbers as digits (a negative number stays a number), absent values empty', () => {
    expect(cellText(new Date(Date.UTC(2026, 11, 2, 13, 30)))).toBe('2026-12-02T13:30:00.000Z');
    expect(cellText(-3)).toBe('-3');
    expect(cellText(null)).toBe('');
    expect(cellText(undefined)).toBe('');
  });

  it('quotes separators, quotes and line breaks so that each row reads back as written', () => {
    const row = {
      at: new Date(0),
      actor: 'alice, "the admin"',
      action: 'campaign.export',
      tenantId: null,
      subject: 'line\nbreak',
      details: '{"what":"audit"}',
    };
    expect(parsed(csvLines('audit', [row]))).toEqual([
      ['1970-01-01T00:00:00.000Z', 'alice, "the admin"', 'campaign.export', '', 'line\nbreak', '{"what":"audit"}'],
    ]);
    expect(csvLines('audit', [])).toBe('');
  });

  it('says what the review of a tenant came to, with who, when and why', () => {
    const t = '00000000-0000-4000-8000-000000000001';
    const at = (h: number) => new Date(Date.UTC(2026, 10, 1, h));
    const item = (
      resolvedTenantId: string | null,
      resolvedBy: string,
      h: number,
      justification: string | null = null,
    ) => ({
      resolved: true,
      resolvedTenantId,
      resolvedBy,
      resolvedAt: at(h),
      justification,
    });
    expect(reviewOutcome(t, [])).toEqual({
      reviewItems: 0,
      reviewOutcome: '',
      reviewedBy: '',
      reviewedAt: null,
      reviewJustification: '',
    });
    expect(
      reviewOutcome(t, [
        item(t.toUpperCase(), 'rita', 1, 'signature names them'),
        item(null, 'bob', 3, ' a passing mention '),
        item(null, 'rita', 2, 'signature names them'),
      ]),
    ).toEqual({
      reviewItems: 3,
      reviewOutcome: 'assigned',
      reviewedBy: 'bob; rita',
      reviewedAt: at(3),
      reviewJustification: 'signature names them; a passing mention',
    });
    expect(reviewOutcome(t, [item(null, 'rita', 1)]).reviewOutcome).toBe('notAssigned');
    expect(
      reviewOutcome(t, [
        item(t, 'rita', 1),
        { resolved: false, resolvedTenantId: null, resolvedBy: null, resolvedAt: null, justification: null },
      ]),
    ).toMatchObject({ reviewItems: 2, reviewOutcome: 'open', reviewedBy: 'rita', reviewJustification: '' });
  });
});
