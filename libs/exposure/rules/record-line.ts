import { z } from 'zod';
import { RECORD_KINDS, type ExposureRecordInput } from '../exposure.types.js';

/** Size limits of docs/deduplication.md; a line over any of them is quarantined. */
export const LIMITS = {
  recordId: 200,
  subject: 2000,
  body: 512 * 1024,
  short: 320,
  array: 2000,
  other: 64 * 1024,
} as const;

const shortString = z.string().max(LIMITS.short, `longer than ${LIMITS.short} characters`);
const shortList = z
  .array(shortString, 'must be an array of strings')
  .max(LIMITS.array, `more than ${LIMITS.array} entries`);

const person = z.looseObject({
  name: shortString.optional(),
  email: shortString.optional(),
  phone: shortString.optional(),
});
const attachment = z.looseObject({ fileName: z.string().max(1024).optional(), sha256: z.string().max(128).optional() });

const recordSchema = z.looseObject({
  recordId: z
    .string('must be a string')
    .trim()
    .min(1, 'must not be empty')
    .max(LIMITS.recordId, `longer than ${LIMITS.recordId} characters`),
  kind: z.enum(RECORD_KINDS, `must be one of ${RECORD_KINDS.join(', ')}`),
  source: z
    .looseObject({ container: z.string().max(1024).optional(), path: z.string().max(4096).optional() })
    .optional(),
  capturedAt: z.string().max(64).optional(),
  subject: z.string().max(LIMITS.subject, `longer than ${LIMITS.subject} characters`).optional(),
  body: z.string().max(LIMITS.body, `longer than ${LIMITS.body} characters`).optional(),
  from: shortString.optional(),
  to: shortList.optional(),
  cc: shortList.optional(),
  bcc: shortList.optional(),
  fileName: z.string().max(1024).optional(),
  sha256: z.string().max(128).optional(),
  people: z.array(person, 'must be an array of objects').max(LIMITS.array).optional(),
  companies: shortList.optional(),
  tenantIds: shortList.optional(),
  projectIds: shortList.optional(),
  attachments: z.array(attachment, 'must be an array of objects').max(LIMITS.array).optional(),
});

/** One value dropped from an accepted record: `field` as `to[1]`, `people[0].email`, `from`. */
export interface ElementWarning {
  field: string;
  reason: string;
}

/** What cleaning an accepted record took out of it (absent when it took nothing). */
export interface Cleaning {
  /** field paths (indices as `[]`) of optional values that were `null`, one entry per value */
  nullValues: string[];
  /** values of the wrong type, dropped */
  warnings: ElementWarning[];
  /** for a list that lost entries: the original index of each entry kept */
  origin: Record<string, number[]>;
}

export type LineResult =
  /** verbatim: the record is exactly what the line's JSON says (nothing trimmed), so the line may be stored as it is */
  { ok: true; record: ExposureRecordInput; verbatim?: boolean; cleaning?: Cleaning } | { ok: false; reason: string };

// C0 controls other than TAB, LF, CR; DEL; C1 controls.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** The first string anywhere in the value that holds a control character, as a path. */
function findControlCharacter(value: unknown, path: string, depth = 0): string | null {
  if (depth > 32) return path || 'value';
  if (typeof value === 'string') return CONTROL.test(value) ? path || 'value' : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findControlCharacter(value[i], `${path}[${i}]`, depth + 1);
      if (hit) return hit;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (CONTROL.test(k)) return `${path}.<key>`;
      const hit = findControlCharacter(v, path ? `${path}.${k}` : k, depth + 1);
      if (hit) return hit;
    }
  }
  return null;
}

/** Validates an already parsed value as an exposure record. */
export function validateRecord(value: unknown): LineResult {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      ok: false,
      reason: `not a JSON object (got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value})`,
    };
  }
  const original = value as Record<string, unknown>;
  if (original.recordId === undefined || original.recordId === null) return { ok: false, reason: 'missing recordId' };
  if (original.kind === undefined || original.kind === null) return { ok: false, reason: 'missing kind' };
  const control = findControlCharacter(original, '');
  if (control) return { ok: false, reason: `control character in ${control}` };
  const { record: obj, cleaning } = cleanRecord(original);
  const parsed = recordSchema.safeParse(obj);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // an index as on the line, not in the list cleaning shortened
    const origin = cleaning?.origin[String(issue.path[0])];
    const where = issue.path
      .map((p, i) => (typeof p === 'number' ? `[${i === 1 && origin ? (origin[p] ?? p) : p}]` : String(p)))
      .join('.')
      .replace(/\.\[/g, '[');
    const sizeIssue = issue.code === 'too_big';
    return { ok: false, reason: `${sizeIssue ? 'size limit: ' : 'wrong type: '}${where || 'record'} ${issue.message}` };
  }
  return cleaning ? { ok: true, record: parsed.data, cleaning } : { ok: true, record: parsed.data };
}

// ── null means absent; a value of the wrong type costs that value ──
// docs/deduplication.md, "Lines and records". Only the known optional fields are cleaned (unknown
// fields are kept as they are). A list or object field that is not a list or object at all is
// left for the schema to quarantine, and so is a list over its size limit.

const STRING_FIELDS = ['capturedAt', 'subject', 'body', 'from', 'fileName', 'sha256'] as const;
const STRING_LISTS = ['to', 'cc', 'bcc', 'companies', 'tenantIds', 'projectIds'] as const;
const OBJECT_LISTS = { people: ['name', 'email', 'phone'], attachments: ['fileName', 'sha256'] } as const;
const SOURCE_FIELDS = ['container', 'path'] as const;

const typeName = (v: unknown) =>
  Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;

class Cleaner {
  nullValues: string[] = [];
  warnings: ElementWarning[] = [];
  origin: Record<string, number[]> = {};
  changed = false;

  /** The object without its null or non-string values among `fields`; the same object when nothing goes. */
  strings(
    o: Record<string, unknown>,
    fields: readonly string[],
    path: (f: string) => string,
    nullPath: (f: string) => string,
  ): Record<string, unknown> {
    let out = o;
    for (const f of fields) {
      const v = o[f];
      if (v === undefined || typeof v === 'string') continue;
      if (v === null) this.nullValues.push(nullPath(f));
      else this.warnings.push({ field: path(f), reason: `not a string (got ${typeName(v)})` });
      if (out === o) out = { ...o };
      delete out[f];
    }
    if (out !== o) this.changed = true;
    return out;
  }

  /** The list without null entries and entries that `keep` refuses (it warns); the same array when nothing goes. */
  list(name: string, v: unknown[], keep: (x: unknown, i: number) => unknown): unknown[] {
    const out: unknown[] = [];
    const origin: number[] = [];
    let changed = false;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x === null) {
        this.nullValues.push(`${name}[]`);
        changed = true;
        continue;
      }
      const kept = keep(x, i);
      if (kept === undefined) {
        changed = true;
        continue;
      }
      if (kept !== x) changed = true;
      out.push(kept);
      origin.push(i);
    }
    if (!changed) return v;
    this.changed = true;
    if (origin.length !== v.length) this.origin[name] = origin;
    return out;
  }
}

/** The record with `null` optional values taken out and values of the wrong type dropped with a warning. */
export function cleanRecord(obj: Record<string, unknown>): { record: Record<string, unknown>; cleaning?: Cleaning } {
  const c = new Cleaner();
  const same = (f: string) => f;
  let rec = c.strings(obj, STRING_FIELDS, same, same);
  const set = (k: string, v: unknown) => {
    if (rec === obj) rec = { ...obj };
    if (v === undefined) delete rec[k];
    else rec[k] = v;
  };
  for (const name of STRING_LISTS) {
    const v = rec[name];
    if (v === null) {
      c.nullValues.push(name);
      set(name, undefined);
    } else if (Array.isArray(v) && v.length <= LIMITS.array) {
      const out = c.list(name, v, (x, i) => {
        if (typeof x === 'string') return x;
        c.warnings.push({ field: `${name}[${i}]`, reason: `not a string (got ${typeName(x)})` });
        return undefined;
      });
      if (out !== v) set(name, out);
    }
  }
  for (const [name, fields] of Object.entries(OBJECT_LISTS)) {
    const v = rec[name];
    if (v === null) {
      c.nullValues.push(name);
      set(name, undefined);
    } else if (Array.isArray(v) && v.length <= LIMITS.array) {
      const out = c.list(name, v, (x, i) => {
        if (!isObject(x)) {
          c.warnings.push({ field: `${name}[${i}]`, reason: `not an object (got ${typeName(x)})` });
          return undefined;
        }
        return c.strings(
          x,
          fields,
          (f) => `${name}[${i}].${f}`,
          (f) => `${name}[].${f}`,
        );
      });
      if (out !== v) set(name, out);
    }
  }
  const src = rec.source;
  if (src === null) {
    c.nullValues.push('source');
    set('source', undefined);
  } else if (isObject(src)) {
    const out = c.strings(
      src,
      SOURCE_FIELDS,
      (f) => `source.${f}`,
      (f) => `source.${f}`,
    );
    if (out !== src) set('source', out);
  }
  if (!c.changed && rec === obj) return { record: obj };
  return { record: rec, cleaning: { nullValues: c.nullValues, warnings: c.warnings, origin: c.origin } };
}

// ── the fast path for lines that are plainly valid ──
// Most lines of a data set are valid records. For those, the checks below accept exactly what the
// schema accepts and return the parsed value itself (the schema would return a copy). Anything
// they are not sure of (a string that would be trimmed, a key named __proto__, a possible control
// character) goes through validateRecord, so every reason stays the schema's.

const KINDS: ReadonlySet<unknown> = new Set(RECORD_KINDS);
/** Escapes or raw characters in JSON text that can stand for a control character (\t \n \r cannot). */
const CONTROL_IN_JSON = /\\[bf]|\\u00[0189]|\\u007[fF]|[\u007f-\u009f]/;

const optString = (v: unknown, max: number) => v === undefined || (typeof v === 'string' && v.length <= max);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function optShortList(v: unknown): boolean {
  if (v === undefined) return true;
  if (!Array.isArray(v) || v.length > LIMITS.array) return false;
  for (let i = 0; i < v.length; i++) if (!optString(v[i], LIMITS.short) || v[i] === undefined) return false;
  return true;
}

function optObjects(v: unknown, each: (o: Record<string, unknown>) => boolean): boolean {
  if (v === undefined) return true;
  if (!Array.isArray(v) || v.length > LIMITS.array) return false;
  for (let i = 0; i < v.length; i++) {
    const o: unknown = v[i];
    if (!isObject(o) || !each(o)) return false;
  }
  return true;
}

const personOk = (p: Record<string, unknown>) =>
  optString(p.name, LIMITS.short) && optString(p.email, LIMITS.short) && optString(p.phone, LIMITS.short);
const attachmentOk = (a: Record<string, unknown>) => optString(a.fileName, 1024) && optString(a.sha256, 128);

/** True only when recordSchema accepts the object unchanged. */
function plainlyValid(o: Record<string, unknown>): boolean {
  const id = o.recordId;
  if (typeof id !== 'string' || id.length === 0 || id.length > LIMITS.recordId) return false;
  // the schema trims: an id it would change is left to it
  if (id.trim() !== id) return false;
  if (!KINDS.has(o.kind)) return false;
  const src = o.source;
  if (src !== undefined && !(isObject(src) && optString(src.container, 1024) && optString(src.path, 4096)))
    return false;
  return (
    optString(o.capturedAt, 64) &&
    optString(o.subject, LIMITS.subject) &&
    optString(o.body, LIMITS.body) &&
    optString(o.from, LIMITS.short) &&
    optString(o.fileName, 1024) &&
    optString(o.sha256, 128) &&
    optShortList(o.to) &&
    optShortList(o.cc) &&
    optShortList(o.bcc) &&
    optShortList(o.companies) &&
    optShortList(o.tenantIds) &&
    optShortList(o.projectIds) &&
    optObjects(o.people, personOk) &&
    optObjects(o.attachments, attachmentOk)
  );
}

/** At most `max` opening brackets in the text (a bound on how deeply its JSON can nest). */
function bracketsAtMost(text: string, max: number): boolean {
  let n = 0;
  for (const ch of ['{', '[']) {
    for (let i = text.indexOf(ch); i !== -1; i = text.indexOf(ch, i + 1)) if (++n > max) return false;
  }
  return true;
}

/** Parses and validates one JSONL line. Never throws. */
export function parseRecordLine(line: string, maxBytes: number): LineResult {
  // a UTF-16 code unit is at most 3 bytes of UTF-8: short lines need no byte count
  if (line.length > maxBytes || (line.length * 3 > maxBytes && Buffer.byteLength(line) > maxBytes)) {
    return { ok: false, reason: `size limit: line longer than ${maxBytes} bytes` };
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { ok: false, reason: `not valid JSON (${(err as Error).message.slice(0, 120)})` };
  }
  // No control character can hide in text without one of those escapes or characters, and
  // findControlCharacter also refuses values nested more than 32 deep.
  if (
    isObject(value) &&
    !CONTROL_IN_JSON.test(line) &&
    !line.includes('"__proto__"') &&
    bracketsAtMost(line, 32) &&
    plainlyValid(value)
  ) {
    return { ok: true, record: value as ExposureRecordInput, verbatim: true };
  }
  return validateRecord(value);
}
