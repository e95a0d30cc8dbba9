/**
 * The tenant directory as hash maps, built once per analysis, so that attributing a record costs
 * a few map look-ups per element (one per domain label for an address).
 */
import { domainSuffixes, isFreeMailDomain, isMixedScriptOrConfusable, toAsciiDomain } from '../common/domain.js';
import { normalizeEmail } from '../common/email.js';
import { normalizeCompanyName } from '../common/normalize-text.js';
import { normalizePhone } from '../common/phone.js';

export interface DirectoryTenant {
  id: string;
  name: string;
  aliases: string[];
  /** ascii (punycode), verified */
  domains: string[];
  /** E.164 */
  phones: string[];
  contacts: { email: string; roles: string[] }[];
  /**
   * domains this tenant lists that are in conflict (verified by it or another tenant first,
   * claimed by the other): they identify none of the claimants, and records on them go to review
   */
  conflictedDomains?: string[];
}

/** What an address's domain says, before any exact-contact look-up. */
export type DomainMatch =
  | { kind: 'operator'; domain: string }
  | { kind: 'confusable' }
  | { kind: 'freeMail' }
  | { kind: 'verified'; domain: string; tenantId: string; signal: `verifiedDomain:${string}` }
  /** a domain verified by several tenants (the import forbids it; never strong if it happens) */
  | { kind: 'ambiguous'; domain: string; tenantIds: readonly string[]; signal: `verifiedDomain:${string}` }
  /** a domain in conflict in the directory: it names its claimants, and identifies none of them */
  | { kind: 'conflicted'; domain: string; tenantIds: readonly string[]; signal: `verifiedDomain:${string}` }
  | { kind: 'none' };

const NONE: readonly string[] = Object.freeze([]);
const E164 = /^\+[1-9]\d{6,14}$/;
const PLAIN_LOCAL = /^[a-z0-9._+-]{1,64}$/;
const CANONICAL_DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// Look-up caches are bounded so a data set with millions of distinct domains or names cannot
// grow them without limit.
const CACHE_LIMIT = 200_000;

/** key → the tenant ids listing it (one array per key, so a look-up allocates nothing) */
type Multi = Map<string, string[]>;

function push(map: Multi, key: string, tenantId: string): void {
  const v = map.get(key);
  if (v === undefined) map.set(key, [tenantId]);
  else if (!v.includes(tenantId)) v.push(tenantId);
}

function get(map: Multi, key: string): readonly string[] {
  return map.get(key) ?? NONE;
}

export class DirectoryIndex {
  private readonly domainCache = new Map<string, DomainMatch>();
  private readonly companyKeyCache = new Map<string, string>();

  private constructor(
    /** lower-cased tenant id → tenant */
    private readonly byId: Map<string, DirectoryTenant>,
    /** verified domain → tenant ids (more than one only when the directory broke its own rule) */
    private readonly verifiedDomains: Multi,
    private readonly contacts: Multi,
    private readonly companyNames: Multi,
    private readonly phones: Multi,
    private readonly operatorDomains: ReadonlySet<string>,
    /** domain in conflict → its claimants */
    private readonly conflictedDomains: Multi,
  ) {}

  static build(tenants: Iterable<DirectoryTenant>, operatorDomains: string[]): DirectoryIndex {
    const operator = new Set<string>();
    for (const d of operatorDomains) {
      const ascii = toAsciiDomain(d);
      if (ascii) operator.add(ascii);
    }
    const byId = new Map<string, DirectoryTenant>();
    const verified: Multi = new Map();
    const contacts: Multi = new Map();
    const names: Multi = new Map();
    const phones: Multi = new Map();
    const conflicted: Multi = new Map();

    for (const t of tenants) {
      byId.set(t.id.toLowerCase(), t);
      for (const raw of t.domains) {
        // Verified domains arrive canonical; only another form pays for IDNA.
        const d = CANONICAL_DOMAIN.test(raw) ? raw : toAsciiDomain(raw);
        // A public-suffix, free-mail, confusable or operator domain that slipped past the import
        // is indexed but never reached: matchDomain rules those out before the verified look-up.
        if (d) push(verified, d, t.id);
      }
      for (const raw of t.conflictedDomains ?? []) {
        const d = CANONICAL_DOMAIN.test(raw) ? raw : toAsciiDomain(raw);
        if (d) push(conflicted, d, t.id);
      }
      for (const c of t.contacts) {
        // An address already in comparison form (lower-case ASCII, canonical domain) is its own
        // normal form; anything else goes through normalizeEmail.
        const at = c.email.lastIndexOf('@');
        const address =
          at > 0 && PLAIN_LOCAL.test(c.email.slice(0, at)) && CANONICAL_DOMAIN.test(c.email.slice(at + 1))
            ? c.email
            : normalizeEmail(c.email)?.address;
        if (address) push(contacts, address, t.id);
      }
      for (const n of [t.name, ...t.aliases]) {
        const key = normalizeCompanyName(n);
        if (key) push(names, key, t.id);
      }
      for (const p of t.phones) {
        const e164 = E164.test(p) ? p : normalizePhone(p);
        if (e164) push(phones, e164, t.id);
      }
    }
    // A conflicted domain identifies nobody, even a claimant that also lists it as verified.
    for (const d of conflicted.keys()) verified.delete(d);
    return new DirectoryIndex(byId, verified, contacts, names, phones, operator, conflicted);
  }

  get size(): number {
    return this.byId.size;
  }

  /** The tenant with that id (ids compare case-insensitively), if the directory has it. */
  tenant(id: string): DirectoryTenant | undefined {
    return this.byId.get(id.toLowerCase());
  }

  /** Tenants listing this normalized address as a contact; two or more: ambiguous. */
  contactTenants(address: string): readonly string[] {
    return get(this.contacts, address);
  }

  /** Tenants whose name or an alias normalizes to this key (from `normalizeCompanyName`). */
  companyTenants(normalizedName: string): readonly string[] {
    return get(this.companyNames, normalizedName);
  }

  /**
   * `normalizeCompanyName(written)`, remembered: the same few company names recur across
   * millions of records.
   */
  companyKey(written: string): string {
    let key = this.companyKeyCache.get(written);
    if (key === undefined) {
      key = normalizeCompanyName(written);
      if (this.companyKeyCache.size >= CACHE_LIMIT) this.companyKeyCache.clear();
      this.companyKeyCache.set(written, key);
    }
    return key;
  }

  /** Tenants listing this E.164 number. */
  phoneTenants(e164: string): readonly string[] {
    return get(this.phones, e164);
  }

  isOperatorDomain(asciiDomain: string): boolean {
    return underAny(asciiDomain, this.operatorDomains);
  }

  /**
   * What an ASCII domain says about its owner: operator domains and their subdomains first,
   * then a confusable domain (nobody), then free mail (nobody), then the longest verified domain
   * among the domain and its parents, compared label by label.
   */
  matchDomain(asciiDomain: string): DomainMatch {
    const cached = this.domainCache.get(asciiDomain);
    if (cached !== undefined) return cached;
    const m = this.computeDomainMatch(asciiDomain);
    if (this.domainCache.size >= CACHE_LIMIT) this.domainCache.clear();
    this.domainCache.set(asciiDomain, m);
    return m;
  }

  private computeDomainMatch(domain: string): DomainMatch {
    const op = firstUnder(domain, this.operatorDomains);
    if (op) return { kind: 'operator', domain: op };
    if (isMixedScriptOrConfusable(domain)) return { kind: 'confusable' };
    if (isFreeMailDomain(domain)) return { kind: 'freeMail' };
    // domainSuffixes: the domain, then its parents, longest first, stopping before the public suffix.
    for (const suffix of domainSuffixes(domain)) {
      const claimants = this.conflictedDomains.get(suffix);
      if (claimants !== undefined)
        return { kind: 'conflicted', domain: suffix, tenantIds: claimants, signal: `verifiedDomain:${suffix}` };
      const ids = this.verifiedDomains.get(suffix);
      if (ids === undefined) continue;
      // the signal string is built once per domain, not once per address
      const signal = `verifiedDomain:${suffix}` as const;
      return ids.length === 1
        ? { kind: 'verified', domain: suffix, tenantId: ids[0]!, signal }
        : { kind: 'ambiguous', domain: suffix, tenantIds: ids, signal };
    }
    return { kind: 'none' };
  }
}

/** The operator domain that `domain` is, or is a subdomain of (label-wise), if any. */
function firstUnder(domain: string, set: ReadonlySet<string>): string | undefined {
  if (set.size === 0) return undefined;
  let d = domain;
  for (;;) {
    if (set.has(d)) return d;
    const dot = d.indexOf('.');
    if (dot < 0) return undefined;
    d = d.slice(dot + 1);
  }
}

function underAny(domain: string, set: ReadonlySet<string>): boolean {
  return firstUnder(domain, set) !== undefined;
}
