/**
 * Throttling, fast: the processors run in this process against PostgreSQL,
 * Redis and the ACS emulator, on a database of this file's own (the worker reconciles every
 * sending campaign it can see, and the send-rate log counts every delivery the database saw sent
 * in the last minute: other test files' campaigns must not be in either) and a queue prefix per
 * scenario.
 *
 * 1. ACS's per-minute quota and MAIL_RATE_PER_MINUTE set equal: ACS never has to answer 429. A
 *    whole minute is too long for a test, so the run is a few seconds with more emails than the
 *    quota: the quota's worth goes out, and the rest is held by the limiter instead of being sent
 *    and refused. (The limit is per window, not a spacing: a minute's quota may leave at once.)
 *    It runs first, so that no earlier send of this database counts against its quota.
 * 2. ACS answers 429 with Retry-After: the email queue sends nothing for that long (read from the
 *    emulator's request log), then finishes with exactly one email per privileged contact.
 */
import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { AcsEmulator, type RequestLogEntry } from './support/acs-emulator.js';
import { ConfigModule } from '../libs/config/config.module.js';
import { DbModule } from '../libs/db/db.module.js';
import { QueueModule } from '../libs/queue/queue.module.js';
import { QUEUE } from '../libs/queue/queues.js';
import { AuditModule } from '../libs/audit/audit.module.js';
import { CampaignsService } from '../libs/campaigns/campaigns.service.js';
import { CampaignLauncher } from '../libs/campaigns/campaign-launcher.js';
import { CampaignStatusView } from '../libs/campaigns/campaign-status.js';
import { ProcessorsModule } from '../libs/jobs/processors.module.js';
import { EmailProcessor } from '../libs/jobs/processors/email.processor.js';
import {
  createScenarioDatabase,
  deliveryStates,
  exactlyOnce,
  queuePrefix,
  seedCampaign,
  sleep,
  until,
  withEnv,
  type ScenarioDatabase,
} from './faults/harness.js';

const RETRY_AFTER_S = 2;
/** a request arriving this soon after a 429 was already on its way when the queue paused */
const IN_FLIGHT_MS = 500;
/** clock and scheduling slack on the pause */
const SLACK_MS = 50;

/** The processors and the operator's services in this process, on the scenario's database and queues. */
async function processors(env: Record<string, string>): Promise<INestApplicationContext> {
  return withEnv(
    { MAIL_TRANSPORT: 'acs', ACS_POLL_INTERVAL_MS: '10', DATABASE_POOL_SIZE: '10', LOG_LEVEL: 'warn', ...env },
    async () => {
      const mod = await Test.createTestingModule({
        imports: [ConfigModule, DbModule, QueueModule, AuditModule, ProcessorsModule],
      }).compile();
      return mod.init();
    },
  );
}

const sends = (log: RequestLogEntry[]) => log.filter((e) => e.kind === 'send');

describe('throttling (ACS 429 with Retry-After, quota equal to MAIL_RATE_PER_MINUTE)', () => {
  let acs: AcsEmulator;
  let db: ScenarioDatabase;
  let app: INestApplicationContext | undefined;

  beforeAll(async () => {
    acs = await AcsEmulator.start({ runningPolls: 0, keepBodies: false });
    db = await createScenarioDatabase('throttle');
  }, 120_000);

  beforeEach(() => acs.reset());

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  afterAll(async () => {
    await acs?.close();
    await db?.drop();
  });

  it('never meets a 429 when the quota and MAIL_RATE_PER_MINUTE are equal: the quota goes out, the rest is held', async () => {
    const QUOTA = 5;
    acs.setQuotaPerMinute(QUOTA);
    const seeded = await seedCampaign(db.pool, { tenants: 8, seed: 9, affectedShare: 1 });
    const expected = seeded.expectedRecipients.size;
    expect(expected).toBeGreaterThanOrEqual(QUOTA + 3);
    app = await processors({
      DATABASE_URL: db.url,
      QUEUE_PREFIX: queuePrefix('throttlequota'),
      ACS_CONNECTION_STRING: acs.connectionString,
      MAIL_RATE_PER_MINUTE: String(QUOTA),
    });
    const launcher = app.get(CampaignLauncher);
    await launcher.launch(seeded.campaignId, 'throttle-test');

    await until('a quota of emails', () => acs.messages().length >= QUOTA, 30_000, 20);
    // a few seconds more: without the limiter the rest would be sent now, and refused
    await sleep(3000);
    const log = sends(acs.requestLog());
    expect(log.filter((e) => e.status === 429)).toEqual([]);
    expect(acs.stats().quotaRejections).toBe(0);
    expect(log).toHaveLength(QUOTA);
    expect(acs.peakAccepted(60_000)).toBe(QUOTA);
    // the rest wait for the window, unsent and not failed
    const states = await deliveryStates(db.pool, seeded.campaignId);
    expect(states.sent).toBe(QUOTA);
    expect((states.queued ?? 0) + (states.retrying ?? 0)).toBe(expected - QUOTA);
    expect(states.failed ?? 0).toBe(0);
    await app.get(CampaignsService).move(seeded.campaignId, 'cancel', 'throttle-test');
  }, 120_000);

  it('sends nothing for Retry-After after a 429, then exactly one email per privileged contact', async () => {
    const seeded = await seedCampaign(db.pool, { tenants: 6, seed: 5, affectedShare: 1 });
    const expected = seeded.expectedRecipients.size;
    app = await processors({
      DATABASE_URL: db.url,
      QUEUE_PREFIX: queuePrefix('throttle429'),
      ACS_CONNECTION_STRING: acs.connectionString,
      MAIL_RATE_PER_MINUTE: '10000',
    });
    // every email is in the first round of sends (one job each in flight), so every one of them
    // meets a 429 and nothing can slip through while the queue is paused
    const concurrency = app.get(EmailProcessor).worker.opts.concurrency ?? 1;
    expect(expected).toBeGreaterThanOrEqual(3);
    expect(expected).toBeLessThanOrEqual(concurrency);

    // hold the emails until every notice and delivery row is written
    const emails = app.get<Queue>(getQueueToken(QUEUE.emails));
    await emails.pause();
    const launcher = app.get(CampaignLauncher);
    const statusView = app.get(CampaignStatusView);
    await launcher.launch(seeded.campaignId, 'throttle-test');
    await until(
      'every delivery row',
      async () =>
        Object.values(await deliveryStates(db.pool, seeded.campaignId)).reduce((a, b) => a + b, 0) === expected,
      30_000,
      50,
    );
    expect(sends(acs.requestLog())).toHaveLength(0);

    acs.failNext(expected, { status: 429, retryAfterSeconds: RETRY_AFTER_S, code: 'TooManyRequests' });
    await emails.resume();
    const done = await until(
      'completion',
      async () => {
        const s = await statusView.status(seeded.campaignId);
        return s.status === 'completed' ? s : undefined;
      },
      60_000,
      50,
    );

    const log = sends(acs.requestLog());
    const refused = log.filter((e) => e.status === 429);
    const accepted = log.filter((e) => e.status === 202);
    expect(refused).toHaveLength(expected);
    expect(accepted).toHaveLength(expected);
    // every request after a 429 was either already under way, or came after its Retry-After
    for (const r of refused) {
      for (const e of log) {
        const after = e.at - r.at;
        if (after > IN_FLIGHT_MS)
          expect({ after, ok: after >= RETRY_AFTER_S * 1000 - SLACK_MS }).toEqual({ after, ok: true });
      }
    }
    // and nothing went through during any pause
    for (const a of accepted) {
      for (const r of refused) {
        const since = a.at - r.at;
        if (since >= 0) expect({ since, ok: since >= RETRY_AFTER_S * 1000 - SLACK_MS }).toEqual({ since, ok: true });
      }
    }
    const lastRefused = Math.max(...refused.map((e) => e.at));
    const firstAccepted = Math.min(...accepted.map((e) => e.at));
    expect(firstAccepted - lastRefused).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000 - SLACK_MS);

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
    expect(done.counts.emails).toMatchObject({ sent: expected, failed: 0, retrying: 0, queued: 0 });
    // a 429 is no attempt: each delivery took exactly one
    const attempts = await db.pool.query<{ attempts: number }>(
      'SELECT attempts FROM deliveries WHERE campaign_id = $1',
      [seeded.campaignId],
    );
    expect(attempts.rows.map((r) => r.attempts)).toEqual(attempts.rows.map(() => 1));
  }, 120_000);
});
