/**
 * Log redaction: whatever reaches a log line passes through here first, so personal data that a
 * message or an object happens to carry (an exposed record's address, a contact's phone number,
 * a person's name) never lands in log storage. Pattern-based, so it errs on the side of masking.
 */

export const MASK = { email: '[email]', phone: '[phone]', name: '[name]' } as const;

/** Keys whose string value is a person's (or a customer's) name. Compared lower-case. */
export const NAME_KEYS: ReadonlySet<string> = new Set([
  'name',
  'names',
  'displayname',
  'fullname',
  'firstname',
  'lastname',
  'givenname',
  'familyname',
  'surname',
  'middlename',
  'personname',
  'contactname',
  'tenantname',
  'customername',
  'username',
  'sender',
  'recipient',
  'author',
]);

const EMAIL = /[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

/**
 * International numbers: `+` then 7 to 15 digits with the usual separators (E.164 and the way
 * people write it: `+1 646 555 1618`, `+44 (20) 7946-0958`, `+16465551618`).
 */
const INTERNATIONAL = /(?<![\w+.-])\+\d(?:[ \-.()]{0,2}\d){6,14}(?![\w-])/g;

/**
 * National numbers written in groups: `(646) 555-1618`, `646-555-1618`, `020 7946 0958`,
 * `06 12 34 56 78`. At least 9 digits (an ISO date has 8) in two or more groups separated by a
 * space or a hyphen, not part of a longer token (a UUID's segments are guarded by the hyphens
 * around them). Bare digit runs are left alone: they are counts, sizes and ids far more often.
 */
const NATIONAL = /(?<![\w.:/+-])(?:\(\d{1,5}\)[ -]?|\d{1,5}[ -])(?:\d{1,5}[ -]){0,4}\d{2,5}(?![\w.:/-])/g;

const digitCount = (s: string) => s.replace(/\D/g, '').length;

/** Masks email addresses and phone numbers in free text. */
export function redactString(s: string): string {
  if (s.length < 7) return s;
  let out = s.includes('@') ? s.replace(EMAIL, MASK.email) : s;
  if (!/\d/.test(out)) return out;
  out = out.replace(INTERNATIONAL, (m) => (digitCount(m) >= 7 && digitCount(m) <= 15 ? MASK.phone : m));
  out = out.replace(NATIONAL, (m) => (digitCount(m) >= 9 && digitCount(m) <= 15 ? MASK.phone : m));
  return out;
}

const MAX_DEPTH = 8;

const isPlain = (v: object): boolean => {
  const p: unknown = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
};

/**
 * A redacted copy of a log argument: strings masked, plain objects and arrays walked (name keys
 * masked whole), errors turned into `{type, message, stack}` with both masked. Other objects
 * (a request, a response) are left to the logger's serializers, which are redacting too.
 */
export function redactValue(value: unknown, key?: string, depth = 0): unknown {
  if (typeof value === 'string') {
    if (key !== undefined && NAME_KEYS.has(key.toLowerCase()) && value.trim() !== '') return MASK.name;
    return redactString(value);
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[depth]';
  if (value instanceof Error) return redactError(value);
  if (Array.isArray(value)) {
    // a list under a name key is a list of names
    return value.map((v) => redactValue(v, key, depth + 1));
  }
  if (!isPlain(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactValue(v, k, depth + 1);
  return out;
}

/** An error as pino's `err` serializer would write it, with the message and stack masked. */
export function redactError(err: Error): { type: string; message: string; stack?: string } {
  return {
    type: err.name || err.constructor?.name || 'Error',
    message: redactString(String(err.message ?? '')),
    ...(err.stack ? { stack: redactString(err.stack) } : {}),
  };
}
