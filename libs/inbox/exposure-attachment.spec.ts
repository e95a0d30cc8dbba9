import { parse } from 'csv-parse/sync';
import { unzipSync } from 'fflate';
import type { ExposureView } from '../attribution/exposure-view.js';
import {
  attachmentId,
  contentDisposition,
  CSV_COLUMNS,
  exposureCsv,
  exposureZip,
  neutraliseCell,
  restoreCell,
} from './exposure-attachment.js';

const view: ExposureView = {
  dataCategories: ['Names', 'Email addresses', 'Phone numbers'],
  records: [{ recordId: '=HYPERLINK("http://evil.example","x")', kind: 'email', dataCategories: ['Names'] }],
  people: [
    { name: '@SUM(1+1)', email: 'a@contoso.example', phone: '+1 646 555 0101' },
    { name: "'=quoted", email: '-2+3@contoso.example' },
    { name: 'Zoë, "the" admin\r\nnext line' },
  ],
  files: [{ fileName: '\tcmd.pdf', sha256: 'ab'.repeat(32) }, { fileName: null }],
};

const cells = (csv: Buffer) => parse<Record<string, string>>(csv, { bom: true, columns: true });

describe('exposure attachment', () => {
  it('neutralises every cell a spreadsheet would run, reversibly', () => {
    for (const v of ['=1+1', '+1 646', '-1', '@x', '\tx', '\rx', "'=x", "'x"]) {
      expect(neutraliseCell(v).startsWith("'")).toBe(true);
      expect(restoreCell(neutraliseCell(v))).toBe(v);
    }
    for (const v of ['plain', 'a=b', '', 'Zoë']) expect(neutraliseCell(v)).toBe(v);
  });

  it('writes the view as CSV rows in which no cell starts a formula, and reads back to the same view', () => {
    const csv = exposureCsv(view);
    expect(csv.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const rows = cells(csv);
    expect(Object.keys(rows[0]!)).toEqual([...CSV_COLUMNS]);
    for (const r of rows) for (const v of Object.values(r)) expect(v).not.toMatch(/^[=+\-@\t\r]/);
    const back = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, restoreCell(v)])));
    expect(back).toEqual([
      { ...blank(), element: 'dataCategories', dataCategories: 'Names; Email addresses; Phone numbers' },
      { ...blank(), element: 'record', recordId: view.records[0]!.recordId, kind: 'email', dataCategories: 'Names' },
      { ...blank(), element: 'person', name: '@SUM(1+1)', email: 'a@contoso.example', phone: '+1 646 555 0101' },
      { ...blank(), element: 'person', name: "'=quoted", email: '-2+3@contoso.example' },
      { ...blank(), element: 'person', name: 'Zoë, "the" admin\r\nnext line' },
      { ...blank(), element: 'file', fileName: '\tcmd.pdf', sha256: 'ab'.repeat(32) },
      { ...blank(), element: 'file' },
    ]);
  });

  it('zips the CSV under its name', () => {
    const csv = exposureCsv(view);
    const files = unzipSync(new Uint8Array(exposureZip('MC1-exposure.csv', csv, new Date('2026-11-01T00:00:00Z'))));
    expect(Object.keys(files)).toEqual(['MC1-exposure.csv']);
    expect(Buffer.from(files['MC1-exposure.csv']!)).toEqual(csv);
  });

  it('gives each message a stable GUID attachment id and refuses an unsafe file name', () => {
    expect(attachmentId('MC1')).toBe(attachmentId('MC1'));
    expect(attachmentId('MC1')).not.toBe(attachmentId('MC2'));
    expect(attachmentId('MC1')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(contentDisposition('MC1-exposure.csv')).toBe('attachment; filename="MC1-exposure.csv"');
    for (const bad of ['a"b.csv', 'a\r\nSet-Cookie: x', '../x.csv', ''])
      expect(() => contentDisposition(bad)).toThrow();
  });
});

function blank(): Record<string, string> {
  return Object.fromEntries(CSV_COLUMNS.map((c) => [c, '']));
}
