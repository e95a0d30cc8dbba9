import { TokenBucketLimiter } from './rate-limiter.js';

describe('TokenBucketLimiter', () => {
  it("allows a minute's worth at once, then refills at the rate", () => {
    let now = 0;
    const l = new TokenBucketLimiter(60, 100, () => now);
    for (let i = 0; i < 60; i++) expect(l.take('a').allowed).toBe(true);
    expect(l.take('a')).toEqual({ allowed: false, retryAfterS: 1 });
    now += 1000;
    expect(l.take('a').allowed).toBe(true);
    expect(l.take('a').allowed).toBe(false);
    // keys are independent
    expect(l.take('b').allowed).toBe(true);
  });

  it('says how long to wait', () => {
    let now = 0;
    const l = new TokenBucketLimiter(2, 100, () => now);
    l.take('a');
    l.take('a');
    expect(l.take('a')).toEqual({ allowed: false, retryAfterS: 30 });
    now += 29_000;
    expect(l.take('a').allowed).toBe(false);
    now += 1_000;
    expect(l.take('a').allowed).toBe(true);
  });

  it('keeps at most maxKeys buckets, dropping refilled ones first and never a limited one while idle ones remain', () => {
    let now = 0;
    const l = new TokenBucketLimiter(1, 3, () => now);
    expect(l.take('busy').allowed).toBe(true);
    now += 60_000;
    l.take('idle1');
    l.take('idle2');
    now += 120_000;
    l.take('busy'); // empty again
    l.take('new'); // evicts the refilled idle ones
    expect(l.size).toBeLessThanOrEqual(3);
    expect(l.take('busy').allowed).toBe(false);
  });
});
