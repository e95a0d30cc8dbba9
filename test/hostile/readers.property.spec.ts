/**
 * Hostile input: the JSONL and CSV readers never throw on arbitrary input, and every
 * input line ends either accepted or quarantined — counted against an independent reading of
 * the same bytes, whatever the chunking of the stream.
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import {
  csvEntries,
  jsonArrayEntryBatches,
  jsonlEntries,
  lines,
  type InputEntry,
} from '../../libs/exposure/readers.js';
import { RECORD_KINDS } from '../../libs/exposure/exposure.types.js';

async function collect<T>(g: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of g) out.push(x);
  return out;
}

/** The bytes as a stream cut at the given points (as a socket or a file read would cut them). */
function streamOf(bytes: Buffer, cuts: number[]): Readable {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let at = 0;
  for (const p of [...points, bytes.length]) {
    if (p > at) chunks.push(Buffer.from(bytes.subarray(at, p)));
    at = p;
  }
  return Readable.from(chunks, { objectMode: false });
}

/** An independent reading: physical lines split at LF, the bytes of each (CR kept), none after a final LF. */
function physicalLines(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, start)) {
    out.push(bytes.subarray(start, i));
    start = i + 1;
  }
  if (start < bytes.length) out.push(bytes.subarray(start));
  return out;
}

const textOf = (b: Buffer) => {
  const t = b.toString('utf8');
  return t.endsWith('\r') ? t.slice(0, -1) : t;
};

function expectWellFormed(e: InputEntry): void {
  expect(Number.isInteger(e.line) && e.line >= 1).toBe(true);
  if (e.result.ok) expect(typeof e.result.record.recordId).toBe('string');
  else expect(e.result.reason).toMatch(/\S/);
}

// ── what hostile lines look like ──

const kind = fc.constantFrom(...RECORD_KINDS, 'Email', 'mail', '', 'constructor');
const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    '{{constructor}}',
    '<script>alert(1)</script>',
    'javascript:alert(1)',
    '\u0000',
    '\ufeff',
    '\u202e',
    '\ud800',
    '%00',
    '../../etc/passwd',
  ),
);
const record = fc.record(
  {
    recordId: fc.oneof(nasty, fc.integer(), fc.constant(null)),
    kind,
    subject: nasty,
    body: fc.oneof(nasty, fc.array(nasty)),
    from: nasty,
    to: fc.oneof(fc.array(nasty, { maxLength: 4 }), nasty),
    people: fc.oneof(
      fc.array(fc.record({ name: nasty, email: nasty, phone: nasty }, { requiredKeys: [] }), { maxLength: 3 }),
      nasty,
    ),
    companies: fc.array(nasty, { maxLength: 3 }),
    tenantIds: fc.array(nasty, { maxLength: 3 }),
    attachments: fc.array(fc.record({ fileName: nasty, sha256: nasty }, { requiredKeys: [] }), { maxLength: 2 }),
    __proto__: fc.jsonValue({ maxDepth: 2 }),
    extra: fc.jsonValue({ maxDepth: 3 }),
  },
  { requiredKeys: [] },
);
const jsonLine = fc.oneof(
  { weight: 5, arbitrary: record.map((r) => JSON.stringify(r)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`) },
  { weight: 2, arbitrary: fc.string({ maxLength: 120 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 120 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '\t',
      '\r',
      '\ufeff',
      '{',
      '}',
      'null',
      '[]',
      '"x"',
      '1e999',
      '{"recordId":"a","kind":"email","body":"\\ud800"}',
    ),
  },
);
/** raw bytes of a line: sometimes invalid UTF-8, sometimes with a CR before the LF */
const lineBytes = fc.oneof(
  { weight: 6, arbitrary: jsonLine.map((s) => Buffer.from(s, 'utf8')) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a.filter((b) => b !== 0x0a))) },
);
const file = fc
  .tuple(fc.array(fc.tuple(lineBytes, fc.constantFrom('\n', '\r\n', '\n', '\r\r\n')), { maxLength: 25 }), fc.boolean())
  .map(([ls, finalNewline]) => {
    const parts = ls.flatMap(([b, end], i) => (i < ls.length - 1 || finalNewline ? [b, Buffer.from(end)] : [b]));
    return Buffer.concat(parts);
  });
const cuts = fc.array(fc.nat(), { maxLength: 12 });

describe('JSONL reader on hostile input', () => {
  const MAX = 512;

  it('never throws, and every non-blank line is accepted or quarantined, exactly once, at its physical number', async () => {
    await fc.assert(
      fc.asyncProperty(file, cuts, async (bytes, at) => {
        const entries = await collect(jsonlEntries(streamOf(bytes, at), MAX));
        const expected = physicalLines(bytes)
          .map((b, i) => ({ line: i + 1, b }))
          .filter(({ b }) => b.length > MAX || textOf(b).trim() !== '');
        expect(entries.map((e) => e.line)).toEqual(expected.map((x) => x.line));
        entries.forEach((e, i) => {
          expectWellFormed(e);
          const b = expected[i]!.b;
          if (b.length > MAX) expect(e.result).toEqual({ ok: false, reason: expect.stringMatching(/^size limit/) });
          else expect(e.raw).toBe(textOf(b));
        });
        const accepted = entries.filter((e) => e.result.ok).length;
        const quarantined = entries.filter((e) => !e.result.ok).length;
        expect(accepted + quarantined).toBe(expected.length);
      }),
      { numRuns: 400 },
    );
  });

  it('splits lines the same whatever the chunking, and keeps only the start of an over-long line', async () => {
    await fc.assert(
      fc.asyncProperty(file, cuts, cuts, async (bytes, a, b) => {
        const MAX_LINE = 64;
        const one = await collect(lines(streamOf(bytes, a), MAX_LINE));
        const two = await collect(lines(streamOf(bytes, b), MAX_LINE));
        const physical = physicalLines(bytes);
        expect(one.map((l) => l.line)).toEqual(physical.map((_, i) => i + 1));
        expect(two.map((l) => [l.line, l.overLimit])).toEqual(one.map((l) => [l.line, l.overLimit]));
        for (const [i, l] of [...one, ...two].entries()) {
          const whole = physical[i % physical.length]!;
          expect(l.overLimit).toBe(whole.length > MAX_LINE);
          if (!l.overLimit) expect(l.text).toBe(textOf(whole));
          // of an over-long line only a start is kept (how much depends on where the chunks end)
          else
            expect(
              whole
                .subarray(0, Buffer.byteLength(l.text))
                .toString('utf8')
                .startsWith(l.text.replace(/\uFFFD+$/, '')),
            ).toBe(true);
          expect(Buffer.byteLength(l.text)).toBeLessThanOrEqual(Math.max(MAX_LINE, 4096) + 3);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('quarantines a line of several megabytes without holding it', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 0x61);
    const bytes = Buffer.concat([
      Buffer.from('{"recordId":"a","kind":"email"}\n'),
      big,
      Buffer.from('\n{"recordId":"b","kind":"email"}\n'),
    ]);
    const entries = await collect(jsonlEntries(streamOf(bytes, [100, 70_000, 3_000_000]), 1024 * 1024));
    expect(entries.map((e) => [e.line, e.result.ok])).toEqual([
      [1, true],
      [2, false],
      [3, true],
    ]);
    // memory stays bounded by the line limit: what is kept of the line is at most that much
    expect(entries[1]!.raw.length).toBeLessThanOrEqual(1024 * 1024);
  });
});

// ── CSV ──

const HEADER = [
  'recordId',
  'kind',
  'name',
  'email',
  'phone',
  'company',
  'tenantId',
  'projectId',
  'fileName',
  'subject',
  'body',
  'x-extra',
];
const cell = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9 @.+_-]{0,12}$/),
  fc.constantFrom(...RECORD_KINDS),
  fc.string({ maxLength: 20 }).map((v) => v.replace(/\r/g, '')),
  fc.constantFrom(
    'a,b',
    'say "hi"',
    'two\nlines',
    '=HYPERLINK("javascript:alert(1)")',
    '{{constructor}}',
    '<script>x</script>',
    '',
  ),
);
/** a field as a correct CSV writer writes it */
const quote = (v: string, delimiter = ',') =>
  /["\r\n]/.test(v) || v.includes(delimiter) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;

describe('CSV reader on hostile input', () => {
  it('never throws on arbitrary text, and its entries are well formed and in range', async () => {
    const text = fc.oneof(
      fc.string({ maxLength: 400 }),
      fc
        .array(
          fc
            .array(
              fc.oneof(
                fc.string({ maxLength: 12 }),
                fc.constantFrom('"', '""', '","', '\r', ',', 'recordId', 'kind', 'email'),
              ),
              { maxLength: 8 },
            )
            .map((cs) => cs.join(',')),
          { maxLength: 15 },
        )
        .map((ls) => ls.join('\n')),
    );
    await fc.assert(
      fc.asyncProperty(text, cuts, async (t, at) => {
        const bytes = Buffer.from(`recordId,kind,email\n${t}`);
        const entries = await collect(csvEntries(streamOf(bytes, at)));
        const physical = physicalLines(bytes).length;
        for (const e of entries) {
          expectWellFormed(e);
          // a row may report the line after its last (csv-parse counts the line it stopped at),
          // and every CR counts as a line end too (the known bug below)
          expect(e.line).toBeGreaterThanOrEqual(2);
          expect(e.line).toBeLessThanOrEqual(physical + 1 + (t.match(/\r/g)?.length ?? 0));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('files written by a correct CSV writer: one entry per row, accepted or quarantined, at the line where the row starts', async () => {
    const row = fc.array(cell, { minLength: HEADER.length, maxLength: HEADER.length });
    const shortOrLong = fc.array(cell, { minLength: 1, maxLength: HEADER.length + 3 });
    const rows = fc.array(fc.oneof({ weight: 5, arbitrary: row }, { weight: 1, arbitrary: shortOrLong }), {
      maxLength: 20,
    });
    await fc.assert(
      // spreadsheets in European locales: `;`, a byte-order mark, the header in another case, blank lines
      fc.asyncProperty(
        rows,
        fc.constantFrom('\n', '\r\n'),
        fc.constantFrom(',', ';'),
        fc.boolean(),
        fc.array(fc.boolean(), { maxLength: 20 }),
        cuts,
        async (rs, eol, d, bom, blanks, at) => {
          // a row of one empty field is an empty line, which CSV readers skip
          const kept = rs.filter((r) => !(r.length === 1 && quote(r[0]!, d) === ''));
          const header = HEADER.map((h, i) => (i % 2 ? h.toUpperCase() : ` ${h} `)).join(d);
          const written = kept.map((r, i) => `${blanks[i] ? eol : ''}${r.map((v) => quote(v, d)).join(d)}`);
          const body = (bom ? '\ufeff' : '') + [header, ...written].join(eol) + eol;
          const entries = await collect(csvEntries(streamOf(Buffer.from(body), at)));
          // where each row starts: the rows before it count with the newlines inside their quotes
          let line = 1;
          const starts = kept.map((r, i) => {
            if (blanks[i]) line++;
            const start = line + 1;
            line += r
              .map((v) => quote(v, d))
              .join(d)
              .split('\n').length;
            return start;
          });
          expect(entries.map((e) => e.line)).toEqual(starts);
          entries.forEach((e, i) => {
            expectWellFormed(e);
            if (kept[i]!.length !== HEADER.length)
              expect(e.result).toEqual({ ok: false, reason: expect.stringMatching(/different number of columns/) });
          });
          expect(entries.filter((e) => e.result.ok).length + entries.filter((e) => !e.result.ok).length).toBe(
            kept.length,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a broken quote quarantines the rows it swallows, and the rows before it still stand', async () => {
    const body = 'recordId,kind,email\n1,email,a@b.example\n2,"email,x\n3,email,c@d.example\n';
    const entries = await collect(csvEntries(streamOf(Buffer.from(body), [])));
    expect(entries.filter((e) => e.result.ok).map((e) => e.line)).toEqual([2]);
    const bad = entries.filter((e) => !e.result.ok);
    expect(bad).toHaveLength(1);
    expect((bad[0]!.result as { reason: string }).reason).toMatch(/not valid CSV/);
  });

  // Found by the properties above: csv-parse counts a bare CR inside a quoted field as a line end,
  // and reports one broken line twice; the reader counts lines itself and reports each line once.
  it('a CR inside a quoted field does not shift later line numbers', async () => {
    const body = 'recordId,kind\n1,"a\rb"\n2,email\n';
    const entries = await collect(csvEntries(streamOf(Buffer.from(body), [])));
    expect(entries.map((e) => e.line)).toEqual([2, 3]);
  });

  it('one broken line gives one quarantine entry', async () => {
    const entries = await collect(csvEntries(streamOf(Buffer.from('recordId,kind,email\n"\n" '), [])));
    expect(new Set(entries.map((e) => e.line)).size).toBe(entries.length);
  });
});

// ── JSON arrays ──

/** An array written with the given spacing between its tokens, as a JSON writer (or a person) might. */
const arrayText = (elements: string[], between: string[]) =>
  `${between[0] ?? ''}[${elements.map((e, i) => `${between[(i * 2 + 1) % Math.max(1, between.length)] ?? ''}${e}${between[(i * 2 + 2) % Math.max(1, between.length)] ?? ''}`).join(',')}]\n`;
const spacing = fc.array(fc.constantFrom('', ' ', '\n', '\r\n', '\n  ', '\t'), { maxLength: 6 });

describe('JSON array reader on hostile input', () => {
  const MAX = 4096;

  it('every element is accepted or quarantined, exactly once, at the line where it starts, whatever the chunking', async () => {
    const element = fc.oneof(
      { weight: 5, arbitrary: record.map((r) => JSON.stringify(r, null, 2)) },
      { weight: 3, arbitrary: record.map((r) => JSON.stringify(r)) },
      { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(element, { maxLength: 15 }), spacing, cuts, cuts, async (elements, between, a, b) => {
        const text = arrayText(elements, between);
        const bytes = Buffer.from(text);
        const one = (await collect(jsonArrayEntryBatches(streamOf(bytes, a), MAX))).flat();
        const two = (await collect(jsonArrayEntryBatches(streamOf(bytes, b), MAX))).flat();
        expect(two.map((e) => [e.line, e.raw, e.result.ok])).toEqual(one.map((e) => [e.line, e.raw, e.result.ok]));
        expect(one).toHaveLength(elements.length);
        // independently: where each element starts in the text
        let from = 0;
        one.forEach((e, i) => {
          expectWellFormed(e);
          const at = text.indexOf(elements[i]!, from);
          from = at + elements[i]!.length;
          expect(e.line).toBe(text.slice(0, at).split('\n').length);
          if (Buffer.byteLength(elements[i]!) <= MAX) expect(e.raw).toBe(elements[i]);
          else expect(e.result).toEqual({ ok: false, reason: expect.stringMatching(/^size limit/) });
        });
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary text after a "[", and its entries are well formed and in range', async () => {
    const junk = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc
        .array(
          fc.constantFrom(
            '{',
            '}',
            '[',
            ']',
            ',',
            '"',
            '\\',
            '\n',
            ' ',
            '"recordId"',
            ':',
            '"email"',
            '"kind"',
            '1',
            'null',
          ),
          { maxLength: 80 },
        )
        .map((xs) => xs.join('')),
    );
    await fc.assert(
      fc.asyncProperty(junk, cuts, async (t, at) => {
        const bytes = Buffer.from(`[${t}`);
        const entries = (await collect(jsonArrayEntryBatches(streamOf(bytes, at), MAX))).flat();
        const physical = physicalLines(bytes).length;
        let last = 0;
        for (const e of entries) {
          expectWellFormed(e);
          expect(e.line).toBeLessThanOrEqual(Math.max(1, physical) + 1);
          expect(e.line).toBeGreaterThanOrEqual(last);
          last = e.line;
        }
      }),
      { numRuns: 400 },
    );
  });
});
