import {
  domainSuffixes,
  isFreeMailDomain,
  isMixedScriptOrConfusable,
  isPublicSuffix,
  toAsciiDomain,
} from '../common/domain.js';
import { normalizeEmail } from '../common/email.js';
import { normalizePhone } from '../common/phone.js';
import { memoByString } from '../common/memo.js';
import { GUID } from '../common/guid.js';

export interface TenantContactInput {
  /** normalized address (normalizeEmail) */
  email: string;
  name: string | null;
  /** as given, trimmed and de-duplicated; unknown roles are kept and simply never privileged */
  roles: string[];
  /** canonical BCP-47 tag */
  locale: string;
}

/** One validated, normalized tenant of the directory (docs/contracts.md §1). */
export interface TenantInput {
  /** lower-case GUID */
  id: string;
  name: string;
  aliases: string[];
  /** verified domains, ASCII (punycode), lower-case, unique */
  domains: string[];
  /** E.164 */
  phones: string[];
  /** unique by email */
  contacts: TenantContactInput[];
}

/** A value the import dropped (or replaced by its default), and why. */
export interface TenantLineWarning {
  /** where the value was, as written in the input: `phones[2]`, `contacts[1].email` */
  field: string;
  reason: string;
}

export type TenantLineResult =
  { ok: true; tenant: TenantInput; warnings: TenantLineWarning[] } | { ok: false; reason: string };

export interface TenantLineOptions {
  /** the operator's own domains (ASCII, lower-case): they and their subdomains belong to no tenant */
  operatorDomains?: readonly string[];
  /** `name` may be missing (a CSV row that adds a contact to a tenant named on another row) */
  nameOptional?: boolean;
}

export const DEFAULT_LOCALE = 'en-US';
const MAX_NAME = 500;
const CONTROL = /\p{Cc}/u;
const CONTROLS = /\p{Cc}+/gu;
/** Entries kept per list; the rest are dropped with one warning. */
export const LIMITS = { aliases: 100, domains: 1000, phones: 100, contacts: 1000, roles: 50 } as const;
const MAX_DOMAIN = 1024;
const MAX_PHONE = 100;
const MAX_EMAIL = 2048;
const MAX_ROLE = 100;
const MAX_LOCALE = 100;

/** Shown back to the operator, so cut and quoted. */
const show = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
const typeName = (v: unknown) =>
  Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;

/**
 * Parses one line of the tenant directory. A line is rejected only when it cannot identify a
 * tenant (not a JSON object, no valid tenantId, no name); any other unusable value is dropped
 * (a bad locale falls back to en-US) with a warning naming its field, so no tenant is lost to
 * one bad phone number. `null` is absent, at any depth. Domain conflicts with other tenants are
 * not known here; the import records them.
 */
export function parseTenantLine(line: string, options: TenantLineOptions = {}): TenantLineResult {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  return parseTenantObject(json, options);
}

/** parseTenantLine for a value already parsed (or built from a CSV row). */
export function parseTenantObject(json: unknown, options: TenantLineOptions = {}): TenantLineResult {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return { ok: false, reason: 'not a JSON object' };
  const raw = json as Record<string, unknown>;
  const warnings: TenantLineWarning[] = [];
  const warn = (field: string, reason: string) => warnings.push({ field, reason });

  if (raw.tenantId == null) return { ok: false, reason: 'tenantId: required' };
  if (typeof raw.tenantId !== 'string')
    return { ok: false, reason: `tenantId: expected a string, not ${typeName(raw.tenantId)}` };
  const id = raw.tenantId.trim();
  if (!GUID.test(id)) return { ok: false, reason: `tenantId: ${show(raw.tenantId)} is not a GUID` };
  if (/^[0-]+$/.test(id)) return { ok: false, reason: 'tenantId: the nil GUID is not a tenant' };

  let name = '';
  if (raw.name != null && typeof raw.name !== 'string')
    return { ok: false, reason: `name: expected a string, not ${typeName(raw.name)}` };
  if (typeof raw.name === 'string') name = repairText(raw.name, 'name', warn);
  if (name === '' && !options.nameOptional) return { ok: false, reason: 'name: required' };

  const aliases = unique(
    list(raw.aliases, 'aliases', LIMITS.aliases, warn).flatMap(([v, where]) => {
      if (typeof v !== 'string') return warnType(warn, where, v, 'a string');
      const t = cleanText(v, where, warn);
      return t === null || t === '' || t === name ? [] : [t];
    }),
  );

  const operator = new Set((options.operatorDomains ?? []).map((d) => toAsciiDomain(d) ?? d.toLowerCase()));
  const domains = unique(
    list(raw.domains, 'domains', LIMITS.domains, warn).flatMap(([d, where]) => {
      if (typeof d !== 'string') return warnType(warn, where, d, 'a string');
      const reason = domainProblem(d, operator);
      if (typeof reason === 'string') {
        warn(where, `${show(d)}: ${reason}; dropped`);
        return [];
      }
      return [reason.ascii];
    }),
  );

  const phones = unique(
    list(raw.phones, 'phones', LIMITS.phones, warn).flatMap(([p, where]) => {
      if (typeof p !== 'string') return warnType(warn, where, p, 'a string');
      const e164 = p.length <= MAX_PHONE ? normalizePhone(p) : null;
      if (e164 === null) {
        warn(where, `${show(p)}: not a valid phone number with country code; dropped`);
        return [];
      }
      return [e164];
    }),
  );

  const contacts = new Map<string, TenantContactInput>();
  for (const [c, where] of list(raw.contacts, 'contacts', LIMITS.contacts, warn)) {
    const contact = parseContact(c, where, warn);
    if (!contact) continue;
    const seen = contacts.get(contact.email);
    if (seen) {
      // The same person listed twice (case variants, one entry per role): one contact, all roles.
      seen.roles = unique([...seen.roles, ...contact.roles]);
      continue;
    }
    contacts.set(contact.email, contact);
  }

  return {
    ok: true,
    tenant: { id: id.toLowerCase(), name, aliases, domains, phones, contacts: [...contacts.values()] },
    warnings,
  };
}

type Warn = (field: string, reason: string) => void;

/**
 * The entries of an optional list with their paths: absent or null is empty, another type is
 * dropped, null entries are skipped, entries past the limit are dropped with one warning.
 */
function list(v: unknown, field: string, limit: number, warn: Warn): [unknown, string][] {
  if (v == null) return [];
  if (!Array.isArray(v)) {
    warn(field, `expected an array, not ${typeName(v)}; dropped`);
    return [];
  }
  if (v.length > limit) warn(field, `more than ${limit} entries; the first ${limit} kept`);
  const out: [unknown, string][] = [];
  v.slice(0, limit).forEach((x, i) => {
    if (x != null) out.push([x, `${field}[${i}]`]);
  });
  return out;
}

function warnType(warn: Warn, where: string, v: unknown, expected: string): [] {
  warn(where, `expected ${expected}, not ${typeName(v)}; dropped`);
  return [];
}

/** A domain's ASCII form, or why it cannot be a tenant's verified domain. */
function domainProblem(d: string, operator: ReadonlySet<string>): { ascii: string } | string {
  if (d.length > MAX_DOMAIN) return `longer than ${MAX_DOMAIN} characters`;
  const ascii = toAsciiDomain(d);
  if (!ascii) {
    // `com` alone is no domain name, but the precise reason is that it is a public suffix.
    const single = toAsciiDomain(`x.${d.trim()}`)?.slice(2);
    if (single && !single.includes('.') && isPublicSuffix(single)) return 'is a public suffix';
    return 'not a valid domain name';
  }
  if (isMixedScriptOrConfusable(d) || isMixedScriptOrConfusable(ascii))
    return 'mixes scripts or contains confusable characters';
  if (isPublicSuffix(ascii)) return 'is a public suffix';
  if (isFreeMailDomain(ascii)) return 'is a free-mail domain';
  // `ascii` and each parent down to the registrable domain, label-wise.
  if (domainSuffixes(ascii).some((s) => operator.has(s))) return 'is an operator domain';
  return { ascii };
}

/** A contact, or null (with a warning) when it has no usable address. */
function parseContact(c: unknown, where: string, warn: Warn): TenantContactInput | null {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) {
    warn(where, `expected an object, not ${typeName(c)}; contact dropped`);
    return null;
  }
  const raw = c as Record<string, unknown>;
  if (raw.email == null) {
    warn(`${where}.email`, 'required; contact dropped');
    return null;
  }
  if (typeof raw.email !== 'string') {
    warn(`${where}.email`, `expected a string, not ${typeName(raw.email)}; contact dropped`);
    return null;
  }
  const email = raw.email.length <= MAX_EMAIL ? normalizeEmail(raw.email) : null;
  if (!email) {
    warn(`${where}.email`, `${show(raw.email)}: not a valid email address; contact dropped`);
    return null;
  }

  let name: string | null = null;
  if (typeof raw.name === 'string') name = cleanText(raw.name, `${where}.name`, warn) || null;
  else if (raw.name != null) warn(`${where}.name`, `expected a string, not ${typeName(raw.name)}; dropped`);

  const roles = unique(
    list(raw.roles, `${where}.roles`, LIMITS.roles, warn).flatMap(([r, at]) => {
      if (typeof r !== 'string') return warnType(warn, at, r, 'a string');
      const t = r.trim();
      if (t.length > MAX_ROLE) {
        warn(at, `longer than ${MAX_ROLE} characters; dropped`);
        return [];
      }
      if (CONTROL.test(t)) {
        warn(at, 'control characters; dropped');
        return [];
      }
      return t === '' ? [] : [t];
    }),
  );

  let locale = DEFAULT_LOCALE;
  if (typeof raw.locale === 'string') {
    const t = raw.locale.trim();
    const tag = t === '' ? DEFAULT_LOCALE : t.length <= MAX_LOCALE ? canonical(t) : null;
    if (tag) locale = tag;
    else warn(`${where}.locale`, `${show(raw.locale)}: not a BCP-47 language tag; ${DEFAULT_LOCALE} used`);
  } else if (raw.locale != null) {
    warn(`${where}.locale`, `expected a string, not ${typeName(raw.locale)}; ${DEFAULT_LOCALE} used`);
  }
  return { email: email.address, name, roles, locale };
}

/** A text trimmed and NFC-normalized, or null (with a warning) when it cannot be used. */
function cleanText(s: string, where: string, warn: Warn): string | null {
  const t = s.normalize('NFC').trim();
  if (t.length > MAX_NAME) {
    warn(where, `longer than ${MAX_NAME} characters; dropped`);
    return null;
  }
  if (CONTROL.test(t)) {
    warn(where, 'control characters; dropped');
    return null;
  }
  return t;
}

/** The tenant's name identifies it, so it is repaired rather than dropped: controls become spaces, length is cut. */
function repairText(s: string, where: string, warn: Warn): string {
  let t = s.normalize('NFC').trim();
  if (CONTROL.test(t)) {
    t = t.replace(CONTROLS, ' ').replace(/\s+/g, ' ').trim();
    warn(where, 'control characters replaced by spaces');
  }
  if (t.length > MAX_NAME) {
    t = t.slice(0, MAX_NAME).trim();
    warn(where, `longer than ${MAX_NAME} characters; cut`);
  }
  return t;
}

// A directory repeats a handful of locales; Intl's parser costs microseconds per call.
const canonical = memoByString((tag: string): string | null => {
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? null;
  } catch {
    return null;
  }
}, 1000);

const unique = <T>(xs: T[]): T[] => [...new Set(xs)];
