/**
 * One exact-duplicate item's attribution, handed to each of its records. Records with the same
 * fingerprint have the same normalized content (docs/deduplication.md, rule 1), and attribution
 * is a pure function of that content and the directory: the copies' attributions differ only in
 * their recordId (and in the order of their elements, which the fingerprint sorts: a copy gets
 * the order of the item's first record). Attributing, and serializing, once per item is most of
 * what an analysis saves on a data set full of copies.
 */
import type { RecordAttribution } from './attribution.types.js';
import { touchedTenants } from './review.js';

// Stands in for the recordId in the serialized attribution. A NUL never reaches an attribution
// (lines with control characters are quarantined), and jsonFor checks that it occurs once anyway.
const MARK = '\u0000recordId\u0000';
const MARK_JSON = JSON.stringify(MARK);

export class ItemAttribution {
  /** every tenant the item touches (touchedTenants), the same for each copy */
  readonly tenants: string[];
  private template: [string, string] | null | undefined;

  constructor(
    readonly fingerprint: string,
    private readonly attribution: RecordAttribution,
  ) {
    this.tenants = touchedTenants(attribution);
  }

  /** The attribution of the item's record `recordId`. */
  forRecord(recordId: string): RecordAttribution {
    return recordId === this.attribution.recordId ? this.attribution : { ...this.attribution, recordId };
  }

  /** JSON.stringify(forRecord(recordId)), the rest of the text serialized once per item. */
  jsonFor(recordId: string): string {
    if (this.template === undefined) {
      const parts = JSON.stringify({ ...this.attribution, recordId: MARK }).split(MARK_JSON);
      this.template = parts.length === 2 ? [parts[0]!, parts[1]!] : null;
    }
    if (this.template === null) return JSON.stringify(this.forRecord(recordId));
    return this.template[0] + JSON.stringify(recordId) + this.template[1];
  }
}
