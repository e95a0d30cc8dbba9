import { Readable } from 'node:stream';
import { csvRows, detectDelimiter } from './csv-rows.js';

describe('detectDelimiter', () => {
  it('reads `;` from a header with more semicolons than commas outside quotes', () => {
    expect(detectDelimiter('a;b;c')).toBe(';');
    expect(detectDelimiter('a,b,c')).toBe(',');
    expect(detectDelimiter('"x;y;z",b')).toBe(',');
    expect(detectDelimiter('single')).toBe(',');
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
});
