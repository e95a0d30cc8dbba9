/**
 * Addresses and phone numbers written in a record's free text: its subject and body, and among
 * them the `From:`/`To:`/`Cc:` lines that forwards and replies quote (docs/deduplication.md,
 * "Elements found in text"). One pass over the text, each character looked at a bounded number
 * of times, so a 512 KiB body costs what its length costs.
 */

/** Where a text element was found; a quoted header line of the body is `quotedHeader`, not `body`. */
export type TextPlace = 'subject' | 'body' | 'quotedHeader';

export interface TextMatch {
  /** as written */
  raw: string;
  where: TextPlace;
  /** offset in the text it was found in (subject or body) */
  at: number;
}

export interface TextFindings {
  addresses: TextMatch[];
  phones: TextMatch[];
}

/** At most this many of each kind per text: a body that is a mailing list dump still ends. */
export const MAX_TEXT_MATCHES = 500;
const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;

/** The lines of a quoted message's header that name people (English and German), `>` marks allowed. */
const QUOTED_HEADER = /^[ \t]*(?:>[ \t]*)*(?:from|to|cc|bcc|von|an|kopie)[ \t]*:.*$/gim;
/**
 * Where a phone number may start: `+` and a digit or `(`, or a label that says the digits after
 * it are a phone number. The digits themselves are read by hand after it.
 */
const PHONE_START = /\+(?=[\d(])|\b(?:tel|phone|mobile|mob|cell|fax|telefon|handy)\.?[ \t]*:?[ \t]*(?=\d)/gi;

/** ASCII letters, digits and `._%+-'`, and any non-ASCII letter (an internationalized mailbox). */
function isLocalChar(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2e ||
    c === 0x5f ||
    c === 0x25 ||
    c === 0x2b ||
    c === 0x2d ||
    c === 0x27
  )
    return true;
  return c > 0x7f && /\p{L}|\p{M}/u.test(text[i]!);
}

/** ASCII letters, digits, dot, hyphen, and any non-ASCII letter (an IDN domain as written). */
function isDomainChar(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d)
    return true;
  return c > 0x7f && /\p{L}|\p{M}/u.test(text[i]!);
}

/** The [start, end) offsets of the quoted header lines of a text, in order. */
function quotedHeaderLines(text: string): [number, number][] {
  const spans: [number, number][] = [];
  for (const m of text.matchAll(QUOTED_HEADER)) spans.push([m.index, m.index + m[0].length]);
  return spans;
}

function findAddresses(text: string, place: 'subject' | 'body', headers: [number, number][], out: TextMatch[]): void {
  let h = 0;
  let from = 0;
  // `lastEnd`: a local part never reaches back into the previous match
  let lastEnd = 0;
  while (out.length < MAX_TEXT_MATCHES) {
    const at = text.indexOf('@', from);
    if (at < 0) break;
    from = at + 1;
    let s = at;
    while (s > lastEnd && at - s < MAX_LOCAL && isLocalChar(text, s - 1)) s--;
    while (s < at && (text.charCodeAt(s) === 0x2e || text.charCodeAt(s) === 0x2d || text.charCodeAt(s) === 0x27)) s++;
    let e = at + 1;
    while (e < text.length && e - at <= MAX_DOMAIN && isDomainChar(text, e)) e++;
    // a sentence may end right after the address
    while (e > at + 1 && (text.charCodeAt(e - 1) === 0x2e || text.charCodeAt(e - 1) === 0x2d)) e--;
    const domain = text.slice(at + 1, e);
    if (s === at || !domain.includes('.')) continue;
    while (h < headers.length && headers[h]![1] < s) h++;
    const inHeader = place === 'body' && h < headers.length && headers[h]![0] <= s;
    out.push({ raw: text.slice(s, e), where: inHeader ? 'quotedHeader' : place, at: s });
    lastEnd = e;
    from = e;
  }
}

const isPhoneChar = (c: number) =>
  (c >= 0x30 && c <= 0x39) || c === 0x20 || c === 0x2d || c === 0x2e || c === 0x28 || c === 0x29 || c === 0x2f;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/**
 * Phone-number candidates: digits and separators that start with `+` (an international number),
 * or that follow a label such as `Tel:` or `Mobile`. Bare digit runs are left alone: a text is
 * full of invoice, case and order numbers.
 */
function findPhones(text: string, place: 'subject' | 'body', headers: [number, number][], out: TextMatch[]): void {
  let h = 0;
  PHONE_START.lastIndex = 0;
  for (let m = PHONE_START.exec(text); m && out.length < MAX_TEXT_MATCHES; m = PHONE_START.exec(text)) {
    // `+` is part of the number; a label is not
    const start = m[0] === '+' ? m.index : m.index + m[0].length;
    let e = start + 1;
    while (e < text.length && e - start < 32 && isPhoneChar(text.charCodeAt(e))) e++;
    while (e > start && !isDigit(text.charCodeAt(e - 1))) e--;
    let digits = 0;
    for (let k = start; k < e; k++) if (isDigit(text.charCodeAt(k))) digits++;
    if (digits >= 7 && digits <= 15) {
      while (h < headers.length && headers[h]![1] < start) h++;
      const inHeader = place === 'body' && h < headers.length && headers[h]![0] <= start;
      out.push({ raw: text.slice(start, e), where: inHeader ? 'quotedHeader' : place, at: start });
    }
    PHONE_START.lastIndex = Math.max(e, PHONE_START.lastIndex);
  }
}

/** The addresses and phone-number candidates of a subject and a body, in the order written. */
export function findTextElements(subject: string | undefined, body: string | undefined): TextFindings {
  const addresses: TextMatch[] = [];
  const phones: TextMatch[] = [];
  for (const [text, place] of [
    [subject, 'subject'],
    [body, 'body'],
  ] as const) {
    if (!text) continue;
    const hasAt = text.includes('@');
    const hasDigit = /\d/.test(text);
    if (!hasAt && !hasDigit) continue;
    // a body without `:` quotes no header
    const headers = place === 'body' && text.includes(':') ? quotedHeaderLines(text) : [];
    if (hasAt) findAddresses(text, place, headers, addresses);
    if (hasDigit) findPhones(text, place, headers, phones);
  }
  return { addresses, phones };
}

/** Up to `radius` characters either side of a match, on one line, for an operator to read. */
export function excerptAround(text: string, at: number, length: number, radius = 60): string {
  const s = Math.max(0, at - radius);
  const e = Math.min(text.length, at + length + radius);
  return `${s > 0 ? '…' : ''}${text.slice(s, e).replace(/\s+/g, ' ').trim()}${e < text.length ? '…' : ''}`;
}
