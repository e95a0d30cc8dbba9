/**
 * The shapes that attribution, decisions and exposure views share (docs/design.md rules 2–4).
 * Pure data: no database, no Nest.
 */
import type { RecordKind } from '../exposure/exposure.types.js';
import type { TextPlace } from '../exposure/rules/text-elements.js';

/** The data categories a notice may name, in the order they are listed. */
export const DATA_CATEGORIES = [
  'Names',
  'Email addresses',
  'Phone numbers',
  'Email content',
  'Company name',
  'Attached files',
] as const;
export type DataCategory = (typeof DATA_CATEGORIES)[number];

/**
 * What attributed an element to a tenant. Strong: `tenantId`, `verifiedDomain:<domain>`,
 * `contactAddress`. Weak: `companyName:<normalized name>`, `phone` (they only attribute an
 * element when the same tenant has a strong signal in the record). `operatorReview`: an
 * operator resolved the record's review item to the tenant.
 */
export type Signal =
  'tenantId' | `verifiedDomain:${string}` | 'contactAddress' | `companyName:${string}` | 'phone' | 'operatorReview';

/**
 * How a signal was used in one record:
 * - `strong`: made the tenant one of the record's tenants;
 * - `confirmed`: a weak signal for a tenant that also has a strong signal in the record;
 * - `suspended`: a strong signal held back because the record's strong signals conflict;
 * - `review`: made the tenant a candidate of the record's review item;
 * - `ignored`: a weak signal that points at several tenants, so at none of them.
 */
export type SignalStatus = 'strong' | 'confirmed' | 'suspended' | 'review' | 'ignored';

export interface SignalEvidence {
  tenantId: string;
  signal: Signal;
  status: SignalStatus;
}

/**
 * The elements of a record. `file`, `project` and `content` are record-level: they belong to
 * every tenant of the record. The others belong to the tenant their own evidence names.
 */
export type ElementKind = 'address' | 'person' | 'phone' | 'company' | 'file' | 'project' | 'content';

export interface ElementOwner {
  tenantId: string;
  signal: Signal;
}

/** Why an element with no owner has none. */
export type Unowned =
  | 'operator'
  | 'confusable'
  | 'freeMail'
  | 'unknown'
  | 'ambiguous'
  | 'conflict'
  | 'weakOnly'
  | 'noSignal'
  | 'noStrongTenant';

export interface AttributedElement {
  kind: ElementKind;
  /**
   * Stable within the record: the address, the person key, the E.164 number, the normalized
   * company name, the file key, the project id, or `content`.
   */
  key: string;
  /** Who owns it, each with its signal; empty: nobody. */
  owners: ElementOwner[];
  /**
   * The tenants the element's own evidence names, accepted or not (held back by a conflict,
   * weak only, ambiguous). A review resolved to T gives T an unowned element only when this is
   * empty or names T. Always empty for record-level elements.
   */
  pointsAt: string[];
  /** The operator's own (an operator-domain address, its person, that person's phone): nobody's, ever. */
  operator: boolean;
  /** Set when `owners` is empty. */
  unowned?: Unowned;
  /** An address found only in the free text, not in a field: where (sorted). */
  foundIn?: TextPlace[];
  /** The words around such an address: for an operator's review, never shown to a tenant. */
  excerpt?: string;
  /**
   * A file of a record that also names an organization outside the directory (a company name
   * that is no tenant's, an address on a domain that is no tenant's, the operator's or free
   * mail): its name is withheld from every tenant, as for a file two tenants share.
   */
  sharedOutside?: true;
  // Display values; only ever shown to an owner.
  /** person name */
  name?: string;
  /** address, or the person's address */
  email?: string;
  /** E.164, the phone element's number or the person's */
  phone?: string;
  /** the person's phone number that is not valid (normalized digits): shown to the person's owner, never evidence */
  otherPhone?: string;
  /** company name as written */
  company?: string;
  fileName?: string;
  sha256?: string;
  projectId?: string;
}

export type ReviewTrigger =
  | 'conflictingStrongSignals'
  | 'weakSignalOnly'
  | 'ambiguousContactAddress'
  | 'ambiguousVerifiedDomain'
  /** an address on a domain that several tenants of the directory claim */
  | 'conflictedDomain'
  /** a company name (or phone number) several tenants share, and no strong signal in the record */
  | 'ambiguousWeakSignal';

export interface ReviewNeed {
  /** sorted, unique */
  candidates: string[];
  /** sorted, unique */
  triggers: ReviewTrigger[];
  /**
   * The words around the text evidence that named a candidate (`quotedHeader: …From: Ana
   * <ana@contoso.com>…`), at most a few: for the operator, never for a tenant. Absent when none.
   */
  excerpts?: string[];
  /** set by `applyResolution`: the tenant the operator chose, or null for none; absent while unresolved */
  resolvedTo?: string | null;
}

export interface RecordAttribution {
  recordId: string;
  kind: RecordKind;
  /** Tenants with an accepted strong signal (empty when a conflict suspended them), sorted. */
  strongTenants: string[];
  /** Every use of a signal in the record, for explanations. */
  signals: SignalEvidence[];
  elements: AttributedElement[];
  review: ReviewNeed | null;
  /** Operator-facing notes on what matched nobody and why. */
  evidence: string[];
}

/** An operator's answer to a review item: the tenant the record belongs to, or null for none. */
export interface ReviewResolution {
  reviewKey: string;
  tenantId: string | null;
}

export type Decision = 'affected' | 'needs_review' | 'not_affected';
