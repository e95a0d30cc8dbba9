import type { Readable } from 'node:stream';
import { csvColumnMatcher, csvRows } from '../common/csv-rows.js';
import { peek } from '../common/peek.js';
import { parseRecordLine, validateRecord, type LineResult } from './rules/record-line.js';

/** One input line (or CSV row) with its physical, 1-based line number and what it parsed to. */
export interface InputEntry {
  line: number;
  raw: string;
  result: LineResult;
  /** of a line that is quarantined: its recordId when one could be read, so a corrected line can replace it */
  recordId?: string;
}

/**
 * `jsonl` and `json` are read alike: by content, a JSON array when the first character that is
 * not blank (or a byte-order mark) is `[`, else JSON lines. `csv` is CSV whatever it starts with.
 */
export type InputFormat = 'jsonl' | 'json' | 'csv';
export const INPUT_FORMATS: readonly InputFormat[] = ['jsonl', 'json', 'csv'];

export function formatOf(name?: string, contentType?: string): InputFormat {
  if (contentType && /csv/i.test(contentType)) return 'csv';
  return name && /\.csv(\.gz)?$/i.test(name) ? 'csv' : 'jsonl';
}

export { peek };

export { decompressIfGzip, type ExpansionLimits } from '../common/gzip-input.js';

const isBlankByte = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/** The first byte that is not blank or part of a UTF-8 byte-order mark; undefined when none is in `head`. */
function firstSignificantByte(head: Buffer): number | undefined {
  const from = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  for (let i = from; i < head.length; i++) if (!isBlankByte(head[i]!)) return head[i];
  return undefined;
}

/** How many bytes of blank lines at the start are looked at to tell a JSON array from JSON lines. */
const SNIFF_LIMIT = 1 << 20;

/**
 * The entries of decompressed input in a given format, one array per chunk read: a JSON array
 * when JSON content starts with `[`, JSON lines otherwise, CSV when told so.
 */
export async function entryBatches(
  input: Readable,
  format: InputFormat,
  maxLineBytes: number,
  /** told what was found: the format read (`json` for an array) and a CSV file's header line */
  seen: { format: InputFormat; header: string | null } = { format, header: null },
): Promise<AsyncGenerator<InputEntry[]>> {
  if (format === 'csv') {
    seen.format = 'csv';
    return oneByOne(csvEntries(input, (h) => (seen.header = h)));
  }
  const { head, stream } = await peek(input, (h) => firstSignificantByte(h) !== undefined || h.length >= SNIFF_LIMIT);
  seen.format = firstSignificantByte(head) === 0x5b ? 'json' : 'jsonl';
  return seen.format === 'json' ? jsonArrayEntryBatches(stream, maxLineBytes) : jsonlEntryBatches(stream, maxLineBytes);
}

/** CSV rows come one at a time; the ingest loop takes arrays. */
async function* oneByOne(entries: AsyncIterable<InputEntry>): AsyncGenerator<InputEntry[]> {
  for await (const e of entries) yield [e];
}

/** The recordId of a line that did not pass, when the line is JSON and has one. */
function recordIdOfJson(text: string): string | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const id = (v as Record<string, unknown>).recordId;
      if (typeof id === 'string' && id.trim() !== '') return id.trim();
    }
  } catch {
    // not JSON: no recordId to read
  }
  return undefined;
}

/** A parsed entry; a quarantined one carries the recordId it names, if any. */
function jsonEntry(line: number, raw: string, maxBytes: number): InputEntry {
  const result = parseRecordLine(raw, maxBytes);
  if (result.ok) return { line, raw, result };
  const recordId = result.reason.startsWith('size limit') ? undefined : recordIdOfJson(raw);
  return recordId === undefined ? { line, raw, result } : { line, raw, result, recordId };
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
    let text =
      parts.length === 1 ? parts[0]!.toString('utf8') : parts.length === 0 ? '' : Buffer.concat(parts).toString('utf8');
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
        out.push({
          line,
          raw: text,
          result: { ok: false, reason: `size limit: line longer than ${maxLineBytes} bytes` },
        });
        continue;
      }
      // a byte-order mark is no part of the first record
      const t = line === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
      if (t.trim() === '') continue;
      out.push(jsonEntry(line, t, maxLineBytes));
    }
    if (out.length) yield out;
  }
}

/** JSONL records, one at a time (see jsonlEntryBatches). */
export async function* jsonlEntries(input: Readable, maxLineBytes: number): AsyncGenerator<InputEntry> {
  for await (const batch of jsonlEntryBatches(input, maxLineBytes)) yield* batch;
}

const CSV_COLUMNS = [
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
];

/** A flat contact export row as an exposure record (docs/contracts.md §2); unknown columns are kept. */
export function csvRowToRecord(row: Record<string, string>): Record<string, unknown> {
  const rec: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (!CSV_COLUMNS.includes(k) && v !== '') rec[k] = v;
  if (row.recordId) rec.recordId = row.recordId;
  if (row.kind) rec.kind = row.kind;
  if (row.name || row.email || row.phone) {
    rec.people = [
      {
        ...(row.name ? { name: row.name } : {}),
        ...(row.email ? { email: row.email } : {}),
        ...(row.phone ? { phone: row.phone } : {}),
      },
    ];
  }
  if (row.company) rec.companies = [row.company];
  if (row.tenantId) rec.tenantIds = [row.tenantId];
  if (row.projectId) rec.projectIds = [row.projectId];
  for (const k of ['fileName', 'subject', 'body'] as const) if (row[k]) rec[k] = row[k];
  return rec;
}

/**
/** A header cell as a column name: known columns matched whatever their case or spacing (` Email `, `RecordId`). */
export const csvColumnName = csvColumnMatcher(CSV_COLUMNS);

/**
 * CSV rows as exposure records (csvRows reads them: header, byte-order mark, `,` or `;`, quoted
 * line breaks, line numbers); a row that does not parse is quarantined, the rest go on.
 */
export async function* csvEntries(
  input: Readable,
  onHeader?: (headerLine: string) => void,
): AsyncGenerator<InputEntry> {
  for await (const row of csvRows(input, { columnName: csvColumnName, onHeader })) {
    if (row.error !== undefined) {
      yield { line: row.line, raw: row.raw, result: { ok: false, reason: row.error } };
      continue;
    }
    const result = validateRecord(csvRowToRecord(row.record));
    const recordId = row.record.recordId?.trim();
    yield result.ok || !recordId
      ? { line: row.line, raw: row.raw, result }
      : { line: row.line, raw: row.raw, result, recordId };
  }
}

/** What of an over-long element is kept for the quarantine. */
const KEEP_OF_LONG = 4096;

/**
 * The elements of a JSON array, streamed: a scanner follows strings and brackets only to find
 * where each element begins and ends, so memory holds one element (at most maxBytes of it), never
 * the array. Each element is then read as one record line would be, at the physical line where
 * it begins. What it does with broken input (docs/deduplication.md, "Lines and records"):
 * - an element that is not valid JSON, or not an object, is quarantined alone, and reading goes
 *   on with the next one (a missing comma between two elements is tolerated);
 * - a string cannot hold a raw line break, so an unclosed quote ends at the end of its line;
 * - a bracket that never closes takes in what follows until the brackets balance again, at
 *   worst the rest of the input: that text is quarantined as one entry, with the lines it spans;
 * - after the closing `]`, the rest is read as JSON lines (a JSONL file whose first line is an
 *   array loses nothing: that line's elements are read one by one, the next lines as records).
 */
export async function* jsonArrayEntryBatches(input: Readable, maxBytes: number): AsyncGenerator<InputEntry[]> {
  const BEFORE = 0;
  const BETWEEN = 1;
  const IN_ELEMENT = 2;
  const AFTER = 3;
  let state = BEFORE;
  let line = 1;
  let atStart = true;
  // the element being read
  let startLine = 0;
  let container = false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let parts: Buffer[] = [];
  let size = 0;
  let overLimit = false;
  // the text after the array, read as lines
  let tailLine = 0;
  let tail: Buffer[] = [];
  let tailSize = 0;

  const keep = (buf: Buffer) => {
    if (buf.length === 0) return;
    if (overLimit || size + buf.length > maxBytes) {
      if (!overLimit) parts.push(Buffer.from(buf.subarray(0, Math.max(0, KEEP_OF_LONG - size))));
      overLimit = true;
      return;
    }
    parts.push(buf);
    size += buf.length;
  };
  const finish = (unterminated: boolean): InputEntry => {
    const raw = (parts.length === 1 ? parts[0]!.toString('utf8') : Buffer.concat(parts).toString('utf8')).trim();
    const span = line > startLine ? `lines ${startLine}-${line}` : `line ${startLine}`;
    let entry: InputEntry;
    if (unterminated) {
      entry = {
        line: startLine,
        raw,
        result: {
          ok: false,
          reason: `not valid JSON (an element that never closes: the input ended inside it, ${span})`,
        },
      };
    } else if (overLimit) {
      entry = {
        line: startLine,
        raw,
        result: { ok: false, reason: `size limit: element longer than ${maxBytes} bytes (${span})` },
      };
    } else {
      entry = jsonEntry(startLine, raw, maxBytes);
      // the lines it took in: after a bracket that does not close, more than one element
      if (!entry.result.ok && line > startLine && entry.result.reason.startsWith('not valid JSON')) {
        entry.result = { ok: false, reason: `${entry.result.reason}, element on ${span}` };
      }
    }
    parts = [];
    size = 0;
    overLimit = false;
    return entry;
  };
  const tailEntry = (): InputEntry | undefined => {
    let text = tail.length === 1 ? tail[0]!.toString('utf8') : Buffer.concat(tail).toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    const over = tailSize > maxBytes;
    const at = tailLine;
    tail = [];
    tailSize = 0;
    if (over)
      return { line: at, raw: text, result: { ok: false, reason: `size limit: line longer than ${maxBytes} bytes` } };
    if (text.trim() === '') return undefined;
    return jsonEntry(at, text, maxBytes);
  };

  for await (const chunk of input as AsyncIterable<Buffer>) {
    const out: InputEntry[] = [];
    let i = 0;
    if (atStart) {
      atStart = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
    }
    let elementFrom = state === IN_ELEMENT ? 0 : -1;
    for (; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (state === AFTER) {
        // line by line, as JSON lines
        const nl = chunk.indexOf(0x0a, i);
        const end = nl === -1 ? chunk.length : nl;
        if (tailSize <= maxBytes) {
          const piece = chunk.subarray(i, end);
          tail.push(nl === -1 ? Buffer.from(piece) : piece);
        }
        tailSize += end - i;
        if (nl === -1) break;
        const e = tailEntry();
        if (e) out.push(e);
        line++;
        tailLine = line;
        i = nl;
        continue;
      }
      if (state === IN_ELEMENT) {
        if (inString) {
          if (escaped) escaped = false;
          else if (b === 0x5c) escaped = true;
          else if (b === 0x22) inString = false;
          // a raw line break cannot be inside a JSON string: the quote was never closed
          else if (b === 0x0a) {
            inString = false;
            line++;
          }
          continue;
        }
        if (b === 0x0a) line++;
        else if (b === 0x22) inString = true;
        else if (b === 0x7b || b === 0x5b) depth++;
        else if ((b === 0x7d || b === 0x5d) && depth > 0) {
          depth--;
          if (depth === 0 && container) {
            keep(chunk.subarray(elementFrom, i + 1));
            out.push(finish(false));
            state = BETWEEN;
          }
        } else if ((b === 0x2c || b === 0x5d) && depth === 0) {
          keep(chunk.subarray(elementFrom, i));
          out.push(finish(false));
          state = b === 0x5d ? AFTER : BETWEEN;
          if (state === AFTER) tailLine = line;
        }
        continue;
      }
      if (b === 0x0a) {
        line++;
        continue;
      }
      if (isBlankByte(b)) continue;
      if (state === BEFORE) {
        // the caller saw `[` first
        if (b === 0x5b) state = BETWEEN;
        continue;
      }
      // between elements: commas (a stray one is passed over), the end, or the next element
      if (b === 0x2c) continue;
      if (b === 0x5d) {
        state = AFTER;
        tailLine = line;
        continue;
      }
      state = IN_ELEMENT;
      startLine = line;
      container = b === 0x7b || b === 0x5b;
      depth = 0;
      inString = false;
      escaped = false;
      elementFrom = i;
      i--; // the element's first byte is read in its own state
    }
    if (state === IN_ELEMENT && elementFrom !== -1 && elementFrom < chunk.length) {
      // a chunk is not written again once a stream has handed it out, but the element may be
      // long: copy its part of the chunk so that whole chunks are not held
      keep(Buffer.from(chunk.subarray(elementFrom)));
    }
    if (out.length) yield out;
  }
  const last: InputEntry[] = [];
  if (state === IN_ELEMENT) last.push(finish(true));
  else if (state === AFTER) {
    const e = tailEntry();
    if (e) last.push(e);
  } else if (state === BETWEEN) {
    last.push({
      line,
      raw: '',
      result: {
        ok: false,
        reason: 'not valid JSON (the array is not closed: the input ended before its "]"; was the file cut short?)',
      },
    });
  }
  if (last.length) yield last;
}
