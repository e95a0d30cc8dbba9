/**
 * The decision per tenant over all records of an analysis (docs/design.md rules 1–2, docs/contracts.md §3):
 * records stream through `add`, one at a time; `finish` applies the operator's review
 * resolutions and may be called again with other resolutions (it changes nothing inside).
 */
import type {
  DataCategory,
  Decision,
  RecordAttribution,
  ReviewResolution,
  ReviewTrigger,
  Signal,
  SignalStatus,
} from './attribution.types.js';
import {
  categoriesFromMask,
  elementCategoryMask,
  resolutionLookup,
  resolveTo,
  reviewKeyFor,
  tenantCategoryMask,
} from './review.js';

export interface TenantDecision {
  tenantId: string;
  decision: Decision;
  /** e.g. `verified domain fabrikamcapital.de in 4 records`: counts are unique items */
  reasons: string[];
  /** only the categories of elements attributed to this tenant */
  dataCategories: DataCategory[];
  /** this tenant's unique items */
  records: number;
  /** this tenant's records before deduplication (duplicates of one item counted each) */
  rawRecords: number;
  /** the review items that name this tenant as a candidate */
  reviewKeys: string[];
}

export interface ReviewItem {
  reviewKey: string;
  itemKey: string;
  /** the records of this item that raised it, sorted */
  recordIds: string[];
  candidates: string[];
  triggers: ReviewTrigger[];
  /** the words around the text evidence of its records (operator only), at most a few */
  excerpts: string[];
  /** the operator's answer; null while unresolved */
  resolution: { tenantId: string | null } | null;
}

export interface DecisionOutcome {
  /** every tenant any record touched, sorted by tenant id */
  decisions: TenantDecision[];
  /** sorted by review key */
  reviewItems: ReviewItem[];
  tenants: { affected: number; notAffected: number; needsReview: number };
}

// A tenant id no directory can hold: stands for "a tenant that is no candidate" when
// precomputing what a resolution would give.
const STRANGER = '\u0000stranger';

/**
 * A set of item ids that is cheap to fill and light on the heap (no object per entry):
 * consecutive repeats are dropped at once, others when the array is compacted or counted.
 */
class ItemIds {
  private ids: number[] = [];
  private last = -1;
  private compactAt = 64;

  add(id: number): void {
    if (id === this.last) return;
    this.last = id;
    this.ids.push(id);
    if (this.ids.length >= this.compactAt) {
      this.compact();
      this.compactAt = Math.max(64, this.ids.length * 2);
    }
  }

  /** sorted, unique */
  values(): readonly number[] {
    this.compact();
    return this.ids;
  }

  get size(): number {
    return this.values().length;
  }

  private compact(): void {
    const sorted = Int32Array.from(this.ids).sort();
    const out: number[] = [];
    for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) out.push(sorted[i]!);
    this.ids = out;
  }
}

/** Excerpts a review item keeps over its records. */
const MAX_ITEM_EXCERPTS = 10;

const STATUS_ORDER: SignalStatus[] = ['strong', 'confirmed', 'review', 'suspended', 'ignored'];

interface TenantState {
  /** items owned without any review */
  items: ItemIds;
  /** records owned without any review */
  raw: number;
  mask: number;
  strong: boolean;
  /** per status (STATUS_ORDER index): signal → items */
  signals: (Map<Signal, ItemIds> | undefined)[];
}

interface ReviewGroup {
  itemKey: string;
  recordIds: string[];
  candidates: string[];
  triggers: Set<ReviewTrigger>;
  excerpts: Set<string>;
  /** categories a tenant gets when the item is resolved to it; STRANGER for anyone not listed */
  masks: Map<string, number>;
}

export class DecisionAccumulator {
  private readonly tenants = new Map<string, TenantState>();
  private readonly reviews = new Map<string, ReviewGroup>();
  private readonly itemIds = new Map<string, number>();
  private lastItemKey: string | undefined;
  private lastItemId = -1;

  private state(tenantId: string): TenantState {
    let s = this.tenants.get(tenantId);
    if (!s) {
      s = { items: new ItemIds(), raw: 0, mask: 0, strong: false, signals: [] };
      this.tenants.set(tenantId, s);
    }
    return s;
  }

  private itemId(itemKey: string): number {
    if (itemKey === this.lastItemKey) return this.lastItemId;
    let id = this.itemIds.get(itemKey);
    if (id === undefined) this.itemIds.set(itemKey, (id = this.itemIds.size));
    this.lastItemKey = itemKey;
    this.lastItemId = id;
    return id;
  }

  /**
   * One record's attribution (unresolved, as `attributeRecord` returned it). `itemKey`
   * identifies its deduplicated item: records of one item count once in every figure.
   * Records of one item may come in any order; adjacent ones are cheapest.
   */
  add(ra: RecordAttribution, itemKey: string): void {
    const id = this.itemId(itemKey);
    for (const s of ra.signals) {
      const st = this.state(s.tenantId);
      const i = STATUS_ORDER.indexOf(s.status);
      const bySignal = (st.signals[i] ??= new Map<Signal, ItemIds>());
      let items = bySignal.get(s.signal);
      if (!items) bySignal.set(s.signal, (items = new ItemIds()));
      items.add(id);
    }

    // one pass over the elements: each owner's categories
    const masks = new Map<string, number>();
    for (const t of ra.strongTenants) masks.set(t, 0);
    for (const el of ra.elements) {
      if (el.owners.length === 0) continue;
      const m = elementCategoryMask(el);
      for (const o of el.owners) masks.set(o.tenantId, (masks.get(o.tenantId) ?? 0) | m);
    }
    for (const [t, m] of masks) {
      const st = this.state(t);
      st.items.add(id);
      st.raw++;
      st.mask |= m;
      st.strong = true;
    }

    if (!ra.review) return;
    const reviewKey = reviewKeyFor(itemKey, ra.review.candidates);
    let g = this.reviews.get(reviewKey);
    if (!g) {
      g = {
        itemKey,
        recordIds: [],
        candidates: ra.review.candidates,
        triggers: new Set(),
        excerpts: new Set(),
        masks: new Map(),
      };
      this.reviews.set(reviewKey, g);
    }
    g.recordIds.push(ra.recordId);
    for (const t of ra.review.triggers) g.triggers.add(t);
    for (const e of ra.review.excerpts ?? []) if (g.excerpts.size < MAX_ITEM_EXCERPTS) g.excerpts.add(e);
    // What a resolution would give: to each candidate, to each tenant an element's evidence
    // names, and (STRANGER) to any other tenant, who gets the same as every other stranger.
    const targets = new Set(ra.review.candidates);
    for (const el of ra.elements) for (const t of el.pointsAt) targets.add(t);
    const strangerBefore = g.masks.get(STRANGER) ?? 0;
    const stranger = tenantCategoryMask(resolveTo(ra, STRANGER), STRANGER);
    // a tenant first named now got a stranger's share from the group's earlier records
    for (const t of targets) if (!g.masks.has(t)) g.masks.set(t, strangerBefore);
    for (const [t, m] of g.masks) {
      g.masks.set(t, m | (targets.has(t) ? tenantCategoryMask(resolveTo(ra, t), t) : stranger));
    }
    g.masks.set(STRANGER, strangerBefore | stranger);
  }

  /** The decisions with these review resolutions applied. Resolutions for unknown keys are ignored. */
  finish(resolutions: Iterable<ReviewResolution> = []): DecisionOutcome {
    const answers = resolutionLookup(resolutions);
    const extra = new Map<
      string,
      {
        items: Set<string>;
        raw: number;
        mask: number;
        to: Set<string>;
        none: Set<string>;
        other: Set<string>;
        pending: Set<string>;
        keys: Set<string>;
      }
    >();
    const x = (t: string) => {
      let e = extra.get(t);
      if (!e) {
        e = {
          items: new Set(),
          raw: 0,
          mask: 0,
          to: new Set(),
          none: new Set(),
          other: new Set(),
          pending: new Set(),
          keys: new Set(),
        };
        extra.set(t, e);
      }
      return e;
    };

    const reviewItems: ReviewItem[] = [];
    for (const [reviewKey, g] of this.reviews) {
      const answered = answers.has(reviewKey);
      const to = answered ? answers.get(reviewKey)! : undefined;
      reviewItems.push({
        reviewKey,
        itemKey: g.itemKey,
        recordIds: [...g.recordIds].sort(),
        candidates: g.candidates,
        triggers: [...g.triggers].sort(),
        excerpts: [...g.excerpts],
        resolution: answered ? { tenantId: to ?? null } : null,
      });
      for (const c of g.candidates) {
        const e = x(c);
        e.keys.add(reviewKey);
        if (!answered) e.pending.add(g.itemKey);
        else if (to === null) e.none.add(g.itemKey);
        else if (to !== c) e.other.add(g.itemKey);
      }
      if (typeof to === 'string') {
        const e = x(to);
        e.to.add(g.itemKey);
        e.items.add(g.itemKey);
        e.raw += g.recordIds.length;
        e.mask |= g.masks.get(to) ?? g.masks.get(STRANGER) ?? 0;
      }
    }
    reviewItems.sort((a, b) => (a.reviewKey < b.reviewKey ? -1 : a.reviewKey > b.reviewKey ? 1 : 0));

    const decisions: TenantDecision[] = [];
    const ids = new Set([...this.tenants.keys(), ...extra.keys()]);
    for (const tenantId of [...ids].sort()) {
      const st = this.tenants.get(tenantId);
      const e = extra.get(tenantId);
      const items = new Set(st?.items.values());
      for (const k of e?.items ?? []) items.add(this.itemIds.get(k)!);
      const affected = (st?.strong ?? false) || (e?.to.size ?? 0) > 0;
      const decision: Decision = affected ? 'affected' : (e?.pending.size ?? 0) > 0 ? 'needs_review' : 'not_affected';

      const reasons: string[] = [];
      const bySignal = (st?.signals ?? []).flatMap((m, i) =>
        [...(m ?? [])].map(([signal, ids]) => ({ status: STATUS_ORDER[i]!, signal, n: ids.size })),
      );
      bySignal.sort(
        (a, b) =>
          STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) ||
          b.n - a.n ||
          (a.signal < b.signal ? -1 : 1),
      );
      const push = (text: string, n: number) => reasons.push(`${text} in ${n} ${n === 1 ? 'record' : 'records'}`);
      for (const r of bySignal.filter((r) => r.status === 'strong' || r.status === 'confirmed')) {
        push(signalReason(r.signal, r.status), r.n);
      }
      if (e?.to.size) push('review resolved to this tenant', e.to.size);
      for (const r of bySignal.filter((r) => r.status !== 'strong' && r.status !== 'confirmed')) {
        push(signalReason(r.signal, r.status), r.n);
      }
      if (e?.pending.size) push('unresolved review', e.pending.size);
      if (e?.none.size) push('review resolved to none', e.none.size);
      if (e?.other.size) push('review resolved to another tenant', e.other.size);

      decisions.push({
        tenantId,
        decision,
        reasons,
        dataCategories: categoriesFromMask((st?.mask ?? 0) | (e?.mask ?? 0)),
        records: items.size,
        rawRecords: (st?.raw ?? 0) + (e?.raw ?? 0),
        reviewKeys: [...(e?.keys ?? [])].sort(),
      });
    }

    const count = (d: Decision) => decisions.filter((x) => x.decision === d).length;
    return {
      decisions,
      reviewItems,
      tenants: { affected: count('affected'), notAffected: count('not_affected'), needsReview: count('needs_review') },
    };
  }
}

export function signalLabel(signal: Signal): string {
  if (signal === 'tenantId') return 'tenant id';
  if (signal === 'contactAddress') return 'contact address';
  if (signal === 'phone') return 'phone number';
  if (signal === 'operatorReview') return 'operator review';
  if (signal.startsWith('verifiedDomain:')) return `verified domain ${signal.slice('verifiedDomain:'.length)}`;
  return `company name "${signal.slice('companyName:'.length)}"`;
}

function signalReason(signal: Signal, status: SignalStatus): string {
  const label = signalLabel(signal);
  switch (status) {
    case 'strong':
      return label;
    case 'confirmed':
      return `${label} (weak, with a strong signal)`;
    case 'suspended':
      return `${label} held for review (conflicting strong signals)`;
    case 'review':
      return signal === 'contactAddress' || signal.startsWith('verifiedDomain:')
        ? `${label} listed by several tenants (review)`
        : `${label} without a strong signal (review)`;
    case 'ignored':
      return `${label} names several tenants (ignored)`;
  }
}
