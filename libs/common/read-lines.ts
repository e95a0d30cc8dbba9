import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { decompressIfGzip, type ExpansionLimits } from './gzip-input.js';

export interface ReadLinesOptions {
  /**
   * A line longer than this many characters is yielded cut to `maxLineLength + 1` characters,
   * so the caller can tell it was too long (and reject it) while memory stays bounded.
   * Default: no limit.
   */
  maxLineLength?: number;
  /** how far gzip input may expand (default: no limit) */
  expansion?: ExpansionLimits;
}

/**
 * The lines of a text stream, gzip or not (detected by the magic bytes 1f 8b, so a `.gz` file
 * needs no flag), UTF-8, with LF or CRLF endings. Every physical line is yielded, empty ones
 * too, so the caller's count is the line number; a final line without a newline is yielded,
 * the empty "line" after a final newline is not. A UTF-8 byte-order mark is dropped.
 */
export async function* readLines(stream: Readable, options: ReadLinesOptions = {}): AsyncGenerator<string> {
  const max = options.maxLineLength ?? Number.POSITIVE_INFINITY;
  const cut = (line: string) => (line.length > max ? line.slice(0, max + 1) : line);
  const bytes = await decompressIfGzip(stream, options.expansion);
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let skipping = false; // the rest of a line that was already yielded cut
  let first = true;

  const feed = function* (text: string): Generator<string> {
    if (first && text.length > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      if (skipping) {
        skipping = false;
      } else {
        const line = pending + text.slice(start, nl);
        pending = '';
        yield cut(line.endsWith('\r') ? line.slice(0, -1) : line);
      }
      start = nl + 1;
    }
    if (skipping) return;
    pending += text.slice(start);
    // More than max + 1 characters without a newline (one may be a '\r'): surely too long.
    if (pending.length > max + 1) {
      yield pending.slice(0, max + 1);
      pending = '';
      skipping = true;
    }
  };

  for await (const chunk of bytes as AsyncIterable<Buffer | string>) {
    yield* feed(decoder.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
  }
  yield* feed(decoder.end());
  if (!skipping && pending.length > 0) yield cut(pending.endsWith('\r') ? pending.slice(0, -1) : pending);
}
