/**
 * `npm run bench:inbox`: the tenant inbox under load, with row-level security on.
 *
 * 10,000 tenants (BENCH_INBOX_TENANTS), each affected by two campaigns, so 20,000 notices with
 * their exposure views are seeded in bulk into a throw-away database; the API runs in a separate
 * process (the built dist/apps/api), trusting a development issuer key made here; autocannon
 * then loads the list and the get endpoints at 50 connections, each request as a random one of
 * the tenants' admins (so every request is verified, scoped by RLS and audited). Prints requests
 * per second and p50/p99 latency and writes them under "## Inbox" in BENCHMARKS.md.
 *
 * Settings (environment): BENCH_INBOX_TENANTS (10000), BENCH_INBOX_SECONDS (15 per endpoint),
 * BENCH_INBOX_CONNECTIONS (50), BENCH_INBOX_POOL (DATABASE_POOL_SIZE of the API, 20),
 * BENCH_INBOX_RUNS (3: list and get alternate; the figures are each endpoint's median run),
 * BENCH_INBOX_API_NODE_ARGS (node flags for the API process), BENCH_KEEP=1 keeps the database,
 * BENCH_INBOX_LANGUAGE (an Accept-Language every request sends, e.g. `fr-FR`: each notice is also
 * stored in fr-FR and ja-JP, so that reader is served a stored translation instead of the body).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import { importPKCS8, SignJWT } from 'jose';
import pg from 'pg';
import { DEFAULT_TENANT_AUDIENCE, DEV_ISSUER } from '../libs/auth/dev-issuer.js';
import { NoticeComposer } from '../libs/notices/notice-composer.js';
import { NoticeRenderer } from '../libs/notices/notice-renderer.js';
import { TemplateEngine } from '../libs/notices/template-engine.js';
import { processCpuSecondsOf } from './bench-support.js';

const TENANTS = Number(process.env.BENCH_INBOX_TENANTS ?? 10_000);
const SECONDS = Number(process.env.BENCH_INBOX_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_INBOX_CONNECTIONS ?? 50);
const POOL = Number(process.env.BENCH_INBOX_POOL ?? 20);
const RUNS = Number(process.env.BENCH_INBOX_RUNS ?? 3);
const TOKENS = Math.min(TENANTS, 2000);
const LANGUAGE = process.env.BENCH_INBOX_LANGUAGE;
/** the other languages each notice is stored in, as for a tenant whose admins read them */
const TRANSLATED = ['fr-FR', 'ja-JP'];
const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const ROOT = resolve(import.meta.dirname, '..', '..');
const log = (s: string) => process.stderr.write(`${s}\n`);

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const dbUrl = (name: string) => ADMIN_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);

async function createDatabase(): Promise<string> {
  const name = `impact_bench_inbox_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  execFileSync('npx', ['prisma', 'migrate', 'deploy'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: dbUrl(name), CHECKPOINT_DISABLE: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return name;
}

async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}

interface Seeded {
  tenants: { id: string; email: string; notices: string[] }[];
}

/** Tenants, two campaigns, their decisions, notices (bodies composed by the real composer) and exposure views, in multi-row batches. */
async function seed(url: string): Promise<Seeded> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const composer = new NoticeComposer(new NoticeRenderer(new TemplateEngine()));
  const tenants: Seeded['tenants'] = Array.from({ length: TENANTS }, (_, i) => ({
    id: randomUUID(),
    email: `admin@tenant${i}.bench.example`,
    notices: [],
  }));
  const ds = randomUUID();
  await db.query(`INSERT INTO datasets (id, name, status) VALUES ($1, 'bench-inbox', 'ready')`, [ds]);
  const campaigns = [randomUUID(), randomUUID()];
  for (const c of campaigns) {
    await db.query(
      `INSERT INTO campaigns (id, dataset_id, title, created_by, status, support_url, support_email, incident_date, updated_at)
       VALUES ($1, $2, 'Data exposure in a storage endpoint', 'bench', 'completed', 'https://support.example.com', 'privacy@example.com', '2026-10-01', now())`,
      [c, ds],
    );
  }
  const BATCH = 1000;
  for (let i = 0; i < tenants.length; i += BATCH) {
    const batch = tenants.slice(i, i + BATCH);
    const ids = batch.map((t) => t.id);
    await db.query(
      `INSERT INTO tenants (id, name, aliases, phones, updated_at) SELECT id, 'Tenant ' || id, '{}', '{}', now() FROM unnest($1::uuid[]) AS id`,
      [ids],
    );
    await db.query(
      `INSERT INTO tenant_contacts (tenant_id, email, roles, locale) SELECT t, e, ARRAY['GlobalAdmin'], 'en-US' FROM unnest($1::uuid[], $2::text[]) AS x(t, e)`,
      [ids, batch.map((t) => t.email)],
    );
    for (const c of campaigns) {
      await db.query(
        `INSERT INTO tenant_decisions (campaign_id, tenant_id, decision, reasons, data_categories, records, raw_records, review_keys)
         SELECT $1, t, 'affected', ARRAY['bench'], ARRAY['Names','Email addresses'], 3, 3, '{}' FROM unnest($2::uuid[]) AS t`,
        [c, ids],
      );
      const { rows } = await db.query<{ id: string }>(
        `SELECT 'MC' || nextval('notice_number') AS id FROM generate_series(1, $1)`,
        [batch.length],
      );
      const postedAt = new Date(Date.UTC(2026, 10, 1 + campaigns.indexOf(c)));
      const inLocale = (t: { id: string }, k: number, locale: string) =>
        composer.compose({
          campaign: {
            id: c,
            title: 'Data exposure in a storage endpoint',
            supportUrl: 'https://support.example.com',
            supportPhone: null,
            supportEmail: 'privacy@example.com',
            respondBy: null,
            incidentDate: new Date('2026-10-01'),
          },
          tenant: { id: t.id, name: `Tenant ${t.id}` },
          messageId: rows[k]!.id,
          dataCategories: ['Names', 'Email addresses'],
          records: 3,
          locale,
          postedAt,
        });
      const msgs = batch.map((t, k) => inLocale(t, k, 'en-US'));
      const translations = batch.map((t, k) =>
        JSON.stringify(
          Object.fromEntries(
            TRANSLATED.map((l) => {
              const m = inLocale(t, k, l);
              return [l, { title: m.title, bodyHtml: m.body.content }];
            }),
          ),
        ),
      );
      batch.forEach((t, k) => t.notices.push(rows[k]!.id));
      await db.query(
        `INSERT INTO notices (id, campaign_id, tenant_id, title, category, severity, tags, is_major_change, services, details, body_html, locale, translations, posted_at, last_modified_at)
         SELECT id, $1, t, title, 'preventOrFixIssue', 'high', ARRAY['Data privacy','Admin impact'], true, ARRAY['Business transaction data'], d::jsonb, body, 'en-US', tr::jsonb, $6, $6
         FROM unnest($2::text[], $3::uuid[], $4::text[], $5::text[], $7::text[], $8::text[]) AS x(id, t, title, body, d, tr)`,
        [
          c,
          msgs.map((m) => m.id),
          ids,
          msgs.map((m) => m.title),
          msgs.map((m) => m.body.content),
          postedAt,
          msgs.map((m) => JSON.stringify(m.details)),
          translations,
        ],
      );
      await db.query(
        `INSERT INTO exposure_views (campaign_id, tenant_id, view, updated_at) SELECT $1, t, v::jsonb, now() FROM unnest($2::uuid[], $3::text[]) AS x(t, v)`,
        [
          c,
          ids,
          batch.map((t, k) =>
            JSON.stringify({
              dataCategories: ['Names', 'Email addresses'],
              records: [0, 1, 2].map((r) => ({
                recordId: `R${i + k}-${r}`,
                kind: 'email',
                dataCategories: ['Names', 'Email addresses'],
              })),
              people: [{ name: `Person ${k}`, email: `person${k}@tenant${i + k}.bench.example` }],
              files: [{ fileName: null }],
            }),
          ),
        ],
      );
    }
    if ((i / BATCH) % 2 === 1) log(`  seeded ${Math.min(i + BATCH, tenants.length)} tenants`);
  }
  await db.query('ANALYZE');
  await db.end();
  return { tenants };
}

async function rlsState(url: string): Promise<string> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const { rows } = await db.query<{ relname: string; rls: boolean; force: boolean }>(
    `SELECT relname, relrowsecurity AS rls, relforcerowsecurity AS force FROM pg_class WHERE relname IN ('notices','notice_view_points','exposure_views') ORDER BY relname`,
  );
  await db.end();
  if (rows.length !== 3 || !rows.every((r) => r.rls && r.force))
    throw new Error(`row-level security is not on: ${JSON.stringify(rows)}`);
  return rows.map((r) => `${r.relname} (enabled, forced)`).join(', ');
}

async function startApi(url: string, port: number, pem: string): Promise<ChildProcess> {
  const main = resolve(ROOT, 'dist/apps/api/src/main.js');
  if (!existsSync(main)) throw new Error('dist/apps/api/src/main.js is missing: run npm run build first');
  // BENCH_INBOX_API_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", to profile the API
  const nodeArgs = (process.env.BENCH_INBOX_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, main], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: url,
      DATABASE_POOL_SIZE: String(POOL),
      HOST: '127.0.0.1',
      PORT: String(port),
      DEV_ISSUER_ENABLED: 'true',
      DEV_ISSUER_PRIVATE_KEY: pem,
      INBOX_RATE_PER_USER: '10000000',
      INBOX_RATE_PER_ADDRESS: '10000000',
      TENANT_JWKS_URL: '',
      TENANT_JWT_PUBLIC_KEY: '',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/inbox`);
      if (r.ok) return child;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error('the API did not start within 20 s');
}

interface Figures {
  name: string;
  /** CPU time of the API process per request, ms: its own cost, whatever else runs on the machine */
  apiCpuMs: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
}

/** user + system CPU of a process so far, ms (Linux /proc; 0 elsewhere) */
const cpuMs = (pid: number | undefined): number => (processCpuSecondsOf(pid) ?? 0) * 1000;

function load(
  name: string,
  port: number,
  seconds: number,
  pathFor: () => { path: string; token: string },
  apiPid?: number,
): Promise<Figures> {
  const cpuBefore = cpuMs(apiPid);
  return new Promise((resolveRun, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections: CONNECTIONS,
        duration: seconds,
        requests: [
          {
            setupRequest: (req) => {
              const { path, token } = pathFor();
              return {
                ...req,
                method: 'GET',
                path,
                headers: {
                  ...req.headers,
                  authorization: `Bearer ${token}`,
                  accept: 'application/json',
                  ...(LANGUAGE ? { 'accept-language': LANGUAGE } : {}),
                },
              };
            },
          },
        ],
      },
      (err, r) => {
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        const apiCpuMs = r.requests.total ? (cpuMs(apiPid) - cpuBefore) / r.requests.total : 0;
        resolveRun({
          name,
          apiCpuMs,
          rps: r.requests.average,
          p50: r.latency.p50,
          p90: r.latency.p90,
          p99: r.latency.p99,
          requests: r.requests.total,
          non2xx: r.non2xx,
          errors: r.errors + r.timeouts,
        });
      },
    );
  });
}

function writeBenchmarks(section: string): void {
  const file = resolve(ROOT, 'BENCHMARKS.md');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = text.search(/^## Inbox\b.*$/m);
  let out: string;
  if (start < 0) out = `${text.replace(/\s*$/, '')}\n\n${section}`;
  else {
    const rest = text.slice(start + 1);
    const next = rest.search(/^## /m);
    out = text.slice(0, start) + section + (next < 0 ? '' : `\n${rest.slice(next)}`);
  }
  writeFileSync(file, out.endsWith('\n') ? out : `${out}\n`);
}

async function main(): Promise<void> {
  const t0 = Date.now();
  log(`bench:inbox: ${TENANTS} tenants, ${CONNECTIONS} connections, ${SECONDS} s per endpoint`);
  const name = await createDatabase();
  const url = dbUrl(name);
  let api: ChildProcess | undefined;
  try {
    const seedStart = Date.now();
    const { tenants } = await seed(url);
    const seedS = (Date.now() - seedStart) / 1000;
    log(
      `  seeded ${tenants.length} tenants, ${tenants.length * 2} notices and exposure views in ${seedS.toFixed(1)} s`,
    );
    const rls = await rlsState(url);

    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    const key = await importPKCS8(pem, 'ES256');
    const now = Math.floor(Date.now() / 1000);
    const users = await Promise.all(
      tenants.slice(0, TOKENS).map(async (t, i) => ({
        notices: t.notices,
        token: await new SignJWT({ tid: t.id, email: t.email, roles: ['GlobalAdmin'] })
          .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
          .setIssuer(DEV_ISSUER)
          .setAudience(DEFAULT_TENANT_AUDIENCE)
          .setSubject(`bench-user-${i}`)
          .setIssuedAt(now)
          .setNotBefore(now)
          .setExpirationTime(now + 3600)
          .sign(key),
      })),
    );
    const pick = () => users[Math.floor(Math.random() * users.length)]!;

    const port = await freePort();
    api = await startApi(url, port, pem);
    // a sanity check before measuring: one list, one get, one foreign get (404)
    const u = users[0]!;
    const list = await (
      await fetch(`http://127.0.0.1:${port}/v1/admin/serviceAnnouncement/messages`, {
        headers: { authorization: `Bearer ${u.token}` },
      })
    ).json();
    if ((list as { value: { id: string }[] }).value.length !== 2)
      throw new Error(`the list answered ${JSON.stringify(list).slice(0, 200)}`);
    const foreign = await fetch(
      `http://127.0.0.1:${port}/v1/admin/serviceAnnouncement/messages/${users[1]!.notices[0]}`,
      { headers: { authorization: `Bearer ${u.token}` } },
    );
    if (foreign.status !== 404) throw new Error(`another tenant's notice answered ${foreign.status}`);

    const listPath = () => {
      const p = pick();
      return { path: '/v1/admin/serviceAnnouncement/messages', token: p.token };
    };
    const getPath = () => {
      const p = pick();
      return {
        path: `/v1/admin/serviceAnnouncement/messages/${p.notices[Math.floor(Math.random() * p.notices.length)]}`,
        token: p.token,
      };
    };
    log('  warming up (3 s)');
    await load('warm-up', port, 3, listPath);
    const loadBefore = loadavg()[0]!;
    const runs: { list: Figures; get: Figures }[] = [];
    for (let r = 1; r <= RUNS; r++) {
      log(`  run ${r}/${RUNS}: list ${SECONDS} s, get ${SECONDS} s`);
      runs.push({
        list: await load('list (`GET /messages`, 2 notices per tenant)', port, SECONDS, listPath, api.pid),
        get: await load('get (`GET /messages/{id}`)', port, SECONDS, getPath, api.pid),
      });
    }
    // the run with the median requests/s, per endpoint
    const medianRun = (xs: Figures[]) => [...xs].sort((a, b) => a.rps - b.rps)[(xs.length - 1) >> 1]!;
    const l = medianRun(runs.map((r) => r.list));
    const g = medianRun(runs.map((r) => r.get));
    const perRun = (k: 'list' | 'get') =>
      runs.map((r) => `${Math.round(r[k].rps)} req/s, p99 ${r[k].p99} ms`).join('; ');
    const rows = [l, g];
    const machine = `${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
    const tableLines = [
      '| endpoint | requests/s | p50 | p90 | p99 | API CPU per request | requests | non-2xx | errors |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map(
        (r) =>
          `| ${r.name} | ${Math.round(r.rps)} | ${r.p50} ms | ${r.p90} ms | ${r.p99} ms | ${r.apiCpuMs.toFixed(2)} ms | ${r.requests} | ${r.non2xx} | ${r.errors} |`,
      ),
    ];
    const pass =
      rows.every((r) => r.rps >= 1000 && r.p99 < 100) &&
      runs.every((r) => [r.list, r.get].every((f) => f.non2xx === 0 && f.errors === 0));
    const section = [
      '## Inbox',
      '',
      '`npm run bench:inbox` (scripts/bench-inbox.ts). ' +
        `${TENANTS.toLocaleString('en-US')} tenants, each affected by two campaigns (${(TENANTS * 2).toLocaleString('en-US')} notices with bodies from the real composer, each also stored in ${TRANSLATED.join(' and ')}, and their exposure views), seeded in bulk into a throw-away database. ` +
        `The API runs as its own process (\`dist/apps/api\`, DATABASE_POOL_SIZE=${POOL}); autocannon loads it from this process at ${CONNECTIONS} connections, ${SECONDS} s per endpoint and run, ${RUNS} ${RUNS === 1 ? 'run' : 'runs'} after a 3 s warm-up; the table shows each endpoint's median run, ` +
        `every request as a random one of ${TOKENS.toLocaleString('en-US')} tenant admins${LANGUAGE ? ` reading ${LANGUAGE} (Accept-Language: a stored translation is served)` : ' stating no language (the body as written is served)'}. Each request verifies its ES256 token, checks the tenant, runs in one transaction as the ` +
        `\`impact_tenant\` role with row-level security on (${rls}), and writes its audit event(s) in that transaction.`,
      '',
      ...tableLines,
      '',
      `All runs: list ${perRun('list')}. Get ${perRun('get')}.`,
      '',
      `Target: at least 1,000 requests/s with p99 under 100 ms: ${pass ? 'met' : 'NOT met'}. Machine: ${machine}; PostgreSQL, the API and autocannon share it (1-minute load average ${loadBefore.toFixed(1)} when the runs began: other work on the machine counts too). Seeding took ${seedS.toFixed(1)} s; the whole run ${Math.round((Date.now() - t0) / 1000)} s.`,
      '',
    ].join('\n');
    process.stdout.write(`${tableLines.join('\n')}\n`);
    writeBenchmarks(section);
    log(`  written to BENCHMARKS.md (## Inbox): target ${pass ? 'met' : 'NOT met'}`);
  } finally {
    api?.kill('SIGTERM');
    if (api) await new Promise((r) => api!.once('exit', r));
    if (!process.env.BENCH_KEEP) await dropDatabase(name);
    else log(`  kept database ${name}`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:inbox failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
