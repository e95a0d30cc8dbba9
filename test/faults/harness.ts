/**
 * What the fault tests (test/faults/*.e2e-spec.ts) and the soak (scripts/soak.ts) share: a
 * throw-away database per scenario, a campaign seeded straight into it (the faults are about
 * sending, not analysis), the worker as a real child process, a Redis of the test's own, and
 * the exactly-once check against the ACS emulator's record.
 *
 * Each scenario gets its own database and queue prefix: the worker reconciles every sending
 * campaign it can see when it starts, and pg_terminate_backend hits a whole database, so
 * sharing the test run's database would let one scenario disturb another.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { AcsEmulator } from '../support/acs-emulator.js';
import { deleteKeys } from '../support/redis-keys.js';
import { ConfigModule } from '../../libs/config/config.module.js';
import { DbModule } from '../../libs/db/db.module.js';
import { QueueModule } from '../../libs/queue/queue.module.js';
import { AuditModule } from '../../libs/audit/audit.module.js';
import { CampaignsModule } from '../../libs/campaigns/campaigns.module.js';

/** The repository root, from this file's place (test/faults or dist/test/faults). */
export const ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
})();

const ADMIN_URL = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls fn until it returns something truthy; throws with `what` after ms. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  ms = 120_000,
  every = 100,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(every);
  }
}

// ───────────────────────────── processes ─────────────────────────────

function run_(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, output }));
  });
}

/** The environment a child process gets: ours without jest's NODE_OPTIONS, plus the overrides. */
function childEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...overrides };
  delete env.NODE_OPTIONS;
  return env;
}

/** Source files of apps/ and libs/ (specs aside) whose compiled .js in dist/ is missing or older. */
function staleOutputs(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const rel = join(dir, e.name);
    if (e.isDirectory()) staleOutputs(rel, out);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && !e.name.endsWith('.spec.ts')) {
      const js = statSync(join(ROOT, 'dist', rel.replace(/\.ts$/, '.js')), { throwIfNoEntry: false });
      if (!js || js.mtimeMs < statSync(join(ROOT, rel)).mtimeMs) out.push(rel);
    }
  }
  return out;
}

const WORKER_MAIN = () => join(ROOT, 'dist/apps/worker/src/main.js');

/**
 * Builds dist/ when a compiled file of apps/ or libs/ is missing or older than its source (`npm ci`
 * in .ci/run already built it, so there this is a stat walk). Test files run
 * in parallel, so a directory lock makes one of them build while the others wait.
 */
export async function ensureWorkerBuilt(): Promise<void> {
  // tsc rewrites only the outputs that change, so an output older than its source is stale
  const fresh = () =>
    existsSync(WORKER_MAIN()) && staleOutputs('apps').length === 0 && staleOutputs('libs').length === 0;
  if (fresh()) return;
  const lock = join(ROOT, 'dist/.faults-build-lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const deadline = Date.now() + 240_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // a lock older than the longest build is a leftover of a killed run
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 180_000)
        rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('timed out waiting for another test file to build dist/');
      await sleep(500);
      if (fresh()) return;
    }
  }
  try {
    if (fresh()) return;
    const r = await run_('npx', ['tsc', '-p', 'tsconfig.json'], childEnv({}));
    // tsc emits even with type errors (someone else's half-done file); what matters is the worker
    if (r.code !== 0)
      process.stderr.write(
        `faults: tsc reported errors, running the emitted worker anyway:\n${r.output.slice(0, 2000)}\n`,
      );
    if (!existsSync(WORKER_MAIN())) throw new Error(`build produced no ${WORKER_MAIN()}:\n${r.output}`);
    // a source touched without a change is not emitted again: mark its output as current
    const now = new Date();
    for (const rel of [...staleOutputs('apps'), ...staleOutputs('libs')]) {
      const js = join(ROOT, 'dist', rel.replace(/\.ts$/, '.js'));
      if (existsSync(js)) utimesSync(js, now, now);
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface WorkerProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** everything it printed (kept to show when a test fails) */
  output(): string;
  /** resolves with how it ended */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  /** sends the signal and waits for the exit (SIGKILL after graceMs) */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node dist/apps/worker/src/main.js` and resolves once it says it started (after its
 * start-up reconciliation). Its output goes to the parent's stderr when FAULTS_VERBOSE is set.
 */
export async function startWorker(env: Record<string, string>, label = 'worker'): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [WORKER_MAIN()], {
    cwd: ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    const s = d.toString();
    out = (out + s).slice(-200_000);
    if (process.env.FAULTS_VERBOSE) process.stderr.write(s.replace(/^/gm, `[${label} ${child.pid}] `));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  const handle: WorkerProcess = {
    pid: child.pid!,
    child,
    output: () => out,
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    stop: async (signal = 'SIGTERM', graceMs = 30_000) => {
      handle.kill(signal);
      const t = setTimeout(() => handle.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(t);
      }
    },
  };
  const started = await Promise.race([
    until('worker start', () => out.includes('worker started'), 60_000, 50).then(() => true),
    exited.then(() => false),
  ]);
  if (!started) throw new Error(`worker exited during start:\n${out}`);
  return handle;
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolvePromise(port));
    });
  });
}

export interface RedisServer {
  port: number;
  url: string;
  /** kills the server (SIGKILL: no chance to save anything, and it was told to save nothing) */
  kill(): Promise<void>;
  /** a new, empty server on the same port */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A redis-server of the caller's own, without persistence: a restart starts it empty. */
export async function startRedis(port?: number): Promise<RedisServer> {
  const p = port ?? (await freePort());
  let child: ChildProcess | undefined;
  const ping = async () => {
    const r = await run_('redis-cli', ['-p', String(p), 'ping'], childEnv({}));
    return r.output.includes('PONG');
  };
  const boot = async () => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(p),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--dir',
        '/tmp',
      ],
      {
        stdio: 'ignore',
      },
    );
    await until(`redis-server on port ${p}`, ping, 15_000, 50);
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  };
  await boot();
  return { port: p, url: `redis://127.0.0.1:${p}`, kill, restart: boot, stop: kill };
}

// ───────────────────────────── database ─────────────────────────────

export interface ScenarioDatabase {
  name: string;
  url: string;
  pool: pg.Pool;
  /** pg_terminate_backend on every other connection to this database; returns how many */
  terminateOthers(): Promise<number>;
  drop(): Promise<void>;
}

/**
 * A fresh database with the project's migrations, for one scenario: under jest a clone of the
 * run's migrated template (named after the run, so its global teardown drops a leftover too),
 * elsewhere (the soak) a new database migrated by Prisma's CLI.
 */
export async function createScenarioDatabase(label: string): Promise<ScenarioDatabase> {
  const run = process.env.TEST_RUN_ID;
  const template = process.env.TEST_TEMPLATE_DATABASE;
  const name = `${run ?? 'impact_test'}_${label
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase()
    .slice(0, 20)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
        break;
      } catch (e) {
        // another file cloning the template at the same moment
        if (!template || attempt > 20 || !/being accessed by other users/.test((e as Error).message)) throw e;
        await sleep(250 + Math.random() * 500);
      }
    }
  } finally {
    await admin.end();
  }
  const url = ADMIN_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  if (!template) {
    const r = await run_(
      'npx',
      ['prisma', 'migrate', 'deploy'],
      childEnv({ DATABASE_URL: url, CHECKPOINT_DISABLE: '1' }),
    );
    if (r.code !== 0) {
      const a = new pg.Client({ connectionString: ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => a.end());
      throw new Error(`prisma migrate deploy failed for ${name}:\n${r.output}`);
    }
  }
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined); // our own connections are terminated too when a test asks for it
  return {
    name,
    url,
    pool,
    async terminateOthers() {
      // a fresh connection: the pool's may be among the ones terminated last time
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        // the function in the select list: in WHERE the planner may call it before the pid filter
        const res = await c.query<{ t: boolean }>(
          `SELECT pg_terminate_backend(pid) AS t FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        );
        return res.rows.filter((r) => r.t).length;
      } finally {
        await c.end();
      }
    },
    async drop() {
      await pool.end().catch(() => undefined);
      if (process.env.KEEP_TEST_DATABASE) return;
      const a = new pg.Client({ connectionString: ADMIN_URL });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}

// ───────────────────────────── seeding ─────────────────────────────

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SeedOptions {
  tenants: number;
  seed?: number;
  /** share of tenants decided `affected` (default 0.6); the rest split over not_affected, needs_review and no decision */
  affectedShare?: number;
  title?: string;
  supportUrl?: string;
  supportEmail?: string;
  supportPhone?: string;
  /** the directory name of tenant i (default `Fault Tenant <i> <tag>`) */
  tenantName?: (i: number, tag: string) => string;
}

export interface SeededCampaign {
  campaignId: string;
  datasetId: string;
  affectedTenants: string[];
  otherTenants: string[];
  /** privileged contacts (GlobalAdmin, PrivacyReader) of affected tenants, lower-cased: exactly one email each */
  expectedRecipients: Set<string>;
  /** every other contact address: no email at all */
  strangers: Set<string>;
  /** expected recipient → tenant */
  tenantOf: Map<string, string>;
}

const PRIVILEGED = ['GlobalAdmin', 'PrivacyReader'];
const CATEGORIES = ['Names', 'Email addresses', 'Phone numbers', 'Email content', 'Company name', 'Attached files'];

/**
 * Seeds tenants with contacts of mixed roles and locales, a data set, and an `approved` campaign
 * with decisions and exposure views, in bulk SQL. Some affected tenants have no privileged
 * contact (a notice, no email); unaffected tenants have privileged contacts too (they must get
 * nothing).
 */
export async function seedCampaign(pool: pg.Pool, opts: SeedOptions): Promise<SeededCampaign> {
  const rnd = mulberry32(opts.seed ?? 1);
  const tag = randomBytes(3).toString('hex');
  const datasetId = randomUUID();
  const campaignId = randomUUID();
  const tenants: { id: string; name: string }[] = [];
  const contacts: { tenantId: string; email: string; roles: string[]; locale: string }[] = [];
  const decisions: { tenantId: string; decision: string; records: number; categories: string[] }[] = [];
  const affectedShare = opts.affectedShare ?? 0.6;
  const out: SeededCampaign = {
    campaignId,
    datasetId,
    affectedTenants: [],
    otherTenants: [],
    expectedRecipients: new Set(),
    strangers: new Set(),
    tenantOf: new Map(),
  };

  for (let i = 0; i < opts.tenants; i++) {
    const id = randomUUID();
    tenants.push({ id, name: opts.tenantName?.(i, tag) ?? `Fault Tenant ${i} ${tag}` });
    const roll = rnd();
    const decision =
      roll < affectedShare
        ? 'affected'
        : roll < affectedShare + (1 - affectedShare) / 2
          ? 'not_affected'
          : roll < affectedShare + (3 * (1 - affectedShare)) / 4
            ? 'needs_review'
            : null;
    const cats = CATEGORIES.filter(() => rnd() < 0.5);
    if (decision)
      decisions.push({
        tenantId: id,
        decision,
        records: 1 + Math.floor(rnd() * 5),
        categories: cats.length ? cats : ['Names'],
      });
    (decision === 'affected' ? out.affectedTenants : out.otherTenants).push(id);
    const roleSets: string[][] = [];
    const noPrivileged = rnd() < 0.05;
    if (!noPrivileged) {
      if (rnd() < 0.9) roleSets.push(['GlobalAdmin']);
      if (rnd() < 0.4) roleSets.push(['PrivacyReader']);
      if (rnd() < 0.2) roleSets.push(['GlobalAdmin', 'PrivacyReader']);
      if (!roleSets.length) roleSets.push(['PrivacyReader']);
    }
    if (rnd() < 0.5) roleSets.push(['User']);
    if (rnd() < 0.25) roleSets.push(['BillingAdmin']);
    roleSets.forEach((roles, j) => {
      const email = `c${j}.t${i}.${tag}@tenant${i}-${tag}.example`;
      contacts.push({ tenantId: id, email, roles, locale: rnd() < 0.25 ? 'de-DE' : 'en-US' });
      if (decision === 'affected' && roles.some((r) => PRIVILEGED.includes(r))) {
        out.expectedRecipients.add(email);
        out.tenantOf.set(email, id);
      } else out.strangers.add(email);
    });
  }

  await pool.query(`INSERT INTO datasets (id, name, status, completed_at) VALUES ($1, $2, 'ready', now())`, [
    datasetId,
    `faults-${tag}`,
  ]);
  await pool.query(
    `INSERT INTO campaigns (id, dataset_id, title, support_url, support_phone, support_email, respond_by, incident_date, status, created_by, approved_by, approved_at, analyzed_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'approved', 'fault-test', 'fault-approver', now(), now(), now())`,
    [
      campaignId,
      datasetId,
      opts.title ?? '',
      opts.supportUrl ?? 'https://support.example.com/privacy',
      opts.supportPhone ?? '+1 425 555 0100',
      opts.supportEmail ?? 'privacy@cloudprovider.example',
      new Date('2026-12-31T00:00:00Z'),
      new Date('2026-11-01T00:00:00Z'),
    ],
  );
  const CHUNK = 5000;
  for (let i = 0; i < tenants.length; i += CHUNK) {
    const t = tenants.slice(i, i + CHUNK);
    await pool.query(
      `INSERT INTO tenants (id, name, aliases, phones, updated_at) SELECT u.id, u.name, '{}', '{}', now() FROM unnest($1::uuid[], $2::text[]) AS u(id, name)`,
      [t.map((x) => x.id), t.map((x) => x.name)],
    );
  }
  for (let i = 0; i < contacts.length; i += CHUNK) {
    const c = contacts.slice(i, i + CHUNK);
    await pool.query(
      `INSERT INTO tenant_contacts (tenant_id, email, roles, locale)
       SELECT u.tenant_id, u.email, string_to_array(u.roles, ','), u.locale FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS u(tenant_id, email, roles, locale)`,
      [c.map((x) => x.tenantId), c.map((x) => x.email), c.map((x) => x.roles.join(',')), c.map((x) => x.locale)],
    );
  }
  for (let i = 0; i < decisions.length; i += CHUNK) {
    const d = decisions.slice(i, i + CHUNK);
    await pool.query(
      `INSERT INTO tenant_decisions (campaign_id, tenant_id, decision, reasons, data_categories, records, raw_records, review_keys)
       SELECT $1, u.tenant_id, u.decision::decision, ARRAY['seeded for a fault test'], string_to_array(u.cats, ','), u.records, u.records, '{}'
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int[]) AS u(tenant_id, decision, cats, records)`,
      [
        campaignId,
        d.map((x) => x.tenantId),
        d.map((x) => x.decision),
        d.map((x) => x.categories.join(',')),
        d.map((x) => x.records),
      ],
    );
    const aff = d.filter((x) => x.decision === 'affected');
    await pool.query(
      `INSERT INTO exposure_views (campaign_id, tenant_id, view, updated_at) SELECT $1, u.tenant_id, u.view::jsonb, now() FROM unnest($2::uuid[], $3::text[]) AS u(tenant_id, view)`,
      [
        campaignId,
        aff.map((x) => x.tenantId),
        aff.map((x) =>
          JSON.stringify({
            dataCategories: x.categories,
            records: Array.from({ length: x.records }, (_, k) => ({
              recordId: `rec-${k}`,
              kind: 'email',
              dataCategories: x.categories,
            })),
            people: [],
            files: [],
          }),
        ),
      ],
    );
  }
  return out;
}

// ───────────────────────────── the service, in the test process ─────────────────────────────

export interface ServiceEnv {
  DATABASE_URL: string;
  REDIS_URL: string;
  QUEUE_PREFIX: string;
  ACS_CONNECTION_STRING: string;
  MAIL_RATE_PER_MINUTE: string;
  [k: string]: string;
}

/** The worker's environment for a scenario. */
export function workerEnv(e: ServiceEnv): Record<string, string> {
  return { MAIL_TRANSPORT: 'acs', ACS_POLL_INTERVAL_MS: '20', DATABASE_POOL_SIZE: '10', LOG_LEVEL: 'warn', ...e };
}

/**
 * A Nest context with the campaigns module on the scenario's database and queues (no
 * processors: the worker process does the work), for launch, status, reconcile and deliveries.
 */
export async function operatorContext(e: ServiceEnv): Promise<INestApplicationContext> {
  return withEnv(workerEnv(e), async () => {
    const mod = await Test.createTestingModule({
      imports: [ConfigModule, DbModule, QueueModule, AuditModule, CampaignsModule],
    }).compile();
    return mod.init();
  });
}

/** Runs fn with process.env overridden (configuration is read when a module is built), then restores it. */
export async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Deletes every key of a scenario's queues (its jobs, its send-rate log) from Redis. */
export async function dropQueues(redisUrl: string, prefix: string): Promise<void> {
  if (!prefix.startsWith('impact_test_')) throw new Error(`refusing to delete keys of ${prefix}`);
  // Redis gone (a scenario's own server): nothing left to delete
  await deleteKeys(redisUrl, `${prefix}:*`).catch(() => undefined);
}

export function queuePrefix(label: string): string {
  // under jest, named after the run: its global teardown deletes what a failed test left
  return `${process.env.TEST_RUN_ID ?? 'impact_test'}_faults_${label}_${randomBytes(3).toString('hex')}`;
}

// ───────────────────────────── the check ─────────────────────────────

export interface ExactlyOnceReport {
  expectedEmails: number;
  /** recorded by the emulator (Succeeded and Failed operations) */
  recorded: number;
  /** expected recipients with no message */
  missing: string[];
  /** recipients with more than one message */
  doubled: string[];
  /** messages to anyone who is not an expected recipient */
  strangers: string[];
  /** operation ids the emulator recorded more than once */
  doubledOperations: number;
  noticesExpected: number;
  noticesPosted: number;
  /** tenants with a notice that are not affected, or affected tenants without one */
  noticeMismatches: string[];
  /** deliveries rows that are not sent or failed */
  unfinishedDeliveries: number;
  ok: boolean;
}

/** Exactly one notice per affected tenant, exactly one email per privileged contact of one, nothing else. */
export async function exactlyOnce(
  pool: pg.Pool,
  acs: AcsEmulator,
  one: SeededCampaign | SeededCampaign[],
): Promise<ExactlyOnceReport> {
  // several campaigns against one emulator are checked together
  const all = Array.isArray(one) ? one : [one];
  const ids = all.map((c) => c.campaignId);
  const seeded = {
    expectedRecipients: new Set(all.flatMap((c) => [...c.expectedRecipients])),
    affectedTenants: all.flatMap((c) => c.affectedTenants),
  };
  const byRecipient = acs.countByRecipient({ includeFailed: true });
  const missing = [...seeded.expectedRecipients].filter((a) => !byRecipient.has(a));
  const doubled = [...byRecipient].filter(([, n]) => n > 1).map(([a, n]) => `${a} x${n}`);
  const strangers = [...byRecipient.keys()].filter((a) => !seeded.expectedRecipients.has(a));
  const doubledOperations = [...acs.countByOperationId().values()].filter((n) => n > 1).length;
  const notices = await pool.query<{ tenant_id: string; n: string }>(
    `SELECT tenant_id, count(*)::text AS n FROM notices WHERE campaign_id = ANY($1::uuid[]) GROUP BY tenant_id`,
    [ids],
  );
  const posted = new Map(notices.rows.map((r) => [r.tenant_id, Number(r.n)]));
  const affected = new Set(seeded.affectedTenants);
  const noticeMismatches = [
    ...seeded.affectedTenants
      .filter((t) => posted.get(t) !== 1)
      .map((t) => `affected ${t}: ${posted.get(t) ?? 0} notices`),
    ...[...posted.keys()].filter((t) => !affected.has(t)).map((t) => `not affected ${t}: has a notice`),
  ];
  const unfinished = await pool.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM deliveries WHERE campaign_id = ANY($1::uuid[]) AND state NOT IN ('sent', 'failed')`,
    [ids],
  );
  const r: ExactlyOnceReport = {
    expectedEmails: seeded.expectedRecipients.size,
    recorded: acs.messages().length,
    missing,
    doubled,
    strangers,
    doubledOperations,
    noticesExpected: affected.size,
    noticesPosted: notices.rows.reduce((s, x) => s + Number(x.n), 0),
    noticeMismatches,
    unfinishedDeliveries: Number(unfinished.rows[0]!.n),
    ok: false,
  };
  r.ok =
    !missing.length &&
    !doubled.length &&
    !strangers.length &&
    !doubledOperations &&
    !noticeMismatches.length &&
    r.recorded === r.expectedEmails &&
    r.unfinishedDeliveries === 0;
  return r;
}

/** Delivery rows per state. */
export async function deliveryStates(pool: pg.Pool, campaignId: string): Promise<Record<string, number>> {
  const r = await pool.query<{ state: string; n: string }>(
    `SELECT state::text, count(*)::text AS n FROM deliveries WHERE campaign_id = $1 GROUP BY state`,
    [campaignId],
  );
  return Object.fromEntries(r.rows.map((x) => [x.state, Number(x.n)]));
}

export async function campaignStatus(pool: pg.Pool, campaignId: string): Promise<string> {
  const r = await pool.query<{ status: string }>(`SELECT status::text FROM campaigns WHERE id = $1`, [campaignId]);
  return r.rows[0]!.status;
}
