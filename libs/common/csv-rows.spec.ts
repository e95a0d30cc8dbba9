import { Readable } from 'node:stream';
import { csvColumnMatcher, csvRows, detectDelimiter } from './csv-rows.js';

describe('detectDelimiter', () => {
  it('reads `;` from a header with more semicolons than commas outside quotes', () => {
    expect(detectDelimiter('a;b;c')).toBe(';');
    expect(detectDelimiter('a,b,c')).toBe(',');
    expect(detectDelimiter('"x;y;z",b')).toBe(',');
    expect(detectDelimiter('single')).toBe(',');
    expect(detectDelimiter('recordId;"kind, type";email')).toBe(';');
  });
});

describe('csvRows', () => {
  it('drops the byte-order mark, detects `;`, and numbers a row by the line it starts on, quoted line breaks included', async () => {
    const text = '\ufeffa;b\n1;"two\nlines"\n\n3;4\n';
    const rows = [];
    for await (const r of csvRows(Readable.from([Buffer.from(text)]))) rows.push({ line: r.line, record: r.record });
    expect(rows).toEqual([
      { line: 2, record: { a: '1', b: 'two\nlines' } },
      { line: 5, record: { a: '3', b: '4' } },
    ]);
  });

  it('numbers rows after blank lines of a CRLF file right, and names columns whatever their case', async () => {
    const text = 'RecordId, Email \r\n\r\n\r\nr1,a@x.com\r\n\r\nr2,b@x.com\r\n';
    const rows = [];
    let header = '';
    for await (const r of csvRows(Readable.from([Buffer.from(text)]), {
      columnName: csvColumnMatcher(['recordId', 'email']),
      onHeader: (h) => (header = h),
    })) {
      rows.push({ line: r.line, record: r.record });
    }
    expect(header).toBe('RecordId, Email ');
    expect(rows).toEqual([
      { line: 4, record: { recordId: 'r1', email: 'a@x.com' } },
      { line: 6, record: { recordId: 'r2', email: 'b@x.com' } },
    ]);
  });
});
