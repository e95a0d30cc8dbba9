import { createGunzip } from 'node:zlib';
import { PassThrough, Readable } from 'node:stream';
import { csvRows } from '../common/csv-rows.js';
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
 * CSV rows as exposure records (csvRows reads them: header, byte-order mark, `,` or `;`, quoted
 * line breaks); a row that does not parse is quarantined, the rest go on.
 */
export async function* csvEntries(input: Readable): AsyncGenerator<InputEntry> {
  for await (const row of csvRows(input)) {
    yield row.error !== undefined
      ? { line: row.line, raw: row.raw, result: { ok: false, reason: row.error } }
      : { line: row.line, raw: row.raw, result: validateRecord(csvRowToRecord(row.record)) };
  }
}
