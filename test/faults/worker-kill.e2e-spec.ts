/**
 * Fault: the worker process is killed with SIGKILL about half way through a campaign, then
 * started again. Jobs it held are lost mid-flight (a notice half written, an email sent but not
 * recorded); the next worker must finish the campaign with exactly one notice per affected tenant
 * and exactly one email per privileged contact, and nothing for anyone else.
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
  startWorker,
  until,
  workerEnv,
  type ScenarioDatabase,
  type SeededCampaign,
  type ServiceEnv,
  type WorkerProcess,
} from './harness.js';

describe('fault: worker killed with SIGKILL half way, then restarted', () => {
  let db: ScenarioDatabase;
  let acs: AcsEmulator;
  let app: INestApplicationContext;
  let env: ServiceEnv;
  let seeded: SeededCampaign;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    await ensureWorkerBuilt();
    db = await createScenarioDatabase('kill');
    // slow enough that "half way" lasts: every request waits, so several sends are in flight
    acs = await AcsEmulator.start({ runningPolls: 1, latencyMs: 120, keepBodies: false });
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: queuePrefix('kill'),
      ACS_CONNECTION_STRING: acs.connectionString,
      MAIL_RATE_PER_MINUTE: '100000',
    };
    seeded = await seedCampaign(db.pool, { tenants: 70, seed: 7 });
    app = await operatorContext(env);
  }, 180_000);

  afterAll(async () => {
    for (const w of workers) await w.stop('SIGKILL');
    await app?.close();
    await acs?.close();
    if (env) await dropQueues(env.REDIS_URL, env.QUEUE_PREFIX);
    await db?.drop();
  });

  it('finishes the campaign exactly once after the kill', async () => {
    const launcher = app.get(CampaignLauncher);
    const statusView = app.get(CampaignStatusView);
    await launcher.launch(seeded.campaignId, 'fault-operator');
    const expected = seeded.expectedRecipients.size;
    expect(expected).toBeGreaterThan(40);

    const first = await startWorker(workerEnv(env), 'worker-1');
    workers.push(first);
    await until('half of the emails', () => acs.messages().length >= expected / 2, 120_000, 20);
    first.kill('SIGKILL');
    const ended = await first.exited;
    expect(ended.signal).toBe('SIGKILL');
    const atKill = { accepted: acs.messages().length, states: await deliveryStates(db.pool, seeded.campaignId) };
    // the kill really interrupted work: some of it was unfinished
    expect(atKill.accepted).toBeLessThan(expected);

    const startedAgain = Date.now();
    const second = await startWorker(workerEnv(env), 'worker-2');
    workers.push(second);
    const status = await until(
      'completion after the restart',
      async () => {
        const s = await statusView.status(seeded.campaignId);
        return s.status === 'completed' ? s : undefined;
      },
      150_000,
      250,
    );
    const report = await exactlyOnce(db.pool, acs, seeded);
    process.stderr.write(
      `fault worker-kill: ${JSON.stringify({ expected, atKill, secondsToFinish: (Date.now() - startedAgain) / 1000, resentSameOperation: acs.stats().duplicates, status: status.counts })}\n`,
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
    expect(status.counts.emails.sent).toBe(expected);
    expect(status.counts.notices.posted).toBe(seeded.affectedTenants.length);
  }, 240_000);
});

/**
 * Fault: one of two workers is killed with SIGKILL and not started again. The emails it was
 * sending at that moment hold their locks until they run out; then the surviving worker's stalled
 * check puts them back and sends them, within seconds (JOB_LOCK_MS + JOB_STALLED_INTERVAL_MS, the
 * defaults here), not the minute BullMQ's own defaults would take (a 30 s lock, a 30 s check).
 */
describe('fault: one of two workers killed with SIGKILL, not restarted', () => {
  let db: ScenarioDatabase;
  let acs: AcsEmulator;
  let app: INestApplicationContext;
  let env: ServiceEnv;
  let seeded: SeededCampaign;
  let redis: Redis;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    await ensureWorkerBuilt();
    db = await createScenarioDatabase('takeover');
    // each send waits, so the killed worker surely holds some when it dies
    acs = await AcsEmulator.start({ runningPolls: 1, latencyMs: 800, keepBodies: false });
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: queuePrefix('takeover'),
      ACS_CONNECTION_STRING: acs.connectionString,
      MAIL_RATE_PER_MINUTE: '100000',
      // nothing but the stalled check may bring the dead worker's jobs back
      RECONCILE_INTERVAL_MS: '0',
    };
    seeded = await seedCampaign(db.pool, { tenants: 70, seed: 17 });
    app = await operatorContext(env);
    redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1 });
  }, 180_000);

  afterAll(async () => {
    for (const w of workers) await w.stop('SIGKILL');
    redis?.disconnect();
    await app?.close();
    await acs?.close();
    if (env) await dropQueues(env.REDIS_URL, env.QUEUE_PREFIX);
    await db?.drop();
  });

  /** The email jobs running now, with the token of the worker holding each (`<worker id>:<n>`). */
  async function activeEmailJobs(): Promise<{ id: string; worker: string }[]> {
    const ids = await redis.lrange(`${env.QUEUE_PREFIX}:emails:active`, 0, -1);
    const locks = ids.length ? await redis.mget(ids.map((id) => `${env.QUEUE_PREFIX}:emails:${id}:lock`)) : [];
    return ids.map((id, i) => ({ id, worker: (locks[i] ?? '').replace(/:\d+$/, '') }));
  }

  it("the survivor sends the dead worker's in-flight emails within seconds, exactly once", async () => {
    const launcher = app.get(CampaignLauncher);
    const statusView = app.get(CampaignStatusView);
    const expected = seeded.expectedRecipients.size;
    const doomed = await startWorker(workerEnv(env), 'doomed');
    workers.push(doomed);
    await launcher.launch(seeded.campaignId, 'fault-operator');
    // the first emails in flight are the doomed worker's: that tells its BullMQ id
    const first = await until(
      'emails in flight',
      async () => (await activeEmailJobs()).find((j) => j.worker),
      60_000,
      20,
    );
    // the survivor is running before the kill, as it would be in a fleet
    const survivor = await startWorker(workerEnv(env), 'survivor');
    workers.push(survivor);
    const inFlight = (
      await until(
        'the doomed worker holding emails',
        async () => {
          const held = (await activeEmailJobs()).filter((j) => j.worker === first.worker);
          return held.length >= 2 ? held : undefined;
        },
        60_000,
        10,
      )
    ).map((j) => j.id);
    doomed.kill('SIGKILL');
    expect((await doomed.exited).signal).toBe('SIGKILL');
    const killedAt = Date.now();

    const deliveryIds = inFlight.map((id) => id.replace(/^email__/, ''));
    expect(deliveryIds.every((id) => /^\d+$/.test(id))).toBe(true);
    // BullMQ's defaults hold a lock 30 s and look every 30 s; ours free it within about 15 s (sends included)
    await until(
      "the dead worker's in-flight emails, sent by the survivor",
      async () => {
        const r = await db.pool.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM deliveries WHERE id = ANY($1::bigint[]) AND state IN ('sent', 'failed')`,
          [deliveryIds],
        );
        return Number(r.rows[0]!.n) === deliveryIds.length;
      },
      28_000,
      100,
    );
    const tookOverAfterS = (Date.now() - killedAt) / 1000;
    const status = await until(
      'completion',
      async () => {
        const s = await statusView.status(seeded.campaignId);
        return s.status === 'completed' ? s : undefined;
      },
      150_000,
      250,
    );
    const report = await exactlyOnce(db.pool, acs, seeded);
    process.stderr.write(
      `fault worker-takeover: ${JSON.stringify({ expected, inFlight: inFlight.length, tookOverAfterS, resentSameOperation: acs.stats().duplicates, emails: status.counts.emails })}\n`,
    );
    expect(report.missing).toEqual([]);
    expect(report.doubled).toEqual([]);
    expect(report.strangers).toEqual([]);
    expect(report.doubledOperations).toBe(0);
    expect(report.ok).toBe(true);
  }, 240_000);
});
