import { hash } from 'node:crypto';
import { normalizeEmail } from '../../common/email.js';
import { classifyPhone } from '../../common/phone.js';
import { foldName } from '../../common/normalize-text.js';
import type {
  AddressRole,
  ExposureRecordInput,
  NormalizedAddress,
  NormalizedFile,
  NormalizedPerson,
  NormalizedRecord,
} from '../exposure.types.js';
import { foldText, normalizeNewlines, splitMessage, wordCount } from './message-text.js';
import { MIN_WORDS_FOR_TEXT_MATCH, minhashBands } from './similarity.js';
import { excerptAround, findTextElements } from './text-elements.js';

/** Any whitespace other than a single space. */
const UNUSUAL_SPACING = /[^\S ]| {2}/;
const NON_ASCII = /[^\x00-\x7f]/;

// NFKC leaves ASCII alone, and collapsing spaces that are already single changes nothing: both
// are skipped when they cannot change the text (this runs for every name of every record).
const collapse = (s: string) => {
  const nfkc = NON_ASCII.test(s) ? s.normalize('NFKC') : s;
  return (UNUSUAL_SPACING.test(nfkc) ? nfkc.replace(/\s+/g, ' ') : nfkc).trim();
};
const SHA256 = /^[0-9a-f]{64}$/;

function fileOf(fileName: unknown, sha: unknown): NormalizedFile | null {
  const name = typeof fileName === 'string' ? collapse(fileName) : '';
  const hash = typeof sha === 'string' ? sha.trim().toLowerCase() : '';
  const validHash = SHA256.test(hash) ? hash : '';
  if (!name && !validHash) return null;
  return {
    key: validHash ? `sha256:${validHash}` : `name:${foldName(name)}`,
    ...(name ? { fileName: name } : {}),
    ...(validHash ? { sha256: validHash } : {}),
  };
}

function uniqueBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => {
    const k = key(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * Where normalization reports a value it drops (an address that is not one, a phone that is not
 * a phone number): `field` as `to[1]`, `people[0].phone`, `from`. `origin` maps a list's indices
 * back to the input line's when cleaning took entries out of it (record-line.ts, cleanRecord).
 */
export interface DroppedValues {
  warn(field: string, reason: string): void;
  origin?: Record<string, number[]>;
}

/** Blank values are absent, not malformed. */
const blank = (s: string) => s.length === 0 || s.trim().length === 0;

/** Every element a record exposes, normalized (docs/deduplication.md, "Entities"). */
export function normalizeRecord(rec: ExposureRecordInput, dropped?: DroppedValues): NormalizedRecord {
  const at = (list: string, i: number) => `${list}[${dropped?.origin?.[list]?.[i] ?? i}]`;
  const addresses: NormalizedAddress[] = [];
  const addAddress = (raw: string | undefined, role: AddressRole, field?: () => string) => {
    if (!raw) return;
    const n = normalizeEmail(raw);
    if (n) addresses.push({ address: n.address, domain: n.domain, role });
    else if (dropped && field && !blank(raw)) dropped.warn(field(), 'not an email address');
  };
  addAddress(rec.from, 'from', () => 'from');
  for (const role of ['to', 'cc', 'bcc'] as const) {
    const list = rec[role];
    if (list) for (let i = 0; i < list.length; i++) addAddress(list[i], role, () => at(role, i));
  }

  const people: NormalizedPerson[] = [];
  const phones: string[] = [];
  const otherPhones: string[] = [];
  const peopleIn = rec.people ?? [];
  for (let i = 0; i < peopleIn.length; i++) {
    const p = peopleIn[i]!;
    const name = p.name ? collapse(p.name) : '';
    const email = p.email ? normalizeEmail(p.email) : null;
    const exposedPhone = p.phone ? classifyPhone(p.phone) : null;
    if (email) addAddress(p.email, 'person');
    else if (dropped && p.email && !blank(p.email)) dropped.warn(`${at('people', i)}.email`, 'not an email address');
    if (!exposedPhone && dropped && p.phone && !blank(p.phone))
      dropped.warn(`${at('people', i)}.phone`, 'not a phone number');
    // only a valid number is evidence (and part of the person key as before); a possible one is
    // exposed data all the same, kept apart so attribution never sees it as a phone
    const phone = exposedPhone?.valid ? exposedPhone.number : null;
    const otherPhone = exposedPhone && !exposedPhone.valid ? exposedPhone.number : null;
    if (phone) phones.push(phone);
    if (otherPhone) otherPhones.push(otherPhone);
    const anyPhone = phone ?? otherPhone;
    if (!name && !email && !anyPhone) continue;
    const key = email
      ? `email:${email.address}`
      : name
        ? `name:${foldName(name)}${anyPhone ? `|${anyPhone}` : ''}`
        : `phone:${anyPhone}`;
    people.push({
      key,
      ...(name ? { name } : {}),
      ...(email ? { email: email.address } : {}),
      ...(phone ? { phone } : {}),
      ...(otherPhone ? { otherPhone } : {}),
    });
  }
  const files: NormalizedFile[] = [];
  for (const a of rec.attachments ?? []) {
    const f = fileOf(a.fileName, a.sha256);
    if (f) files.push(f);
  }
  const own = fileOf(rec.fileName, rec.sha256);
  if (own) files.push(own);

  // Addresses and numbers written in the text are exposed too and evidence like the fields'
  // (an address in a field and the same one in the body are one address).
  const subject = typeof rec.subject === 'string' ? rec.subject : undefined;
  const body = typeof rec.body === 'string' ? rec.body : undefined;
  const found = findTextElements(subject, body);
  for (const m of found.addresses) {
    const n = normalizeEmail(m.raw);
    if (!n) continue;
    const text = m.where === 'subject' ? subject! : body!;
    addresses.push({
      address: n.address,
      domain: n.domain,
      role: m.where,
      excerpt: excerptAround(text, m.at, m.raw.length),
    });
  }
  const textPhones: NonNullable<NormalizedRecord['textPhones']> = [];
  for (const m of found.phones) {
    // a number in text that is not valid is more likely a reference than a phone: left out
    const p = classifyPhone(m.raw);
    if (!p?.valid) continue;
    phones.push(p.number);
    textPhones.push({
      phone: p.number,
      where: m.where,
      excerpt: excerptAround(m.where === 'subject' ? subject! : body!, m.at, m.raw.length),
    });
  }

  return {
    recordId: rec.recordId,
    kind: rec.kind,
    ...(rec.subject ? { subject: collapse(rec.subject) } : {}),
    hasBody: typeof rec.body === 'string' && rec.body.trim().length > 0,
    addresses: uniqueBy(addresses, (a) => `${a.role}:${a.address}`),
    people: uniqueBy(people, (p) => p.key),
    phones: [...new Set(phones)],
    otherPhones: [...new Set(otherPhones)],
    ...(textPhones.length ? { textPhones } : {}),
    companies: [...new Set((rec.companies ?? []).map(collapse).filter(Boolean))],
    tenantIds: [...new Set((rec.tenantIds ?? []).map((t) => t.trim().toLowerCase()).filter(Boolean))],
    projectIds: [...new Set((rec.projectIds ?? []).map((p) => p.trim().toUpperCase()).filter(Boolean))],
    files: uniqueBy(files, (f) => f.key),
  };
}

/** Runs of spaces and tabs as one space (skipped when there is no such run: it would change nothing). */
const collapseBlanks = (s: string) => (s.includes('\t') || s.includes('  ') ? s.replace(/[ \t]+/g, ' ') : s);

/** What deduplication needs of a record: its exact fingerprint and its message-text keys. */
export interface RecordFingerprint {
  fingerprint: string;
  /** own text fingerprint, when the text is long enough to match on */
  textFp: string | null;
  /** fingerprint of the quoted message's own text, when long enough */
  quotedFp: string | null;
  lshBands: number[];
}

/** The text keys of a record: they follow from its kind and body alone. */
export type TextKeys = Omit<RecordFingerprint, 'fingerprint'>;

const sha = (s: string) => hash('sha256', s, 'base64url');
const sorted = (xs: string[]) => [...xs].sort();

const bodyOf = (rec: ExposureRecordInput) =>
  typeof rec.body === 'string' ? collapseBlanks(normalizeNewlines(rec.body)).trim() : '';

/**
 * Exact-duplicate fingerprint: the record's normalized content, without recordId, source,
 * capturedAt and unknown fields (docs/deduplication.md, rule 1).
 */
function exactFingerprint(n: NormalizedRecord, body: string): string {
  const roles: Record<'from' | 'to' | 'cc' | 'bcc', string[]> = { from: [], to: [], cc: [], bcc: [] };
  // addresses found in text are in the body or subject already
  for (const a of n.addresses) if (a.role in roles) roles[a.role as keyof typeof roles].push(a.address);
  const canonical = JSON.stringify([
    n.kind,
    n.subject ?? '',
    body,
    roles.from.sort(),
    roles.to.sort(),
    roles.cc.sort(),
    roles.bcc.sort(),
    n.people.map((p) => `${p.key}\u0001${p.name ?? ''}\u0001${p.phone ?? p.otherPhone ?? ''}`).sort(),
    sorted(n.companies),
    sorted(n.tenantIds),
    sorted(n.projectIds),
    n.files.map((f) => `${f.key}\u0001${f.fileName ?? ''}`).sort(),
  ]);
  return sha(canonical);
}

function textKeysOf(kind: string, body: string): TextKeys {
  if (!body || (kind !== 'email' && kind !== 'document')) return { textFp: null, quotedFp: null, lshBands: [] };
  const parts = kind === 'email' ? splitMessage(body) : { own: foldText(body), quoted: '' };
  let textFp: string | null = null;
  let quotedFp: string | null = null;
  let lshBands: number[] = [];
  if (wordCount(parts.own) >= MIN_WORDS_FOR_TEXT_MATCH) {
    textFp = sha(parts.own);
    lshBands = minhashBands(parts.own);
  }
  if (wordCount(parts.quoted) >= MIN_WORDS_FOR_TEXT_MATCH) quotedFp = sha(parts.quoted);
  return { textFp, quotedFp, lshBands };
}

/** What deduplication needs of a record: its exact fingerprint and its message-text keys. */
export function fingerprintRecord(rec: ExposureRecordInput, n: NormalizedRecord): RecordFingerprint {
  const body = bodyOf(rec);
  return { fingerprint: exactFingerprint(n, body), ...textKeysOf(n.kind, body) };
}

/**
 * The exact fingerprint now and the text keys when asked: records with the same fingerprint
 * have the same kind and body, hence the same text keys, so a copy of an item already seen
 * need not compute them (splitting, folding and MinHash are most of the cost).
 */
export function fingerprintLazily(
  rec: ExposureRecordInput,
  n: NormalizedRecord,
): { fingerprint: string; textKeys: () => TextKeys } {
  const body = bodyOf(rec);
  return { fingerprint: exactFingerprint(n, body), textKeys: () => textKeysOf(n.kind, body) };
}
