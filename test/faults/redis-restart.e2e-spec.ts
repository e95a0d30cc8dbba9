/**
 * Fault: Redis loses everything in the middle of a campaign (a restart without persistence, or a
 * FLUSHALL), so every queued job, every lock and the rate limiter's state are gone. PostgreSQL is
 * the record: the workers notice the loss (their marker key is gone) and reconcile on their own,
 * with no operator action, and the campaign completes with nothing lost and nothing doubled.
 */
import type { INestApplicationContext } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AcsEmulator } from '../support/acs-emulator.js';
import { CampaignLauncher } from '../../libs/campaigns/campaign-launcher.js';
import { CampaignStatusView } from '../../libs/campaigns/campaign-status.js';
import {
  createScenarioDatabase,
  dropQueues,
  deliveryStates,
  ensureWorkerBuilt,
  exactlyOnce,
  operatorContext,
  queuePrefix,
  seedCampaign,
  sleep,
  startRedis,
  startWorker,
  until,
  workerEnv,
  type RedisServer,
  type ScenarioDatabase,
  type SeededCampaign,
  type ServiceEnv,
  type WorkerProcess,
} from './harness.js';

/** How Redis loses its data in a scenario. */
const WIPES: { name: string; label: string; seed: number; wipe: (redis: RedisServer) => Promise<void> }[] = [
  {
    name: 'restarted empty',
    label: 'redis',
    seed: 8,
    wipe: async (redis) => {
      await redis.kill();
      await sleep(1500);
      await redis.restart();
    },
  },
  {
    name: 'flushed (FLUSHALL, no reconnect)',
    label: 'flush',
    seed: 9,
    wipe: async (redis) => {
      const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      try {
        await client.flushall();
      } finally {
        client.disconnect();
      }
    },
  },
];

describe.each(WIPES)('fault: Redis $name mid-campaign', ({ label, seed, wipe }) => {
  let db: ScenarioDatabase;
  let redis: RedisServer;
  let acs: AcsEmulator;
  let app: INestApplicationContext;
  let env: ServiceEnv;
  let seeded: SeededCampaign;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    await ensureWorkerBuilt();
    db = await createScenarioDatabase(label);
    redis = await startRedis();
    acs = await AcsEmulator.start({ runningPolls: 1, latencyMs: 120, keepBodies: false });
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: queuePrefix(label),
      // no periodic pass: what brings the work back here is noticing the loss
      RECONCILE_INTERVAL_MS: '0',
      ACS_CONNECTION_STRING: acs.connectionString,
      MAIL_RATE_PER_MINUTE: '100000',
    };
    seeded = await seedCampaign(db.pool, { tenants: 70, seed });
    app = await operatorContext(env);
  }, 180_000);

  afterAll(async () => {
    for (const w of workers) await w.stop('SIGKILL');
    await app?.close();
    await acs?.close();
    await redis?.stop();
    if (env) await dropQueues(env.REDIS_URL, env.QUEUE_PREFIX);
    await db?.drop();
  });

  it('completes from what PostgreSQL says is unfinished, exactly once, without an operator', async () => {
    const statusView = app.get(CampaignStatusView);
    await app.get(CampaignLauncher).launch(seeded.campaignId, 'fault-operator');
    const expected = seeded.expectedRecipients.size;
    const worker = await startWorker(workerEnv(env), 'worker');
    workers.push(worker);

    await until('half of the emails', () => acs.messages().length >= expected / 2, 120_000, 20);
    await wipe(redis);
    const atWipe = { accepted: acs.messages().length, states: await deliveryStates(db.pool, seeded.campaignId) };

    // no operator action: the worker finds its marker gone and re-queues the unfinished work
    const wipedAt = Date.now();
    const status = await until(
      'completion after Redis came back empty, with no operator action',
      async () => {
        const s = await statusView.status(seeded.campaignId);
        return s.status === 'completed' ? s : undefined;
      },
      150_000,
      250,
    );
    // the worker survived losing Redis
    expect(worker.child.exitCode).toBeNull();
    expect(worker.output()).toContain('Redis lost its data');
    const report = await exactlyOnce(db.pool, acs, seeded);
    process.stderr.write(
      `fault redis-${label}: ${JSON.stringify({ expected, atWipe, secondsToFinishAfterWipe: (Date.now() - wipedAt) / 1000, resentSameOperation: acs.stats().duplicates, emails: status.counts.emails })}\n`,
    );
    expect({ ...report, ok: undefined }).toEqual({
      ...report,
      missing: [],
      doubled: [],
      strangers: [],
      doubledOperations: 0,
      noticeMismatches: [],
      unfinishedDeliveries: 0,
      ok: undefined,
    });
    expect(report.recorded).toBe(expected);
    expect(report.ok).toBe(true);

    // a worker started later reconciles too, and finds nothing left to do
    const again = await startWorker(workerEnv(env), 'worker-2');
    workers.push(again);
    await sleep(1500);
    expect(acs.messages().length).toBe(expected);
  }, 240_000);
});
