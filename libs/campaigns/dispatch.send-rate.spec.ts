import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { SendRateLimiter, type EvalClient } from './dispatch.send-rate.js';

// against the real Redis: the limiter is one Lua script, so this is where its behaviour lives
describe('SendRateLimiter (Redis)', () => {
  let redis: Redis;
  const key = () => `impact_test_send_rate_${randomBytes(4).toString('hex')}`;
  const limiter = (k: string, max: number, windowMs: number) => new SendRateLimiter(async () => redis as unknown as EvalClient, k, max, windowMs);

  beforeAll(() => {
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  });
  afterAll(() => redis.disconnect());

  it('grants max sends in a window, then says how long until the oldest leaves it', async () => {
    const l = limiter(key(), 3, 800);
    const started = Date.now();
    for (let i = 0; i < 3; i++) expect((await l.take()).waitMs).toBe(0);
    const refused = await l.take();
    expect(refused.waitMs).toBeGreaterThan(0);
    expect(refused.waitMs).toBeLessThanOrEqual(800);
    await new Promise((r) => setTimeout(r, refused.waitMs + 20));
    expect((await l.take()).waitMs).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(790);
  });

  it('is a sliding window: a burst at the end of one minute and the start of the next cannot both go', async () => {
    const l = limiter(key(), 4, 1000);
    expect((await l.take()).waitMs).toBe(0);
    await new Promise((r) => setTimeout(r, 700));
    for (let i = 0; i < 3; i++) expect((await l.take()).waitMs).toBe(0);
    // a fixed window restarting at 1000 ms would grant 4 more here; any 1000 ms may hold only 4
    await new Promise((r) => setTimeout(r, 350));
    expect((await l.take()).waitMs).toBe(0); // the first one left the window
    const w = await l.take();
    expect(w.waitMs).toBeGreaterThan(0);
    expect(w.waitMs).toBeLessThanOrEqual(700);
  });

  it('never grants more than max to concurrent callers', async () => {
    const k = key();
    const ls = Array.from({ length: 5 }, () => limiter(k, 7, 5000));
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => ls[i % 5]!.take()));
    expect(results.filter((r) => r.waitMs === 0)).toHaveLength(7);
  });

  it('a released grant (the provider refused the send) frees its slot', async () => {
    const l = limiter(key(), 2, 5000);
    const a = await l.take();
    expect((await l.take()).waitMs).toBe(0);
    expect((await l.take()).waitMs).toBeGreaterThan(0);
    await a.release();
    expect((await l.take()).waitMs).toBe(0);
    expect((await l.take()).waitMs).toBeGreaterThan(0);
  });
});
