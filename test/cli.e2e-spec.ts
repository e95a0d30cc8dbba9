/**
 * The operator CLI as other programs use it (docs/contracts.md §3): `--json` prints exactly one JSON
 * document on stdout, exit code 0, or non-zero with a one-line reason on stderr. Runs the
 * compiled CLI (built by `npm ci`'s prepare step or `npm run build`).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import PostalMime from 'postal-mime';
import { generateWorld, type World } from './fixtures/world.js';
import { isolate } from './support/isolation.js';

const run = promisify(execFile);
const CLI = 'dist/apps/cli/src/main.js';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  try {
    const r = await run('node', [CLI, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Exactly one JSON document on stdout. */
function json<T = Record<string, unknown>>(r: Result): T {
  expect({ code: r.code, stderr: r.code ? r.stderr : '' }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(r.stdout) as T;
}

describe('the operator CLI', () => {
  let world: World;
  let dir: string;
  /** the data set of the campaign the first test launches */
  let launchedDataset = '';

  beforeAll(async () => {
    // npm ci builds it (the prepare script); a bare checkout builds it here
    if (!existsSync(CLI)) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
    await isolate();
    world = generateWorld({ seed: 3, tenants: 30 });
    process.env.OPERATOR_DOMAINS = world.operatorDomains.join(',');
    process.env.MAIL_RATE_PER_MINUTE = '100000';
    process.env.OPERATOR_NAME = 'cli-test';
    // the creator may not approve: a second operator does (four eyes, on the CLI too)
    process.env.OPERATOR_ROLES = 'cli-test:admin,second-operator:approver';
    dir = await mkdtemp(join(tmpdir(), 'impact-cli-'));
    process.env.OUTBOX_DIR = join(dir, 'outbox');
    await writeFile(join(dir, 'tenants.jsonl'), world.tenantLines.join('\n'));
    await writeFile(join(dir, 'exposure.jsonl'), world.exposureLines.join('\n'));
  });

  it('runs the operator job end to end with --json, one document per command', async () => {
    const t = json<{
      imported: number;
      updated: number;
      rejected: { line: number; reason: string }[];
      warnings: { line: number; field: string; reason: string }[];
      conflicts: { line: number; domain: string; tenantIds: string[] }[];
    }>(await cli(['tenants', 'import', join(dir, 'tenants.jsonl'), '--json']));
    expect(t.rejected.map((r) => r.line)).toEqual(world.truth.rejectedTenantLines.map((r) => r.line));
    expect(t.imported).toBe(Object.keys(world.truth.tenants).length);
    expect(t.warnings.map((w) => [w.line, w.field])).toEqual(
      world.truth.warnedTenantLines.map((w) => [w.line, w.field]),
    );
    expect(t.conflicts.map((c) => ({ line: c.line, domain: c.domain }))).toEqual(world.truth.domainConflicts);
    const open = json<{
      conflicts: { domain: string; since: string; claimants: { tenantId: string; name: string }[] }[];
    }>(await cli(['tenants', 'conflicts', '--json']));
    expect(open.conflicts.map((c) => c.domain)).toEqual(world.truth.domainConflicts.map((c) => c.domain));
    expect(open.conflicts[0]!.claimants.map((c) => c.name)).toEqual(['Contoso Ltd', 'Contoso Imposter Holdings']);
    // the human report: each warning and conflict with its line (importing again changes nothing)
    const human = await cli(['tenants', 'import', join(dir, 'tenants.jsonl')]);
    expect(human.code).toBe(0);
    for (const w of world.truth.warnedTenantLines) expect(human.stdout).toContain(`line ${w.line}: ${w.field}: `);
    for (const c of world.truth.domainConflicts)
      expect(human.stdout).toContain(`line ${c.line}: ${c.domain} is claimed by 2 tenants`);
    expect((await cli(['tenants', 'conflicts'])).stdout).toContain('contoso.com since ');

    const d = json<{
      datasetId: string;
      lines: number;
      accepted: number;
      quarantined: { line: number; reason: string }[];
      duplicates: number;
    }>(await cli(['datasets', 'ingest', join(dir, 'exposure.jsonl'), '--name', 'cli', '--json']));
    expect(d).toMatchObject({ lines: world.truth.scope.lines, accepted: world.truth.scope.records });
    expect(d.quarantined).toHaveLength(world.truth.scope.quarantined);
    expect(d.duplicates).toBe(world.truth.scope.records - world.truth.scope.uniqueItems);
    launchedDataset = d.datasetId;

    const shown = json<{
      scope: Record<string, number>;
      warningCounts: Record<string, number>;
      nullValues: Record<string, number>;
    }>(await cli(['datasets', 'show', d.datasetId, '--json']));
    expect(shown.scope).toMatchObject(world.truth.scope);
    // every value dropped from an accepted line, with its line number (none of them quarantined)
    const w = json<{ datasetId: string; warnings: { line: number; field: string; reason: string }[] }>(
      await cli(['datasets', 'warnings', d.datasetId, '--json']),
    );
    expect(w.datasetId).toBe(d.datasetId);
    expect(w.warnings.length).toBe(Object.values(shown.warningCounts).reduce((a, b) => a + b, 0));
    const quarantinedLines = new Set(d.quarantined.map((q) => q.line));
    for (const x of w.warnings) expect(quarantinedLines.has(x.line)).toBe(false);

    const c = json<{ campaignId: string; status: string }>(
      await cli([
        'campaigns',
        'create',
        '--dataset',
        d.datasetId,
        '--support-email',
        'privacy@cloudprovider.com',
        '--respond-by',
        '2026-12-31',
        '--json',
      ]),
    );
    expect(c.status).toBe('draft');
    expect(json(await cli(['campaigns', 'analyze', c.campaignId, '--wait', '--json']))).toEqual({
      campaignId: c.campaignId,
      status: 'ready',
    });

    const p = json<{
      scope: object;
      tenants: { affected: number; notAffected: number; needsReview: number };
      decisions: { tenantId: string; decision: string; reasons: string[]; dataCategories: string[]; records: number }[];
    }>(await cli(['campaigns', 'preview', c.campaignId, '--json']));
    expect(Object.keys(p).sort()).toEqual(
      ['decisions', 'recipients', 'renderProblems', 'scope', 'tenants', 'warnings'].sort(),
    );
    const affected = p.decisions.find((x) => x.decision === 'affected')!;
    expect(affected.reasons.length).toBeGreaterThan(0);
    const one = json<{
      tenantId: string;
      decision: string;
      notice: { id: string; tags: string[] };
      emails: { locale: string; used: string; recipients: number; subject: string; text: string }[];
    }>(await cli(['campaigns', 'preview', c.campaignId, '--tenant', affected.tenantId, '--json']));
    expect(one.notice.tags).toEqual(['Data privacy', 'Admin impact']);
    // the email too: once per language its admins read, as it will be sent (compared after the launch)
    expect(one.emails.length).toBeGreaterThan(0);
    expect(one.emails.reduce((n, e) => n + e.recipients, 0)).toBeGreaterThan(0);
    const quiet = Object.entries(world.truth.tenants).find(([, x]) => x.expected === 'not_affected')![0];
    expect(json(await cli(['campaigns', 'preview', c.campaignId, '--tenant', quiet, '--json']))).toEqual({
      tenantId: quiet,
      decision: 'not_affected',
      notice: null,
    });

    const reviews = json<{ items: { reviewItemId: string }[] }>(await cli(['review', 'list', c.campaignId, '--json']));
    for (const item of reviews.items) json(await cli(['review', 'resolve', item.reviewItemId, '--none', '--json']));
    expect(
      json(await cli(['campaigns', 'approve', c.campaignId, '--json'], { OPERATOR_NAME: 'second-operator' })),
    ).toEqual({
      campaignId: c.campaignId,
      status: 'approved',
    });
    const launched = json<{ status: string; counts: { notices: { posted: number; expected: number } } }>(
      await cli(['campaigns', 'launch', c.campaignId, '--wait', '--json']),
    );
    expect(launched.status).toBe('completed');
    expect(launched.counts.notices.posted).toBe(p.tenants.affected);
    const s = json<{ status: string; counts: object; progress: { percent: number } }>(
      await cli(['campaigns', 'status', c.campaignId, '--json']),
    );
    expect(s).toMatchObject({ status: 'completed', progress: { percent: 100 } });

    // what the preview showed is what went out: the same subject and text, to at least as many admins
    const sent = await Promise.all(
      (await readdir(join(dir, 'outbox')))
        .filter((f) => f.endsWith('.eml'))
        .map(async (f) => PostalMime.parse(await readFile(join(dir, 'outbox', f)))),
    );
    // the notice's number is given when it is posted: the preview shows a placeholder number
    const same = (a?: string, b?: string) => {
      const norm = (t?: string) => (t ?? '').replace(/\r\n/g, '\n').replace(/\n+$/, '').replace(/MC\d+/g, 'MC#');
      return norm(a) === norm(b);
    };
    for (const e of one.emails) {
      const matching = sent.filter((m) => same(m.subject, e.subject) && same(m.text, e.text));
      // the email names no tenant (nothing of the exposure either): other tenants' admins may get the same text
      expect({ locale: e.locale, enough: matching.length >= e.recipients }).toEqual({ locale: e.locale, enough: true });
    }
  }, 240_000);

  it('a JSON array file, its quarantine exported, fixed and added back with --into; a launched campaign refuses --into', async () => {
    const elements = [
      {
        recordId: 'arr-1',
        kind: 'email',
        from: 'ana@cloudprovider.com',
        to: ['lena@contoso.com'],
        body: 'The Contoso migration plan, second draft.',
      },
      { recordId: 'arr-2', kind: 'mail', to: ['max@fabrikam.com'], body: 'Fabrikam renewal numbers.' },
      // arr-1 again, but with `to` not an array: once fixed, a copy of arr-1
      {
        recordId: 'arr-3',
        kind: 'email',
        from: 'ana@cloudprovider.com',
        to: 'lena@contoso.com',
        body: 'The Contoso migration plan, second draft.',
      },
    ];
    await writeFile(join(dir, 'array.json'), JSON.stringify(elements, null, 2));
    const d = json<{
      datasetId: string;
      accepted: number;
      quarantined: { upload: number; line: number; reason: string }[];
    }>(await cli(['datasets', 'ingest', join(dir, 'array.json'), '--json']));
    expect(d.accepted).toBe(1);
    // each element at the line of its opening brace
    expect(d.quarantined.map((q) => [q.upload, q.line])).toEqual([
      [0, 11],
      [0, 19],
    ]);

    const out = join(dir, 'quarantine.jsonl');
    expect(json(await cli(['datasets', 'quarantine', d.datasetId, '--export', out, '--json']))).toEqual({
      datasetId: d.datasetId,
      file: out,
      format: 'jsonl',
      exported: 2,
      skipped: 0,
    });
    const exported = (await readFile(out, 'utf8')).trimEnd().split('\n');
    expect(exported.map((l) => JSON.parse(l))).toEqual([elements[1], elements[2]]);

    await writeFile(
      out,
      exported
        .map((l) => l.replace('"mail"', '"email"').replace('"to": "lena@contoso.com"', '"to": ["lena@contoso.com"]'))
        .join('\n') + '\n',
    );
    const added = json<{
      datasetId: string;
      accepted: number;
      quarantinedTotal: number;
      added: { upload: number; accepted: number; duplicates: number; resolved: number };
    }>(await cli(['datasets', 'ingest', out, '--into', d.datasetId, '--json']));
    expect(added).toMatchObject({
      datasetId: d.datasetId,
      accepted: 3,
      quarantinedTotal: 0,
      added: { upload: 1, accepted: 2, duplicates: 1, resolved: 2 },
    });
    const listed = json<{ quarantined: unknown[] }>(await cli(['datasets', 'quarantine', d.datasetId, '--json']));
    expect(listed.quarantined).toEqual([]);

    // standard input, told a JSON array by its content
    const piped = JSON.parse(
      execFileSync('node', [CLI, 'datasets', 'ingest', '-', '--name', 'piped', '--json'], {
        env: process.env,
        input: '\ufeff [{"recordId":"in-1","kind":"email"},\n{"recordId":"in-2"}]',
      }).toString(),
    ) as { name: string; accepted: number; quarantined: { line: number }[] };
    expect(piped).toMatchObject({
      name: 'piped',
      accepted: 1,
      quarantined: [{ upload: 0, line: 2, reason: 'missing kind' }],
    });

    const refused = await cli(['datasets', 'ingest', out, '--into', launchedDataset, '--json']);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/launched campaign .*cannot be unposted/);
  }, 120_000);

  it('datasets warnings names the upload of each line once lines were added with --into', async () => {
    const first = join(dir, 'warned.jsonl');
    await writeFile(
      first,
      JSON.stringify({
        recordId: 'warn-1',
        kind: 'email',
        to: ['lena@contoso.com', 'lena at contoso'],
        subject: null,
      }) + '\n',
    );
    const d = json<{ datasetId: string; warningsTotal: number }>(await cli(['datasets', 'ingest', first, '--json']));
    expect(d.warningsTotal).toBe(1);
    const more = join(dir, 'warned-more.jsonl');
    await writeFile(more, JSON.stringify({ recordId: 'warn-2', kind: 'email', from: 'nobody', subject: null }) + '\n');
    const added = await cli(['datasets', 'ingest', more, '--into', d.datasetId]);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('warnings 1 in upload 1');
    expect(added.stdout).toContain('upload 1 line 1: from not an email address');
    const listed = await cli(['datasets', 'warnings', d.datasetId]);
    expect(listed.stdout.trim().split('\n')).toEqual([
      'upload 0 line 1: to[1] not an email address',
      'upload 1 line 1: from not an email address',
    ]);
    const one = json<{ warnings: unknown[] }>(
      await cli(['datasets', 'warnings', d.datasetId, '--upload', '1', '--json']),
    );
    expect(one.warnings).toEqual([{ upload: 1, line: 1, field: 'from', reason: 'not an email address' }]);
    const shown = json<{ nullValues: Record<string, number>; warningCounts: Record<string, number> }>(
      await cli(['datasets', 'show', d.datasetId, '--json']),
    );
    expect(shown).toMatchObject({ nullValues: { subject: 2 }, warningCounts: { from: 1, 'to[]': 1 } });
  }, 60_000);

  it('answers a bad request with a non-zero exit and one line on stderr, nothing on stdout', async () => {
    for (const args of [
      ['datasets', 'show', '00000000-0000-0000-0000-000000000000', '--json'],
      ['campaigns', 'approve', '00000000-0000-0000-0000-000000000000', '--json'],
      ['datasets', 'ingest', '/no/such/file.jsonl', '--json'],
      ['review', 'resolve', '00000000-0000-0000-0000-000000000000', '--json'],
    ]) {
      const r = await cli(args);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('refuses a gzip bomb, a truncated and a corrupt gzip with a non-zero exit and a one-line reason, data set or directory alike', async () => {
    const bomb = join(dir, 'bomb.jsonl.gz');
    await writeFile(
      bomb,
      gzipSync(Buffer.from(`${JSON.stringify({ recordId: 'b', kind: 'email', body: 'x' })}\n`.repeat(400_000))),
    );
    const gz = gzipSync(Buffer.from(world.exposureLines.join('\n')));
    const truncated = join(dir, 'truncated.jsonl.gz');
    await writeFile(truncated, gz.subarray(0, gz.length - 200));
    const corrupt = join(dir, 'corrupt.jsonl.gz');
    await writeFile(corrupt, Buffer.concat([gz.subarray(0, 10), Buffer.alloc(2000, 0xa5), gz.subarray(2010)]));
    const tenantsTruncated = join(dir, 'tenants-truncated.jsonl.gz');
    const tgz = gzipSync(Buffer.from(world.tenantLines.join('\n')));
    await writeFile(tenantsTruncated, tgz.subarray(0, tgz.length - 50));
    const cases: [string[], RegExp, NodeJS.ProcessEnv][] = [
      [['datasets', 'ingest', bomb, '--json'], /expands more than 200 times/, {}],
      [
        ['datasets', 'ingest', bomb, '--json'],
        /expands to more than 1048576 bytes/,
        { INGEST_MAX_EXPANDED_BYTES: String(1 << 20) },
      ],
      [['datasets', 'ingest', truncated, '--json'], /truncated/, {}],
      [['datasets', 'ingest', corrupt, '--json'], /corrupt/, {}],
      [['tenants', 'import', tenantsTruncated, '--json'], /truncated/, {}],
    ];
    for (const [args, why, env] of cases) {
      const saved = { ...process.env };
      Object.assign(process.env, env);
      const r = await cli(args).finally(() => (process.env = saved));
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 1, stdout: '' });
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(why);
    }
  }, 180_000);

  it('names the variable when the configuration is bad', async () => {
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = 'http://nope';
    const r = await cli(['datasets', 'show', '00000000-0000-0000-0000-000000000000', '--json']);
    process.env.REDIS_URL = saved;
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/REDIS_URL/);
  });
});
