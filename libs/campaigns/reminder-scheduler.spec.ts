import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadConfig } from '../config/config.js';
import type { ReminderRun } from './reminder-run.js';
import { ReminderScheduler } from './reminder-scheduler.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// against the real Redis: the lock is a Redis key several workers share
describe('ReminderScheduler (Redis)', () => {
  let redis: Redis;
  let prefix: string;
  const started: ReminderScheduler[] = [];

  /** A scheduler whose run only counts its calls (each takes a moment, as a real one does). */
  async function scheduler(intervalMs: number) {
    const calls = { n: 0 };
    const run = {
      run: async () => {
        calls.n++;
        await sleep(20);
        return { campaigns: 0, notices: 0, queued: 0 };
      },
    } as unknown as ReminderRun;
    const s = new ReminderScheduler(
      run,
      loadConfig({ REDIS_URL, QUEUE_PREFIX: prefix, REMINDER_INTERVAL_MS: String(intervalMs) }),
    );
    await s.onApplicationBootstrap();
    started.push(s);
    return { s, calls };
  }

  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  beforeEach(() => {
    prefix = `impact_test_reminders_${randomBytes(4).toString('hex')}`;
  });
  afterEach(async () => {
    for (const s of started.splice(0)) await s.onModuleDestroy();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  });
  afterAll(() => redis.disconnect());

  it('runs on exactly one of several workers per interval', async () => {
    const workers = await Promise.all([scheduler(60_000), scheduler(60_000), scheduler(60_000)]);
    const first = await Promise.all(workers.map((w) => w.s.periodic()));
    expect(first.filter(Boolean)).toHaveLength(1);
    // the pass took the lock for the interval: later tries run nothing
    const again = await Promise.all(workers.map((w) => w.s.periodic()));
    expect(again).toEqual([false, false, false]);
    expect(workers.reduce((n, w) => n + w.calls.n, 0)).toBe(1);
    expect(await redis.pttl(`${prefix}:reminders:lock`)).toBeGreaterThan(50_000);
  });

  it('runs again once the lock lapses, on its own timer', async () => {
    const w = await scheduler(300);
    await sleep(1500);
    expect(w.calls.n).toBeGreaterThanOrEqual(2);
  });

  it('runs nothing with REMINDER_INTERVAL_MS=0', async () => {
    const w = await scheduler(0);
    expect(await w.s.periodic()).toBe(false);
    await sleep(300);
    expect(w.calls.n).toBe(0);
    expect(await redis.exists(`${prefix}:reminders:lock`)).toBe(0);
  });
});
