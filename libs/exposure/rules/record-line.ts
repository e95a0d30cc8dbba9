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
const shortList = z.array(shortString, 'must be an array of strings').max(LIMITS.array, `more than ${LIMITS.array} entries`);

const person = z.looseObject({ name: shortString.optional(), email: shortString.optional(), phone: shortString.optional() });
const attachment = z.looseObject({ fileName: z.string().max(1024).optional(), sha256: z.string().max(128).optional() });

const recordSchema = z.looseObject({
  recordId: z
    .string('must be a string')
    .trim()
    .min(1, 'must not be empty')
    .max(LIMITS.recordId, `longer than ${LIMITS.recordId} characters`),
  kind: z.enum(RECORD_KINDS, `must be one of ${RECORD_KINDS.join(', ')}`),
  source: z.looseObject({ container: z.string().max(1024).optional(), path: z.string().max(4096).optional() }).optional(),
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

export type LineResult = { ok: true; record: ExposureRecordInput } | { ok: false; reason: string };

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
    return { ok: false, reason: `not a JSON object (got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value})` };
  }
  const obj = value as Record<string, unknown>;
  if (obj.recordId === undefined) return { ok: false, reason: 'missing recordId' };
  if (obj.kind === undefined) return { ok: false, reason: 'missing kind' };
  const control = findControlCharacter(obj, '');
  if (control) return { ok: false, reason: `control character in ${control}` };
  const parsed = recordSchema.safeParse(obj);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
    const sizeIssue = issue.code === 'too_big';
    return { ok: false, reason: `${sizeIssue ? 'size limit: ' : 'wrong type: '}${where || 'record'} ${issue.message}` };
  }
  return { ok: true, record: parsed.data as ExposureRecordInput };
}

/** Parses and validates one JSONL line. Never throws. */
export function parseRecordLine(line: string, maxBytes: number): LineResult {
  if (line.length > maxBytes || Buffer.byteLength(line) > maxBytes) {
    return { ok: false, reason: `size limit: line longer than ${maxBytes} bytes` };
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { ok: false, reason: `not valid JSON (${(err as Error).message.slice(0, 120)})` };
  }
  return validateRecord(value);
}
