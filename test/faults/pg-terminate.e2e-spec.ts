/**
 * Fault: PostgreSQL terminates every connection of the service (`pg_terminate_backend`) several
 * times while a campaign is sending: queries in flight fail, pooled connections die. The worker
 * must survive, retry what failed, and finish with nothing lost and nothing doubled.
 */
import type { INestApplicationContext } from '@nestjs/common';
import { AcsEmulator } from '../support/acs-emulator.js';
import { CampaignLauncher } from '../../libs/campaigns/campaign-launcher.js';
import { CampaignStatusView } from '../../libs/campaigns/campaign-status.js';
import {
  createScenarioDatabase,
  dropQueues,
  ensureWorkerBuilt,
  exactlyOnce,
  operatorContext,
  queuePrefix,
  seedCampaign,
  sleep,
  startWorker,
  until,
  workerEnv,
  type ScenarioDatabase,
  type SeededCampaign,
  type ServiceEnv,
  type WorkerProcess,
} from './harness.js';

describe('fault: PostgreSQL connections terminated mid-campaign', () => {
  let db: ScenarioDatabase;
  let acs: AcsEmulator;
  let app: INestApplicationContext;
  let env: ServiceEnv;
  let seeded: SeededCampaign;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    await ensureWorkerBuilt();
    db = await createScenarioDatabase('pgkill');
    acs = await AcsEmulator.start({ runningPolls: 1, latencyMs: 100, keepBodies: false });
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: queuePrefix('pgkill'),
      ACS_CONNECTION_STRING: acs.connectionString,
      MAIL_RATE_PER_MINUTE: '100000',
    };
    seeded = await seedCampaign(db.pool, { tenants: 70, seed: 9 });
    app = await operatorContext(env);
  }, 180_000);

  afterAll(async () => {
    for (const w of workers) await w.stop('SIGKILL');
    await app?.close();
    await acs?.close();
    if (env) await dropQueues(env.REDIS_URL, env.QUEUE_PREFIX);
    await db?.drop();
  });

  it('survives terminated connections and finishes exactly once', async () => {
    const launcher = app.get(CampaignLauncher);
    const statusView = app.get(CampaignStatusView);
    await launcher.launch(seeded.campaignId, 'fault-operator');
    const expected = seeded.expectedRecipients.size;
    const worker = await startWorker(workerEnv(env), 'worker');
    workers.push(worker);

    const terminations: { atAccepted: number; connections: number }[] = [];
    for (const share of [0.2, 0.45, 0.7]) {
      await until(`${share * 100}% of the emails`, () => acs.messages().length >= expected * share, 120_000, 20);
      // a burst: connections opened again right after a termination are terminated too
      for (let i = 0; i < 3; i++) {
        terminations.push({ atAccepted: acs.messages().length, connections: await db.terminateOthers() });
        await sleep(150);
      }
    }
    expect(terminations.reduce((s, t) => s + t.connections, 0)).toBeGreaterThan(0);

    const status = await until(
      'completion',
      async () => {
        const s = await statusView.status(seeded.campaignId).catch(() => undefined); // our own pool was hit too
        return s?.status === 'completed' ? s : undefined;
      },
      180_000,
      250,
    );
    expect(worker.child.exitCode).toBeNull();
    const report = await exactlyOnce(db.pool, acs, seeded);
    process.stderr.write(
      `fault pg-terminate: ${JSON.stringify({ expected, terminations, resentSameOperation: acs.stats().duplicates, emails: status.counts.emails })}\n`,
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
    expect(status.counts.emails.failed).toBe(0);
  }, 300_000);
});
