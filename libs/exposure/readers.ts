import { createGunzip } from 'node:zlib';
import { PassThrough, Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import { parseRecordLine, validateRecord, type LineResult } from './rules/record-line.js';

/** One input line (or CSV row) with its physical, 1-based line number and what it parsed to. */
export interface InputEntry {
  line: number;
  raw: string;
  result: LineResult;
}

export type InputFormat = 'jsonl' | 'csv';

export function formatOf(name?: string, contentType?: string): InputFormat {
  if (contentType && /csv/i.test(contentType)) return 'csv';
  return name && /\.csv(\.gz)?$/i.test(name) ? 'csv' : 'jsonl';
}

/** Passes the stream through gunzip when it starts with the gzip magic bytes. */
export async function decompressIfGzip(input: Readable): Promise<Readable> {
  const it = input[Symbol.asyncIterator]();
  const first = await it.next();
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const head: Buffer | undefined = first.done ? undefined : Buffer.from(first.value as Buffer);
  const rest = Readable.from(
    (async function* () {
      if (head) yield head;
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value as Buffer;
    })(),
    { objectMode: false },
  );
  const gz = head && head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const source = gz ? rest.pipe(createGunzip()) : rest;
  source.on('error', (e) => out.destroy(e));
  return source.pipe(out);
}

export interface Line {
  /** physical, 1-based */
  line: number;
  text: string;
  overLimit: boolean;
}

/**
 * Splits a byte stream into lines (LF or CRLF ends) without holding more than one line, one
 * array per chunk read (one await per chunk, not per line). A line longer than maxBytes is
 * reported as over the limit with only its start kept.
 */
export async function* lineBatches(input: Readable, maxBytes: number): AsyncGenerator<Line[]> {
  let lineNo = 0;
  // views into the chunks read: a chunk is not written again once a stream has handed it out
  let parts: Buffer[] = [];
  let size = 0;
  let overLimit = false;
  const append = (buf: Buffer) => {
    if (buf.length === 0) return;
    if (overLimit || size + buf.length > maxBytes) {
      if (!overLimit) parts.push(Buffer.from(buf.subarray(0, Math.max(0, 4096 - size))));
      overLimit = true;
      return;
    }
    parts.push(buf);
    size += buf.length;
  };
  const flush = (): Line => {
    lineNo++;
    let text = parts.length === 1 ? parts[0]!.toString('utf8') : parts.length === 0 ? '' : Buffer.concat(parts).toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    const r = { line: lineNo, text, overLimit };
    parts = [];
    size = 0;
    overLimit = false;
    return r;
  };
  for await (const chunk of input as AsyncIterable<Buffer>) {
    const out: Line[] = [];
    let start = 0;
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, start)) {
      append(chunk.subarray(start, i));
      out.push(flush());
      start = i + 1;
    }
    append(chunk.subarray(start));
    // the rest of the line may stay in view until the next chunk: copy it, so that a long line
    // does not hold whole chunks
    if (parts.length) parts[parts.length - 1] = Buffer.from(parts[parts.length - 1]!);
    if (out.length) yield out;
  }
  if (size > 0 || overLimit) yield [flush()];
}

/** Splits a byte stream into lines, one at a time (see lineBatches). */
export async function* lines(input: Readable, maxBytes: number): AsyncGenerator<Line> {
  for await (const batch of lineBatches(input, maxBytes)) yield* batch;
}

/** JSONL records, one array per chunk read: blank lines are skipped (and not counted); line numbers stay physical. */
export async function* jsonlEntryBatches(input: Readable, maxLineBytes: number): AsyncGenerator<InputEntry[]> {
  for await (const batch of lineBatches(input, maxLineBytes)) {
    const out: InputEntry[] = [];
    for (const { line, text, overLimit } of batch) {
      if (overLimit) {
        out.push({ line, raw: text, result: { ok: false, reason: `size limit: line longer than ${maxLineBytes} bytes` } });
        continue;
      }
      if (text.trim() === '') continue;
      out.push({ line, raw: text, result: parseRecordLine(text, maxLineBytes) });
    }
    if (out.length) yield out;
  }
}

/** JSONL records, one at a time (see jsonlEntryBatches). */
export async function* jsonlEntries(input: Readable, maxLineBytes: number): AsyncGenerator<InputEntry> {
  for await (const batch of jsonlEntryBatches(input, maxLineBytes)) yield* batch;
}

const CSV_COLUMNS = ['recordId', 'kind', 'name', 'email', 'phone', 'company', 'tenantId', 'projectId', 'fileName', 'subject', 'body'];

/** A flat contact export row as an exposure record (CONTRACTS.md §2); unknown columns are kept. */
export function csvRowToRecord(row: Record<string, string>): Record<string, unknown> {
  const rec: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (!CSV_COLUMNS.includes(k) && v !== '') rec[k] = v;
  if (row.recordId) rec.recordId = row.recordId;
  if (row.kind) rec.kind = row.kind;
  if (row.name || row.email || row.phone) {
    rec.people = [{ ...(row.name ? { name: row.name } : {}), ...(row.email ? { email: row.email } : {}), ...(row.phone ? { phone: row.phone } : {}) }];
  }
  if (row.company) rec.companies = [row.company];
  if (row.tenantId) rec.tenantIds = [row.tenantId];
  if (row.projectId) rec.projectIds = [row.projectId];
  for (const k of ['fileName', 'subject', 'body'] as const) if (row[k]) rec[k] = row[k];
  return rec;
}

/**
 * Line ends in a row's raw text as csv-parse gives it: CRLF or LF inside, and the row's own end,
 * which it passes as a lone trailing CR for CRLF files. A bare CR inside a field is no line end.
 */
function lineEnds(raw: string): number {
  return (raw.match(/\r\n|\n/g)?.length ?? 0) + (raw.endsWith('\r') ? 1 : 0);
}

/**
 * CSV rows: the header names the columns; a row that does not parse is quarantined, the rest go on.
 * Line numbers are counted here from each row's raw text, because csv-parse counts a bare CR
 * inside a quoted field as a line too. A row's number is the line it starts on.
 */
export async function* csvEntries(input: Readable): AsyncGenerator<InputEntry> {
  /** rows csv-parse could not read, by the line it reports; the event may arrive before earlier rows are read here */
  const skipped: InputEntry[] = [];
  /** physical lines consumed so far: the header is line 1 */
  let consumed = 1;
  const parser = input.pipe(
    parseCsv({
      columns: (header: string[]) => header.map((h) => h.trim()),
      bom: true,
      info: true,
      raw: true,
      record_delimiter: ['\r\n', '\n'],
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
    }),
  );
  parser.on('skip', (err: Error & { lines?: number }) => {
    const line = err.lines ?? 0;
    // csv-parse may report one broken line twice (a bad quote, then the unclosed field)
    if (skipped.length && skipped[skipped.length - 1]!.line === line) return;
    skipped.push({ line, raw: '', result: { ok: false, reason: `not valid CSV (${err.message.slice(0, 160)})` } });
  });
  // a skipped row's lines are in no row's raw text: catch the count up when it is passed
  const passSkipped = function* (upTo: number) {
    while (skipped.length && skipped[0]!.line <= upTo) {
      const e = skipped.shift()!;
      consumed = Math.max(consumed, e.line);
      yield e;
    }
  };
  for await (const entry of parser as AsyncIterable<{ record: Record<string, string>; raw: string; info: { invalid_field_length: number } }>) {
    const blank = /^(\r?\n)*/.exec(entry.raw)![0];
    const blankLines = lineEnds(blank);
    yield* passSkipped(consumed + 1 + blankLines);
    const line = consumed + 1 + blankLines;
    consumed += lineEnds(entry.raw);
    const raw = entry.raw.slice(blank.length).replace(/\r?\n?$/, '');
    if (entry.info.invalid_field_length > 0) {
      yield { line, raw, result: { ok: false, reason: 'not valid CSV (row has a different number of columns than the header)' } };
      continue;
    }
    yield { line, raw, result: validateRecord(csvRowToRecord(entry.record)) };
  }
  yield* passSkipped(Number.MAX_SAFE_INTEGER);
}
