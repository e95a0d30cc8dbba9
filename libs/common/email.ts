import { toAsciiDomain } from './domain.js';
import { memoByString } from './memo.js';

export interface NormalizedEmail {
  /** `local@domain`, the comparison key */
  address: string;
  local: string;
  /** ASCII (punycode) domain */
  domain: string;
}

const MAX_ADDRESS = 320;
const MAX_INPUT = 2048;
const FORBIDDEN = /[\s\p{Cc}\p{Cf}\p{Z}]/u;

/**
 * The comparison form of an email address: display name and angle brackets removed
 * (`"Lena" <Lena@X.com>` → `lena@x.com`), a `mailto:` prefix dropped, NFKC, the whole address
 * case-folded, the domain as ASCII (IDN → punycode). Dots and `+tags` are kept: on a corporate
 * domain they may name different mailboxes. Null for anything that is not one address.
 *
 * A mixed-script or confusable domain still normalizes (it is a distinct address); attribution
 * decides what it may match, with isMixedScriptOrConfusable.
 */
export function normalizeEmail(raw: string): NormalizedEmail | null {
  if (typeof raw !== 'string' || raw.length > MAX_INPUT) return null;
  const hit = cached(raw);
  // a copy: callers may change what they get without changing the memo
  return hit && { ...hit };
}

const cached = memoByString((raw: string): NormalizedEmail | null => {
  let s = raw.trim();
  // `Display Name <addr>` or `<addr>`: the address is what the last angle-bracket pair holds.
  if (s.endsWith('>')) {
    const open = s.lastIndexOf('<');
    if (open < 0) return null;
    // The display name may quote anything; unquoted, another bracket means a list of addresses.
    const displayName = s.slice(0, open).replace(/"(?:[^"\\]|\\.)*"/g, '');
    if (/[<>"]/.test(displayName)) return null;
    s = s.slice(open + 1, -1).trim();
  }
  if (/^mailto:/i.test(s)) s = s.slice(7);
  s = s.normalize('NFKC').toLowerCase();
  if (s.length === 0 || s.length > MAX_ADDRESS || FORBIDDEN.test(s) || /[<>]/.test(s)) return null;
  const at = s.lastIndexOf('@');
  if (at <= 0) return null;
  const local = s.slice(0, at);
  const domain = toAsciiDomain(s.slice(at + 1));
  if (!domain) return null;
  // An unquoted local part has no second '@'; a quoted one may, and it stays as written.
  if (local.includes('@') && !(local.startsWith('"') && local.endsWith('"') && local.length > 1)) return null;
  const address = `${local}@${domain}`;
  if (address.length > MAX_ADDRESS) return null;
  return { address, local, domain };
});
