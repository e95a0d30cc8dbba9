/**
 * Bulk loading with COPY ... FROM STDIN (text format), for the repositories that write hundreds
 * of thousands of rows: PostgreSQL parses COPY's rows far more cheaply than a statement's
 * parameters, and the rows need no array-literal escaping on this side.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import pgCopy from 'pg-copy-streams';
import { checkOut } from './transaction.js';

const SPECIAL = /[\\\n\r\t]/;
const ESCAPE: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A text value as a COPY field: backslash, newline, carriage return and tab escaped, nothing else. */
export function copyText(s: string): string {
  return SPECIAL.test(s) ? s.replace(/[\\\n\r\t]/g, (c) => ESCAPE[c]!) : s;
}

/** A text[] value as a COPY field (every element quoted, so none reads as NULL). */
export function copyTextArray(xs: readonly string[]): string {
  if (xs.length === 0) return '{}';
  return copyText(`{${xs.map((x) => `"${/["\\]/.test(x) ? x.replace(/["\\]/g, '\\$&') : x}"`).join(',')}}`);
}

/**
 * Runs one `COPY <table> (<columns>) FROM STDIN` on the client with the given rows (fields
 * already escaped, tab-separated, each row ending in a newline). All rows or none.
 */
export async function copyRows(client: pg.ClientBase, statement: string, rows: readonly string[]): Promise<void> {
  if (!rows.length) return;
  const sink = client.query(pgCopy.from(statement));
  await pipeline(Readable.from([Buffer.from(rows.join(''))]), sink);
}

/**
 * copyRows on a connection of its own from the pool. A connection is given back after the
 * database refused the rows (an error with a SQLSTATE, e.g. a unique violation: it is idle
 * again), and destroyed after anything else (a broken socket).
 */
export async function copyRowsPooled(pool: pg.Pool, statement: string, rows: readonly string[]): Promise<void> {
  if (!rows.length) return;
  let broken: Error | undefined;
  const onError = (e: Error) => {
    broken ??= e;
  };
  const client = await checkOut(pool, onError);
  try {
    await copyRows(client, statement, rows);
  } catch (err) {
    if (typeof (err as { code?: unknown }).code !== 'string') broken ??= err as Error;
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
