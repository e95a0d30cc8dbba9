/**
 * Operator roles on the CLI (docs/contracts.md §5, "Operator roles"): each command checks the
 * operator's role (OPERATOR_NAME, else the login name, in OPERATOR_ROLES) before it connects to
 * anything, refusing in one line with exit code 1; an operator not listed is a viewer; with
 * OPERATOR_ROLES unset every operator may do everything and the CLI says so. Approval needs an
 * operator other than the creator unless ALLOW_SELF_APPROVAL=true, which the CLI warns about and
 * the audit records. Runs the compiled CLI.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CliModule } from '../apps/cli/src/cli.module.js';
import type { OperatorRole } from '../libs/auth/operator-roles.js';
import { PrismaService } from '../libs/db/prisma.service.js';
import { isolate } from './support/isolation.js';

const exec = promisify(execFile);
const CLI = 'dist/apps/cli/src/main.js';
const UNKNOWN = '00000000-0000-4000-8000-0000000000b2';
const GROUP = '0123456789abcdef';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<Result> {
  try {
    const r = await exec('node', [CLI, ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Runs the cases a few at a time (each is a process start), keeping their order. */
async function each<T>(cases: T[], fn: (c: T) => Promise<Result>): Promise<[T, Result][]> {
  const out: [T, Result][] = [];
  for (let i = 0; i < cases.length; i += 3) {
    const batch = cases.slice(i, i + 3);
    const results = await Promise.all(batch.map(fn));
    batch.forEach((c, j) => out.push([c, results[j]!]));
  }
  return out;
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Operators with every role but one (and no admin): each is refused exactly the commands that
 * need the role it lacks. `ulla` is in no entry: a viewer.
 */
const ROLES = [
  'alice:admin',
  'no-reviewer:approver+sender',
  'no-approver:reviewer+sender',
  'no-sender:reviewer+approver',
  'no-admin:reviewer+approver+sender',
  'arne:approver',
].join(',');
const LACKING: Record<Exclude<OperatorRole, 'viewer'>, string> = {
  reviewer: 'no-reviewer',
  approver: 'no-approver',
  sender: 'no-sender',
  admin: 'no-admin',
};
const HOLDING: Record<OperatorRole, string> = {
  viewer: 'ulla',
  reviewer: 'no-approver',
  approver: 'no-sender',
  sender: 'no-reviewer',
  admin: 'alice',
};

describe('operator roles on the CLI', () => {
  const saved = { ...process.env };
  let dir: string;
  let file: string;
  let context: INestApplicationContext;
  let prisma: PrismaService;
  /** every command (docs/contracts.md §3 and §5) with the role it needs */
  let commands: [string[], OperatorRole][];

  beforeAll(async () => {
    if (!existsSync(CLI)) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
    await isolate();
    Object.assign(process.env, { OPERATOR_ROLES: ROLES, ALLOW_SELF_APPROVAL: 'false' });
    dir = await mkdtemp(join(tmpdir(), 'impact-roles-cli-'));
    file = join(dir, 'empty.jsonl');
    await writeFile(file, '');
    const update = join(dir, 'update.md');
    await writeFile(update, 'We closed the endpoint.');
    commands = [
      [['tenants', 'import', file], 'admin'],
      [['tenants', 'conflicts'], 'admin'],
      [['tenants', 'show', UNKNOWN], 'admin'],
      [['datasets', 'ingest', file, '--name', 'x'], 'admin'],
      [['datasets', 'list'], 'viewer'],
      [['datasets', 'show', UNKNOWN], 'viewer'],
      [['datasets', 'quarantine', UNKNOWN], 'viewer'],
      [['datasets', 'quarantine', UNKNOWN, '--export', join(dir, 'out.jsonl')], 'admin'],
      [['datasets', 'warnings', UNKNOWN], 'viewer'],
      [['datasets', 'cluster', UNKNOWN, 'r1'], 'admin'],
      [['campaigns', 'create', '--dataset', UNKNOWN], 'admin'],
      [['campaigns', 'list'], 'viewer'],
      [['campaigns', 'analyze', UNKNOWN], 'admin'],
      [['campaigns', 'preview', UNKNOWN], 'viewer'],
      [['campaigns', 'preview', UNKNOWN, '--tenant', UNKNOWN], 'admin'],
      [['campaigns', 'approve', UNKNOWN], 'approver'],
      [['campaigns', 'withdraw-approval', UNKNOWN], 'approver'],
      [['campaigns', 'launch', UNKNOWN], 'sender'],
      [['campaigns', 'pause', UNKNOWN], 'sender'],
      [['campaigns', 'resume', UNKNOWN], 'sender'],
      [['campaigns', 'cancel', UNKNOWN], 'sender'],
      [['campaigns', 'set-reminder', UNKNOWN, '--off'], 'sender'],
      [['campaigns', 'status', UNKNOWN], 'viewer'],
      [['campaigns', 'deliveries', UNKNOWN], 'viewer'],
      [['campaigns', 'export', UNKNOWN, '--what', 'notices', '--out', join(dir, 'export.csv')], 'admin'],
      [['campaigns', 'rates', UNKNOWN], 'viewer'],
      [['review', 'list', UNKNOWN], 'viewer'],
      [['review', 'resolve', UNKNOWN, '--none'], 'reviewer'],
      [['review', 'resolve-group', UNKNOWN, GROUP, '--none'], 'reviewer'],
      [['audit', 'list'], 'viewer'],
      [['auth', 'token', '--tenant', UNKNOWN, '--email', 'a@example.com'], 'admin'],
      [['incidents', 'create', '--title', 'roles'], 'admin'],
      [['incidents', 'list'], 'viewer'],
      [['incidents', 'show', UNKNOWN], 'viewer'],
      [['incidents', 'text', UNKNOWN, '--locale', 'en-US', '--file', file], 'admin'],
      [['incidents', 'filed', UNKNOWN, '--at', '2026-11-01T00:00:00Z', '--reference', 'DPA-1'], 'admin'],
      [['incidents', 'report', UNKNOWN, '--format', 'html'], 'admin'],
      [['incidents', 'reports', UNKNOWN], 'viewer'],
      [['incidents', 'reports', UNKNOWN, '--version', '1'], 'viewer'],
      [['incidents', 'update', UNKNOWN, '--file', update, '--notify'], 'sender'],
      [['notices', 'withdraw', 'MC999999999', '--reason', 'sent in error'], 'sender'],
      [['notices', 'approve-withdrawal', 'MC999999999'], 'approver'],
    ];
    context = await NestFactory.createApplicationContext(CliModule, { logger: ['error'] });
    prisma = context.get(PrismaService);
  }, 120_000);

  afterAll(async () => {
    process.env = saved;
    await context?.close();
  });

  it('refuses each command to an operator without its role, in one line, before connecting to anything', async () => {
    // PostgreSQL and Redis unreachable: a refusal that connected first would name them instead
    const port = await closedPort();
    const down = {
      DATABASE_URL: `postgresql://impact_app@127.0.0.1:${port}/impact`,
      REDIS_URL: `redis://127.0.0.1:${port}`,
    };
    const cases = commands.flatMap(([args, role]) =>
      role === 'viewer' ? [] : [{ args: [...args, '--json'], role, name: LACKING[role] }],
    );
    expect(cases.length).toBeGreaterThan(15);
    for (const [c, r] of await each(cases, (c) => cli(c.args, { ...down, OPERATOR_NAME: c.name }))) {
      expect({ args: c.args, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
        args: c.args,
        code: 1,
        stdout: '',
        stderr: `error: operator cli:${c.name} lacks role ${c.role}\n`,
      });
    }
  }, 300_000);

  it('lets each command through to an operator with its role (an unlisted operator for the viewer commands)', async () => {
    const cases = commands.map(([args, role]) => ({ args: [...args, '--json'], role, name: HOLDING[role] }));
    for (const [c, r] of await each(cases, (c) => cli(c.args, { OPERATOR_NAME: c.name }))) {
      // the command's own answer: a result, or the unknown id named; never a role refusal or a warning
      expect({ args: c.args, refused: /lacks role|warning/.test(r.stderr) }).toEqual({ args: c.args, refused: false });
      if (r.code !== 0) expect(r.stderr).toMatch(/^error: .*(not found|not a contact|disabled|missing section)/);
    }
  }, 300_000);

  it('with OPERATOR_ROLES unset lets an unlisted operator launch, and warns', async () => {
    const r = await cli(['campaigns', 'launch', UNKNOWN, '--json'], { OPERATOR_ROLES: '', OPERATOR_NAME: 'ulla' });
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^warning: OPERATOR_ROLES is unset: every operator has every role/),
      `error: campaign ${UNKNOWN} not found`,
    ]);
  }, 60_000);

  it('refuses a bad OPERATOR_ROLES at start, naming it', async () => {
    const cases: [string, RegExp][] = [
      ['bob:launcher', /^error: configuration: OPERATOR_ROLES entry "bob:launcher": "launcher" is no role/],
      ['bob', /^error: configuration: OPERATOR_ROLES entry "bob" must be name:role/],
      ['bob:viewer,bob:admin', /^error: configuration: OPERATOR_ROLES operator "bob" is listed twice/],
    ];
    for (const [value, why] of cases) {
      const r = await cli(['audit', 'list', '--json'], { OPERATOR_ROLES: value, OPERATOR_NAME: 'bob' });
      expect({ value, code: r.code, stdout: r.stdout, lines: r.stderr.trimEnd().split('\n').length }).toEqual({
        value,
        code: 1,
        stdout: '',
        lines: 1,
      });
      expect(r.stderr).toMatch(why);
    }
  }, 60_000);

  describe('four eyes', () => {
    let datasetId: string;

    beforeAll(async () => {
      const data = join(dir, 'one.jsonl');
      await writeFile(data, '{"recordId":"R1","kind":"contact","people":[{"email":"a@example.com"}]}\n');
      const r = await cli(['datasets', 'ingest', data, '--name', 'four-eyes', '--json'], { OPERATOR_NAME: 'alice' });
      datasetId = (JSON.parse(r.stdout) as { datasetId: string }).datasetId;
    }, 60_000);

    /** A campaign alice created at the console, put where approval starts (analysis is not the subject here). */
    const readyCampaign = async (): Promise<string> => {
      const r = await cli(['campaigns', 'create', '--dataset', datasetId, '--json'], { OPERATOR_NAME: 'alice' });
      const { campaignId } = JSON.parse(r.stdout) as { campaignId: string };
      await prisma.campaign.update({ where: { id: campaignId }, data: { status: 'ready' } });
      return campaignId;
    };

    it('refuses the creator and lets a second operator approve', async () => {
      const id = await readyCampaign();
      const self = await cli(['campaigns', 'approve', id, '--json'], { OPERATOR_NAME: 'alice' });
      expect({ code: self.code, stdout: self.stdout, stderr: self.stderr }).toEqual({
        code: 1,
        stdout: '',
        stderr: 'error: the approver must be another operator than the one who created the campaign (cli:alice)\n',
      });
      const ok = await cli(['campaigns', 'approve', id, '--json'], { OPERATOR_NAME: 'arne' });
      expect({ code: ok.code, stderr: ok.stderr, json: JSON.parse(ok.stdout) as unknown }).toEqual({
        code: 0,
        stderr: '',
        json: { campaignId: id, status: 'approved' },
      });
      const event = await prisma.auditEvent.findFirstOrThrow({ where: { campaignId: id, action: 'campaign.approve' } });
      expect({ actor: event.actor, details: event.details }).toEqual({
        actor: 'cli:arne',
        details: { from: 'ready', to: 'approved' },
      });
      const back = await cli(['campaigns', 'withdraw-approval', id, '--json'], { OPERATOR_NAME: 'arne' });
      expect({ code: back.code, json: JSON.parse(back.stdout) as unknown }).toEqual({
        code: 0,
        json: { campaignId: id, status: 'ready' },
      });
      const withdrawn = await prisma.auditEvent.findFirstOrThrow({
        where: { campaignId: id, action: 'campaign.withdrawApproval' },
      });
      expect({ actor: withdrawn.actor, details: withdrawn.details }).toEqual({
        actor: 'cli:arne',
        details: { from: 'approved', to: 'ready' },
      });
      expect((await cli(['campaigns', 'approve', id, '--json'], { OPERATOR_NAME: 'arne' })).code).toBe(0);
    }, 60_000);

    it('lets the creator approve with ALLOW_SELF_APPROVAL=true, with a warning, audited as self-approval', async () => {
      const id = await readyCampaign();
      const r = await cli(['campaigns', 'approve', id, '--json'], {
        OPERATOR_NAME: 'alice',
        ALLOW_SELF_APPROVAL: 'true',
      });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ campaignId: id, status: 'approved' });
      expect(r.stderr).toBe(
        `warning: cli:alice approved their own campaign ${id} (ALLOW_SELF_APPROVAL=true; audited as selfApproval)\n`,
      );
      const event = await prisma.auditEvent.findFirstOrThrow({ where: { campaignId: id, action: 'campaign.approve' } });
      expect({ actor: event.actor, details: event.details }).toEqual({
        actor: 'cli:alice',
        details: { selfApproval: true, from: 'ready', to: 'approved' },
      });
    }, 60_000);

    it('lists campaigns and data sets to a viewer, newest first, with status and counts', async () => {
      const draft = JSON.parse(
        (await cli(['campaigns', 'create', '--dataset', datasetId, '--json'], { OPERATOR_NAME: 'alice' })).stdout,
      ) as { campaignId: string };
      const r = await cli(['campaigns', 'list', '--take', '3', '--json'], { OPERATOR_NAME: 'ulla' });
      expect(r.code).toBe(0);
      const listed = JSON.parse(r.stdout) as {
        skip: number;
        take: number;
        campaigns: { campaignId: string; status: string; datasetId: string; counts: unknown }[];
      };
      expect(listed.take).toBe(3);
      expect(listed.campaigns).toHaveLength(3);
      expect(listed.campaigns[0]).toMatchObject({
        campaignId: draft.campaignId,
        status: 'draft',
        datasetId,
        counts: null,
      });
      expect(listed.campaigns.slice(1).map((c) => c.status)).toEqual(['approved', 'approved']);
      const sets = JSON.parse((await cli(['datasets', 'list', '--json'], { OPERATOR_NAME: 'ulla' })).stdout) as {
        datasets: { datasetId: string; name: string; lines: number; accepted: number; status: string }[];
      };
      expect(sets.datasets[0]).toMatchObject({ datasetId, name: 'four-eyes', status: 'ready', lines: 1, accepted: 1 });
      const bad = await cli(['campaigns', 'list', '--take', '0', '--json'], { OPERATOR_NAME: 'ulla' });
      expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 1, stderr: 'error: --take: must be 1 to 1000\n' });
    }, 60_000);
  });
});
