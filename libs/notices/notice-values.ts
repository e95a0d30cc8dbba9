/**
 * Pure value checks for what goes into a notice or an email: text cleaning, links that can only
 * be web or mail links, and strict ISO dates. No Handlebars, no I/O.
 */

/**
 * C0/C1 controls, line and paragraph separators, and the bidirectional overrides/isolates that
 * can make a name display as something else ("Trojan source" style spoofing).
 */
const INVISIBLE_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** A single-line value: controls become spaces, runs of white space collapse, ends trimmed. */
export function cleanText(value: unknown): string {
  if (typeof value !== 'string') return '';
  return value.replace(INVISIBLE_CONTROLS, ' ').replace(/\s+/g, ' ').trim();
}

/** `cleanText`, or null when nothing is left. */
export function optionalText(value: unknown): string | null {
  const s = cleanText(value);
  return s === '' ? null : s;
}

/**
 * A value for a plain-text output (email text part, subject, title, details). Nothing escapes
 * plain text, so angle brackets become the look-alike single guillemets: a hostile value can
 * never form a tag even when a client renders the text as HTML, and stays readable.
 */
export function plainText(value: unknown): string {
  return cleanText(value).replace(/</g, '\u2039').replace(/>/g, '\u203a');
}

/** A link as templates see it: `href` is set only when the value is safe to link to. */
export interface SafeLink {
  href: string | null;
  text: string;
}

/**
 * Only absolute `https:`/`http:` URLs with a host and without user info become links
 * (`https://support.example.com@evil.example` is a classic disguise). Anything else, such as
 * `javascript:`, `data:` or a relative path, is returned as inert text with no href.
 */
export function webLink(value: unknown): SafeLink | null {
  const text = optionalText(value);
  if (text === null) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { href: null, text };
  }
  const web = url.protocol === 'https:' || url.protocol === 'http:';
  if (!web || url.hostname === '' || url.username !== '' || url.password !== '') return { href: null, text };
  // The serialized form is percent-encoded: no quotes, angle brackets or white space survive.
  return { href: url.href, text: url.href };
}

/**
 * A plain addr-spec becomes a `mailto:` link; characters that would add headers or parameters
 * to the mailto URL (`?`, `&`, `%`, `#`) or break out of markup leave it as inert text.
 */
const MAIL_ADDRESS = /^[^\s@<>"'`()[\]\\,;:?&%#/]+@[^\s@<>"'`()[\]\\,;:?&%#/]+\.[^\s@<>"'`()[\]\\,;:?&%#/.]+$/;

export function mailLink(value: unknown): SafeLink | null {
  const text = optionalText(value);
  if (text === null) return null;
  return MAIL_ADDRESS.test(text) ? { href: `mailto:${text}`, text } : { href: null, text };
}

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * A strict ISO 8601 date (`2022-09-24`) or date-time (`2022-09-24T10:00:00Z`), normalized to
 * `toISOString()`; null for anything else, including `Date.parse`'s lenient guesses ("1") and
 * impossible calendar days (`2022-02-30`). A date-time without an offset is taken as UTC.
 */
export function isoDateTime(value: unknown): string | null {
  const s = cleanText(value);
  const m = ISO_DATE_TIME.exec(s);
  if (!m) return null;
  const [, y, mo, d, h, mi, sec, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCFullYear() !== year || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day)
    return null;
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || Number(sec ?? 0) > 59)) return null;
  const date = new Date(h === undefined ? `${y}-${mo}-${d}T00:00:00Z` : zone === undefined ? `${s}Z` : s);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** A BCP-47 tag in canonical case, or null when `Intl` does not accept it. */
export function canonicalLocale(value: unknown): string | null {
  const s = cleanText(value);
  if (s === '') return null;
  try {
    return Intl.getCanonicalLocales(s)[0] ?? null;
  } catch {
    return null;
  }
}
