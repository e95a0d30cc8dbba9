import type {
  AttributedElement,
  RecordAttribution,
  ReviewTrigger,
  SignalEvidence,
  SignalStatus,
} from '../attribution/attribution.types.js';

/**
 * What an operator needs to judge one review item: each record's content as it was exposed, each
 * element with who it points at, and per candidate tenant the evidence for and against it. Pure:
 * the service reads, this explains. Operators only: a tenant never sees this.
 */
export interface ReviewEvidence {
  /** why the item was raised, one sentence per trigger */
  why: { trigger: ReviewTrigger; explanation: string }[];
  candidates: CandidateEvidence[];
  records: RecordEvidence[];
}

export interface CandidateEvidence {
  tenantId: string;
  name: string | null;
  /** sentences naming the record and the signal, e.g. `r1: verified domain contoso.com (strong)` */
  for: string[];
  against: string[];
}

export interface RecordEvidence {
  recordId: string;
  /** where the record came from: the upload (0 = the data set's first file) and its line there */
  upload: number | null;
  line: number | null;
  kind: string | null;
  /** the record as exposed (null when the data set no longer holds it) */
  content: unknown;
  elements: ElementEvidence[];
  /** the attribution's own notes on what matched nobody and why */
  notes: string[];
}

export interface ElementEvidence {
  kind: AttributedElement['kind'];
  /** what the element is, as written in the record */
  value: string;
  owners: { tenantId: string; signal: string }[];
  /** the tenants the element's own evidence names, accepted or not */
  pointsAt: string[];
  /** why nobody owns it, when nobody does */
  unowned: string | null;
  /** for an address found only in free text: the words around it */
  excerpt: string | null;
}

export const TRIGGER_EXPLANATIONS: Record<ReviewTrigger, string> = {
  conflictingStrongSignals:
    'the record carries strong evidence (a tenant id, a verified domain or a contact address) for more than one tenant, so none was accepted',
  weakSignalOnly:
    'only weak evidence (a company name or a phone number) names a tenant; no address, domain or tenant id confirms it',
  ambiguousContactAddress: 'an address in the record is a listed contact of several tenants',
  ambiguousVerifiedDomain: 'an address in the record is on a domain several tenants have verified',
  conflictedDomain: 'an address in the record is on a domain that several tenants claim',
  ambiguousWeakSignal:
    'a company name or phone number in the record is shared by several tenants, and nothing strong in the record decides between them',
};

const STATUS_FOR: ReadonlySet<SignalStatus> = new Set(['strong', 'confirmed', 'review']);

const STATUS_WORDS: Record<SignalStatus, string> = {
  strong: 'strong',
  confirmed: 'confirmed by a strong signal',
  review: 'raised for review',
  suspended: 'held back: the record also names another tenant strongly',
  ignored: 'ignored: it points at several tenants',
};

/** A signal in words: `verified domain contoso.com`, `company name contoso`, `tenant id`. */
export function describeSignal(signal: string): string {
  const [kind, ...rest] = signal.split(':');
  const value = rest.join(':');
  switch (kind) {
    case 'tenantId':
      return 'tenant id in the record';
    case 'verifiedDomain':
      return `verified domain ${value}`;
    case 'contactAddress':
      return 'a listed contact address';
    case 'companyName':
      return `company name ${value}`;
    case 'phone':
      return 'a listed phone number';
    case 'operatorReview':
      return "an operator's earlier review";
    default:
      return signal;
  }
}

function elementValue(e: AttributedElement): string {
  return e.email ?? e.name ?? e.phone ?? e.company ?? e.fileName ?? e.projectId ?? e.key;
}

/**
 * The evidence of one review item. `attributions` holds the stored attribution of each record
 * that still has one; `records` the exposed record itself. A record missing from either is still
 * listed (with nulls), never dropped: the operator sees that something is missing.
 */
export function explainReview(input: {
  recordIds: readonly string[];
  candidates: readonly string[];
  triggers: readonly string[];
  names: ReadonlyMap<string, string>;
  attributions: ReadonlyMap<string, RecordAttribution>;
  records: ReadonlyMap<string, { upload: number; line: number; kind: string; content: unknown }>;
}): ReviewEvidence {
  const why = input.triggers.map((t) => ({
    trigger: t as ReviewTrigger,
    explanation: TRIGGER_EXPLANATIONS[t as ReviewTrigger] ?? `raised as ${t}`,
  }));
  const candidates: CandidateEvidence[] = input.candidates.map((tenantId) => ({
    tenantId,
    name: input.names.get(tenantId) ?? null,
    for: [],
    against: [],
  }));
  const byTenant = new Map(candidates.map((c) => [c.tenantId, c]));
  const records: RecordEvidence[] = input.recordIds.map((recordId) => {
    const a = input.attributions.get(recordId);
    const r = input.records.get(recordId);
    if (a) addSignals(recordId, a.signals, byTenant, input.names);
    return {
      recordId,
      upload: r?.upload ?? null,
      line: r?.line ?? null,
      kind: r?.kind ?? a?.kind ?? null,
      content: r?.content ?? null,
      elements: (a?.elements ?? []).map((e) => ({
        kind: e.kind,
        value: elementValue(e),
        owners: e.owners.map((o) => ({ tenantId: o.tenantId, signal: describeSignal(o.signal) })),
        pointsAt: e.pointsAt,
        unowned: e.unowned ?? null,
        excerpt: e.excerpt ?? null,
      })),
      notes: a ? a.evidence : ['no stored attribution for this record: analyze the campaign again'],
    };
  });
  return { why, candidates, records };
}

function addSignals(
  recordId: string,
  signals: readonly SignalEvidence[],
  byTenant: ReadonlyMap<string, CandidateEvidence>,
  names: ReadonlyMap<string, string>,
): void {
  for (const s of signals) {
    const own = byTenant.get(s.tenantId);
    const line = `${recordId}: ${describeSignal(s.signal)} (${STATUS_WORDS[s.status]})`;
    if (own) (STATUS_FOR.has(s.status) ? own.for : own.against).push(line);
    // a strong signal for anyone else speaks against every other candidate
    if (s.status === 'strong' || s.status === 'suspended') {
      const other = names.get(s.tenantId) ?? s.tenantId;
      for (const c of byTenant.values()) {
        if (c.tenantId !== s.tenantId)
          c.against.push(`${recordId}: also names ${other} by ${describeSignal(s.signal)} (${STATUS_WORDS[s.status]})`);
      }
    }
  }
}
