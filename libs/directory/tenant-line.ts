import { z } from 'zod';
import { domainSuffixes, isFreeMailDomain, isMixedScriptOrConfusable, isPublicSuffix, toAsciiDomain } from '../common/domain.js';
import { normalizeEmail } from '../common/email.js';
import { normalizePhone } from '../common/phone.js';
import { memoByString } from '../common/memo.js';

export interface TenantContactInput {
  /** normalized address (normalizeEmail) */
  email: string;
  name: string | null;
  /** as given, trimmed and de-duplicated; unknown roles are kept and simply never privileged */
  roles: string[];
  /** canonical BCP-47 tag */
  locale: string;
}

/** One validated, normalized tenant of the directory (CONTRACTS.md §1). */
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

export type TenantLineResult = { ok: true; tenant: TenantInput } | { ok: false; reason: string };

export interface TenantLineOptions {
  /** the operator's own domains (ASCII, lower-case): they and their subdomains belong to no tenant */
  operatorDomains?: readonly string[];
}

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const DEFAULT_LOCALE = 'en-US';
const MAX_NAME = 500;
const CONTROL = /\p{Cc}/u;

// Types and counts here; texts are trimmed and measured below (the reader bounds the line).
const lineSchema = z.object({
  tenantId: z.string(),
  name: z.string(),
  aliases: z.array(z.string()).max(100).nullish(),
  domains: z.array(z.string().max(1024)).max(1000).nullish(),
  phones: z.array(z.string().max(100)).max(100).nullish(),
  contacts: z
    .array(
      z.object({
        email: z.string().max(2048),
        name: z.string().nullish(),
        roles: z.array(z.string().max(100)).max(50).nullish(),
        locale: z.string().max(100).nullish(),
      }),
    )
    .max(1000)
    .nullish(),
});

/** Shown back to the operator, so cut and quoted. */
const show = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);

class LineError extends Error {}
const fail = (reason: string): never => {
  throw new LineError(reason);
};

/**
 * Parses and validates one line of the tenant directory. Any invalid element rejects the whole
 * line, with a reason naming the element and why, so the directory never holds half a tenant.
 * Domain conflicts with other tenants are not known here; the import checks them.
 */
export function parseTenantLine(line: string, options: TenantLineOptions = {}): TenantLineResult {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, reason: 'not a JSON object' };
  const parsed = lineSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, reason: `${pathOf(issue.path)}: ${issueMessage(issue)}` };
  }
  try {
    return { ok: true, tenant: normalizeTenant(parsed.data, options) };
  } catch (err) {
    if (err instanceof LineError) return { ok: false, reason: err.message };
    throw err;
  }
}

function normalizeTenant(raw: z.infer<typeof lineSchema>, options: TenantLineOptions): TenantInput {
  const id = raw.tenantId.trim();
  if (!GUID.test(id)) fail(`tenantId: ${show(raw.tenantId)} is not a GUID`);
  if (/^[0-]+$/.test(id)) fail('tenantId: the nil GUID is not a tenant');

  const name = cleanText(raw.name, 'name');
  if (name === '') fail('name: required');

  const aliases = unique((raw.aliases ?? []).map((a, i) => cleanText(a, `aliases[${i}]`)).filter((a) => a !== '' && a !== name));

  const operator = new Set((options.operatorDomains ?? []).map((d) => toAsciiDomain(d) ?? d.toLowerCase()));
  const domains = unique(
    (raw.domains ?? []).map((d, i) => {
      const where = `domains[${i}] ${show(d)}`;
      const ascii = toAsciiDomain(d);
      if (!ascii) {
        // `com` alone is no domain name, but the precise reason is that it is a public suffix.
        const single = toAsciiDomain(`x.${d.trim()}`)?.slice(2);
        if (single && !single.includes('.') && isPublicSuffix(single)) return fail(`${where}: is a public suffix`);
        return fail(`${where}: not a valid domain name`);
      }
      if (isMixedScriptOrConfusable(d) || isMixedScriptOrConfusable(ascii)) return fail(`${where}: mixes scripts or contains confusable characters`);
      if (isPublicSuffix(ascii)) return fail(`${where}: is a public suffix`);
      if (isFreeMailDomain(ascii)) return fail(`${where}: is a free-mail domain`);
      // `ascii` and each parent down to the registrable domain, label-wise.
      if (domainSuffixes(ascii).some((s) => operator.has(s))) return fail(`${where}: is an operator domain`);
      return ascii;
    }),
  );

  const phones = unique(
    (raw.phones ?? []).map((p, i) => normalizePhone(p) ?? fail(`phones[${i}] ${show(p)}: not a valid phone number with country code`)),
  );

  const contacts = new Map<string, TenantContactInput>();
  (raw.contacts ?? []).forEach((c, i) => {
    const email = normalizeEmail(c.email);
    if (!email) return fail(`contacts[${i}].email ${show(c.email)}: not a valid email address`);
    const contactName = c.name == null ? null : cleanText(c.name, `contacts[${i}].name`) || null;
    const roles = unique((c.roles ?? []).map((r) => r.trim()).filter((r) => r !== ''));
    for (const r of roles) if (CONTROL.test(r)) fail(`contacts[${i}].roles: control characters`);
    const locale = canonicalLocale(c.locale) ?? fail(`contacts[${i}].locale ${show(c.locale ?? '')}: not a BCP-47 language tag`);
    const seen = contacts.get(email.address);
    if (seen) {
      // The same person listed twice (case variants, one entry per role): one contact, all roles.
      seen.roles = unique([...seen.roles, ...roles]);
      return;
    }
    contacts.set(email.address, { email: email.address, name: contactName, roles, locale });
  });

  return { id: id.toLowerCase(), name, aliases, domains, phones, contacts: [...contacts.values()] };
}

function cleanText(s: string, where: string): string {
  const t = s.normalize('NFC').trim();
  if (t.length > MAX_NAME) fail(`${where}: longer than ${MAX_NAME} characters`);
  if (CONTROL.test(t)) fail(`${where}: control characters`);
  return t;
}

function canonicalLocale(raw: string | null | undefined): string | null {
  const t = raw?.trim();
  return t ? canonical(t) : DEFAULT_LOCALE;
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

function pathOf(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'line';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') return issue.input === undefined ? 'required' : `expected ${issue.expected === 'array' ? 'an array' : `a ${issue.expected}`}`;
  if (issue.code === 'too_big') return issue.origin === 'array' ? `more than ${issue.maximum} entries` : `longer than ${issue.maximum} characters`;
  return issue.message;
}
