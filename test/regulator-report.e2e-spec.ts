/**
 * The regulator's record of an incident, end to end (docs/contracts.md §5): the 72-hour clock in
 * `incidents show`/`list` and the API, the notifications filed with the authority, and the draft
 * notification exported as Markdown (CLI) and as a printable page (API) from an incident with a
 * real data set and an analyzed campaign, each export stored as a new version and readable again.
 * The numbers are the scope report's unique counts, never lines; hostile words stay inert; roles,
 * tenants, forged tokens and injected parameters are refused.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createApiApp } from '../apps/api/src/create-app.js';
import { OverdueIncidentsLog } from '../apps/api/src/ops/overdue-incidents.js';
import { DevIssuer } from '../libs/auth/dev-issuer.js';
import { CampaignsService } from '../libs/campaigns/campaigns.service.js';
import { PrismaService } from '../libs/db/prisma.service.js';
import { DirectoryService } from '../libs/directory/directory.service.js';
import { DatasetsService } from '../libs/exposure/datasets.service.js';
import { IngestService } from '../libs/exposure/ingest.service.js';
import { REPORT_CSP } from '../libs/incidents/incident-report.js';
import { generateWorld } from './fixtures/world.js';
import { lines } from './support/async.js';
import { seedTenant } from './support/inbox-seed.js';
import { runCli } from './support/cli.js';
import { isolate } from './support/isolation.js';
const CLI = 'dist/apps/cli/src/main.js';
const ALICE = 'alice-token-0123456789';
const VERA = 'vera-token-0123456789';
const UNKNOWN = '00000000-0000-4000-8000-0000000000b2';
const H = 3_600_000;

/** en-US words with what a careless or hostile edit could put in them. */
const WORDS = {
  summary: "A storage endpoint answered **without authentication**. <script>alert('x')</script>",
  consequences: 'Names and business email addresses could be read. [trap](javascript:alert(1))\n```\nan unclosed fence',
  measures: '- We closed the endpoint.\n- We rotated its keys. <img src=x onerror=alert(1)>',
  actions: 'Be alert to phishing.',
  contact: 'Data-protection officer: <dpo@example.com>',
};

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, env);
}

function json<T = Record<string, unknown>>(r: CliResult): T {
  expect({ code: r.code, stderr: r.code ? r.stderr : '' }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(r.stdout) as T;
}

interface Clock {
  state: string;
  awareAt: string | null;
  deadline: string | null;
  minutesOverdue: number | null;
  filings: { filedAt: string; reference: string }[];
  summary: string;
  warning: string | null;
}

describe("the regulator's record of an incident (CLI, API)", () => {
  const saved = { ...process.env };
  const dir = mkdtempSync(join(tmpdir(), 'regulator-'));
  let api: NestExpressApplication;
  let prisma: PrismaService;
  let incidentId: string;
  let datasetId: string;
  let campaignId: string;
  let awareAt: Date;
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  const http = () => api.getHttpServer();

  /** What the API's start says of overdue incidents (the check it runs once at start, run again). */
  const startWarnings = async () => {
    const warned: string[] = [];
    const spy = jest.spyOn(Logger.prototype, 'warn').mockImplementation(function (this: Logger, message: unknown) {
      warned.push(String(message));
    });
    try {
      await api.get(OverdueIncidentsLog).onApplicationBootstrap();
    } finally {
      spy.mockRestore();
    }
    return warned;
  };

  beforeAll(async () => {
    if (!existsSync(CLI)) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
    await isolate();
    const world = generateWorld({ seed: 7, tenants: 24 });
    Object.assign(process.env, {
      OPERATOR_TOKENS: `alice:${ALICE},vera:${VERA}`,
      OPERATOR_NAME: 'regulator-cli',
      OPERATOR_ROLES: 'regulator-cli:admin,alice:admin,vera:viewer',
      OPERATOR_DOMAINS: world.operatorDomains.join(','),
      DEV_ISSUER_ENABLED: 'true',
      DEV_ISSUER_KEY_DIR: dir,
      // every refused token is counted: the attacks below are about the refusal, not the throttle
      OPERATOR_AUTH_MAX_FAILURES: '100',
    });
    for (const k of ['TENANT_JWKS_URL', 'TENANT_JWT_PUBLIC_KEY', 'TENANT_JWT_ISSUER', 'TENANT_JWT_AUDIENCE'])
      delete process.env[k];
    api = await createApiApp();
    await api.init();
    prisma = api.get(PrismaService);
    await api.get(DirectoryService).importTenants(lines(world.tenantLines));
    const ds = await api.get(IngestService).ingest({
      stream: Readable.from([Buffer.from(world.exposureLines.join('\n'))]),
      name: 'regulator-world',
      format: 'jsonl',
    });
    datasetId = ds.datasetId;
  }, 180_000);

  afterAll(async () => {
    await api?.close();
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the clock: overdue with a warning past 72 hours, and says so when there is no aware-at time', async () => {
    awareAt = new Date(Math.floor((Date.now() - 80 * H) / 1000) * 1000);
    const created = json<{ incidentId: string }>(
      await cli(['incidents', 'create', '--title', 'Open endpoint', '--aware-at', awareAt.toISOString(), '--json']),
    );
    incidentId = created.incidentId;
    const shown = json<{ clock: Clock; warning: string }>(await cli(['incidents', 'show', incidentId, '--json']));
    expect(shown.clock).toMatchObject({
      state: 'overdue',
      awareAt: awareAt.toISOString(),
      deadline: new Date(awareAt.getTime() + 72 * H).toISOString(),
      filings: [],
    });
    expect(shown.clock.minutesOverdue).toBeGreaterThanOrEqual(8 * 60 - 1);
    expect(shown.warning).toMatch(/^more than 72 hours since awareness and no notification filed/);
    const text = await cli(['incidents', 'show', incidentId]);
    expect(text.stdout.split('\n').slice(0, 2)).toEqual([
      expect.stringMatching(/^72-hour clock: not filed; overdue by 8 h/),
      expect.stringMatching(/^warning: more than 72 hours since awareness/),
    ]);

    const bare = await request(http())
      .post('/v1/incidents')
      .set(as(ALICE))
      .send({ title: 'Unknown since' })
      .expect(201);
    const got = await request(http()).get(`/v1/incidents/${bare.body.incidentId}`).set(as(VERA)).expect(200);
    expect(got.body.clock).toMatchObject({ state: 'unknown', awareAt: null, deadline: null, warning: null });
    expect(got.body.clock.summary).toBe('no aware-at time recorded: the 72-hour clock cannot run');
    const listed = await request(http()).get('/v1/incidents').set(as(VERA)).expect(200);
    const byId = new Map(
      (listed.body.incidents as { incidentId: string; clock: Clock; warning: string | null }[]).map((i) => [
        i.incidentId,
        i,
      ]),
    );
    expect(byId.get(incidentId)!.clock.state).toBe('overdue');
    expect(byId.get(incidentId)!.warning).toMatch(/^more than 72 hours/);
    expect(byId.get(bare.body.incidentId)!.clock.state).toBe('unknown');
    expect(await startWarnings()).toEqual([
      expect.stringMatching(
        new RegExp(
          `^incident ${incidentId} \\(Open endpoint\\): more than 72 hours since awareness and no notification filed`,
        ),
      ),
    ]);
  });

  it('drafts the notification before anything is known, with every missing piece as a visible placeholder', async () => {
    const r = await cli(['incidents', 'report', incidentId]);
    expect(r.code).toBe(0);
    for (const gap of [
      'what happened (the incident has no en-US words',
      'the contact point',
      'the data sets of the incident (none yet)',
      'the campaigns notifying the affected customers (none yet)',
      'the reasons for the delay (GDPR Art. 33(1))',
    ])
      expect(r.stdout).toContain(`[to be completed: ${gap}`);
    expect(r.stdout).toContain('**Warning:** more than 72 hours since awareness');
  });

  it('exports the draft of an incident with a data set and an analyzed campaign: unique counts, the words inert, versions increasing', async () => {
    await request(http()).put(`/v1/incidents/${incidentId}/texts/en-US`).set(as(ALICE)).send(WORDS).expect(200);
    const c = await request(http())
      .post('/v1/campaigns')
      .set(as(ALICE))
      .send({ datasetId, incidentId, supportUrl: 'https://support.example.com' })
      .expect(201);
    campaignId = c.body.campaignId as string;
    const campaigns = api.get(CampaignsService);
    await campaigns.requestAnalysis(campaignId, 'alice');
    await campaigns.runAnalysis(campaignId, true);
    expect((await campaigns.get(campaignId)).status).toBe('ready');

    const scope = (await api.get(DatasetsService).show(datasetId)).scope!;
    // the world has copies: counting lines would give other numbers
    expect(scope.lines).toBeGreaterThan(scope.uniqueItems);
    const decisions = await prisma.tenantDecision.findMany({ where: { campaignId, decision: 'affected' } });
    expect(decisions.length).toBeGreaterThan(0);
    const attributions = await prisma.recordAttribution.findMany({ where: { campaignId } });
    const affected = new Set(decisions.map((d) => d.tenantId));
    const affectedItems = new Set(
      attributions.filter((a) => a.tenantIds.some((t) => affected.has(t))).map((a) => a.itemKey),
    ).size;
    expect(affectedItems).toBeLessThan(attributions.filter((a) => a.tenantIds.some((t) => affected.has(t))).length);
    const named = decisions.filter((d) => d.dataCategories.includes('Email addresses')).length;

    const out = join(dir, 'draft.md');
    const md = json<{ version: number; format: string; contentSha256: string; out: string }>(
      await cli(['incidents', 'report', incidentId, '--out', out, '--json']),
    );
    expect(md).toMatchObject({ version: 2, format: 'md', out });
    const file = readFileSync(out, 'utf8');
    expect(md.contentSha256).toBe(createHash('sha256').update(file, 'utf8').digest('hex'));
    const n = (x: number) => x.toLocaleString('en-US');
    expect(file).toContain(`Data subjects concerned: approximately **${n(scope.uniquePeople)}** people`);
    expect(file).toContain(
      `approximately **${n(scope.uniqueItems)}** unique items (records after deduplication), read from ${n(scope.lines)} lines`,
    );
    expect(file).toContain(`- Email addresses: for ${n(named)} affected customer organization(s)`);
    expect(file).toContain(`${n(decisions.length)} customer organization(s) affected`);
    expect(file).toContain(`${n(affectedItems)} unique items touch an affected organization`);
    expect(file).toContain('notices posted to 0 of');
    expect(file).toContain("> A storage endpoint answered **without authentication**. <script>alert('x')</script>");
    expect(file).not.toContain('[to be completed: what happened');
    // an existing file is never overwritten, and the refused export stores no version
    expect(await cli(['incidents', 'report', incidentId, '--out', out])).toMatchObject({
      code: 1,
      stderr: `error: --out: ${out} exists; choose another file\n`,
    });
    expect(readFileSync(out, 'utf8')).toBe(file);
    // nor does an export for an unknown incident leave a file behind
    const stray = join(dir, 'stray.md');
    expect((await cli(['incidents', 'report', UNKNOWN, '--out', stray])).stderr).toBe(
      `error: incident ${UNKNOWN} not found\n`,
    );
    expect(existsSync(stray)).toBe(false);

    const html = await request(http()).get(`/v1/incidents/${incidentId}/report?format=html`).set(as(ALICE)).expect(200);
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.headers['content-security-policy']).toBe(REPORT_CSP);
    expect(html.headers['x-report-version']).toBe('3');
    const page = html.text;
    expect(html.headers['x-content-sha256']).toBe(createHash('sha256').update(page, 'utf8').digest('hex'));
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(page).toContain(`approximately <strong>${n(scope.uniquePeople)}</strong> people`);
    expect(page).toContain('&lt;script&gt;alert(');
    expect(page).not.toMatch(/<script|<img|href="javascript:|style="/i);
    expect(page.replace(/="[^"]*"/g, '=""')).not.toMatch(/<[^>]*\son\w+=/i);
    // the unclosed fence in the consequences ended with its quote
    expect(page).toContain('<h2>4. Measures taken or proposed (Art. 33(3)(d))</h2>');
    const mdApi = await request(http()).get(`/v1/incidents/${incidentId}/report`).set(as(ALICE)).expect(200);
    expect(mdApi.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(mdApi.headers['x-report-version']).toBe('4');
  });

  it('records filings: refused in the future, before awareness or with a bad reference; the first stops the clock', async () => {
    const filed = (args: string[]) => cli(['incidents', 'filed', incidentId, ...args]);
    const future = new Date(Date.now() + 2 * H).toISOString();
    expect(await filed(['--at', future, '--reference', 'DPA-1'])).toMatchObject({
      code: 1,
      stderr: 'error: at: must not be in the future\n',
    });
    const before = new Date(awareAt.getTime() - H).toISOString();
    expect((await filed(['--at', before, '--reference', 'DPA-1'])).stderr).toBe(
      `error: at: must not be before the incident's awareAt (${awareAt.toISOString()})\n`,
    );
    expect((await filed(['--at', 'yesterday', '--reference', 'DPA-1'])).stderr).toMatch(
      /^error: --at: must be an ISO date or date-time/,
    );
    expect((await filed(['--at', awareAt.toISOString(), '--reference', '  '])).stderr).toBe(
      'error: --reference: must not be empty\n',
    );
    expect((await filed(['--at', awareAt.toISOString(), '--reference', 'a\u001b[31mred'])).stderr).toBe(
      'error: --reference: must not hold control characters\n',
    );
    expect((await cli(['incidents', 'filed', 'x', '--at', awareAt.toISOString(), '--reference', 'a'])).stderr).toBe(
      'error: incidentId: must be a GUID\n',
    );
    expect(await prisma.incidentFiling.count()).toBe(0);

    const first = new Date(awareAt.getTime() + 70 * H).toISOString();
    const r = json<{ clock: Clock; warning: string | null }>(
      await filed(['--at', first, '--reference', 'DPA-2026-0042', '--json']),
    );
    expect(r.clock).toMatchObject({ state: 'filed', filedAt: first, reference: 'DPA-2026-0042' });
    expect(r.warning).toBeNull();
    const phase = await request(http())
      .post(`/v1/incidents/${incidentId}/filings`)
      .set(as(ALICE))
      .send({ at: new Date(Date.now() - H).toISOString(), reference: 'DPA-2026-0042 phase 2' })
      .expect(201);
    expect(phase.body.clock.filings.map((f: { reference: string }) => f.reference)).toEqual([
      'DPA-2026-0042',
      'DPA-2026-0042 phase 2',
    ]);
    await request(http())
      .post(`/v1/incidents/${incidentId}/filings`)
      .set(as(ALICE))
      .send({ at: first, reference: 'x', extra: 1 })
      .expect(400);
    const shown = await request(http()).get(`/v1/incidents/${incidentId}`).set(as(VERA)).expect(200);
    expect(shown.body.clock.state).toBe('filed');
    expect(await startWarnings()).toEqual([]);
    expect(shown.body.warning).toBeNull();
    const report = await cli(['incidents', 'report', incidentId, '--format', 'md']);
    expect(report.stdout).toContain(`  - ${first}: DPA-2026-0042\n`);
    expect(report.stdout).not.toContain('Warning');
  });

  it('lists the stored versions and reads each again exactly, by version', async () => {
    const listed = json<{ reports: { version: number; format: string; contentSha256: string }[] }>(
      await cli(['incidents', 'reports', incidentId, '--json']),
    );
    expect(listed.reports.map((r) => [r.version, r.format])).toEqual([
      [5, 'md'],
      [4, 'md'],
      [3, 'html'],
      [2, 'md'],
      [1, 'md'],
    ]);
    const v3 = await request(http()).get(`/v1/incidents/${incidentId}/reports/3`).set(as(VERA)).expect(200);
    expect(v3.body).toMatchObject({ incidentId, version: 3, format: 'html', exportedBy: 'alice' });
    expect(createHash('sha256').update(v3.body.content, 'utf8').digest('hex')).toBe(v3.body.contentSha256);
    const two = json<{ content: string; exportedBy: string }>(
      await cli(['incidents', 'reports', incidentId, '--version', '2', '--json']),
    );
    expect(two.content).toBe(readFileSync(join(dir, 'draft.md'), 'utf8'));
    expect(two.exportedBy).toBe('cli:regulator-cli');
    const again = join(dir, 'v3.html');
    json(await cli(['incidents', 'reports', incidentId, '--version', '3', '--out', again, '--json']));
    expect(readFileSync(again, 'utf8')).toBe(v3.body.content);
    expect((await cli(['incidents', 'reports', incidentId, '--version', '99'])).stderr).toBe(
      `error: incident ${incidentId} has no report version 99\n`,
    );
    expect((await cli(['incidents', 'reports', incidentId, '--version', '1;DROP TABLE x'])).stderr).toBe(
      'error: --version: must be a whole number\n',
    );
    expect((await cli(['incidents', 'reports', incidentId, '--out', again])).stderr).toBe(
      'error: --out: needs --version\n',
    );
    expect((await cli(['incidents', 'report', incidentId, '--format', 'pdf'])).stderr).toBe(
      'error: --format: must be md or html\n',
    );
    const audit = await prisma.auditEvent.findMany({
      where: { subject: incidentId, action: { in: ['incident.report', 'incident.filed'] } },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((e) => [e.action, e.actor, (e.details as { version?: number }).version ?? null])).toEqual([
      ['incident.report', 'cli:regulator-cli', 1],
      ['incident.report', 'cli:regulator-cli', 2],
      ['incident.report', 'alice', 3],
      ['incident.report', 'alice', 4],
      ['incident.filed', 'cli:regulator-cli', null],
      ['incident.filed', 'alice', null],
      ['incident.report', 'cli:regulator-cli', 5],
    ]);
  });

  it('refuses tenants, forged tokens, a viewer exporting or filing, and injection in every parameter', async () => {
    const tenant = await seedTenant(prisma, {
      contacts: (d) => [{ email: `admin@${d}`, roles: ['GlobalAdmin'], locale: 'en-US' }],
    });
    const tenantToken = (await api.get(DevIssuer).issue(tenant.id, tenant.contacts[0]!.email)).token;
    const forged = `${ALICE.slice(0, -1)}X`;
    const routes = [
      () => request(http()).get(`/v1/incidents/${incidentId}/report?format=html`),
      () => request(http()).get(`/v1/incidents/${incidentId}/reports`),
      () => request(http()).get(`/v1/incidents/${incidentId}/reports/1`),
      () =>
        request(http())
          .post(`/v1/incidents/${incidentId}/filings`)
          .send({ at: new Date().toISOString(), reference: 'mine' }),
    ];
    for (const route of routes) {
      await route().set(as(tenantToken)).expect(401);
      await route().set(as(forged)).expect(401);
      await route().expect(401);
    }
    const viewerExport = await request(http()).get(`/v1/incidents/${incidentId}/report`).set(as(VERA)).expect(403);
    expect(viewerExport.body).toEqual({ error: { code: 'forbidden', message: 'operator vera lacks role admin' } });
    await request(http())
      .post(`/v1/incidents/${incidentId}/filings`)
      .set(as(VERA))
      .send({ at: new Date().toISOString(), reference: 'x' })
      .expect(403);

    const before = await prisma.incidentReport.count();
    for (const url of [
      `/v1/incidents/${incidentId}'--/report`,
      `/v1/incidents/${incidentId}/report?format=html'%20OR%201=1`,
      `/v1/incidents/${incidentId}/report?format=md&format=html`,
      `/v1/incidents/${incidentId}/report?format=md&x=1`,
      `/v1/incidents/${incidentId}/reports/1%20OR%201=1`,
      `/v1/incidents/${incidentId}/reports/-1`,
      `/v1/incidents/${incidentId}/reports/99999999999`,
      `/v1/incidents/%3Cscript%3E/reports`,
    ]) {
      const res = await request(http()).get(url).set(as(ALICE));
      expect({ url, status: res.status, code: res.body?.error?.code }).toEqual({ url, status: 400, code: 'badInput' });
      expect(JSON.stringify(res.body)).not.toMatch(/script|OR 1=1/);
    }
    await request(http()).get(`/v1/incidents/${UNKNOWN}/report`).set(as(ALICE)).expect(404);
    await request(http()).get(`/v1/incidents/${UNKNOWN}/reports`).set(as(ALICE)).expect(404);
    await request(http()).get(`/v1/incidents/${incidentId}/reports/77`).set(as(ALICE)).expect(404);
    for (const body of [
      { at: "2026-11-01'; DROP TABLE incidents; --", reference: 'x' },
      { at: new Date().toISOString(), reference: 'x'.repeat(201) },
      { at: new Date().toISOString(), reference: ['x'] },
      { at: new Date().toISOString() },
    ])
      await request(http()).post(`/v1/incidents/${incidentId}/filings`).set(as(ALICE)).send(body).expect(400);
    expect(await prisma.incidentReport.count()).toBe(before);
    expect(await prisma.incidentFiling.count()).toBe(2);
  });

  it('numbers exports made at the same time one after another, each stored whole', async () => {
    const before = (await prisma.incidentReport.aggregate({ where: { incidentId }, _max: { version: true } }))._max
      .version!;
    const answers = await Promise.all(
      ['md', 'html', 'md', 'html'].map((format) =>
        request(http()).get(`/v1/incidents/${incidentId}/report?format=${format}`).set(as(ALICE)).expect(200),
      ),
    );
    const versions = answers.map((a) => Number(a.headers['x-report-version'])).sort((a, b) => a - b);
    expect(versions).toEqual([before + 1, before + 2, before + 3, before + 4]);
    for (const a of answers) {
      const stored = await prisma.incidentReport.findUniqueOrThrow({
        where: { incidentId_version: { incidentId, version: Number(a.headers['x-report-version']) } },
      });
      expect(stored.content).toBe(a.text);
      expect(stored.contentSha256).toBe(a.headers['x-content-sha256']);
    }
  });
});
