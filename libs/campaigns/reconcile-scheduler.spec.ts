import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadConfig } from '../config/config.js';
import type { DispatchReconciler } from './dispatch-reconciler.js';
import { ReconcileScheduler } from './reconcile-scheduler.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, fn: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// against the real Redis: the marker and the lock are Redis keys several workers share
describe('ReconcileScheduler (Redis)', () => {
  let redis: Redis;
  let prefix: string;
  const started: ReconcileScheduler[] = [];

  /** A scheduler whose reconciliation only counts its calls (each takes a moment, as a real one does). */
  async function scheduler(intervalMs: number) {
    const calls = { n: 0 };
    const dispatch = {
      reconcileAll: async () => {
        calls.n++;
        await sleep(20);
      },
    } as unknown as DispatchReconciler;
    const config = loadConfig({ REDIS_URL, QUEUE_PREFIX: prefix, RECONCILE_INTERVAL_MS: String(intervalMs) });
    const s = new ReconcileScheduler(dispatch, config);
    await s.onApplicationBootstrap();
    started.push(s);
    return { s, calls };
  }

  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  beforeEach(() => {
    prefix = `impact_test_reconcile_${randomBytes(4).toString('hex')}`;
  });
  afterEach(async () => {
    for (const s of started.splice(0)) await s.onModuleDestroy();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  });
  afterAll(() => redis.disconnect());

  it('sets the marker at start without reconciling (the start-up pass covers that moment)', async () => {
    const { calls } = await scheduler(0);
    expect(await redis.exists(`${prefix}:reconcile:marker`)).toBe(1);
    await sleep(1500);
    expect(calls.n).toBe(0);
  });

  it('reconciles once, on exactly one of several workers, when Redis loses the marker', async () => {
    const workers = await Promise.all([scheduler(0), scheduler(0), scheduler(0)]);
    const total = () => workers.reduce((a, w) => a + w.calls.n, 0);
    // what a FLUSHALL or a restart without persistence does to every key
    await redis.del(`${prefix}:reconcile:marker`);
    await until('a reconciliation after the marker vanished', () => total() >= 1);
    // every worker has looked again meanwhile: the marker is back, nobody else reconciles
    await sleep(2500);
    expect(total()).toBe(1);
    expect(await redis.exists(`${prefix}:reconcile:marker`)).toBe(1);
  });

  it('reconciles periodically, one worker of the fleet per interval', async () => {
    const since = Date.now();
    const workers = await Promise.all([scheduler(1000), scheduler(1000)]);
    const total = () => workers.reduce((a, w) => a + w.calls.n, 0);
    await until('four periodic passes', () => total() >= 4);
    // each pass takes the interval's lock: both workers passing every interval would make twice as many
    const intervals = Math.ceil((Date.now() - since) / 1000);
    expect(total()).toBeLessThanOrEqual(intervals + 1);
  });

  it('runs again after the current pass when asked during it, and never two at once', async () => {
    let active = 0;
    let most = 0;
    let n = 0;
    const dispatch = {
      reconcileAll: async () => {
        n++;
        most = Math.max(most, ++active);
        await sleep(100);
        active--;
      },
    } as unknown as DispatchReconciler;
    const s = new ReconcileScheduler(dispatch, loadConfig({ REDIS_URL, QUEUE_PREFIX: prefix }));
    const first = s.reconcile();
    const second = s.reconcile();
    const third = s.reconcile();
    await Promise.all([first, second, third]);
    expect(most).toBe(1);
    expect(n).toBe(2);
  });

  it('a periodic interval of 0 disables the periodic pass', async () => {
    const { calls } = await scheduler(0);
    expect(await redis.exists(`${prefix}:reconcile:lock`)).toBe(0);
    await sleep(1200);
    expect(calls.n).toBe(0);
  });
});
