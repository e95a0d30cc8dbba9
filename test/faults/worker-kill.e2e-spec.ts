/**
 * Fault: the worker process is killed with SIGKILL about half way through a campaign, then
 * started again. Jobs it held are lost mid-flight (a notice half written, an email sent but not
 * recorded); the next worker must finish the campaign with exactly one notice per affected tenant
 * and exactly one email per privileged contact, and nothing for anyone else.
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
