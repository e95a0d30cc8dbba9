import { FailureLimiter } from './failure-limiter.js';

describe('FailureLimiter', () => {
  it('holds a key back after N failures until the minute that started with the first one is over', () => {
    let now = 0;
    const l = new FailureLimiter(3, 60_000, 100, () => now);
    for (let i = 1; i <= 3; i++) {
      expect(l.waitSeconds('10.0.0.1')).toBe(0);
      expect(l.fail('10.0.0.1')).toBe(i);
    }
    expect(l.waitSeconds('10.0.0.1')).toBe(60);
    expect(l.waitSeconds('10.0.0.2')).toBe(0);
    now = 59_001;
    expect(l.waitSeconds('10.0.0.1')).toBe(1);
    now = 60_000;
    expect(l.waitSeconds('10.0.0.1')).toBe(0);
    // a new window starts with the next failure
    expect(l.fail('10.0.0.1')).toBe(1);
  });

  it('forgets the failures of a key that then succeeds', () => {
    const l = new FailureLimiter(2, 60_000, 100, () => 0);
    l.fail('a');
    l.succeed('a');
    l.fail('a');
    expect(l.waitSeconds('a')).toBe(0);
    l.fail('a');
    expect(l.waitSeconds('a')).toBe(60);
  });
});
