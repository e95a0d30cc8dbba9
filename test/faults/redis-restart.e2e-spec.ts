/**
 * Fault: Redis restarts without persistence in the middle of a campaign, so every queued job,
 * every lock and the rate limiter's state are gone. PostgreSQL is the record: reconciliation
 * (an operator's pause and resume, and a worker's start) puts back exactly the unfinished work,
 * and the campaign completes with nothing lost and nothing doubled.
 */
import type { INestApplicationContext } from '@nestjs/common';
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

describe('fault: Redis restarted empty mid-campaign', () => {
  let db: ScenarioDatabase;
  let redis: RedisServer;
  let acs: AcsEmulator;
  let app: INestApplicationContext;
  let env: ServiceEnv;
  let seeded: SeededCampaign;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    await ensureWorkerBuilt();
    db = await createScenarioDatabase('redis');
    redis = await startRedis();
    acs = await AcsEmulator.start({ runningPolls: 1, latencyMs: 120, keepBodies: false });
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: queuePrefix('redis'),
      ACS_CONNECTION_STRING: acs.connectionString,
      MAIL_RATE_PER_MINUTE: '100000',
    };
    seeded = await seedCampaign(db.pool, { tenants: 70, seed: 8 });
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

  it('completes from what PostgreSQL says is unfinished, exactly once', async () => {
    const launcher = app.get(CampaignLauncher);
    const statusView = app.get(CampaignStatusView);
    await launcher.launch(seeded.campaignId, 'fault-operator');
    const expected = seeded.expectedRecipients.size;
    const worker = await startWorker(workerEnv(env), 'worker');
    workers.push(worker);

    await until('half of the emails', () => acs.messages().length >= expected / 2, 120_000, 20);
    await redis.kill();
    const atWipe = { accepted: acs.messages().length, states: await deliveryStates(db.pool, seeded.campaignId) };
    await sleep(1500);
    await redis.restart();

    // Redis is back but empty: whatever was in flight finishes, then nothing more happens
    await sleep(4000);
    const stalled = {
      accepted: acs.messages().length,
      states: await deliveryStates(db.pool, seeded.campaignId),
      status: (await statusView.status(seeded.campaignId)).status,
    };
    await sleep(2000);
    expect(acs.messages().length).toBe(stalled.accepted);
    expect(stalled.accepted).toBeLessThan(expected);
    // the worker survived losing Redis
    expect(worker.child.exitCode).toBeNull();

    // the operator's way back: pause and resume reconcile from PostgreSQL
    await launcher.pause(seeded.campaignId, 'fault-operator');
    const resumedAt = Date.now();
    await launcher.resume(seeded.campaignId, 'fault-operator');
    const status = await until(
      'completion after reconciliation',
      async () => {
        const s = await statusView.status(seeded.campaignId);
        return s.status === 'completed' ? s : undefined;
      },
      150_000,
      250,
    );
    const report = await exactlyOnce(db.pool, acs, seeded);
    process.stderr.write(
      `fault redis-restart: ${JSON.stringify({ expected, atWipe, stalled, secondsToFinishAfterResume: (Date.now() - resumedAt) / 1000, resentSameOperation: acs.stats().duplicates, emails: status.counts.emails })}\n`,
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
