import { normalizeEmail } from '../common/email.js';

/** The longest address a recipient may have (RFC 5321's path limit). */
export const MAX_RECIPIENT_ADDRESS = 254;

/**
 * A dot-atom local part without the characters that mean something in HTML or a mail header
 * (`& ' \``): a shared mailbox or a list never needs them, and an address that reaches templates,
 * the page and the mail provider is safer without them.
 */
const LOCAL = /^[a-z0-9!#$%*+/=?^_{|}~-]+(\.[a-z0-9!#$%*+/=?^_{|}~-]+)*$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

/**
 * A recipient address as the tenant typed it, normalized like a directory contact's address
 * (libs/common/email.ts: NFKC, case-folded, IDN as punycode), or the reason it is refused. Only a
 * bare address is taken: no display name, angle brackets, quotes, `mailto:`, whitespace or
 * control characters (a CR/LF would be a header injection), nothing that is markup.
 */
export function parseRecipientAddress(raw: unknown): { address: string } | { reason: string } {
  if (typeof raw !== 'string') return { reason: 'address must be a string' };
  // surrounding spaces are a typing slip; inside the address any whitespace is refused below
  const s = raw.replace(/^[ \t]+|[ \t]+$/g, '');
  if (s.length === 0 || s.length > MAX_RECIPIENT_ADDRESS)
    return { reason: `address must be 1 to ${MAX_RECIPIENT_ADDRESS} characters` };
  if (/[\s<>"'`&\\,;:()[\]]/u.test(s) || /^mailto:/i.test(s))
    return { reason: 'give one bare address (name@example.com), without a name, brackets, quotes or spaces' };
  const n = normalizeEmail(s);
  if (!n || !LOCAL.test(n.local) || !DOMAIN.test(n.domain)) return { reason: 'not a valid email address' };
  return { address: n.address };
}
