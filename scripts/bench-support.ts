/**
 * What the two benchmarks share: the generated world files (cached in .bench/), a throw-away
 * database, child processes that each measure one run (so every peak RSS is that run's own), and
 * medians. Figures are medians of K runs, compared with a baseline measured in the same run.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { streamWorld } from '../libs/sample-world/world.js';
import { loadDatabaseSetupConfig } from '../libs/config/config.js';
import { setUpDatabase, withDatabase } from '../libs/db/database-setup.js';

export const BENCH_DIR = resolve(process.env.BENCH_DIR ?? '.bench');
/** the checkout (this file runs from dist/scripts) */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

// ───────────── measuring ─────────────

/** The process's peak resident set so far: the kernel's high-water mark where there is one. */
function vmHwm(): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Samples RSS every 100 ms; `peak()` is the larger of the samples and the kernel's high-water
 * mark (which also catches spikes between samples).
 */
export function rssSampler(): { peak: () => number; stop: () => void } {
  let peak = process.memoryUsage().rss;
  const t = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  t.unref();
  return {
    peak: () => Math.max(peak, process.memoryUsage().rss, vmHwm() ?? 0),
    stop: () => clearInterval(t),
  };
}

/** CPU seconds (user + system) this process has used. */
export const processCpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

let clockTicks: number | undefined;

/**
 * CPU seconds (user + system) process `pid` has used so far, with its waited-for children's when
 * asked; null where /proc cannot tell (another OS, a process that has ended).
 */
export function processCpuSecondsOf(pid: number | string | undefined, withChildren = false): number | null {
  if (pid === undefined) return null;
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    // the fields after the parenthesized command name: utime, stime, cutime, cstime are 14-17
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0);
    return ticks / clockTicks;
  } catch {
    return null;
  }
}

/**
 * CPU seconds PostgreSQL's processes on this machine have used so far: the live ones, and through
 * the postmaster's children times the backends that have exited. Null where /proc cannot tell
 * (another OS, or a server elsewhere). A difference of two readings is the database's share of
 * the work in between (autovacuum included: the run caused it).
 */
export function postgresCpuSeconds(): number | null {
  if (!existsSync('/proc/self/stat')) return null;
  let seconds = 0;
  let found = false;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let comm: string;
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue; // the process ended meanwhile
    }
    if (comm !== 'postgres') continue;
    const s = processCpuSecondsOf(pid, true);
    if (s === null) continue;
    seconds += s;
    found = true;
  }
  return found ? seconds : null;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const seconds = (startNs: bigint) => Number(process.hrtime.bigint() - startNs) / 1e9;
export const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

export function machine(): { nproc: number; memoryGiB: number; cpu: string; node: string } {
  return {
    nproc: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
  };
}

/** The 1-minute load average: other work on the machine makes every figure slower. */
export const load1 = () => Math.round(loadavg()[0]! * 100) / 100;

/** A plain-text table: first row is the header. */
export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

// ───────────── the generated world, cached ─────────────

export interface WorldFile {
  /** the data set, JSONL */
  path: string;
  /** the tenant directory, JSONL */
  tenantsPath: string;
  lines: number;
  bytes: number;
  tenants: number;
  seed: number;
  operatorDomains: string[];
  /** how the world generator did when this file was written */
  generation: {
    worldLines: number;
    planSeconds: number;
    seconds: number;
    linesPerSecond: number;
    peakRssBytes: number;
  };
  /** lines added as renamed copies of the world's own lines, to reach the requested count */
  recycledLines: number;
  reused: boolean;
}

/**
 * `lines` lines of the seeded world with `tenants` tenants, in .bench/ (reused when a file of the
 * same parameters exists). A world that has fewer lines than asked for is followed by copies of
 * its lines with the recordId renamed (`C1-R00000001`): more records that look exactly like the
 * world's, with the same share of tenants' signals; a world with more lines is cut.
 */
export async function ensureWorldFile(o: {
  tenants: number;
  lines: number;
  seed: number;
  regenerate?: boolean;
  log?: (s: string) => void;
}): Promise<WorldFile> {
  const log = o.log ?? (() => undefined);
  mkdirSync(BENCH_DIR, { recursive: true });
  const base = join(BENCH_DIR, `world-t${o.tenants}-n${o.lines}-s${o.seed}`);
  const metaPath = `${base}.meta.json`;
  if (!o.regenerate && existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as WorldFile;
    if (existsSync(meta.path) && statSync(meta.path).size === meta.bytes && existsSync(meta.tenantsPath)) {
      log(`reusing ${meta.path} (${meta.lines} lines, ${mb(meta.bytes)} MiB)`);
      return { ...meta, reused: true };
    }
  }
  rmSync(metaPath, { force: true });
  const path = `${base}.jsonl`;
  const tenantsPath = `${base}.tenants.jsonl`;
  const tmp = `${path}.partial`;
  log(`generating ${o.lines} lines of a ${o.tenants}-tenant world (seed ${o.seed}) into ${path} ...`);

  const rss = rssSampler();
  const started = process.hrtime.bigint();
  const world = streamWorld({ tenants: o.tenants, seed: o.seed });
  const planSeconds = seconds(started);
  writeFileSync(tenantsPath, world.tenantLines.join('\n') + '\n');

  const out = createWriteStream(tmp);
  let chunk: string[] = [];
  let chunkChars = 0;
  const write = async (s: string) => {
    chunk.push(s, '\n');
    chunkChars += s.length + 1;
    if (chunkChars >= 1 << 20) {
      const ok = out.write(chunk.join(''));
      chunk = [];
      chunkChars = 0;
      if (!ok) await once(out, 'drain');
    }
  };
  let written = 0;
  let worldLines = 0;
  for (const line of world.exposureLines) {
    worldLines++;
    if (written < o.lines) {
      await write(line);
      written++;
    }
    // the generator is read to its end either way, so its speed is over the whole world
  }
  const genSeconds = seconds(started);
  const peakRssBytes = rss.peak();
  rss.stop();
  if (chunk.length) out.write(chunk.join(''));
  chunk = [];
  out.end();
  await once(out, 'finish');
  const firstPassBytes = statSync(tmp).size;

  let recycled = 0;
  for (let pass = 1; written < o.lines; pass++) {
    const app = createWriteStream(tmp, { flags: 'a' });
    const rl = createInterface({ input: createReadStream(tmp, { end: firstPassBytes - 1 }), crlfDelay: Infinity });
    const put = async (s: string) => {
      if (!app.write(s + '\n')) await once(app, 'drain');
    };
    for await (const line of rl) {
      if (written >= o.lines) break;
      if (!line.trim()) continue;
      // the first "recordId":"..." is the record's own (JSON.stringify writes it first)
      await put(line.replace('"recordId":"', `"recordId":"C${pass}-`));
      written++;
      recycled++;
    }
    rl.close();
    app.end();
    await once(app, 'finish');
  }
  renameSync(tmp, path);
  const meta: WorldFile = {
    path,
    tenantsPath,
    lines: written,
    bytes: statSync(path).size,
    tenants: o.tenants,
    seed: o.seed,
    operatorDomains: world.operatorDomains,
    generation: {
      worldLines,
      planSeconds: round(planSeconds, 1),
      seconds: round(genSeconds, 1),
      linesPerSecond: Math.round(worldLines / genSeconds),
      peakRssBytes,
    },
    recycledLines: recycled,
    reused: false,
  };
  writeFileSync(metaPath, JSON.stringify(meta, null, 2));
  log(
    `generated ${worldLines} world lines in ${meta.generation.seconds} s (${meta.generation.linesPerSecond} lines/s), file ${mb(meta.bytes)} MiB`,
  );
  return meta;
}

export const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;

// ───────────── a throw-away database ─────────────

export interface BenchDatabase {
  name: string;
  url: string;
  query: (sql: string, params?: unknown[]) => Promise<pg.QueryResult>;
  drop: () => Promise<void>;
}

/**
 * A new database `name` set up by db:setup's own code (roles, the owner migrates, grants): the
 * service's URL (the application role, as in production) and the administrator's on that
 * database (seeding in bulk, TRUNCATE and VACUUM between runs).
 */
export async function setUpBenchDatabase(name: string): Promise<{ appUrl: string; adminUrl: string }> {
  const roles = loadDatabaseSetupConfig({ DATABASE_ADMIN_URL: ADMIN_URL });
  const appUrl = withDatabase(roles.appUrl, name);
  await setUpDatabase({ adminUrl: ADMIN_URL, ownerUrl: withDatabase(roles.ownerUrl, name), appUrl });
  return { appUrl, adminUrl: withDatabase(ADMIN_URL, name) };
}

/** A fresh database with the project's migrations, as the test setup makes one. */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `impact_bench_${randomBytes(5).toString('hex')}`;
  const dropDatabase = async () => {
    const a = new pg.Client({ connectionString: ADMIN_URL });
    await a.connect();
    try {
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await a.end();
    }
  };
  const urls = await setUpBenchDatabase(name).catch(async (err: unknown) => {
    await dropDatabase();
    throw err;
  });
  const client = new pg.Client({ connectionString: urls.adminUrl });
  const drop = async () => {
    await client.end().catch(() => undefined);
    await dropDatabase();
  };
  try {
    await client.connect();
  } catch (err) {
    await drop();
    throw err;
  }
  return { name, url: urls.appUrl, query: (sql, params) => client.query(sql, params as unknown[]), drop };
}

/** Drops the database on Ctrl-C too, then exits. */
export function dropOnSignal(db: BenchDatabase): () => void {
  const onSignal = () => {
    void db.drop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

// ───────────── one measured run per child process ─────────────

/**
 * Runs this same script as a child with `--child <mode>` and returns what it sends back. A child
 * per run gives each run a fresh heap and its own peak RSS.
 */
/**
 * The node flags `npm run <app>` starts that process with (package.json): a benchmark's children
 * run with the flags of the process that does the measured work in production (ingest: the cli
 * and the API; analysis: the worker), so that it measures the process as deployed.
 */
export function serviceNodeFlags(app: 'worker' | 'cli'): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const m = new RegExp(`^node((?: --\\S+)*) dist/apps/${app}/`).exec(pkg.scripts[app] ?? '');
  if (!m) throw new Error(`package.json: the "${app}" script is not \`node [flags] dist/apps/${app}/...\``);
  return m[1]!.split(' ').filter(Boolean);
}

export async function runChild<T>(
  script: string,
  mode: string,
  args: string[],
  env: Record<string, string> = {},
  nodeFlags: string[] = [],
): Promise<T> {
  const child = spawn(process.execPath, [...nodeFlags, script, '--child', mode, ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  let result: T | undefined;
  child.on('message', (m) => {
    result = m as T;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0 || result === undefined) throw new Error(`benchmark child "${mode}" failed (exit code ${code})`);
  return result;
}

/** A measured child's run: its own CPU seconds, and PostgreSQL's meanwhile (read by the parent). */
export type CpuMeasured<T> = T & { cpuSeconds: number; pgCpuSeconds: number | null };

/** runChild for a measured run, with PostgreSQL's CPU seconds read from /proc around it. */
export async function runMeasuredChild<T extends { cpuSeconds: number }>(
  script: string,
  mode: string,
  args: string[],
  env: Record<string, string>,
  nodeFlags: string[],
): Promise<CpuMeasured<T>> {
  const pg0 = postgresCpuSeconds();
  const run = await runChild<T>(script, mode, args, env, nodeFlags);
  const pg1 = postgresCpuSeconds();
  return { ...run, pgCpuSeconds: pg0 === null || pg1 === null ? null : pg1 - pg0 };
}

/**
 * Median CPU microseconds per record of the process and of PostgreSQL over the runs (null for
 * PostgreSQL when /proc could not tell): what bounds the rate where both share the cores.
 */
export function cpuPerRecord<R extends { cpuSeconds: number; pgCpuSeconds: number | null }>(
  runs: R[],
  records: (run: R) => number,
): { node: number; postgres: number | null } {
  const micros = (seconds: number | null, run: R) => (seconds === null ? null : (seconds / records(run)) * 1e6);
  const node = runs.map((r) => micros(r.cpuSeconds, r)!);
  const pg = runs.map((r) => micros(r.pgCpuSeconds, r));
  return {
    node: Math.round(median(node)),
    postgres: pg.every((x): x is number => x !== null) ? Math.round(median(pg)) : null,
  };
}

/** "CPU node 80 s + PostgreSQL 82 s" for a run's log line. */
export const cpuOfRun = (r: { cpuSeconds: number; pgCpuSeconds: number | null }) =>
  `CPU node ${Math.round(r.cpuSeconds)} s + PostgreSQL ${r.pgCpuSeconds === null ? '?' : Math.round(r.pgCpuSeconds)} s`;

/** In a child: hands the result to the parent and exits once it is delivered. */
export function reply(result: unknown): void {
  process.send!(result, () => process.exit(0));
}

/** The baseline: read the file line by line and JSON.parse each line, nothing else. */
export async function readAndParse(path: string): Promise<{ lines: number; seconds: number; peakRssBytes: number }> {
  const rss = rssSampler();
  const started = process.hrtime.bigint();
  const rl = createInterface({ input: createReadStream(path, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  let lines = 0;
  let objects = 0;
  for await (const line of rl) {
    if (!line) continue;
    lines++;
    try {
      if (typeof JSON.parse(line) === 'object') objects++;
    } catch {
      // a garbage line: parsed as far as JSON.parse goes, like any other
    }
  }
  const secs = seconds(started);
  const peak = rss.peak();
  rss.stop();
  if (objects === 0 && lines > 0) throw new Error('no line parsed to an object');
  return { lines, seconds: secs, peakRssBytes: peak };
}
