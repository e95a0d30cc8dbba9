import { isUtf8 } from 'node:buffer';

/**
 * Why a request target (path and query string, as sent) cannot be read, or null when it can:
 * percent-encoding that is broken or decodes to something that is not UTF-8 (an overlong form
 * included), and NUL, which no id, name or filter value holds and PostgreSQL text cannot store.
 */
export function malformedTarget(target: string): string | null {
  if (target.includes('\u0000')) return 'the URL holds a NUL byte';
  const q = target.indexOf('?');
  const parts = [q === -1 ? target : target.slice(0, q), ...(q === -1 ? [] : target.slice(q + 1).split(/[&=]/))];
  for (const part of parts) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(part.replace(/\+/g, ' '));
    } catch {
      return 'the URL is not valid percent-encoded UTF-8';
    }
    if (decoded.includes('\u0000')) return 'the URL holds a NUL byte (%00)';
  }
  return null;
}

/** A request body that is not UTF-8 (JSON must be): the reason, or null when it is. */
export function malformedBody(body: Buffer): string | null {
  return isUtf8(body) ? null : 'the request body is not valid UTF-8';
}

/** An error a database driver raises for text it cannot store or read (NUL, bytes that are not UTF-8): the client's input. */
export function isUnstorableTextError(err: unknown): boolean {
  const codes = new Set(['22021', '22P05']);
  const seen = new Set<unknown>();
  for (
    let e = err as { code?: unknown; meta?: { code?: unknown }; cause?: unknown; message?: unknown } | undefined;
    e && !seen.has(e);
    e = e.cause as typeof e
  ) {
    seen.add(e);
    if (codes.has(String(e.code)) || codes.has(String(e.meta?.code))) return true;
    if (
      typeof e.message === 'string' &&
      /invalid byte sequence for encoding|unsupported Unicode escape sequence|untranslatable character/i.test(e.message)
    )
      return true;
  }
  return false;
}
