/**
 * Fault: a job whose worker dies twice while running it is moved by BullMQ to the failed set
 * ("job stalled more than allowable limit"), while PostgreSQL still says its work is not done.
 * The failed job keeps its deterministic id, so merely adding the job again is a no-op: the
 * restart's reconciliation must bring such jobs back, or the campaign never completes.
 */
import type { INestApplicationContext } from '@nestjs/common';
import { UnrecoverableError, Worker } from 'bullmq';
import { AcsEmulator } from '../support/acs-emulator.js';
import { CampaignLauncher } from '../../libs/campaigns/campaign-launcher.js';
import { CampaignStatusView } from '../../libs/campaigns/campaign-status.js';
import { NoticeJob } from '../../libs/campaigns/notice-job.js';
import {
  createScenarioDatabase,
  dropQueues,
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

/** Takes the next job of the queue and fails it the way BullMQ fails a job that stalled too often. */
async function parkNext(env: ServiceEnv, queue: 'notices' | 'emails'): Promise<string> {
  const url = new URL(env.REDIS_URL);
  const w = new Worker(queue, null, {
    connection: { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null },
    prefix: env.QUEUE_PREFIX,
    autorun: false,
  });
  try {
    const job = await w.getNextJob('parking-token');
    await job.moveToFailed(new UnrecoverableError('job stalled more than allowable limit'), 'parking-token');
    expect(await job.getState()).toBe('failed');
    return job.id!;
  } finally {
    await w.close();
  }
}

describe('fault: jobs parked as failed after stalling twice', () => {
  let db: ScenarioDatabase;
  let acs: AcsEmulator;
  let app: INestApplicationContext;
  let env: ServiceEnv;
  let seeded: SeededCampaign;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    await ensureWorkerBuilt();
    db = await createScenarioDatabase('stall');
    acs = await AcsEmulator.start({ runningPolls: 1, keepBodies: false });
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: queuePrefix('stall'),
      ACS_CONNECTION_STRING: acs.connectionString,
      MAIL_RATE_PER_MINUTE: '100000',
    };
    seeded = await seedCampaign(db.pool, { tenants: 30, seed: 12, affectedShare: 0.8 });
    app = await operatorContext(env);
  }, 180_000);

  afterAll(async () => {
    for (const w of workers) await w.stop('SIGKILL');
    await app?.close();
    await acs?.close();
    if (env) await dropQueues(env.REDIS_URL, env.QUEUE_PREFIX);
    await db?.drop();
  });

  it('the next start reconciles them back, and the campaign completes exactly once', async () => {
    // (before reconcile retried parked jobs, this campaign never completed: adding a job whose id
    // is in the failed set is a no-op)
    const launcher = app.get(CampaignLauncher);
    const noticeJob = app.get(NoticeJob);
    const statusView = app.get(CampaignStatusView);
    await launcher.launch(seeded.campaignId, 'fault-operator');
    // one notice job parked; one tenant's notice posted here, one of its email jobs parked
    const parkedNotice = await parkNext(env, 'notices');
    const tenant = seeded.affectedTenants.find(
      (t) => [...seeded.tenantOf.values()].includes(t) && !parkedNotice.includes(t),
    )!;
    expect(await noticeJob.postNotice(seeded.campaignId, tenant)).toEqual({ kind: 'done' });
    const parkedEmail = await parkNext(env, 'emails');
    // the operator's pause and resume brings them back too; here the worker's start does

    // the worker's start reconciles: the parked jobs run again, with fresh attempts
    const worker = await startWorker(workerEnv(env), 'worker');
    workers.push(worker);
    const status = await until(
      'completion',
      async () => {
        const s = await statusView.status(seeded.campaignId);
        return s.status === 'completed' ? s : undefined;
      },
      60_000,
      250,
    );
    process.stderr.write(
      `fault stalled-twice: ${JSON.stringify({ parkedNotice, parkedEmail, emails: status.counts.emails })}\n`,
    );
    const report = await exactlyOnce(db.pool, acs, seeded);
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
    expect(report.ok).toBe(true);
  }, 200_000);
});

/**
 * The same parked jobs while a worker keeps running (no start to reconcile them): the periodic
 * reconciliation brings them back. The worker is frozen (SIGSTOP) while the jobs are parked, so
 * it cannot take them first, then thawed; its start-up pass ran before the launch.
 */
describe('fault: jobs parked while a worker runs, brought back by the periodic reconciliation', () => {
  let db: ScenarioDatabase;
  let acs: AcsEmulator;
  let app: INestApplicationContext;
  let env: ServiceEnv;
  let seeded: SeededCampaign;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    await ensureWorkerBuilt();
    db = await createScenarioDatabase('stallperiodic');
    acs = await AcsEmulator.start({ runningPolls: 1, keepBodies: false });
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: queuePrefix('stallperiodic'),
      ACS_CONNECTION_STRING: acs.connectionString,
      MAIL_RATE_PER_MINUTE: '100000',
      RECONCILE_INTERVAL_MS: '2000',
    };
    seeded = await seedCampaign(db.pool, { tenants: 30, seed: 13, affectedShare: 0.8 });
    app = await operatorContext(env);
  }, 180_000);

  afterAll(async () => {
    for (const w of workers) {
      w.kill('SIGCONT');
      await w.stop('SIGKILL');
    }
    await app?.close();
    await acs?.close();
    if (env) await dropQueues(env.REDIS_URL, env.QUEUE_PREFIX);
    await db?.drop();
  });

  it('completes exactly once with no restart and no operator action', async () => {
    const launcher = app.get(CampaignLauncher);
    const noticeJob = app.get(NoticeJob);
    const statusView = app.get(CampaignStatusView);
    const worker = await startWorker(workerEnv(env), 'worker');
    workers.push(worker);
    worker.kill('SIGSTOP');
    await launcher.launch(seeded.campaignId, 'fault-operator');
    const parkedNotice = await parkNext(env, 'notices');
    const tenant = seeded.affectedTenants.find(
      (t) => [...seeded.tenantOf.values()].includes(t) && !parkedNotice.includes(t),
    )!;
    expect(await noticeJob.postNotice(seeded.campaignId, tenant)).toEqual({ kind: 'done' });
    const parkedEmail = await parkNext(env, 'emails');
    worker.kill('SIGCONT');

    const status = await until(
      'completion',
      async () => {
        const s = await statusView.status(seeded.campaignId);
        return s.status === 'completed' ? s : undefined;
      },
      90_000,
      250,
    );
    process.stderr.write(
      `fault stalled-periodic: ${JSON.stringify({ parkedNotice, parkedEmail, emails: status.counts.emails })}\n`,
    );
    const report = await exactlyOnce(db.pool, acs, seeded);
    expect(report.missing).toEqual([]);
    expect(report.doubled).toEqual([]);
    expect(report.ok).toBe(true);
    // the worker never restarted
    expect(worker.child.exitCode).toBeNull();
  }, 200_000);
});
