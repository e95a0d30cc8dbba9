/**
 * Failed attempts per key (a client address) in a fixed window opened by the first failure: after
 * `maxFailures` of them the key waits until that window closes. A success clears the key.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, { startedAt: number; count: number }>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs = 60_000,
    /** keys kept at most; closed windows go first, then the oldest half */
    private readonly maxKeys = 100_000,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Whole seconds the key must wait before trying again; 0 when it may try now. */
  waitSeconds(key: string): number {
    const f = this.failures.get(key);
    if (!f || f.count < this.maxFailures) return 0;
    const left = f.startedAt + this.windowMs - this.clock();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /** Counts a failure; returns how many the key has in the current window. */
  fail(key: string): number {
    const now = this.clock();
    let f = this.failures.get(key);
    if (!f || now - f.startedAt >= this.windowMs) {
      if (!f && this.failures.size >= this.maxKeys) this.evict(now);
      f = { startedAt: now, count: 0 };
      this.failures.set(key, f);
    }
    f.count += 1;
    return f.count;
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }

  private evict(now: number): void {
    for (const [k, f] of this.failures) if (now - f.startedAt >= this.windowMs) this.failures.delete(k);
    if (this.failures.size < this.maxKeys) return;
    let drop = Math.ceil(this.failures.size / 2);
    for (const k of this.failures.keys()) {
      if (drop-- <= 0) break;
      this.failures.delete(k);
    }
  }
}
