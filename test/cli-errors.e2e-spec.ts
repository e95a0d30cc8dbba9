/**
 * Every documented CLI command (README "The operator's command line", docs/contracts.md §3) on its
 * error paths: PostgreSQL or Redis unreachable, a file that is not there, an id that is not a GUID,
 * a campaign (or data set, review item, tenant) that does not exist. Each answers with exit code 1,
 * nothing on stdout and exactly one line on stderr that says what is wrong; the API and the worker
 * refuse to start the same way. Runs the compiled apps (built by `npm ci`'s prepare step).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isolate } from './support/isolation.js';

const exec = promisify(execFile);
const CLI = 'dist/apps/cli/src/main.js';
const UNKNOWN = '00000000-0000-0000-0000-0000000000a1';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function node(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  try {
    const r = await exec('node', [script, ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Runs the cases a few at a time (each is a process start), keeping their order in the results. */
async function each<T>(cases: T[], fn: (c: T) => Promise<Result>): Promise<[T, Result][]> {
  const out: [T, Result][] = [];
  for (let i = 0; i < cases.length; i += 3) {
    const batch = cases.slice(i, i + 3);
    const results = await Promise.all(batch.map(fn));
    batch.forEach((c, j) => out.push([c, results[j]!]));
  }
  return out;
}

/** Exit 1, nothing on stdout, one line on stderr matching `why`. */
function expectOneLineError(args: string[], r: Result, why: RegExp): void {
  const lines = r.stderr.trimEnd().split('\n');
  expect({ args, code: r.code, stdout: r.stdout, lines: lines.length }).toEqual({
    args,
    code: 1,
    stdout: '',
    lines: 1,
  });
  expect({ args, stderr: lines[0] }).toEqual({ args, stderr: expect.stringMatching(why) as unknown });
}

describe('the CLI and the services on their error paths', () => {
  let dir: string;
  let tenantsFile: string;
  let exposureFile: string;
  /** every documented command, with well-formed arguments naming nothing that exists */
  let all: string[][];
  /** one command of each group: the service checks run before any command's own code */
  const oneOfEachGroup = () =>
    ['tenants', 'datasets', 'campaigns', 'review', 'audit'].map((g) => all.find((a) => a[0] === g)!);

  beforeAll(async () => {
    if (!existsSync(CLI)) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
    await isolate();
    // roles configured (admin): each refusal is exactly one line, with no warning about unset roles before it
    Object.assign(process.env, { OPERATOR_NAME: 'cli-errors-test', OPERATOR_ROLES: 'cli-errors-test:admin' });
    dir = await mkdtemp(join(tmpdir(), 'impact-cli-errors-'));
    tenantsFile = join(dir, 'tenants.jsonl');
    exposureFile = join(dir, 'exposure.jsonl');
    await writeFile(tenantsFile, '');
    await writeFile(exposureFile, '');
    all = [
      ['tenants', 'import', tenantsFile],
      ['tenants', 'conflicts'],
      ['tenants', 'show', UNKNOWN],
      ['datasets', 'ingest', exposureFile, '--name', 'x'],
      ['datasets', 'ingest', exposureFile, '--into', UNKNOWN],
      ['datasets', 'show', UNKNOWN],
      ['datasets', 'quarantine', UNKNOWN],
      ['datasets', 'warnings', UNKNOWN],
      ['datasets', 'cluster', UNKNOWN, 'record-1'],
      [
        'campaigns',
        'create',
        '--dataset',
        UNKNOWN,
        '--support-url',
        'https://support.example.com',
        '--support-email',
        'privacy@example.com',
        '--respond-by',
        '2030-12-31',
      ],
      ['campaigns', 'analyze', UNKNOWN],
      ['campaigns', 'preview', UNKNOWN],
      ['campaigns', 'preview', UNKNOWN, '--tenant', UNKNOWN],
      ['campaigns', 'approve', UNKNOWN],
      ['campaigns', 'launch', UNKNOWN],
      ['campaigns', 'status', UNKNOWN],
      ['campaigns', 'deliveries', UNKNOWN, '--state', 'failed'],
      ['campaigns', 'pause', UNKNOWN],
      ['campaigns', 'resume', UNKNOWN],
      ['campaigns', 'cancel', UNKNOWN],
      ['review', 'list', UNKNOWN],
      ['review', 'resolve', UNKNOWN, '--none'],
      ['review', 'resolve-group', UNKNOWN, 'group-1', '--none'],
      ['audit', 'list', '--campaign', UNKNOWN],
    ].map((args) => [...args, '--json']);
  });

  it('names PostgreSQL, its address and the fix when it does not answer', async () => {
    const port = await closedPort();
    const why = new RegExp(
      `^error: cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port} \\(.*\\): start it \\(README "Requirements"\\) or set DATABASE_URL$`,
    );
    const env = { DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/impact` };
    for (const [args, r] of await each(oneOfEachGroup(), (args) => node(CLI, args, env)))
      expectOneLineError(args, r, why);
  }, 240_000);

  it('names Redis, its address and the fix when it does not answer', async () => {
    const port = await closedPort();
    const why = new RegExp(
      `^error: cannot reach Redis at 127\\.0\\.0\\.1:${port} \\(.*\\): start it \\(README "Requirements"\\) or set REDIS_URL$`,
    );
    const env = { REDIS_URL: `redis://127.0.0.1:${port}` };
    for (const [args, r] of await each(oneOfEachGroup(), (args) => node(CLI, args, env)))
      expectOneLineError(args, r, why);
  }, 240_000);

  it('the API and the worker refuse to start with the same line when PostgreSQL or Redis does not answer', async () => {
    const port = await closedPort();
    const cases: [string, NodeJS.ProcessEnv, RegExp][] = [
      [
        'api',
        { DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/impact` },
        /cannot reach PostgreSQL at 127\.0\.0\.1:/,
      ],
      [
        'worker',
        { DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/impact` },
        /cannot reach PostgreSQL at 127\.0\.0\.1:/,
      ],
      ['api', { REDIS_URL: `redis://127.0.0.1:${port}` }, /cannot reach Redis at 127\.0\.0\.1:/],
      ['worker', { REDIS_URL: `redis://127.0.0.1:${port}` }, /cannot reach Redis at 127\.0\.0\.1:/],
    ];
    for (const [app, env, why] of cases) {
      const r = await node(`dist/apps/${app}/src/main.js`, [], { ...env, PORT: String(port) });
      expectOneLineError([app], r, new RegExp(`^${app} failed to start: ${why.source}.* or set (DATABASE|REDIS)_URL$`));
    }
  }, 120_000);

  it('says which file cannot be read', async () => {
    const missing = join(dir, 'no-such-file.jsonl');
    const cases = [
      ['tenants', 'import', missing, '--json'],
      ['datasets', 'ingest', missing, '--json'],
      ['datasets', 'ingest', missing, '--into', UNKNOWN, '--json'],
    ];
    for (const [args, r] of await each(cases, (args) => node(CLI, args)))
      expectOneLineError(args, r, new RegExp(`^error: cannot read ${missing.replace(/[.]/g, '\\.')}$`));
  }, 120_000);

  it('refuses an id that is not a GUID before touching anything, naming the argument', async () => {
    // each kind of id, as an argument and as an option, malformed
    const bad = "1' OR '1'='1";
    const cases = [
      ['tenants', 'show', bad],
      ['datasets', 'show', bad],
      ['datasets', 'ingest', exposureFile, '--into', bad],
      ['campaigns', 'create', ...all.find((a) => a[1] === 'create')!.slice(2)].map((a) => (a === UNKNOWN ? bad : a)),
      ['campaigns', 'status', bad],
      ['campaigns', 'preview', UNKNOWN, '--tenant', bad],
      ['review', 'resolve', bad, '--none'],
      ['audit', 'list', '--campaign', bad],
    ].map((args) => [...args, '--json']);
    // even with PostgreSQL down: the id is refused first
    const env = { DATABASE_URL: `postgresql://postgres@127.0.0.1:${await closedPort()}/impact` };
    for (const [args, r] of await each(cases, (args) => node(CLI, args, env)))
      expectOneLineError(
        args,
        r,
        /^error: (campaignId|datasetId|reviewItemId|tenantId|--into|--dataset|--tenant|--campaign): must be a GUID$/,
      );
  }, 240_000);

  it('says what does not exist when the id is well formed but unknown', async () => {
    const expected: Record<string, RegExp> = {
      'tenants show': /^error: tenant not found$/,
      'datasets ingest': new RegExp(`^error: data set ${UNKNOWN} not found$`),
      'datasets show': new RegExp(`^error: data set ${UNKNOWN} not found$`),
      'datasets quarantine': new RegExp(`^error: data set ${UNKNOWN} not found$`),
      'datasets warnings': new RegExp(`^error: data set ${UNKNOWN} not found$`),
      'datasets cluster': new RegExp(`^error: record record-1 not found in data set ${UNKNOWN}$`),
      'campaigns create': new RegExp(`^error: data set ${UNKNOWN} not found$`),
      'review resolve': /^error: review item .* not found$/,
    };
    // each service's own lookup, and the campaign commands that reach one through another path
    const wanted = [
      'tenants show',
      'datasets show',
      'datasets cluster',
      'campaigns create',
      'campaigns analyze',
      'campaigns approve',
      'campaigns launch',
      'campaigns pause',
      'campaigns deliveries',
      'review list',
      'review resolve',
    ];
    const cases = all.filter((args) => wanted.includes(`${args[0]} ${args[1]}`) && !args.includes('--into'));
    cases.push(['campaigns', 'preview', UNKNOWN, '--tenant', UNKNOWN, '--json']);
    for (const [args, r] of await each(cases, (args) => node(CLI, args))) {
      const key = `${args[0]} ${args[1]}`;
      expectOneLineError(args, r, expected[key] ?? new RegExp(`^error: campaign ${UNKNOWN} not found$`));
    }
  }, 240_000);
});
