import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import {
  csvColumnName,
  csvEntries,
  decompressIfGzip,
  entryBatches,
  jsonArrayEntryBatches,
  jsonlEntries,
  type InputEntry,
} from './readers.js';

const MAX = 1024 * 1024;

function chunked(text: string | Buffer, size = 7): Readable {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(Buffer.from(bytes.subarray(i, i + size)));
  return Readable.from(chunks, { objectMode: false });
}

async function flat(
  batches: AsyncIterable<InputEntry[]> | Promise<AsyncIterable<InputEntry[]>>,
): Promise<InputEntry[]> {
  const out: InputEntry[] = [];
  for await (const b of await batches) out.push(...b);
  return out;
}

async function all(entries: AsyncIterable<InputEntry>): Promise<InputEntry[]> {
  const out: InputEntry[] = [];
  for await (const e of entries) out.push(e);
  return out;
}

const summary = (es: InputEntry[]) =>
  es.map((e) => [e.line, e.result.ok ? e.result.record.recordId : `!${e.result.reason.slice(0, 20)}`]);

describe('JSON array reader', () => {
  it('reads a pretty-printed array element by element, each at the line where it begins', async () => {
    const text =
      '[\n  {\n    "recordId": "a",\n    "kind": "email"\n  },\n  {\n    "recordId": "b",\n    "kind": "contact",\n    "people": [{"name": "X, Y"}]\n  }\n]\n';
    const es = await flat(jsonArrayEntryBatches(chunked(text), MAX));
    expect(summary(es)).toEqual([
      [2, 'a'],
      [6, 'b'],
    ]);
    expect(JSON.parse(es[1]!.raw)).toEqual({ recordId: 'b', kind: 'contact', people: [{ name: 'X, Y' }] });
  });

  it('reads a one-line array with a byte-order mark, and brackets and quotes inside strings', async () => {
    const text = '\ufeff[{"recordId":"a","kind":"email","body":"} ] , \\" ["},{"recordId":"b","kind":"email"}]';
    const es = await flat(entryBatches(chunked(text, 3), 'jsonl', MAX));
    expect(summary(es)).toEqual([
      [1, 'a'],
      [1, 'b'],
    ]);
    expect(es[0]!.result.ok && es[0]!.result.record.body).toBe('} ] , " [');
  });

  it('quarantines an element that is not an object and goes on', async () => {
    const text = '[\n{"recordId":"a","kind":"email"},\n42,\n"text",\nnull,\n[1,2],\n{"recordId":"b","kind":"email"}\n]';
    const es = await flat(jsonArrayEntryBatches(chunked(text), MAX));
    expect(summary(es)).toEqual([
      [2, 'a'],
      [3, '!not a JSON object (g'],
      [4, '!not a JSON object (g'],
      [5, '!not a JSON object (g'],
      [6, '!not a JSON object (g'],
      [7, 'b'],
    ]);
  });

  it('a syntax error mid-file costs only its element: an unclosed quote ends at its line, a missing comma is tolerated', async () => {
    const text = [
      '[', // 1
      '  {"recordId": "a", "kind": "email"},', // 2
      '  {', // 3
      '    "recordId": "b,', // 4: the quote never closes
      '    "kind": "email"', // 5
      '  },', // 6
      '  {"recordId": "c", "kind": "email",, },', // 7: two commas
      '  {"recordId": "d", "kind": "email"}', // 8: no comma after it
      '  {"recordId": "e", "kind": "email"}', // 9
      ']',
    ].join('\n');
    const es = await flat(jsonArrayEntryBatches(chunked(text, 5), MAX));
    expect(summary(es)).toEqual([
      [2, 'a'],
      [3, '!not valid JSON (Bad '],
      [7, '!not valid JSON (Expe'],
      [8, 'd'],
      [9, 'e'],
    ]);
    // the recordId of a quarantined element is kept when it can be read
    expect(es[1]!.raw).toContain('"recordId": "b,');
  });

  it('a bracket that does not close takes in what follows until the brackets balance, at worst the rest', async () => {
    const text =
      '[\n{"recordId":"a","kind":"email"},\n{"recordId":"b","kind":"email",\n{"recordId":"c","kind":"email"},\n{"recordId":"d","kind":"email"}\n]\n';
    const es = await flat(jsonArrayEntryBatches(chunked(text), MAX));
    expect(summary(es)).toEqual([
      [2, 'a'],
      [3, '!not valid JSON (Expe'],
      [7, '!not valid JSON (the '],
    ]);
    expect(!es[1]!.result.ok && es[1]!.result.reason).toMatch(/element on lines 3-6$/);
    const open = await flat(
      jsonArrayEntryBatches(
        chunked(
          '[\n{"recordId":"a","kind":"email"},\n{"recordId":"b","people":[{"name":"x"}\n,{"recordId":"c","kind":"email"}]\n',
        ),
        MAX,
      ),
    );
    expect(open.map((e) => [e.line, e.result.ok])).toEqual([
      [2, true],
      [3, false],
    ]);
    expect(!open[1]!.result.ok && open[1]!.result.reason).toMatch(/never closes: the input ended inside it, lines 3-5/);
  });

  it('says when the array is not closed, and reads what follows the array as JSON lines', async () => {
    const cut = await flat(jsonArrayEntryBatches(chunked('[{"recordId":"a","kind":"email"},\n'), MAX));
    expect(summary(cut)).toEqual([
      [1, 'a'],
      [2, '!not valid JSON (the '],
    ]);
    const jsonl = '[1,{"recordId":"a","kind":"email"}]\n{"recordId":"b","kind":"email"}\r\n\nnot json\n';
    expect(summary(await flat(entryBatches(chunked(jsonl), 'jsonl', MAX)))).toEqual([
      [1, '!not a JSON object (g'],
      [1, 'a'],
      [2, 'b'],
      [4, '!not valid JSON (Unex'],
    ]);
  });

  it('streams a huge array with bounded memory, and quarantines an over-long element without holding it', async () => {
    const n = 200_000;
    let produced = 0;
    let producedAtFirstBatch = -1;
    async function* source() {
      yield Buffer.from('[\n');
      const big = `{"recordId":"big","kind":"email","body":"${'x'.repeat(3 * 1024 * 1024)}"},\n`;
      for (let i = 0; i < n; i++) {
        produced++;
        yield Buffer.from(`  {"recordId":"r${i}","kind":"email","subject":"s${i}"}${i < n - 1 ? ',' : ''}\n`);
        if (i === 10) yield Buffer.from(big);
      }
      yield Buffer.from(']\n');
    }
    let accepted = 0;
    let quarantined: InputEntry | undefined;
    for await (const batch of jsonArrayEntryBatches(Readable.from(source(), { objectMode: false }), 64 * 1024)) {
      if (producedAtFirstBatch < 0) producedAtFirstBatch = produced;
      for (const e of batch) {
        if (e.result.ok) accepted++;
        else quarantined = e;
      }
    }
    expect(accepted).toBe(n);
    expect(quarantined!.line).toBe(13);
    expect(quarantined!.raw.length).toBeLessThanOrEqual(4096);
    // elements come out while the array is still being read: it is never held whole
    expect(producedAtFirstBatch).toBeGreaterThan(0);
    expect(producedAtFirstBatch).toBeLessThan(10);
  });

  it('is detected by content through gzip too', async () => {
    const text = '\n\n  [{"recordId":"a","kind":"email"}]';
    const es = await flat(entryBatches(await decompressIfGzip(chunked(gzipSync(text))), 'json', MAX));
    expect(summary(es)).toEqual([[3, 'a']]);
  });
});

describe('JSONL reader', () => {
  it('drops a byte-order mark on the first line instead of quarantining it', async () => {
    const es = await all(
      jsonlEntries(chunked('\ufeff{"recordId":"a","kind":"email"}\n{"recordId":"b","kind":"email"}\n'), MAX),
    );
    expect(summary(es)).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
  });

  it('keeps the recordId of a quarantined line', async () => {
    const [e] = await all(jsonlEntries(chunked('{"recordId":"a","kind":"fax"}\n'), MAX));
    expect(e!.result.ok).toBe(false);
    expect(e!.recordId).toBe('a');
  });
});

describe('CSV reader', () => {
  it('matches header names whatever their case or spacing', () => {
    expect(['RecordId', ' email ', 'KIND', 'file_name', 'Tenant ID', 'x-extra'].map(csvColumnName)).toEqual([
      'recordId',
      'email',
      'kind',
      'fileName',
      'tenantId',
      'x-extra',
    ]);
  });

  it('reads a spreadsheet export: byte-order mark, `;`, CRLF, quoted line breaks, header in another case', async () => {
    const text =
      '\ufeffRecordId; Kind ;Email;Body\r\nr1;contact;a@contoso.com;"one\r\ntwo; three"\r\n\r\nr2;contact;b@contoso.com;plain\r\nr3;fax;c@contoso.com;x\r\n';
    const es = await all(csvEntries(chunked(text, 4)));
    expect(summary(es)).toEqual([
      [2, 'r1'],
      [5, 'r2'],
      [6, '!wrong type: kind mus'],
    ]);
    expect(es[0]!.result.ok && es[0]!.result.record).toEqual({
      recordId: 'r1',
      kind: 'contact',
      people: [{ email: 'a@contoso.com' }],
      body: 'one\r\ntwo; three',
    });
    expect(es[2]!.recordId).toBe('r3');
  });

  it('a comma file keeps its quoted line breaks at the right line numbers', async () => {
    const text = 'recordId,kind,body\nr1,email,"a\nb\nc"\nr2,email,x\n';
    expect(summary(await all(csvEntries(chunked(text, 3))))).toEqual([
      [2, 'r1'],
      [5, 'r2'],
    ]);
  });
});
