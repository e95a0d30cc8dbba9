/**
 * Campaign benchmark: 65,000 affected tenants, seeded in bulk straight
 * into a throw-away database (the analysis is not what is measured), then sent through the real
 * pipeline: `CampaignLauncher.launch` here, the notice and email jobs in 1 or 2 worker processes
 * (`node dist/apps/worker/src/main.js`), the real ACS EmailClient against the ACS emulator.
 *
 *   npm run bench:campaign -- [--tenants N] [--runs K] [--workers 1,2] [--throttle-seconds S]
 *                             [--throttle-rate R] [--throttle-workers W] [--no-throttle] [--json]
 *
 * Figures per run: seconds from the launch call until every notice is posted, notices/s, emails/s
 * (every email accepted by the emulator, first to last), seconds until the campaign is completed.
 * Then a throttled run (MAIL_RATE_PER_MINUTE=R, default 30) for S seconds (default 180): the
 * most sends the emulator accepted in any 60-second window, which must stay within R.
 *
 * The emulator runs in this (the parent) process; the workers are child processes; PostgreSQL
 * and Redis are the local ones. Each run has its own campaign and its own QUEUE_PREFIX; the
 * notices and deliveries of a run are removed before the next, so every run starts alike. The
 * database is created for the benchmark and dropped at the end.
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { INestApplicationContext } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import pg from 'pg';
import { APP_CONFIG, type AppConfig } from '../libs/config/config.js';
import { ConfigModule } from '../libs/config/config.module.js';
import { DbModule } from '../libs/db/db.module.js';
import { QueueModule } from '../libs/queue/queue.module.js';
import { QUEUE } from '../libs/queue/queues.js';
import { AuditModule } from '../libs/audit/audit.module.js';
import { CampaignsModule } from '../libs/campaigns/campaigns.module.js';
import { CampaignsService } from '../libs/campaigns/campaigns.service.js';
import { CampaignLauncher } from '../libs/campaigns/campaign-launcher.js';
import { AcsEmulator } from '../test/support/acs-emulator.js';
import { deleteKeys } from '../test/support/redis-keys.js';
import { serviceNodeFlags, setUpBenchDatabase } from './bench-support.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const WORKER_MAIN = join(ROOT, 'dist/apps/worker/src/main.js');
/** extra node flags for the workers, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile them */
const WORKER_NODE_ARGS = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const POLL_MS = 1000;
/** a run that has not finished after this long is reported as failed */
const RUN_TIMEOUT_MS = 30 * 60_000;
const WINDOW_MS = 60_000;

/** Launch only: no processors here, the workers are separate processes. */
@Module({ imports: [ConfigModule, DbModule, QueueModule, AuditModule, CampaignsModule] })
class LaunchModule {}

// ───────────── small helpers ─────────────

const log = (s: string) => process.stderr.write(`${s}\n`);
const now = () => performance.now();
const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

// ───────────── the database ─────────────

interface BenchDb {
  name: string;
  url: string;
  client: pg.Client;
  drop: () => Promise<void>;
}

/**
 * A database set up as db:setup does (the owner migrates, the application role gets its grants):
 * the service connects as the application role (`url`), seeding and clean-up as the administrator.
 */
async function createDb(): Promise<BenchDb> {
  const name = `impact_bench_campaign_${randomBytes(4).toString('hex')}`;
  let dropped = false;
  let client: pg.Client | undefined;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await client?.end().catch(() => undefined);
    const a = new pg.Client({ connectionString: ADMIN_URL });
    await a.connect();
    try {
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await a.end();
    }
  };
  try {
    const urls = await setUpBenchDatabase(name);
    client = new pg.Client({ connectionString: urls.adminUrl });
    await client.connect();
    return { name, url: urls.appUrl, client, drop };
  } catch (err) {
    await drop();
    throw err;
  }
}

/**
 * The tenant directory, in bulk: N tenants, each with a GlobalAdmin; every second tenant also a
 * PrivacyReader; every fourth an ordinary user (who must get nothing); every fifth admin reads
 * German. Returns the number of privileged contacts (= the emails a campaign sends).
 */
async function seedDirectory(db: pg.Client, tenants: number): Promise<{ privileged: number; unprivileged: number }> {
  await db.query(`CREATE TEMP TABLE bench_t (n int PRIMARY KEY, id uuid NOT NULL)`);
  await db.query(`INSERT INTO bench_t SELECT g, gen_random_uuid() FROM generate_series(1, $1) g`, [tenants]);
  await db.query(
    `INSERT INTO tenants (id, name, aliases, phones, updated_at) SELECT id, 'Bench Tenant ' || lpad(n::text, 6, '0'), '{}', '{}', now() FROM bench_t`,
  );
  await db.query(`INSERT INTO tenant_domains (domain, tenant_id) SELECT 't' || n || '.bench.example', id FROM bench_t`);
  await db.query(
    `INSERT INTO tenant_contacts (tenant_id, email, name, roles, locale)
       SELECT id, 'admin@t' || n || '.bench.example', 'Admin ' || n, ARRAY['GlobalAdmin'], CASE WHEN n % 5 = 0 THEN 'de-DE' ELSE 'en-US' END FROM bench_t
       UNION ALL
       SELECT id, 'privacy@t' || n || '.bench.example', 'Privacy ' || n, ARRAY['PrivacyReader', 'User'], 'en-US' FROM bench_t WHERE n % 2 = 0
       UNION ALL
       SELECT id, 'user@t' || n || '.bench.example', 'User ' || n, ARRAY['User'], 'en-US' FROM bench_t WHERE n % 4 = 1`,
  );
  await db.query(`DROP TABLE bench_t`);
  const r = await db.query<{ p: string; u: string }>(
    `SELECT count(*) FILTER (WHERE roles && ARRAY['GlobalAdmin', 'PrivacyReader'])::text AS p,
            count(*) FILTER (WHERE NOT roles && ARRAY['GlobalAdmin', 'PrivacyReader'])::text AS u FROM tenant_contacts`,
  );
  return { privileged: Number(r.rows[0]!.p), unprivileged: Number(r.rows[0]!.u) };
}

const VIEW = {
  dataCategories: ['Names', 'Email addresses'],
  records: [{ recordId: 'R-BENCH-1', kind: 'email', dataCategories: ['Names', 'Email addresses'] }],
  people: [{ name: 'Jane Doe', email: 'jane.doe@example.org' }],
  files: [],
};

/** A campaign in status `approved` in which every tenant is `affected`, with its exposure views. */
async function seedCampaign(db: pg.Client): Promise<string> {
  const ds = await db.query<{ id: string }>(
    `INSERT INTO datasets (id, name, status, completed_at) VALUES (gen_random_uuid(), 'bench-campaign', 'ready', now()) RETURNING id`,
  );
  const c = await db.query<{ id: string }>(
    `INSERT INTO campaigns (id, dataset_id, title, support_url, support_phone, support_email, respond_by, incident_date,
                            status, created_by, approved_by, approved_at, analyzed_at, updated_at)
     VALUES (gen_random_uuid(), $1, '', 'https://support.example.com/privacy', '+1 425 555 0100', 'privacy@cloudprovider.example',
             '2026-12-31', '2026-11-01', 'approved', 'bench-creator', 'bench-approver', now(), now(), now())
     RETURNING id`,
    [ds.rows[0]!.id],
  );
  const id = c.rows[0]!.id;
  await db.query(
    `INSERT INTO tenant_decisions (campaign_id, tenant_id, decision, reasons, data_categories, records, raw_records, review_keys)
     SELECT $1, id, 'affected', ARRAY['tenantId'], ARRAY['Names', 'Email addresses'], 1, 1, '{}' FROM tenants`,
    [id],
  );
  await db.query(
    `INSERT INTO exposure_views (campaign_id, tenant_id, view, updated_at) SELECT $1, id, $2::jsonb, now() FROM tenants`,
    [id, JSON.stringify(VIEW)],
  );
  await db.query('ANALYZE');
  return id;
}

/** What one run wrote goes, so the next run starts from the same table sizes. */
async function clearCampaign(db: pg.Client, campaignId: string): Promise<void> {
  await db.query('TRUNCATE notice_view_points, deliveries, notices');
  await db.query('DELETE FROM exposure_views WHERE campaign_id = $1', [campaignId]);
  await db.query('DELETE FROM tenant_decisions WHERE campaign_id = $1', [campaignId]);
  await db.query('VACUUM ANALYZE');
}

// ───────────── processes ─────────────

interface Workers {
  stop: () => Promise<void>;
}

/** every worker process alive, so that Ctrl-C ends them too */
const liveWorkers = new Set<ChildProcess>();

/** Starts n worker processes and resolves once each has said it started. */
async function startWorkers(n: number, env: Record<string, string>): Promise<Workers> {
  const children: ChildProcess[] = [];
  const started = Array.from({ length: n }, (_, i) => {
    const child = spawn(process.execPath, [...serviceNodeFlags('worker'), ...WORKER_NODE_ARGS, WORKER_MAIN], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    liveWorkers.add(child);
    child.once('exit', () => liveWorkers.delete(child));
    return new Promise<void>((resolvePromise, reject) => {
      const forward = (line: string) => {
        if (line.includes('worker started')) resolvePromise();
        else if (line.trim()) log(`  [worker ${i + 1}] ${line}`);
      };
      createInterface({ input: child.stderr }).on('line', forward);
      createInterface({ input: child.stdout }).on('line', forward);
      child.once('exit', (code) => reject(new Error(`worker ${i + 1} exited (code ${code})`)));
    });
  });
  const stop = async () => {
    await Promise.all(
      children.map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        const exited = once(c, 'exit');
        c.kill('SIGTERM');
        const t = setTimeout(() => c.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(t);
      }),
    );
  };
  try {
    await Promise.all(started);
  } catch (e) {
    await stop();
    throw e;
  }
  return { stop };
}

/** A Nest context for the launch, on this run's queue prefix (configuration is read at creation). */
async function launchContext(env: Record<string, string>): Promise<INestApplicationContext> {
  Object.assign(process.env, env);
  return NestFactory.createApplicationContext(LaunchModule, { logger: ['error', 'warn'] });
}

/** Removes the run's queues and whatever else it kept under its prefix (the send-rate log's marker has no expiry). */
async function obliterateQueues(app: INestApplicationContext, prefix: string): Promise<void> {
  for (const name of Object.values(QUEUE)) {
    const q = app.get<Queue>(getQueueToken(name));
    await q.obliterate({ force: true }).catch((e: Error) => log(`  obliterate ${name}: ${e.message}`));
  }
  await deleteKeys(app.get<AppConfig>(APP_CONFIG).REDIS_URL, `${prefix}:*`);
}

// ───────────── one measured run ─────────────

interface RunResult {
  workers: number;
  run: number;
  tenants: number;
  emails: number;
  /** the launch call itself: preflight + streaming 65k jobs into the queue */
  launchSeconds: number;
  noticesSeconds: number;
  noticesPerSecond: number;
  /** first to last email accepted by the emulator */
  emailSeconds: number;
  emailsPerSecond: number;
  /** launch until the last email was accepted */
  emailsDoneSeconds: number;
  /** launch until the campaign's status is `completed` */
  completedSeconds: number;
  duplicateSends: number;
  /** the machine's 1-minute load average at the start and the end: other work on it shows here */
  loadAverage: { start: number; end: number };
  checks: {
    noticesPerTenant: boolean;
    oneEmailPerPrivilegedContact: boolean;
    nothingForOthers: boolean;
    noFailures: boolean;
  };
}

interface Setup {
  db: BenchDb;
  acs: AcsEmulator;
  tenants: number;
  privileged: number;
  baseEnv: Record<string, string>;
}

async function measuredRun(s: Setup, workers: number, run: number): Promise<RunResult> {
  const campaignId = await seedCampaign(s.db.client);
  const env = {
    ...s.baseEnv,
    QUEUE_PREFIX: `bench_${randomBytes(4).toString('hex')}`,
    MAIL_RATE_PER_MINUTE: '1000000',
  };
  const app = await launchContext(env);
  const w = await startWorkers(workers, env);
  s.acs.reset();
  s.acs.setRunningPolls(0);
  try {
    // the end times are read from the rows (posted_at, finished_at) and the emulator's record, so
    // polling once a second costs little and loses no precision; both clocks are this machine's
    const loadStart = loadavg()[0]!;
    const t0Db = (await s.db.client.query<{ t: Date }>('SELECT clock_timestamp() AS t')).rows[0]!.t;
    const t0 = now();
    const t0Wall = Date.now();
    await app.get(CampaignLauncher).launch(campaignId, 'bench-launcher');
    const launchSeconds = (now() - t0) / 1000;
    let noticesDone = false;
    let lastReport = t0;
    for (;;) {
      const t = now();
      if (t - t0 > RUN_TIMEOUT_MS) throw new Error(`run did not finish within ${RUN_TIMEOUT_MS / 60_000} minutes`);
      const accepted = s.acs.stats().accepted;
      let posted = s.tenants;
      if (!noticesDone) {
        const r = await s.db.client.query<{ n: string }>(
          'SELECT count(*)::text AS n FROM notices WHERE campaign_id = $1',
          [campaignId],
        );
        posted = Number(r.rows[0]!.n);
        noticesDone = posted >= s.tenants;
      }
      if (noticesDone && accepted >= s.privileged) {
        const c = await s.db.client.query<{ status: string }>('SELECT status::text FROM campaigns WHERE id = $1', [
          campaignId,
        ]);
        if (c.rows[0]!.status === 'completed') break;
        if (c.rows[0]!.status !== 'sending') throw new Error(`campaign is ${c.rows[0]!.status}`);
      }
      if (t - lastReport >= 10_000) {
        lastReport = t;
        log(`  ${round((t - t0) / 1000)} s: ${posted} notices, ${accepted} emails`);
      }
      await sleep(POLL_MS);
    }
    const ends = await s.db.client.query<{ notices: number; completed: number }>(
      `SELECT extract(epoch FROM (SELECT max(posted_at) FROM notices WHERE campaign_id = $1) AT TIME ZONE 'UTC' - $2::timestamptz)::float8 AS notices,
              extract(epoch FROM (SELECT finished_at FROM campaigns WHERE id = $1) AT TIME ZONE 'UTC' - $2::timestamptz)::float8 AS completed`,
      [campaignId, t0Db],
    );
    const noticesSeconds = ends.rows[0]!.notices;
    const completedSeconds = ends.rows[0]!.completed;

    const msgs = s.acs.messages();
    let firstSend = Infinity;
    let lastSend = -Infinity;
    for (const m of msgs) {
      firstSend = Math.min(firstSend, m.receivedAt.getTime());
      lastSend = Math.max(lastSend, m.receivedAt.getTime());
    }
    const emailSeconds = (lastSend - firstSend) / 1000;
    const byRecipient = s.acs.countByRecipient({ includeFailed: true });
    const noticeCheck = await s.db.client.query<{ n: string; d: string }>(
      `SELECT count(*)::text AS n, count(DISTINCT tenant_id)::text AS d FROM notices WHERE campaign_id = $1`,
      [campaignId],
    );
    const failed = await s.db.client.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM deliveries WHERE campaign_id = $1 AND state <> 'sent'`,
      [campaignId],
    );
    const result: RunResult = {
      workers,
      run,
      tenants: s.tenants,
      emails: msgs.length,
      launchSeconds: round(launchSeconds, 2),
      noticesSeconds: round(noticesSeconds, 2),
      noticesPerSecond: Math.round(s.tenants / noticesSeconds),
      emailSeconds: round(emailSeconds, 2),
      emailsPerSecond: Math.round(msgs.length / emailSeconds),
      emailsDoneSeconds: round((lastSend - t0Wall) / 1000, 2),
      completedSeconds: round(completedSeconds, 2),
      duplicateSends: s.acs.stats().duplicates,
      loadAverage: { start: round(loadStart, 2), end: round(loadavg()[0]!, 2) },
      checks: {
        noticesPerTenant: Number(noticeCheck.rows[0]!.n) === s.tenants && Number(noticeCheck.rows[0]!.d) === s.tenants,
        oneEmailPerPrivilegedContact:
          byRecipient.size === s.privileged && [...byRecipient.values()].every((n) => n === 1),
        nothingForOthers: [...byRecipient.keys()].every((a) => a.startsWith('admin@') || a.startsWith('privacy@')),
        noFailures: Number(failed.rows[0]!.n) === 0,
      },
    };
    log(
      `  ${workers} worker(s), run ${run}: notices ${result.noticesSeconds} s (${result.noticesPerSecond}/s), ` +
        `emails ${result.emails} at ${result.emailsPerSecond}/s, completed at ${result.completedSeconds} s`,
    );
    return result;
  } finally {
    await w.stop();
    await obliterateQueues(app, env.QUEUE_PREFIX);
    await app.close();
    await clearCampaign(s.db.client, campaignId);
  }
}

interface ThrottledResult {
  ratePerMinute: number;
  workers: number;
  seconds: number;
  noticesPosted: number;
  emailsAccepted: number;
  sendRequests: number;
  /** the most sends the emulator accepted in any 60-second window */
  peak60s: number;
  /** what a perfectly paced sender would reach in the same time */
  ceiling: number;
  withinLimit: boolean;
  loadAverage: { start: number; end: number };
}

/** The limiter at R a minute for a bounded time, on the same 65k-tenant campaign. */
async function throttledRun(s: Setup, rate: number, workers: number, seconds: number): Promise<ThrottledResult> {
  const campaignId = await seedCampaign(s.db.client);
  const env = {
    ...s.baseEnv,
    QUEUE_PREFIX: `bench_${randomBytes(4).toString('hex')}`,
    MAIL_RATE_PER_MINUTE: String(rate),
  };
  const app = await launchContext(env);
  const w = await startWorkers(workers, env);
  s.acs.reset();
  s.acs.setRunningPolls(0);
  try {
    const loadStart = loadavg()[0]!;
    const t0 = now();
    await app.get(CampaignLauncher).launch(campaignId, 'bench-launcher');
    while (now() - t0 < seconds * 1000) {
      await sleep(Math.min(10_000, seconds * 1000 - (now() - t0)));
      log(
        `  ${round((now() - t0) / 1000)} s: ${s.acs.stats().accepted} emails accepted, peak ${s.acs.peakAccepted(WINDOW_MS)} in 60 s`,
      );
    }
    const stats = s.acs.stats();
    const notices = await s.db.client.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM notices WHERE campaign_id = $1',
      [campaignId],
    );
    const peak = s.acs.peakAccepted(WINDOW_MS);
    await app.get(CampaignsService).move(campaignId, 'cancel', 'bench-launcher');
    return {
      ratePerMinute: rate,
      workers,
      seconds,
      noticesPosted: Number(notices.rows[0]!.n),
      emailsAccepted: stats.accepted,
      sendRequests: stats.sendRequests,
      peak60s: peak,
      ceiling: rate * Math.ceil(seconds / 60),
      withinLimit: peak <= rate,
      loadAverage: { start: round(loadStart, 2), end: round(loadavg()[0]!, 2) },
    };
  } finally {
    await w.stop();
    await obliterateQueues(app, env.QUEUE_PREFIX);
    await app.close();
    await clearCampaign(s.db.client, campaignId);
  }
}

// ───────────── main ─────────────

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tenants: { type: 'string', default: '65000' },
      runs: { type: 'string', default: '3' },
      workers: { type: 'string', default: '1,2' },
      'throttle-seconds': { type: 'string', default: '180' },
      'throttle-rate': { type: 'string', default: '30' },
      'throttle-workers': { type: 'string', default: '2' },
      'no-throttle': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const tenants = Number(values.tenants);
  const runs = Number(values.runs);
  const workerCounts = values.workers.split(',').map(Number);
  const throttleSeconds = Number(values['throttle-seconds']);
  const throttleRate = Number(values['throttle-rate']);
  const throttleWorkers = Number(values['throttle-workers']);
  for (const [k, v] of Object.entries({
    tenants,
    runs,
    throttleSeconds,
    throttleRate,
    throttleWorkers,
    ...Object.fromEntries(workerCounts.map((w, i) => [`workers[${i}]`, w])),
  })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${k} must be a positive integer`);
  }

  log(`creating the benchmark database ...`);
  const db = await createDb();
  const onSignal = () => {
    for (const c of liveWorkers) c.kill('SIGKILL');
    void db.drop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // runningPolls 0: the first status read answers Succeeded; bodies are not kept (100k messages)
  const acs = await AcsEmulator.start({ runningPolls: 0, keepBodies: false });
  try {
    let t = now();
    const { privileged, unprivileged } = await seedDirectory(db.client, tenants);
    log(
      `seeded ${tenants} tenants, ${privileged} privileged and ${unprivileged} other contacts in ${round((now() - t) / 1000, 1)} s`,
    );
    const baseEnv = {
      DATABASE_URL: db.url,
      MAIL_TRANSPORT: 'acs',
      ACS_CONNECTION_STRING: acs.connectionString,
      ACS_POLL_INTERVAL_MS: '10',
      PUBLIC_BASE_URL: 'https://notify.example.com',
    };
    const setup: Setup = { db, acs, tenants, privileged, baseEnv };

    const results: RunResult[] = [];
    for (const workers of workerCounts) {
      for (let run = 1; run <= runs; run++) {
        log(`run ${run}/${runs} with ${workers} worker process(es) ...`);
        t = now();
        results.push(await measuredRun(setup, workers, run));
      }
    }
    let throttled: ThrottledResult | null = null;
    if (!values['no-throttle']) {
      log(
        `throttled run: MAIL_RATE_PER_MINUTE=${throttleRate}, ${throttleWorkers} worker(s), ${throttleSeconds} s ...`,
      );
      throttled = await throttledRun(setup, throttleRate, throttleWorkers, throttleSeconds);
    }

    const summary = workerCounts.map((workers) => {
      const rs = results.filter((r) => r.workers === workers);
      return {
        workers,
        runs: rs.length,
        launchSeconds: round(median(rs.map((r) => r.launchSeconds)), 2),
        noticesSeconds: round(median(rs.map((r) => r.noticesSeconds)), 2),
        noticesPerSecond: Math.round(median(rs.map((r) => r.noticesPerSecond))),
        emails: rs[0]!.emails,
        emailsPerSecond: Math.round(median(rs.map((r) => r.emailsPerSecond))),
        completedSeconds: round(median(rs.map((r) => r.completedSeconds)), 2),
        loadAverage: round(median(rs.flatMap((r) => [r.loadAverage.start, r.loadAverage.end])), 1),
        allChecksPassed: rs.every((r) => Object.values(r.checks).every(Boolean)),
      };
    });
    const best = summary.reduce((a, b) => (a.noticesSeconds <= b.noticesSeconds ? a : b));
    const targets = {
      noticesWithin60s: summary.map((x) => ({ workers: x.workers, met: x.noticesSeconds <= 60 })),
      emailsAtLeast200PerSecond: summary.map((x) => ({ workers: x.workers, met: x.emailsPerSecond >= 200 })),
      throttleWithinLimit: throttled ? throttled.withinLimit : null,
    };
    const report = {
      benchmark: 'campaign',
      machine: {
        nproc: availableParallelism(),
        memoryGiB: round(totalmem() / 2 ** 30, 1),
        cpu: cpus()[0]?.model.trim() ?? 'unknown',
        node: process.version,
      },
      setup: {
        tenants,
        privilegedContacts: privileged,
        otherContacts: unprivileged,
        runsPerConfiguration: runs,
        emulator: 'in the benchmark (parent) process; runningPolls 0, bodies not kept',
        workers: 'separate processes: node dist/apps/worker/src/main.js',
        env: {
          ACS_POLL_INTERVAL_MS: 10,
          MAIL_RATE_PER_MINUTE: 1_000_000,
          DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE ?? 'default',
        },
      },
      summary,
      runs: results,
      throttled,
      targets,
      best: { workers: best.workers, noticesSeconds: best.noticesSeconds },
    };

    if (values.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      const m = report.machine;
      process.stdout.write(
        `\nCampaign benchmark: ${tenants} affected tenants, ${privileged} privileged contacts (${m.nproc} CPUs, ${m.cpu}, Node ${m.node})\n\n`,
      );
      process.stdout.write(
        `${table([
          [
            'workers',
            'runs',
            'launch s',
            'notices s',
            'notices/s',
            'emails',
            'emails/s',
            'completed s',
            'load',
            'checks',
          ],
          ...summary.map((x) => [
            x.workers,
            x.runs,
            x.launchSeconds,
            x.noticesSeconds,
            x.noticesPerSecond,
            x.emails,
            x.emailsPerSecond,
            x.completedSeconds,
            x.loadAverage,
            x.allChecksPassed ? 'ok' : 'FAILED',
          ]),
        ])}\n`,
      );
      process.stdout.write(
        '(medians; notices s and completed s from the launch call; emails/s first to last accepted send; load: 1-min load average, start and end of the runs)\n',
      );
      if (throttled) {
        process.stdout.write(
          `\nThrottled: MAIL_RATE_PER_MINUTE=${throttled.ratePerMinute}, ${throttled.workers} worker(s), ${throttled.seconds} s: ` +
            `${throttled.emailsAccepted} emails accepted, at most ${throttled.peak60s} in any 60 s window ` +
            `(${throttled.withinLimit ? 'within' : 'OVER'} the limit of ${throttled.ratePerMinute}); ${throttled.noticesPosted} notices posted meanwhile\n`,
        );
      }
      process.stdout.write(
        `\nTargets: notices within 60 s: ${targets.noticesWithin60s.map((x) => `${x.workers}w ${x.met ? 'met' : 'MISSED'}`).join(', ')}; ` +
          `>= 200 emails/s: ${targets.emailsAtLeast200PerSecond.map((x) => `${x.workers}w ${x.met ? 'met' : 'MISSED'}`).join(', ')}\n`,
      );
    }
    const failed = summary.some((x) => !x.allChecksPassed) || (throttled !== null && !throttled.withinLimit);
    process.exitCode = failed ? 1 : 0;
  } finally {
    await acs.close();
    log('dropping the benchmark database ...');
    await db.drop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:campaign failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
