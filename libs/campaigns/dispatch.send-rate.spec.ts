import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { SendRateLimiter, type RecordedAttempt } from './dispatch.send-rate.js';

// against the real Redis: the limiter is Lua scripts, so this is where its behaviour lives
describe('SendRateLimiter (Redis)', () => {
  let redis: Redis;
  const keys: string[] = [];
  const key = () => {
    const k = `impact_test_send_rate_${randomBytes(4).toString('hex')}`;
    keys.push(k, `${k}:epoch`);
    return k;
  };
  const nothingRecorded = async (_windowMs: number): Promise<RecordedAttempt[]> => [];
  const limiter = (k: string, max: number, windowMs: number, recorded = nothingRecorded) =>
    new SendRateLimiter(async () => redis, k, max, recorded, windowMs);
  let n = 0;
  const id = () => String(++n);

  beforeAll(() => {
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('grants max sends in a window, then says how long until the oldest leaves it', async () => {
    const l = limiter(key(), 3, 800);
    const started = Date.now();
    for (let i = 0; i < 3; i++) expect((await l.take(id())).waitMs).toBe(0);
    const refused = await l.take(id());
    expect(refused.waitMs).toBeGreaterThan(0);
    expect(refused.waitMs).toBeLessThanOrEqual(800);
    await new Promise((r) => setTimeout(r, refused.waitMs + 20));
    expect((await l.take(id())).waitMs).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(790);
  });

  it('is a sliding window: a burst at the end of one minute and the start of the next cannot both go', async () => {
    const l = limiter(key(), 4, 1000);
    expect((await l.take(id())).waitMs).toBe(0);
    await new Promise((r) => setTimeout(r, 700));
    for (let i = 0; i < 3; i++) expect((await l.take(id())).waitMs).toBe(0);
    // a fixed window restarting at 1000 ms would grant 4 more here; any 1000 ms may hold only 4
    await new Promise((r) => setTimeout(r, 350));
    expect((await l.take(id())).waitMs).toBe(0); // the first one left the window
    const w = await l.take(id());
    expect(w.waitMs).toBeGreaterThan(0);
    expect(w.waitMs).toBeLessThanOrEqual(700);
  });

  it('never grants more than max to concurrent callers, across processes', async () => {
    const k = key();
    const ls = Array.from({ length: 5 }, () => limiter(k, 7, 5000));
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => ls[i % 5]!.take(id())));
    expect(results.filter((r) => r.waitMs === 0)).toHaveLength(7);
  });

  it('counts a delivery once: its retry (the same operation id) is not another send', async () => {
    const l = limiter(key(), 2, 5000);
    const d = id();
    for (let i = 0; i < 3; i++) expect((await l.take(d)).waitMs).toBe(0);
    expect((await l.take(id())).waitMs).toBe(0);
    expect((await l.take(id())).waitMs).toBeGreaterThan(0);
  });

  it('a released grant (the provider refused the send) frees its slot', async () => {
    const l = limiter(key(), 2, 5000);
    const a = await l.take(id());
    expect((await l.take(id())).waitMs).toBe(0);
    expect((await l.take(id())).waitMs).toBeGreaterThan(0);
    await a.release();
    expect((await l.take(id())).waitMs).toBe(0);
    expect((await l.take(id())).waitMs).toBeGreaterThan(0);
  });

  it('after Redis lost the log, rebuilds it from the recorded attempts before granting more', async () => {
    const k = key();
    const sent: RecordedAttempt[] = [];
    let asked = 0;
    const recorded = async (windowMs: number) => {
      asked++;
      return sent.filter((a) => a.at > Date.now() - windowMs);
    };
    const a = limiter(k, 10, 5000, recorded);
    const b = limiter(k, 10, 5000, recorded);
    for (let i = 0; i < 8; i++) {
      const d = id();
      expect((await (i % 2 ? a : b).take(d)).waitMs).toBe(0);
      sent.push({ deliveryId: d, at: Date.now() });
    }
    expect(asked).toBe(1); // once, for the very first grant
    // what a restart without persistence does to these keys
    await redis.del(k, `${k}:epoch`);
    let granted = 0;
    for (let i = 0; i < 10; i++) for (const l of [a, b]) if ((await l.take(id())).waitMs === 0) granted++;
    expect(granted).toBe(2);
    expect(await redis.zcard(k)).toBe(10);
  });
});
