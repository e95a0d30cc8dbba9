/**
 * A token bucket per key (a user, a client address): `perMinute` requests a minute on average,
 * with bursts up to a minute's worth. In memory, per process: with N API processes a client gets
 * at most N times the rate, which is the price of needing no shared store on every request.
 */
export interface RateDecision {
  allowed: boolean;
  /** whole seconds until one request would be allowed again (0 when allowed) */
  retryAfterS: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    private readonly perMinute: number,
    /** buckets kept at most; the fullest (idle) ones are dropped first when the map grows past it */
    private readonly maxKeys = 100_000,
    private readonly clock: () => number = Date.now,
  ) {
    this.perMs = perMinute / 60_000;
  }

  take(key: string): RateDecision {
    const now = this.clock();
    let b = this.buckets.get(key);
    if (b) {
      b.tokens = Math.min(this.perMinute, b.tokens + (now - b.at) * this.perMs);
      b.at = now;
    } else {
      if (this.buckets.size >= this.maxKeys) this.evictIdle(now);
      b = { tokens: this.perMinute, at: now };
      this.buckets.set(key, b);
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { allowed: true, retryAfterS: 0 };
    }
    return { allowed: false, retryAfterS: Math.max(1, Math.ceil((1 - b.tokens) / this.perMs / 1000)) };
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Drops the buckets that have refilled (nobody is being held back by them); if none, the oldest half. */
  private evictIdle(now: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + (now - b.at) * this.perMs >= this.perMinute) this.buckets.delete(k);
    }
    if (this.buckets.size < this.maxKeys) return;
    let drop = Math.ceil(this.buckets.size / 2);
    for (const k of this.buckets.keys()) {
      if (drop-- <= 0) break;
      this.buckets.delete(k);
    }
  }
}
