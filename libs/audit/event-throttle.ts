/**
 * At most one written event per key and window: the first occurrence is written at once, later
 * ones in that window are only counted, and the next written event carries that count. A caller
 * hammering the API with bad tokens costs the audit log one row a minute, not one per request.
 */
export class EventThrottle {
  private readonly windows = new Map<string, { startedAt: number; unwritten: number }>();

  constructor(
    private readonly windowMs = 60_000,
    /** keys kept at most; closed windows go first, then the oldest half */
    private readonly maxKeys = 10_000,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The count to write now (occurrences since the last written event, this one included), or null to only count it. */
  hit(key: string): number | null {
    const now = this.clock();
    const w = this.windows.get(key);
    if (w && now - w.startedAt < this.windowMs) {
      w.unwritten += 1;
      return null;
    }
    if (!w && this.windows.size >= this.maxKeys) this.evict(now);
    this.windows.set(key, { startedAt: now, unwritten: 0 });
    return (w?.unwritten ?? 0) + 1;
  }

  get size(): number {
    return this.windows.size;
  }

  private evict(now: number): void {
    for (const [k, w] of this.windows) if (now - w.startedAt >= this.windowMs) this.windows.delete(k);
    if (this.windows.size < this.maxKeys) return;
    let drop = Math.ceil(this.windows.size / 2);
    for (const k of this.windows.keys()) {
      if (drop-- <= 0) break;
      this.windows.delete(k);
    }
  }
}
