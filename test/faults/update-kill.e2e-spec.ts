/**
 * Fault: the worker is killed with SIGKILL while it posts an incident update (with `notify`) to the
 * notices of two campaigns, then started again. Jobs it held are lost mid-flight (a page of
 * revisions committed but its emails not queued, an email sent but not recorded); the next worker
 * must leave every notice with exactly one revision for the update and send exactly one update
 * email per address, with the operation id that names the notice, the revision and the address.
 */
import type { INestApplicationContext } from '@nestjs/common';
import { AcsEmulator } from '../support/acs-emulator.js';
import { CampaignLauncher } from '../../libs/campaigns/campaign-launcher.js';
import { NoticeRevisions } from '../../libs/campaigns/notice-revisions.service.js';
import { deterministicOperationId } from '../../libs/mail/mail-transport.js';
import {
  campaignStatus,
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

describe('fault: worker killed with SIGKILL while posting an update, then restarted', () => {
  let db: ScenarioDatabase;
  let acs: AcsEmulator;
  let app: INestApplicationContext;
  let env: ServiceEnv;
  let A: SeededCampaign;
  let B: SeededCampaign;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    await ensureWorkerBuilt();
    db = await createScenarioDatabase('updkill');
    // slow enough that "half way" lasts: several sends are in flight at the kill
    acs = await AcsEmulator.start({ runningPolls: 1, latencyMs: 80, keepBodies: false });
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: queuePrefix('updkill'),
      ACS_CONNECTION_STRING: acs.connectionString,
      MAIL_RATE_PER_MINUTE: '100000',
    };
    A = await seedCampaign(db.pool, { tenants: 60, seed: 21 });
    B = await seedCampaign(db.pool, { tenants: 40, seed: 22 });
    await db.pool.query(
      `UPDATE campaigns SET incident_id = (SELECT incident_id FROM campaigns WHERE id = $1) WHERE id = $2`,
      [A.campaignId, B.campaignId],
    );
    app = await operatorContext(env);
  }, 180_000);

  afterAll(async () => {
    for (const w of workers) await w.stop('SIGKILL');
    await app?.close();
    await acs?.close();
    if (env) await dropQueues(env.REDIS_URL, env.QUEUE_PREFIX);
    await db?.drop();
  });

  it('every notice gets the update once and every address one update email, after the kill', async () => {
    const first = await startWorker(workerEnv(env), 'worker-1');
    workers.push(first);
    for (const c of [A, B]) await app.get(CampaignLauncher).launch(c.campaignId, 'fault-operator');
    await until(
      'both campaigns completed',
      async () =>
        (await campaignStatus(db.pool, A.campaignId)) === 'completed' &&
        (await campaignStatus(db.pool, B.campaignId)) === 'completed',
      150_000,
      100,
    );
    const noticeEmails = acs.messages().length;
    const [{ incident_id: incidentId }] = (
      await db.pool.query<{ incident_id: string }>(`SELECT incident_id FROM campaigns WHERE id = $1`, [A.campaignId])
    ).rows as [{ incident_id: string }];
    const told = (
      await db.pool.query<{ notice_id: string; address: string }>(
        `SELECT notice_id, address FROM deliveries WHERE campaign_id = ANY($1::uuid[]) AND kind = 'notice'`,
        [[A.campaignId, B.campaignId]],
      )
    ).rows;
    const expected = new Set(
      told.map((t) => deterministicOperationId('notice-update', t.notice_id, '1', t.address).toLowerCase()),
    );
    expect(expected.size).toBeGreaterThan(40);

    const update = await app
      .get(NoticeRevisions)
      .postUpdate(
        incidentId,
        { texts: { 'en-US': 'We closed the endpoint for good.' }, notify: true },
        'fault-operator',
      );
    await until(
      'a third of the update emails',
      () => acs.messages().length - noticeEmails >= expected.size / 3,
      120_000,
      10,
    );
    first.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const atKill = acs.messages().length - noticeEmails;
    expect(atKill).toBeLessThan(expected.size);

    const second = await startWorker(workerEnv(env), 'worker-2');
    workers.push(second);
    await until(
      'the update posted and its emails finished',
      async () => {
        const p = await app.get(NoticeRevisions).updateProgress(update.updateId);
        return p.pending === 0 && p.emailsPending === 0;
      },
      150_000,
      250,
    );
    const perNotice = (
      await db.pool.query<{ n: number; revision: number }>(
        `SELECT (SELECT count(*)::int FROM notice_revisions r WHERE r.notice_id = n.id AND r.update_id = $2) AS n, n.revision
           FROM notices n WHERE n.campaign_id = ANY($1::uuid[])`,
        [[A.campaignId, B.campaignId], update.updateId],
      )
    ).rows;
    expect(perNotice.length).toBe(A.affectedTenants.length + B.affectedTenants.length);
    expect(perNotice.filter((r) => r.n !== 1 || r.revision !== 1)).toEqual([]);

    const sent = acs.messages().slice(noticeEmails);
    const byOperation = new Map<string, number>();
    for (const m of sent)
      byOperation.set(m.operationId.toLowerCase(), (byOperation.get(m.operationId.toLowerCase()) ?? 0) + 1);
    process.stderr.write(
      `fault update-kill: ${JSON.stringify({ expected: expected.size, atKill, recorded: sent.length, resentSameOperation: acs.stats().duplicates })}\n`,
    );
    expect([...byOperation].filter(([, n]) => n > 1)).toEqual([]);
    expect(new Set(byOperation.keys())).toEqual(expected);
    const unfinished = await db.pool.query(
      `SELECT 1 FROM deliveries WHERE kind = 'update' AND state NOT IN ('sent', 'failed')`,
    );
    expect(unfinished.rowCount).toBe(0);
  }, 300_000);
});
