/**
 * Fault: Azure Communication Services misbehaves the ways it does in production. First it answers
 * 429 with Retry-After for a while, then bursts of 5xx (on sends and on status polls), and some
 * recipients' operations end `Failed`. All the while its quota is ACS's default for a custom
 * domain, 30 emails a minute, and MAIL_RATE_PER_MINUTE says the same.
 *
 * Expected: the queue pauses for Retry-After, transient failures are retried with backoff, the
 * quota is never exceeded (ACS never has to refuse a send for quota), every privileged contact
 * gets exactly one message, and the permanent failures are listed with their reasons by the
 * deliveries API.
 */
import type { INestApplicationContext } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AcsEmulator } from '../support/acs-emulator.js';
import { CampaignLauncher } from '../../libs/campaigns/campaign-launcher.js';
import { CampaignStatusView } from '../../libs/campaigns/campaign-status.js';
import { createApiApp } from '../../apps/api/src/create-app.js';
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
  withEnv,
  workerEnv,
  type ScenarioDatabase,
  type SeededCampaign,
  type ServiceEnv,
  type WorkerProcess,
} from './harness.js';

const QUOTA = 30;
const RETRY_AFTER_S = 3;
const TOKEN = 'fault-operator-token-0123456789';

describe('fault: ACS throttles, fails transiently and fails permanently', () => {
  let db: ScenarioDatabase;
  let acs: AcsEmulator;
  let app: INestApplicationContext;
  let api: NestExpressApplication;
  let env: ServiceEnv;
  let seeded: SeededCampaign;
  let failing: string[];
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    await ensureWorkerBuilt();
    db = await createScenarioDatabase('acs');
    acs = await AcsEmulator.start({ runningPolls: 1, latencyMs: 20, keepBodies: false, quotaPerMinute: QUOTA });
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: queuePrefix('acs'),
      ACS_CONNECTION_STRING: acs.connectionString,
      MAIL_RATE_PER_MINUTE: String(QUOTA),
    };
    // more emails than one minute's quota, so the limit has to hold across windows
    seeded = await seedCampaign(db.pool, { tenants: 34, seed: 21, affectedShare: 0.8 });
    failing = [...seeded.expectedRecipients].sort().slice(0, 3);
    app = await operatorContext(env);
    api = await withEnv({ ...workerEnv(env), OPERATOR_TOKENS: `ops:${TOKEN}` }, () => createApiApp());
    await api.init();
  }, 180_000);

  afterAll(async () => {
    for (const w of workers) await w.stop('SIGKILL');
    await api?.close();
    await app?.close();
    await acs?.close();
    if (env) await dropQueues(env.REDIS_URL, env.QUEUE_PREFIX);
    await db?.drop();
  });

  it('pauses for Retry-After, retries 5xx with backoff, keeps the quota, and lists permanent failures', async () => {
    const launcher = app.get(CampaignLauncher);
    const statusView = app.get(CampaignStatusView);
    const expected = seeded.expectedRecipients.size;
    expect(expected).toBeGreaterThan(QUOTA + 5);

    // 429s first, then a burst of 5xx on sends and on status polls
    acs.failNext(10, { status: 429, retryAfterSeconds: RETRY_AFTER_S, code: 'TooManyRequests' });
    acs.failNext(4, { status: 503 });
    acs.failNext(3, { status: 500, code: 'InternalServerError' });
    acs.failNext(2, { status: 502, on: 'status' });
    acs.failAddresses(failing);
    const injectedSend5xx = 7;
    const injectedStatus5xx = 2;

    const launchedAt = Date.now();
    await launcher.launch(seeded.campaignId, 'fault-operator');
    const worker = await startWorker(workerEnv(env), 'worker');
    workers.push(worker);

    // half way, inside a minute that has already used most of its quota: one more short 429
    // (its pause must not hand out a fresh minute's quota), then a second 5xx burst
    await until('half of the emails', () => acs.messages().length >= expected / 2, 150_000, 50);
    acs.failNext(1, { status: 429, retryAfterSeconds: 1 });
    acs.failNext(3, { status: 503 });
    acs.failNext(1, { drop: true });

    const status = await until(
      'completion',
      async () => {
        const s = await statusView.status(seeded.campaignId);
        return s.status === 'completed' ? s : undefined;
      },
      200_000,
      250,
    );
    const stats = acs.stats();
    const firstAccepted = Math.min(...acs.messages().map((m) => m.receivedAt.getTime()));
    const report = await exactlyOnce(db.pool, acs, seeded);
    const attempts = await db.pool.query<{ total: string; retried: string }>(
      `SELECT sum(attempts)::text AS total, count(*) FILTER (WHERE attempts > 1)::text AS retried FROM deliveries WHERE campaign_id = $1`,
      [seeded.campaignId],
    );
    const observed = {
      expected,
      failingAddresses: failing.length,
      peakAcceptedIn60s: acs.peakAccepted(60_000),
      quota: QUOTA,
      quotaRejections: stats.quotaRejections,
      injectedFaults: stats.injectedFaults,
      resentSameOperation: stats.duplicates,
      secondsToComplete: (Date.now() - launchedAt) / 1000,
      firstAcceptedAfterMs: firstAccepted - launchedAt,
      attempts: attempts.rows[0],
      emails: status.counts.emails,
    };
    process.stderr.write(`fault acs: ${JSON.stringify(observed)}\n`);

    // exactly once, failed operations included (they reached ACS once, and were never resent)
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
    const succeeded = acs.countByRecipient();
    expect([...succeeded.keys()].sort()).toEqual(
      [...seeded.expectedRecipients].filter((a) => !failing.includes(a)).sort(),
    );

    // the 429s paused sending for their Retry-After before anything went through
    expect(firstAccepted - launchedAt).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000 - 200);
    // every transient failure cost exactly one more attempt (a 429 costs none)
    expect(stats.injectedFaults).toBe(10 + injectedSend5xx + injectedStatus5xx + 1 + 4);
    expect(Number(attempts.rows[0]!.total)).toBe(expected + injectedSend5xx + injectedStatus5xx + 4);
    // the quota: never more than QUOTA in any 60 s, and ACS never had to refuse for quota
    expect(observed.peakAcceptedIn60s).toBeLessThanOrEqual(QUOTA);
    expect(stats.quotaRejections).toBe(0);

    // permanent failures, with their reasons, in the service and through the API
    expect(status.counts.emails).toMatchObject({
      sent: expected - failing.length,
      failed: failing.length,
      retrying: 0,
      queued: 0,
    });
    const listed = await statusView.deliveries(seeded.campaignId, 'failed', 0, 100);
    expect(listed.value.map((d) => d.address).sort()).toEqual(failing);
    for (const d of listed.value) expect(d.lastError).toMatch(/Failed.*EmailDroppedAllRecipientsSuppressed/);
    const res = await request(api.getHttpServer())
      .get(`/v1/campaigns/${seeded.campaignId}/deliveries?state=failed`)
      .set('authorization', `Bearer ${TOKEN}`)
      .expect(200);
    expect(res.body.value.map((d: { address: string }) => d.address).sort()).toEqual(failing);
    for (const d of res.body.value as { state: string; lastError: string; tenantId: string; address: string }[]) {
      expect(d.state).toBe('failed');
      expect(d.lastError).toMatch(/suppressed or rejected/);
      expect(d.tenantId).toBe(seeded.tenantOf.get(d.address));
    }
  }, 300_000);
});
