/**
 * Incidents and the operator's own words, end to end (docs/contracts.md §5): an incident made
 * with the CLI, its en-US words from a Markdown file (with the CLI) and its fr-FR words through
 * the API, a campaign on it, the tenant previews (the words in the body, French for a French
 * reader, a warning for a locale without words), the launch, and the posted notices read through
 * the tenant inbox API, where what tried to be HTML is text. A campaign whose incident has no
 * en-US words cannot launch, and tenants cannot reach the incident routes at all.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createApiApp } from '../apps/api/src/create-app.js';
import { AuditModule } from '../libs/audit/audit.module.js';
import { DevIssuer } from '../libs/auth/dev-issuer.js';
import { PrismaService } from '../libs/db/prisma.service.js';
import { ProcessorsModule } from '../libs/jobs/processors.module.js';
import { QueueModule } from '../libs/queue/queue.module.js';
import type { Prisma } from '../generated/prisma/client.js';
import { AcsEmulator } from './support/acs-emulator.js';
import { serviceContext } from './support/app.js';
import { until } from './support/async.js';
import { decide, rnd, seedTenant, viewFor, type SeededTenant } from './support/inbox-seed.js';
import { runCli } from './support/cli.js';
import { isolate } from './support/isolation.js';
const CLI = 'dist/apps/cli/src/main.js';
const ALICE = 'alice-token-0123456789';
const BOB = 'bob-token-9876543210';

/** The en-US words, with what a careless or hostile edit could put in a Markdown file. */
const EN_WORDS = `## Summary

On **1 November 2026** we found that a storage endpoint of ours answered without authentication.
<script>alert('summary')</script>

## Likely consequences

Names and business email addresses could be read. <img src=x onerror="alert(1)"> &lt;b&gt;bold&lt;/b&gt;
[a trap](javascript:alert(document.cookie)) and [another](data:text/html;base64,PHNjcmlwdD4=).

## Measures taken

- We closed the endpoint within the hour.
- We rotated every key it held.

## What you should do

Be alert to phishing; read [our guide](https://support.example.com/phishing "guide\\" onclick=\\"alert(1)").

## Contact

- Support: <https://support.example.com>
- Data-protection officer: <dpo@example.com>
`;

const FR_WORDS = {
  summary: 'Le **1er novembre 2026**, nous avons constaté qu’un point de stockage répondait sans authentification.',
  consequences: 'Des noms et des adresses e-mail professionnelles ont pu être lus.',
  measures: '- Nous avons fermé le point de stockage.',
  actions: 'Restez vigilant face à l’hameçonnage.',
  contact: '- Délégué à la protection des données : <dpo@example.com>',
};

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<CliResult> {
  return runCli(args);
}

function json<T = Record<string, unknown>>(r: CliResult): T {
  expect({ code: r.code, stderr: r.code ? r.stderr : '' }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(r.stdout) as T;
}

describe('incidents and the operator’s words (CLI, API, worker, inbox)', () => {
  const saved = { ...process.env };
  const dir = mkdtempSync(join(tmpdir(), 'incidents-'));
  let api: NestExpressApplication;
  let worker: INestApplicationContext;
  let acs: AcsEmulator;
  let prisma: PrismaService;
  let incidentId: string;
  let campaignId: string;
  let datasetId: string;
  /** admins reading en-US, fr-FR and ja-JP (the incident has no ja-JP words), and one not affected */
  let EN: SeededTenant;
  let FR: SeededTenant;
  let JA: SeededTenant;
  let U: SeededTenant;
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  const tenantToken = async (t: SeededTenant) => (await api.get(DevIssuer).issue(t.id, t.contacts[0]!.email)).token;

  beforeAll(async () => {
    if (!existsSync(CLI)) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
    await isolate();
    acs = await AcsEmulator.start({ runningPolls: 1 });
    Object.assign(process.env, {
      OPERATOR_TOKENS: `alice:${ALICE},bob:${BOB}`,
      OPERATOR_NAME: 'incidents-cli',
      // roles configured: the CLI's refusals are one line, with no warning about unset roles before them
      OPERATOR_ROLES: 'incidents-cli:admin,alice:admin,bob:admin',
      MAIL_TRANSPORT: 'acs',
      ACS_CONNECTION_STRING: acs.connectionString,
      ACS_POLL_INTERVAL_MS: '20',
      MAIL_RATE_PER_MINUTE: '100000',
      DEV_ISSUER_ENABLED: 'true',
      DEV_ISSUER_KEY_DIR: dir,
    });
    for (const k of [
      'TENANT_JWKS_URL',
      'TENANT_JWT_PUBLIC_KEY',
      'TENANT_JWT_ISSUER',
      'TENANT_JWT_AUDIENCE',
      'DEV_ISSUER_PRIVATE_KEY',
    ])
      delete process.env[k];
    api = await createApiApp();
    await api.init();
    worker = await serviceContext(QueueModule, AuditModule, ProcessorsModule);
    prisma = api.get(PrismaService);
    const admin = (locale: string) => (d: string) => [{ email: `admin@${d}`, roles: ['GlobalAdmin'], locale }];
    EN = await seedTenant(prisma, { contacts: admin('en-US') });
    FR = await seedTenant(prisma, { contacts: admin('fr-FR') });
    JA = await seedTenant(prisma, { contacts: admin('ja-JP') });
    U = await seedTenant(prisma, { contacts: admin('en-US') });
    datasetId = (await prisma.dataset.create({ data: { name: `incident-${rnd()}`, status: 'ready' } })).id;
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await acs?.close();
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates an incident and writes its en-US words from a Markdown file, refusing a file without a section', async () => {
    const created = json<{ incidentId: string; title: string; awareAt: string }>(
      await cli(['incidents', 'create', '--title', 'Open storage endpoint', '--aware-at', '2026-11-01', '--json']),
    );
    expect(created).toMatchObject({ title: 'Open storage endpoint', awareAt: '2026-11-01T00:00:00.000Z' });
    incidentId = created.incidentId;

    const missing = join(dir, 'missing.md');
    writeFileSync(missing, EN_WORDS.replace(/## Contact[\s\S]*$/, ''));
    expect(await cli(['incidents', 'text', incidentId, '--locale', 'en-US', '--file', missing])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: --file: missing section "## Contact"\n',
    });
    const words = join(dir, 'words.md');
    writeFileSync(words, EN_WORDS);
    expect(await cli(['incidents', 'text', incidentId, '--locale', 'sv-SE', '--file', words])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^error: locale: must be one of de-DE, en-US, .*zh-CN\n$/),
    });
    expect((await cli(['incidents', 'text', 'nope', '--locale', 'en-US', '--file', words])).stderr).toBe(
      'error: incidentId: must be a GUID\n',
    );
    const written = json<{ locale: string; summary: string; contact: string }>(
      await cli(['incidents', 'text', incidentId, '--locale', 'en-us', '--file', words, '--json']),
    );
    expect(written.locale).toBe('en-US');
    expect(written.summary).toContain("<script>alert('summary')</script>"); // stored as written, escaped when shown
    expect(written.contact).toBe(
      '- Support: <https://support.example.com>\n- Data-protection officer: <dpo@example.com>',
    );
  });

  it('writes the fr-FR words through the API, refusing a missing section and a locale not shipped', async () => {
    const http = api.getHttpServer();
    const path = `/v1/incidents/${incidentId}/texts`;
    const { contact: _, ...noContact } = FR_WORDS;
    const bad = await request(http).put(`${path}/fr-FR`).set(as(BOB)).send(noContact).expect(400);
    expect(bad.body.error.message).toMatch(/contact/);
    await request(http).put(`${path}/sv-SE`).set(as(BOB)).send(FR_WORDS).expect(400);
    await request(http)
      .put(`/v1/incidents/00000000-0000-4000-8000-000000000000/texts/fr-FR`)
      .set(as(BOB))
      .send(FR_WORDS)
      .expect(404);
    const put = await request(http).put(`${path}/fr-FR`).set(as(BOB)).send(FR_WORDS).expect(200);
    expect(put.body).toMatchObject({ incidentId, locale: 'fr-FR', updatedBy: 'bob', ...FR_WORDS });
    const back = await request(http).get(`${path}/fr-FR`).set(as(ALICE)).expect(200);
    expect(back.body).toMatchObject(FR_WORDS);
  });

  it('puts a campaign on the incident and shows its data set and campaigns', async () => {
    const c = json<{ campaignId: string; status: string }>(
      await cli([
        'campaigns',
        'create',
        '--dataset',
        datasetId,
        '--incident',
        incidentId,
        '--support-url',
        'https://support.example.com',
        '--json',
      ]),
    );
    campaignId = c.campaignId;
    expect((await cli(['campaigns', 'create', '--dataset', datasetId, '--incident', 'x'])).stderr).toBe(
      'error: --incident: must be a GUID\n',
    );
    expect(
      (await cli(['campaigns', 'create', '--dataset', datasetId, '--incident', '00000000-0000-4000-8000-000000000000']))
        .stderr,
    ).toBe('error: incident 00000000-0000-4000-8000-000000000000 not found\n');
    const shown = json<{
      incidentId: string;
      texts: { locale: string }[];
      datasets: { datasetId: string }[];
      campaigns: { campaignId: string; status: string }[];
    }>(await cli(['incidents', 'show', incidentId, '--json']));
    expect(shown.texts.map((t) => t.locale)).toEqual(['en-US', 'fr-FR']);
    expect(shown.datasets.map((d) => d.datasetId)).toEqual([datasetId]);
    expect(shown.campaigns).toEqual([expect.objectContaining({ campaignId, status: 'draft' })]);
    const listed = json<{ incidents: { incidentId: string; campaigns: number; locales: string[] }[] }>(
      await cli(['incidents', 'list', '--json']),
    );
    expect(listed.incidents.find((i) => i.incidentId === incidentId)).toMatchObject({
      campaigns: 1,
      locales: ['en-US', 'fr-FR'],
    });

    // analyzed as the analysis would leave it: three tenants affected, one not
    for (const t of [EN, FR, JA]) {
      await decide(prisma, campaignId, t.id, 'affected');
      await prisma.exposureView.create({
        data: { campaignId, tenantId: t.id, view: viewFor(t) as unknown as Prisma.InputJsonValue },
      });
    }
    await decide(prisma, campaignId, U.id, 'not_affected');
    await prisma.campaign.update({ where: { id: campaignId }, data: { status: 'approved', approvedBy: 'bob' } });
  });

  it("previews each tenant's notice with the words in its language, and warns where there are none", async () => {
    const http = api.getHttpServer();
    const preview = async (t: SeededTenant) =>
      (await request(http).get(`/v1/campaigns/${campaignId}/preview/${t.id}`).set(as(ALICE)).expect(200)).body as {
        notice: { body: { content: string } };
        emails: { locale: string; text: string }[];
        warnings: { kind: string; locale: string; used: string }[];
      };
    const en = await preview(EN);
    expect(en.notice.body.content).toContain('<strong>1 November 2026</strong>');
    expect(en.notice.body.content).toContain('&lt;script&gt;');
    expect(en.notice.body.content).not.toContain('misconfigured storage endpoint');
    expect(en.warnings).toEqual([]);
    expect(en.emails[0]!.text).toContain('- We rotated every key it held.');
    const fr = await preview(FR);
    expect(fr.notice.body.content).toContain('<div lang="fr-FR">');
    expect(fr.notice.body.content).toContain('<strong>1er novembre 2026</strong>, nous avons constaté');
    expect(fr.notice.body.content).toContain('Conséquences probables');
    expect(fr.notice.body.content).not.toContain('1 November 2026');
    expect(fr.warnings).toEqual([]);
    const ja = await preview(JA);
    expect(ja.notice.body.content).toContain('<div lang="ja-JP">');
    expect(ja.notice.body.content).toContain('<strong>1 November 2026</strong>');
    expect(ja.warnings).toEqual([
      expect.objectContaining({ kind: 'incidentTextFallback', locale: 'ja-JP', used: 'en-US' }),
    ]);
    // the CLI shows the same
    const viaCli = json<{ warnings: { locale: string }[] }>(
      await cli(['campaigns', 'preview', campaignId, '--tenant', JA.id, '--json']),
    );
    expect(viaCli.warnings).toEqual([expect.objectContaining({ locale: 'ja-JP', used: 'en-US' })]);
  });

  it('launches, and each tenant reads the words in its posted notice through the inbox API, escaped where they tried HTML', async () => {
    const http = api.getHttpServer();
    await request(http).post(`/v1/campaigns/${campaignId}/launch`).set(as(ALICE)).expect(202);
    await until('notices posted', async () => (await prisma.notice.count({ where: { campaignId } })) === 3, 60_000);
    const read = async (t: SeededTenant) => {
      const res = await request(http)
        .get('/v1/admin/serviceAnnouncement/messages')
        .set(as(await tenantToken(t)))
        .expect(200);
      const mine = (res.body.value as { id: string; body: { content: string } }[]).filter((m) =>
        m.body.content.includes(m.id),
      );
      expect(mine).toHaveLength(1);
      return mine[0]!;
    };
    const en = (await read(EN)).body.content;
    for (const words of [
      'On <strong>1 November 2026</strong> we found that a storage endpoint of ours answered without authentication.',
      "&lt;script&gt;alert('summary')&lt;/script&gt;",
      '&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &lt;b&gt;bold&lt;/b&gt;',
      '[a trap](javascript:alert(document.cookie))',
      '<li>We rotated every key it held.</li>',
      '<a href="https://support.example.com/phishing" title="guide&quot; onclick=&quot;alert(1)" rel="noopener noreferrer">our guide</a>',
      '<a href="mailto:dpo@example.com" rel="noopener noreferrer">dpo@example.com</a>',
    ])
      expect(en).toContain(words);
    expect(en).not.toMatch(/<script|<img|href="(javascript|data):/i);
    // no tag has an event handler attribute (a value's quotes are escaped, so its text is inert)
    expect(en.replace(/="[^"]*"/g, '=""')).not.toMatch(/<[^>]*\son\w+=/i);
    expect(en).toContain(EN.name); // the facts the service knows, around the words
    const fr = (await read(FR)).body.content;
    expect(fr).toContain('<strong>1er novembre 2026</strong>');
    expect(fr).toContain('<h3>Conséquences probables</h3>');
    const ja = (await read(JA)).body.content;
    expect(ja).toContain('<div lang="ja-JP">');
    expect(ja).toContain('<strong>1 November 2026</strong>');

    await until('emails sent', async () => acs.messages().length === 3, 60_000);
    const to = (t: SeededTenant) => acs.messages().find((m) => m.recipients.includes(t.contacts[0]!.email))!;
    expect(to(EN).text).toContain('- We closed the endpoint within the hour.');
    expect(to(EN).text).not.toMatch(/[<>]/);
    expect(to(FR).html).toContain('Des noms et des adresses e-mail professionnelles ont pu être lus.');
    expect(to(FR).html).not.toContain(FR.name); // the words are the incident's: no tenant data in an email
  }, 120_000);

  it('refuses to launch a campaign whose incident has no en-US words (API 409, CLI exit 1)', async () => {
    const http = api.getHttpServer();
    const bare = await request(http).post('/v1/incidents').set(as(ALICE)).send({ title: 'No words yet' }).expect(201);
    await request(http).post('/v1/incidents').set(as(ALICE)).send({ title: '' }).expect(400);
    await request(http).post('/v1/incidents').set(as(ALICE)).send({ title: 'x', awareAt: 'yesterday' }).expect(400);
    const c = await request(http)
      .post('/v1/campaigns')
      .set(as(ALICE))
      .send({ datasetId, incidentId: bare.body.incidentId, supportUrl: 'https://support.example.com' })
      .expect(201);
    const id = c.body.campaignId as string;
    await decide(prisma, id, EN.id, 'affected');
    await prisma.exposureView.create({
      data: { campaignId: id, tenantId: EN.id, view: viewFor(EN) as unknown as Prisma.InputJsonValue },
    });
    await prisma.campaign.update({ where: { id }, data: { status: 'approved', approvedBy: 'bob' } });
    const refused = await request(http).post(`/v1/campaigns/${id}/launch`).set(as(ALICE)).expect(409);
    expect(refused.body.error.message).toMatch(
      new RegExp(`^nothing was sent: incident ${bare.body.incidentId as string} has no en-US text`),
    );
    const viaCli = await cli(['campaigns', 'launch', id]);
    expect(viaCli.code).toBe(1);
    expect(viaCli.stderr).toMatch(/^error: nothing was sent: incident .* has no en-US text.*\n$/);
    expect((await prisma.campaign.findUniqueOrThrow({ where: { id } })).status).toBe('approved');
    expect(await prisma.notice.count({ where: { campaignId: id } })).toBe(0);
  });

  it('gives a campaign created without an incident its own, with en-US words from the fixed narrative', async () => {
    const c = json<{ campaignId: string }>(
      await cli([
        'campaigns',
        'create',
        '--dataset',
        datasetId,
        '--title',
        'Own incident',
        '--support-email',
        'privacy@example.com',
        '--incident-date',
        '2026-10-01',
        '--json',
      ]),
    );
    const got = await request(api.getHttpServer()).get(`/v1/campaigns/${c.campaignId}`).set(as(ALICE)).expect(200);
    const own = await request(api.getHttpServer())
      .get(`/v1/incidents/${got.body.incidentId}`)
      .set(as(ALICE))
      .expect(200);
    expect(own.body).toMatchObject({ title: 'Own incident', awareAt: '2026-10-01T00:00:00.000Z' });
    expect(own.body.texts.map((t: { locale: string }) => t.locale)).toEqual(['en-US']);
    const text = await request(api.getHttpServer())
      .get(`/v1/incidents/${got.body.incidentId}/texts/en-US`)
      .set(as(ALICE))
      .expect(200);
    expect(text.body.summary).toMatch(/^On October 1, 2026, we learned that a misconfigured storage endpoint/);
    expect(text.body.contact).toBe('- Email: <privacy@example.com>');
  });

  it('keeps incidents to operators: a tenant admin is refused on every incident route, and every change is audited', async () => {
    const http = api.getHttpServer();
    const tenant = as(await tenantToken(EN));
    await request(http).get('/v1/incidents').set(tenant).expect(401);
    await request(http).get(`/v1/incidents/${incidentId}`).set(tenant).expect(401);
    await request(http).get(`/v1/incidents/${incidentId}/texts/en-US`).set(tenant).expect(401);
    await request(http).put(`/v1/incidents/${incidentId}/texts/en-US`).set(tenant).send(FR_WORDS).expect(401);
    await request(http).post('/v1/incidents').set(tenant).send({ title: 'mine now' }).expect(401);
    await request(http).get('/v1/incidents').expect(401);
    expect(
      await prisma.incidentText.findUnique({ where: { incidentId_locale: { incidentId, locale: 'en-US' } } }),
    ).toMatchObject({
      updatedBy: 'cli:incidents-cli',
    });
    const audit = await request(http)
      .get(`/v1/audit?action=incident.*&subject=${incidentId}`)
      .set(as(ALICE))
      .expect(200);
    const events = audit.body.events as { action: string; actor: string }[];
    expect(events.map((e) => [e.action, e.actor])).toEqual([
      ['incident.create', 'cli:incidents-cli'],
      ['incident.text', 'cli:incidents-cli'],
      ['incident.text', 'bob'],
    ]);
  });
});
