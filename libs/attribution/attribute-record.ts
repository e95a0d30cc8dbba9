/**
 * Attribution of one normalized record, element by element, with evidence (docs/design.md rule 2).
 * A pure function of the record and the directory index.
 */
import { normalizeEmail } from '../common/email.js';
import type { NormalizedPerson, NormalizedRecord } from '../exposure/exposure.types.js';
import type {
  AttributedElement,
  ElementOwner,
  RecordAttribution,
  ReviewTrigger,
  Signal,
  SignalEvidence,
  SignalStatus,
} from './attribution.types.js';
import type { DirectoryIndex } from './directory-index.js';
import type { TextPlace } from '../exposure/rules/text-elements.js';

/** What one address says, after the operator, confusable, contact, free-mail and domain rules. */
export type AddressOutcome =
  | { kind: 'operator' }
  | { kind: 'confusable' }
  | { kind: 'freeMail' }
  | { kind: 'unknown' }
  | { kind: 'owned'; tenantId: string; signal: Signal }
  | {
      kind: 'ambiguous';
      tenantIds: readonly string[];
      signal: Signal;
      trigger: ReviewTrigger;
      conflicted?: { domain: string; claimants: number };
    };

/** What one weak signal (company name, phone number) says. */
interface WeakOutcome {
  tenantIds: readonly string[];
  signal: Signal;
}

const OPERATOR: AddressOutcome = { kind: 'operator' };
const CONFUSABLE: AddressOutcome = { kind: 'confusable' };
const FREE_MAIL: AddressOutcome = { kind: 'freeMail' };
const UNKNOWN: AddressOutcome = { kind: 'unknown' };

export function resolveAddress(address: string, domain: string, index: DirectoryIndex): AddressOutcome {
  const m = index.matchDomain(domain);
  // The operator's people sit on every thread: their addresses are nobody's, even a listed contact.
  if (m.kind === 'operator') return OPERATOR;
  // A homograph of a tenant's domain is someone else's: never a match, not even as a contact.
  if (m.kind === 'confusable') return CONFUSABLE;
  // A domain in conflict identifies none of its claimants, not even through a contact one of
  // them lists on it (an imposter could list the victim's admins): an operator decides.
  if (m.kind === 'conflicted') {
    const contacts = index.contactTenants(address);
    const tenantIds = contacts.length ? [...new Set([...m.tenantIds, ...contacts])] : m.tenantIds;
    return {
      kind: 'ambiguous',
      tenantIds,
      signal: m.signal,
      trigger: 'conflictedDomain',
      conflicted: { domain: m.domain, claimants: m.tenantIds.length },
    };
  }
  // An exact contact address is the most specific evidence there is, and the only one free mail has.
  const contacts = index.contactTenants(address);
  if (contacts.length === 1) {
    // A contact on its own tenant's verified domain is explained by the domain, like its colleagues.
    if (m.kind === 'verified' && m.tenantId === contacts[0])
      return { kind: 'owned', tenantId: m.tenantId, signal: m.signal };
    return { kind: 'owned', tenantId: contacts[0]!, signal: 'contactAddress' };
  }
  if (contacts.length > 1) {
    return { kind: 'ambiguous', tenantIds: contacts, signal: 'contactAddress', trigger: 'ambiguousContactAddress' };
  }
  if (m.kind === 'freeMail') return FREE_MAIL;
  if (m.kind === 'verified') return { kind: 'owned', tenantId: m.tenantId, signal: m.signal };
  if (m.kind === 'ambiguous') {
    return { kind: 'ambiguous', tenantIds: m.tenantIds, signal: m.signal, trigger: 'ambiguousVerifiedDomain' };
  }
  return UNKNOWN;
}

/** Excerpts a review carries per record: enough to judge, little to store. */
const MAX_EXCERPTS = 5;

const sortedUnique = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

export function attributeRecord(rec: NormalizedRecord, index: DirectoryIndex): RecordAttribution {
  const evidence: string[] = [];
  const signals: SignalEvidence[] = [];
  const addSignal = (tenantId: string, signal: Signal, status: SignalStatus): void => {
    // a record names few tenants: a scan is cheaper than building keys for a set
    for (const s of signals) if (s.tenantId === tenantId && s.signal === signal && s.status === status) return;
    signals.push({ tenantId, signal, status });
  };

  // 1. Tenant ids: only those the directory knows.
  const idTenants = new Set<string>();
  for (const raw of rec.tenantIds) {
    const t = index.tenant(raw);
    if (t) idTenants.add(t.id);
    else evidence.push(`unknown tenant id ${raw}: ignored`);
  }

  // 2. Addresses, including people's addresses that the record did not list.
  const outcomes = new Map<string, AddressOutcome>();
  /** addresses seen in a field; the others were found only in the subject or body */
  const inField = new Set<string>();
  const inText = new Map<string, { places: Set<TextPlace>; excerpt?: string }>();
  for (const a of rec.addresses) {
    if (!outcomes.has(a.address)) outcomes.set(a.address, resolveAddress(a.address, a.domain, index));
    if (a.role === 'subject' || a.role === 'body' || a.role === 'quotedHeader') {
      let t = inText.get(a.address);
      if (!t) inText.set(a.address, (t = { places: new Set() }));
      t.places.add(a.role);
      // a quoted header is the strongest kind of text evidence: its excerpt is the one shown
      if (a.excerpt !== undefined && (t.excerpt === undefined || a.role === 'quotedHeader')) t.excerpt = a.excerpt;
    } else inField.add(a.address);
  }
  const personAddress = new Map<NormalizedPerson, string>();
  for (const p of rec.people) {
    if (!p.email) continue;
    if (outcomes.has(p.email)) {
      personAddress.set(p, p.email);
      continue;
    }
    const n = normalizeEmail(p.email);
    if (!n) continue;
    personAddress.set(p, n.address);
    if (!outcomes.has(n.address)) outcomes.set(n.address, resolveAddress(n.address, n.domain, index));
  }

  const addressTenants = new Set<string>();
  const ambiguousTenants = new Set<string>();
  const triggers = new Set<ReviewTrigger>();
  const conflictedDomains = new Map<string, number>();
  for (const o of outcomes.values()) {
    if (o.kind === 'owned') addressTenants.add(o.tenantId);
    else if (o.kind === 'ambiguous') {
      for (const t of o.tenantIds) ambiguousTenants.add(t);
      triggers.add(o.trigger);
      if (o.conflicted) conflictedDomains.set(o.conflicted.domain, o.conflicted.claimants);
    }
  }
  for (const [d, n] of conflictedDomains) evidence.push(`domain ${d} is claimed by ${n} tenants`);

  // 3. Conflict: a tenant id none of whose addresses are in the record, while the record's
  // customer addresses point at a tenant. Then no strong attribution at all: a person decides.
  const conflict =
    addressTenants.size > 0 && [...idTenants].some((t) => !addressTenants.has(t) && !ambiguousTenants.has(t));
  const candidates = new Set<string>(ambiguousTenants);
  if (conflict) {
    triggers.add('conflictingStrongSignals');
    for (const t of idTenants) candidates.add(t);
    for (const t of addressTenants) candidates.add(t);
    evidence.push('conflicting strong signals: the tenant id and the addresses name different tenants');
  }
  const strong = new Set<string>(conflict ? [] : [...idTenants, ...addressTenants]);
  const strongStatus: SignalStatus = conflict ? 'suspended' : 'strong';

  for (const t of idTenants) addSignal(t, 'tenantId', strongStatus);
  const notes = { operator: 0, confusable: 0, freeMail: 0 };
  for (const o of outcomes.values()) {
    if (o.kind === 'owned') addSignal(o.tenantId, o.signal, strongStatus);
    else if (o.kind === 'ambiguous') for (const t of o.tenantIds) addSignal(t, o.signal, 'review');
    else if (o.kind in notes) notes[o.kind as keyof typeof notes]++;
  }
  if (notes.operator) evidence.push(`${notes.operator} operator address(es): nobody's`);
  if (notes.confusable)
    evidence.push(`${notes.confusable} address(es) on a mixed-script or confusable domain: nobody's`);
  if (notes.freeMail) evidence.push(`${notes.freeMail} free-mail address(es) that are no contact: nobody's`);
  let textEvidence = 0;
  for (const a of inText.keys()) {
    const kind = outcomes.get(a)!.kind;
    if (!inField.has(a) && (kind === 'owned' || kind === 'ambiguous')) textEvidence++;
  }
  if (textEvidence) evidence.push(`${textEvidence} address(es) naming a tenant found only in the subject or body`);

  // 4. Weak signals: a tenant's name or alias, a directory phone number.
  const weak = (tenantIds: readonly string[], signal: Signal, what: string): WeakOutcome => {
    if (tenantIds.length === 1) {
      const t = tenantIds[0]!;
      if (strong.has(t)) addSignal(t, signal, 'confirmed');
      else {
        addSignal(t, signal, 'review');
        candidates.add(t);
        triggers.add('weakSignalOnly');
      }
    } else if (tenantIds.length > 1 && strong.size === 0 && !conflict) {
      // Nothing else in the record decides between them: an operator does, not silence.
      for (const t of tenantIds) {
        addSignal(t, signal, 'review');
        candidates.add(t);
      }
      triggers.add('ambiguousWeakSignal');
      evidence.push(`${what} names ${tenantIds.length} tenants: review`);
    } else if (tenantIds.length > 1) {
      for (const t of tenantIds) addSignal(t, signal, 'ignored');
      evidence.push(`${what} names ${tenantIds.length} tenants: ignored (the record has a strong signal)`);
    }
    return { tenantIds, signal };
  };

  const companies = new Map<string, { written: string; outcome: WeakOutcome }>();
  for (const written of rec.companies) {
    const normalized = index.companyKey(written);
    const key = normalized || written;
    if (companies.has(key)) continue;
    const ids = normalized ? index.companyTenants(normalized) : [];
    companies.set(key, { written, outcome: weak(ids, `companyName:${key}`, `company name "${key}"`) });
  }

  const phoneList = [...rec.phones];
  for (const p of rec.people) if (p.phone) phoneList.push(p.phone);
  const phones = new Map<string, WeakOutcome>();
  for (const p of phoneList) {
    if (!phones.has(p)) phones.set(p, weak(index.phoneTenants(p), 'phone', 'a phone number'));
  }

  // 5. Elements.
  const owner = (t: string, signal: Signal): ElementOwner[] => [{ tenantId: t, signal }];
  /** An element named by a weak signal: owned only when the same tenant is strong in the record. */
  const fromWeak = (o: WeakOutcome | undefined): Pick<AttributedElement, 'owners' | 'pointsAt' | 'unowned'> => {
    if (!o || o.tenantIds.length === 0) return { owners: [], pointsAt: [], unowned: 'noSignal' };
    if (o.tenantIds.length > 1) return { owners: [], pointsAt: sortedUnique(o.tenantIds), unowned: 'ambiguous' };
    const t = o.tenantIds[0]!;
    if (strong.has(t)) return { owners: owner(t, o.signal), pointsAt: [t] };
    return { owners: [], pointsAt: [t], unowned: conflict ? 'conflict' : 'weakOnly' };
  };
  const fromAddress = (o: AddressOutcome): Pick<AttributedElement, 'owners' | 'pointsAt' | 'unowned' | 'operator'> => {
    switch (o.kind) {
      case 'owned':
        return conflict
          ? { owners: [], pointsAt: [o.tenantId], unowned: 'conflict', operator: false }
          : { owners: owner(o.tenantId, o.signal), pointsAt: [o.tenantId], operator: false };
      case 'ambiguous':
        return { owners: [], pointsAt: sortedUnique(o.tenantIds), unowned: 'ambiguous', operator: false };
      default:
        return { owners: [], pointsAt: [], unowned: o.kind, operator: o.kind === 'operator' };
    }
  };

  const elements: AttributedElement[] = [];
  for (const [address, o] of outcomes) {
    const el: AttributedElement = { kind: 'address', key: address, email: address, ...fromAddress(o) };
    const text = inField.has(address) ? undefined : inText.get(address);
    if (text) {
      el.foundIn = [...text.places].sort();
      if (text.excerpt !== undefined) el.excerpt = text.excerpt;
    }
    elements.push(el);
  }

  const personElements: AttributedElement[] = [];
  const seenPerson = new Set<string>();
  for (const p of rec.people) {
    if (seenPerson.has(p.key)) continue;
    seenPerson.add(p.key);
    const address = personAddress.get(p);
    // A person is owned through its address; without one, through its phone as a weak signal.
    const own = address
      ? fromAddress(outcomes.get(address)!)
      : { ...fromWeak(p.phone ? phones.get(p.phone) : undefined), operator: false };
    const el: AttributedElement = { kind: 'person', key: p.key, ...own };
    if (p.name) el.name = p.name;
    if (p.email) el.email = address ?? p.email;
    if (p.phone) el.phone = p.phone;
    // display only: its owner is decided above without it
    if (p.otherPhone) el.otherPhone = p.otherPhone;
    personElements.push(el);
    elements.push(el);
  }

  for (const [phone, o] of phones) {
    const carriers = personElements.filter((el) => el.phone === phone);
    if (carriers.length === 0) {
      elements.push({ kind: 'phone', key: phone, phone, operator: false, ...fromWeak(o) });
      continue;
    }
    // A person's phone number is owned by that person's tenant.
    const owners: ElementOwner[] = [];
    for (const c of carriers) {
      for (const ow of c.owners) if (!owners.some((x) => x.tenantId === ow.tenantId)) owners.push(ow);
    }
    const el: AttributedElement = {
      kind: 'phone',
      key: phone,
      phone,
      owners,
      pointsAt: sortedUnique(carriers.flatMap((c) => c.pointsAt)),
      operator: carriers.some((c) => c.operator),
    };
    if (owners.length === 0) el.unowned = carriers[0]!.unowned ?? 'noSignal';
    elements.push(el);
  }

  for (const [key, { written, outcome }] of companies) {
    elements.push({ kind: 'company', key, company: written, operator: false, ...fromWeak(outcome) });
  }

  // Record-level elements belong to every strong tenant of the record.
  const strongSorted = [...strong].sort();
  const primary = new Map<string, Signal>();
  for (const s of signals) if (s.status === 'strong' && !primary.has(s.tenantId)) primary.set(s.tenantId, s.signal);
  const recordOwners = (): Pick<AttributedElement, 'owners' | 'pointsAt' | 'unowned' | 'operator'> => {
    const owners = strongSorted.map((t) => ({ tenantId: t, signal: primary.get(t)! }));
    return owners.length
      ? { owners, pointsAt: [], operator: false }
      : { owners, pointsAt: [], operator: false, unowned: conflict ? 'conflict' : 'noStrongTenant' };
  };
  // Another organization named in the record (a company or a domain outside the directory, an
  // imposter's lookalike domain) may have the file too: it is nobody's alone.
  let outside = false;
  for (const o of outcomes.values()) if (o.kind === 'unknown' || o.kind === 'confusable') outside = true;
  for (const { outcome } of companies.values()) if (outcome.tenantIds.length === 0) outside = true;
  const seenFile = new Set<string>();
  for (const f of rec.files) {
    if (seenFile.has(f.key)) continue;
    seenFile.add(f.key);
    const el: AttributedElement = { kind: 'file', key: f.key, ...recordOwners() };
    if (outside) el.sharedOutside = true;
    if (f.fileName) el.fileName = f.fileName;
    if (f.sha256) el.sha256 = f.sha256;
    elements.push(el);
  }
  for (const projectId of new Set(rec.projectIds)) {
    elements.push({ kind: 'project', key: projectId, projectId, ...recordOwners() });
  }
  // Subject and body: a category only; the text itself is never carried to a tenant.
  if (rec.hasBody || (rec.subject !== undefined && rec.subject.trim() !== '')) {
    elements.push({ kind: 'content', key: 'content', ...recordOwners() });
  }

  let review: RecordAttribution['review'] = null;
  if (candidates.size) {
    review = { candidates: sortedUnique(candidates), triggers: [...triggers].sort() };
    // the text that named a candidate, so the operator can tell a signature from a passing mention
    const excerpts: string[] = [];
    for (const el of elements) {
      if (el.excerpt !== undefined && el.foundIn && el.pointsAt.some((t) => candidates.has(t)))
        excerpts.push(`${el.foundIn.join(', ')}: ${el.excerpt}`);
    }
    for (const tp of rec.textPhones ?? []) {
      if (phones.get(tp.phone)?.tenantIds.some((t) => candidates.has(t))) excerpts.push(`${tp.where}: ${tp.excerpt}`);
    }
    if (excerpts.length) review.excerpts = [...new Set(excerpts)].slice(0, MAX_EXCERPTS);
  }

  return {
    recordId: rec.recordId,
    kind: rec.kind,
    strongTenants: strongSorted,
    signals,
    elements,
    review,
    evidence,
  };
}
