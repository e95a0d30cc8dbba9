import { EventThrottle } from './event-throttle.js';

describe('EventThrottle', () => {
  it('writes the first occurrence, counts the rest of the minute, and carries that count into the next write', () => {
    let now = 0;
    const t = new EventThrottle(60_000, 100, () => now);
    expect(t.hit('invalid_token\n10.0.0.1')).toBe(1);
    for (let i = 0; i < 500; i++) expect(t.hit('invalid_token\n10.0.0.1')).toBeNull();
    // another reason or another address is its own key
    expect(t.hit('refused_read\n10.0.0.1')).toBe(1);
    expect(t.hit('invalid_token\n10.0.0.2')).toBe(1);
    now = 59_999;
    expect(t.hit('invalid_token\n10.0.0.1')).toBeNull();
    now = 60_000;
    expect(t.hit('invalid_token\n10.0.0.1')).toBe(502);
    now = 200_000;
    expect(t.hit('invalid_token\n10.0.0.1')).toBe(1);
  });

  it('stays bounded when addresses keep changing', () => {
    let now = 0;
    const t = new EventThrottle(60_000, 100, () => now);
    for (let i = 0; i < 1000; i++) expect(t.hit(`invalid_token\n10.0.${i >> 8}.${i & 255}`)).toBe(1);
    expect(t.size).toBeLessThanOrEqual(100);
    now = 61_000;
    t.hit('invalid_token\nnew');
    expect(t.size).toBeLessThanOrEqual(100);
  });
});
