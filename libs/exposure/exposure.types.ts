/**
 * The shapes of the exposure data set: a record as read from a line (docs/contracts.md §2), and the
 * normalized form that deduplication and attribution work on.
 */

export const RECORD_KINDS = ['email', 'attachment', 'document', 'contact', 'project'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** A record as accepted from an input line; unknown fields are kept in `extra` places by the reader. */
export interface ExposureRecordInput {
  recordId: string;
  kind: RecordKind;
  source?: { container?: string; path?: string; [k: string]: unknown };
  capturedAt?: string;
  subject?: string;
  body?: string;
  from?: string;
  to?: string[];
  cc?: string[];
  bcc?: string[];
  fileName?: string;
  sha256?: string;
  people?: { name?: string; email?: string; phone?: string; [k: string]: unknown }[];
  companies?: string[];
  tenantIds?: string[];
  projectIds?: string[];
  attachments?: { fileName?: string; sha256?: string; [k: string]: unknown }[];
  [unknownField: string]: unknown;
}

/** A field, or (`subject`, `body`, `quotedHeader`) the free text the address was found in. */
export type AddressRole = 'from' | 'to' | 'cc' | 'bcc' | 'person' | 'subject' | 'body' | 'quotedHeader';

/** An email address after normalization (trim, NFKC, case-fold, IDN domain as punycode). */
export interface NormalizedAddress {
  address: string;
  /** ASCII (punycode) domain */
  domain: string;
  role: AddressRole;
  /** found in text: the words around it, for an operator's review (never shown to a tenant) */
  excerpt?: string;
}

export interface NormalizedPerson {
  /**
   * `email:<address>`, else `name:<folded name>|<phone>`, else `name:<folded name>`, else
   * `phone:<phone>`; the phone is the E.164 form of a valid number, else the normalized digits
   * of a not-valid one (`otherPhone`)
   */
  key: string;
  name?: string;
  email?: string;
  /** E.164, a valid number only: attribution evidence */
  phone?: string;
  /** a possible but not valid number, or one without a country code (`+11235550147`, `5550147123`): exposed, never evidence */
  otherPhone?: string;
}

export interface NormalizedFile {
  /** `sha256:<hex>` when the hash is known, else `name:<folded file name>` */
  key: string;
  fileName?: string;
  sha256?: string;
}

/** What one record exposes, element by element, after normalization. */
export interface NormalizedRecord {
  recordId: string;
  kind: RecordKind;
  subject?: string;
  /** the record carries message or document text */
  hasBody: boolean;
  addresses: NormalizedAddress[];
  people: NormalizedPerson[];
  /**
   * phone numbers in E.164, from people[], CSV phone columns and the subject and body (a `+`
   * number or one after a label such as `Tel:`): valid numbers only
   */
  phones: string[];
  /** where numbers of `phones` were found in the subject or body, with the words around them (for an operator) */
  textPhones?: { phone: string; where: 'subject' | 'body' | 'quotedHeader'; excerpt: string }[];
  /** phone numbers that are not valid but still phone numbers, normalized (see NormalizedPerson.otherPhone); never evidence */
  otherPhones: string[];
  /** company names as written (trimmed, spacing collapsed) */
  companies: string[];
  /** tenant ids as written, lower-cased */
  tenantIds: string[];
  /** project ids, trimmed and upper-cased */
  projectIds: string[];
  files: NormalizedFile[];
}
