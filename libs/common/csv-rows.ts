import { pipeline, type Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import { peek } from './peek.js';

/** One CSV row with the physical, 1-based line it starts on; `error` when it could not be read. */
export interface CsvRow {
  line: number;
  /** the row's text as written, without its line end ('' for a row csv-parse could not read) */
  raw: string;
  /** column (header name, trimmed) → cell */
  record: Record<string, string>;
  error?: string;
  /** the row has more or fewer cells than the header has columns (`error` says so too); `record` holds the cells it has */
  columnCountDiffers?: boolean;
}

/** How far into the input the header line is looked for. */
const HEADER_PEEK = 64 * 1024;

/**
 * The delimiter of a header line: `;` when it has more semicolons than commas outside quotes
 * (spreadsheets in many European locales save so), else `,`.
 */
export function detectDelimiter(header: string): ',' | ';' {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === ',') commas++;
    else if (!quoted && ch === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}

/**
 * A header cell as a column name: a known column matched whatever its case, spacing, `_` or `-`
 * (`RecordId`, ` email `, `contact_email`); any other header is kept as written, trimmed.
 */
export function csvColumnMatcher(known: readonly string[]): (header: string) => string {
  const fold = (h: string) => h.toLowerCase().replace(/[\s_-]+/g, '');
  const byFolded = new Map(known.map((c) => [fold(c), c]));
  return (header) => {
    const trimmed = header.replace(/^\uFEFF/, '').trim();
    return byFolded.get(fold(trimmed)) ?? trimmed;
  };
}

export interface CsvRowsOptions {
  /** the column name of a header cell (default: the cell, trimmed) */
  columnName?: (header: string) => string;
  /** told the header line as written (without byte-order mark or line end) */
  onHeader?: (headerLine: string) => void;
}

/**
 * Line ends in a row's raw text as csv-parse gives it: CRLF or LF inside, and the row's own end,
 * which it passes as a lone trailing CR for CRLF files. A bare CR inside a field is no line end.
 */
function lineEnds(raw: string): number {
  return (raw.match(/\r\n|\n/g)?.length ?? 0) + (raw.endsWith('\r') ? 1 : 0);
}

/**
 * The rows of a CSV stream (already decompressed): the header names the columns; a UTF-8
 * byte-order mark is dropped; the delimiter (`,` or `;`) is read from the header line; quoted
 * fields may hold line breaks. A row that does not parse comes back with `error`, the rest go on.
 * Line numbers are counted here from each row's raw text, because csv-parse counts a bare CR
 * inside a quoted field as a line too. A row's number is the line it starts on.
 */
export async function* csvRows(input: Readable, options: CsvRowsOptions = {}): AsyncGenerator<CsvRow> {
  const { head, stream } = await peek(input, (h) => h.includes(0x0a) || h.length >= HEADER_PEEK);
  const newline = head.indexOf(0x0a);
  const firstLine = head
    .subarray(0, newline === -1 ? head.length : newline)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .replace(/\r$/, '');
  options.onHeader?.(firstLine);
  const columnName = options.columnName ?? ((h: string) => h.trim());
  /** rows csv-parse could not read, by the line it reports; the event may arrive before earlier rows are read here */
  const skipped: CsvRow[] = [];
  /** physical lines consumed so far: the header is line 1 */
  let consumed = 1;
  // joined by pipeline: an error of the input fails the parser, and a reader that stops releases the input
  const parser = pipeline(
    stream,
    parseCsv({
      columns: (header: string[]) => header.map(columnName),
      delimiter: detectDelimiter(firstLine),
      bom: true,
      info: true,
      raw: true,
      record_delimiter: ['\r\n', '\n'],
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
    }),
    () => undefined,
  );
  parser.on('skip', (err: Error & { lines?: number }) => {
    const line = err.lines ?? 0;
    // csv-parse may report one broken line twice (a bad quote, then the unclosed field)
    if (skipped.length && skipped[skipped.length - 1]!.line === line) return;
    skipped.push({ line, raw: '', record: {}, error: `not valid CSV (${err.message.slice(0, 160)})` });
  });
  // a skipped row's lines are in no row's raw text: catch the count up when it is passed
  const passSkipped = function* (upTo: number) {
    while (skipped.length && skipped[0]!.line <= upTo) {
      const e = skipped.shift()!;
      consumed = Math.max(consumed, e.line);
      yield e;
    }
  };
  for await (const entry of parser as AsyncIterable<{
    record: Record<string, string>;
    raw: string;
    info: { invalid_field_length: number };
  }>) {
    // blank lines before the row: in a CRLF file, csv-parse hands each one over as a lone CR
    const blank = /^(?:\r?\n|\r)*/.exec(entry.raw)![0];
    const blankLines = blank.match(/\r?\n|\r/g)?.length ?? 0;
    yield* passSkipped(consumed + 1 + blankLines);
    const line = consumed + 1 + blankLines;
    consumed += blankLines + lineEnds(entry.raw.slice(blank.length));
    const raw = entry.raw.slice(blank.length).replace(/\r?\n?$/, '');
    if (entry.info.invalid_field_length > 0) {
      yield {
        line,
        raw,
        record: entry.record,
        error: 'not valid CSV (row has a different number of columns than the header)',
        columnCountDiffers: true,
      };
      continue;
    }
    yield { line, raw, record: entry.record };
  }
  yield* passSkipped(Number.MAX_SAFE_INTEGER);
}
