/**
 * Fault: the worker gets SIGTERM (a deploy, a scale-down) in the middle of a campaign. The jobs it
 * is running finish — each email in flight is sent and recorded — and it exits cleanly; the rest
 * stays queued and the next worker finishes it, with nothing sent twice.
 */
import type { INestApplicationContext } from '@nestjs/common';
import { Queue } from 'bullmq';
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

describe('fault: SIGTERM during a campaign', () => {
  let db: ScenarioDatabase;
  let acs: AcsEmulator;
  let app: INestApplicationContext;
  let env: ServiceEnv;
  let seeded: SeededCampaign;
  let emails: Queue;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    await ensureWorkerBuilt();
    db = await createScenarioDatabase('sigterm');
    // slow answers: every send spends about a second at the provider, so several are in flight
    acs = await AcsEmulator.start({ runningPolls: 1, latencyMs: 300, keepBodies: false });
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: queuePrefix('term'),
      ACS_CONNECTION_STRING: acs.connectionString,
      MAIL_RATE_PER_MINUTE: '100000',
    };
    seeded = await seedCampaign(db.pool, { tenants: 60, seed: 10 });
    app = await operatorContext(env);
    const url = new URL(env.REDIS_URL);
    emails = new Queue('emails', {
      connection: { host: url.hostname, port: Number(url.port || 6379) },
      prefix: env.QUEUE_PREFIX,
    });
  }, 180_000);

  afterAll(async () => {
    for (const w of workers) await w.stop('SIGKILL');
    await emails?.close();
    await app?.close();
    await acs?.close();
    if (env) await dropQueues(env.REDIS_URL, env.QUEUE_PREFIX);
    await db?.drop();
  });

  it('lets the jobs in flight finish, exits cleanly, and the next start does the rest exactly once', async () => {
    const launcher = app.get(CampaignLauncher);
    const statusView = app.get(CampaignStatusView);
    await launcher.launch(seeded.campaignId, 'fault-operator');
    const expected = seeded.expectedRecipients.size;
    const first = await startWorker(workerEnv(env), 'worker-1');
    workers.push(first);

    await until('a third of the emails', () => acs.messages().length >= expected / 3, 120_000, 20);
    const inFlight = await until(
      'emails in flight',
      async () => (await deliveryStates(db.pool, seeded.campaignId)).sending,
      30_000,
      10,
    );
    const termAt = Date.now();
    first.kill('SIGTERM');
    const ended = await first.exited;
    const stoppedAfterMs = Date.now() - termAt;
    const afterExit = {
      accepted: acs.messages().length,
      states: await deliveryStates(db.pool, seeded.campaignId),
      active: await emails.getActiveCount(),
    };
    process.stderr.write(
      `fault sigterm (first worker): ${JSON.stringify({ expected, inFlightAtTerm: inFlight, stoppedAfterMs, exit: ended, afterExit })}\n`,
    );

    // a clean exit (Nest re-raises the signal once it has closed everything), nothing left
    // half-done: no delivery still marked as being sent, no active job
    expect([JSON.stringify({ code: 0, signal: null }), JSON.stringify({ code: null, signal: 'SIGTERM' })]).toContain(
      JSON.stringify(ended),
    );
    expect(inFlight).toBeGreaterThan(0);
    expect(afterExit.states.sending ?? 0).toBe(0);
    expect(afterExit.active).toBe(0);
    // every message the provider accepted is recorded as sent
    expect(afterExit.states.sent).toBe(afterExit.accepted);
    // and the rest is still to do
    expect(afterExit.accepted).toBeLessThan(expected);
    expect(await statusView.status(seeded.campaignId)).toMatchObject({ status: 'sending' });

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
      `fault sigterm (after restart): ${JSON.stringify({ resentSameOperation: acs.stats().duplicates, emails: status.counts.emails })}\n`,
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
    expect(report.ok).toBe(true);
    // no job was cut off and redone: the provider never saw the same operation twice
    expect(acs.stats().duplicates).toBe(0);
    await second.stop('SIGTERM');
  }, 240_000);
});
