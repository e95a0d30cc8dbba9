/**
 * Fault: the worker process is killed with SIGKILL while webhook deliveries are in flight (the
 * receiver has read them but not answered), then started again. The receiver got those requests;
 * the worker never recorded them. The next worker sends them again with the same `webhook-id`
 * (and a fresh signature), so a receiver that drops repeated ids, as Standard Webhooks asks,
 * processes exactly one `notice.posted` per endpoint per notice; every delivery row ends succeeded.
 */
import type { INestApplicationContext } from '@nestjs/common';
import { AcsEmulator } from '../support/acs-emulator.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { CampaignLauncher } from '../../libs/campaigns/campaign-launcher.js';
import { WebhookRegistrationService } from '../../libs/webhooks/webhook-registration.service.js';
import { eventId } from '../../libs/webhooks/events.js';
import {
  createScenarioDatabase,
  dropQueues,
  ensureWorkerBuilt,
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

describe('fault: worker killed with SIGKILL mid-delivery of webhooks, then restarted', () => {
  let db: ScenarioDatabase;
  let acs: AcsEmulator;
  let receiver: WebhookReceiver;
  let app: INestApplicationContext;
  let env: ServiceEnv;
  let seeded: SeededCampaign;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    await ensureWorkerBuilt();
    db = await createScenarioDatabase('whkill');
    acs = await AcsEmulator.start({ runningPolls: 1, keepBodies: false });
    receiver = await new WebhookReceiver().start();
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: queuePrefix('whkill'),
      ACS_CONNECTION_STRING: acs.connectionString,
      MAIL_RATE_PER_MINUTE: '100000',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_BASE_MS: '100',
    };
    seeded = await seedCampaign(db.pool, { tenants: 24, seed: 9 });
    app = await operatorContext(env);
  }, 180_000);

  afterAll(async () => {
    for (const w of workers) await w.stop('SIGKILL');
    await app?.close();
    await receiver?.stop();
    await acs?.close();
    if (env) await dropQueues(env.REDIS_URL, env.QUEUE_PREFIX);
    await db?.drop();
  });

  it('ends with exactly one notice.posted per endpoint per notice at a receiver that drops repeated ids', async () => {
    const reg = app.get(WebhookRegistrationService);
    const pathOf = new Map<string, string>(); // tenant → path
    for (const [i, tenantId] of seeded.affectedTenants.entries()) {
      const path = `/tenant-${i}`;
      const e = await reg.create(
        { tenantId, userId: 'u', email: `admin@t${i}.example`, roles: ['GlobalAdmin'], issuer: 'test' },
        { url: receiver.url(path), events: ['notice.posted'] },
      );
      receiver.on(path, { secret: e.secret, hold: true });
      pathOf.set(tenantId, path);
    }
    const endpoints = pathOf.size;
    expect(endpoints).toBeGreaterThan(8);

    await app.get(CampaignLauncher).launch(seeded.campaignId, 'fault-operator');
    const first = await startWorker(workerEnv(env), 'worker-1');
    workers.push(first);
    // deliveries in flight: the receiver has read them and holds its answer
    await until('deliveries in flight', () => receiver.heldCount >= endpoints / 2, 120_000, 20);
    first.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const inFlightAtKill = receiver.heldCount;
    // the receiver processes what it read (its answers go nowhere: the sender is gone)
    for (const p of pathOf.values()) receiver.on(p, { hold: false });
    receiver.release('/');
    const unrecorded = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM webhook_deliveries WHERE state <> 'succeeded'`,
    );
    expect(unrecorded.rows[0]!.n).toBeGreaterThan(0);

    const second = await startWorker(workerEnv(env), 'worker-2');
    workers.push(second);
    await until(
      'every delivery succeeded',
      async () => {
        const r = await db.pool.query<{ done: number; all: number }>(
          `SELECT count(*) FILTER (WHERE state = 'succeeded')::int AS done, count(*)::int AS all FROM webhook_deliveries`,
        );
        return r.rows[0]!.all === endpoints && r.rows[0]!.done === endpoints;
      },
      150_000,
      250,
    );

    const notices = await db.pool.query<{ id: string; tenant_id: string }>(
      'SELECT id, tenant_id::text FROM notices WHERE campaign_id = $1',
      [seeded.campaignId],
    );
    expect(notices.rowCount).toBe(seeded.affectedTenants.length);
    for (const n of notices.rows) {
      const path = pathOf.get(n.tenant_id)!;
      // one event id per endpoint, the notice's own, whatever was sent twice
      expect(receiver.distinctAcceptedIds(path)).toEqual([eventId('notice.posted', n.id)]);
      expect(receiver.requests.filter((r) => r.path === path).every((r) => r.verified)).toBe(true);
    }
    const resent = receiver.requests.length - endpoints;
    process.stderr.write(
      `fault webhooks-kill: ${JSON.stringify({ endpoints, inFlightAtKill, requests: receiver.requests.length, resent })}\n`,
    );
    // the kill really cost recorded work: some deliveries reached the receiver twice, with the same id
    expect(resent).toBeGreaterThan(0);
  }, 300_000);
});
