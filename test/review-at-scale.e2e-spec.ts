/**
 * Review at scale end to end, API and CLI against PostgreSQL: an item's records with their
 * content and the evidence for and against each candidate, resolutions with the operator's
 * reason (audited), many items at once by filter or from a CSV file (bad lines refused by number,
 * the rest applied), and items shared out among reviewers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { isolate } from './support/isolation.js';
import { createApiApp } from '../apps/api/src/create-app.js';
import { CampaignsService } from '../libs/campaigns/campaigns.service.js';
import { runCli } from './support/cli.js';

const ALICE = 'alice-token-0123456789';
const BOB = 'bob-token-9876543210';
const as = (token: string) => ({ Authorization: `Bearer ${token}` });

const CONTOSO = '11111111-1111-4111-8111-111111111111';
const FABRIKAM = '33333333-3333-4333-8333-333333333333';
const TAILSPIN_US = '44444444-4444-4444-8444-444444444444';
const TAILSPIN_DE = '55555555-5555-4555-8555-555555555555';

const tenants = [
  {
    tenantId: CONTOSO,
    name: 'Contoso Ltd',
    domains: ['contoso.com'],
    contacts: [{ email: 'admin@contoso.com', roles: ['GlobalAdmin'] }],
  },
  {
    tenantId: FABRIKAM,
    name: 'Fabrikam Inc',
    domains: ['fabrikam.com'],
    contacts: [{ email: 'admin@fabrikam.com', roles: ['GlobalAdmin'] }],
  },
  { tenantId: TAILSPIN_US, name: 'Tailspin Toys', domains: ['tailspintoys.com'] },
  { tenantId: TAILSPIN_DE, name: 'Tailspin Toys', domains: ['tailspintoys.de'] },
];

const records = [
  // the tenant id says Fabrikam, the addresses say Contoso: conflicting strong signals
  {
    recordId: 'R1',
    kind: 'email',
    subject: 'Migration plan',
    from: 'lena@contoso.com',
    tenantIds: [FABRIKAM],
    body: 'Hello Lena, the plan is attached.',
  },
  // a name two tenants share, and nothing strong: one group of two items
  { recordId: 'R2', kind: 'document', fileName: 'offer-1.pdf', companies: ['Tailspin Toys'] },
  { recordId: 'R3', kind: 'document', fileName: 'offer-2.pdf', companies: ['Tailspin Toys'] },
  { recordId: 'R4', kind: 'document', fileName: 'offer-3.pdf', companies: ['Tailspin Toys'] },
];

interface Item {
  reviewItemId: string;
  triggers: string[];
  candidates: { tenantId: string }[];
  group: string;
  resolution: { tenantId: string | null; justification: string | null } | null;
  assignment: { to: string } | null;
}

describe('review at scale', () => {
  let app: INestApplication;
  let campaignId: string;
  const env = { ...process.env };

  beforeAll(async () => {
    await isolate();
    Object.assign(process.env, { OPERATOR_TOKENS: `alice:${ALICE},bob:${BOB}`, OPERATOR_DOMAINS: 'microsoft.com' });
    app = await createApiApp();
    await app.init();
    const server = app.getHttpServer();
    await request(server)
      .post('/v1/tenants/import')
      .set(as(ALICE))
      .set('Content-Type', 'application/x-ndjson')
      .send(tenants.map((t) => JSON.stringify(t)).join('\n'))
      .expect(200);
    const up = await request(server)
      .post('/v1/datasets?name=review-at-scale')
      .set(as(ALICE))
      .set('Content-Type', 'application/x-ndjson')
      .send(records.map((r) => JSON.stringify(r)).join('\n'))
      .expect(201);
    const created = await request(server)
      .post('/v1/campaigns')
      .set(as(ALICE))
      .send({ datasetId: up.body.datasetId, supportUrl: 'https://support.example.com' })
      .expect(201);
    campaignId = created.body.campaignId;
    await request(server).post(`/v1/campaigns/${campaignId}/analyze`).set(as(ALICE)).expect(202);
    // no worker here: run the queued analysis the way the worker would
    await app.get(CampaignsService).runAnalysis(campaignId, true);
  }, 60_000);

  afterAll(async () => {
    process.env = env;
    await app?.close();
  });

  const list = async (query = '') =>
    (await request(app.getHttpServer()).get(`/v1/reviews?campaignId=${campaignId}${query}`).set(as(BOB)).expect(200))
      .body.items as Item[];

  it('shows an item with its records, their elements, and the evidence for and against each candidate', async () => {
    const conflict = (await list('&trigger=conflictingStrongSignals'))[0]!;
    expect(conflict.candidates.map((c) => c.tenantId).sort()).toEqual([CONTOSO, FABRIKAM]);
    const shown = await request(app.getHttpServer())
      .get(`/v1/reviews/${conflict.reviewItemId}`)
      .set(as(BOB))
      .expect(200);
    const e = shown.body.evidence;
    expect(e.why[0].explanation).toMatch(/strong evidence .* for more than one tenant/);
    expect(e.records[0]).toMatchObject({ recordId: 'R1', line: 1, kind: 'email' });
    expect(e.records[0].content).toMatchObject({ subject: 'Migration plan' });
    const contoso = e.candidates.find((c: { tenantId: string }) => c.tenantId === CONTOSO);
    expect(contoso.against.join('\n')).toContain('also names Fabrikam Inc by tenant id in the record');
    await request(app.getHttpServer()).get(`/v1/reviews/${CONTOSO}`).set(as(BOB)).expect(404);
    await request(app.getHttpServer()).get('/v1/reviews/not-a-guid').set(as(BOB)).expect(400);
  });

  it('refuses bulk answers without a reason or with a bad filter, with the reason', async () => {
    const server = app.getHttpServer();
    const noReason = await request(server)
      .post('/v1/reviews/resolve')
      .set(as(BOB))
      .send({ campaignId, filter: {}, tenantId: null })
      .expect(400);
    expect(noReason.body.error.message).toMatch(/justification/);
    const badTrigger = await request(server)
      .post('/v1/reviews/resolve')
      .set(as(BOB))
      .send({ campaignId, filter: { trigger: "x' OR 1=1 --" }, tenantId: null, justification: 'w' })
      .expect(400);
    expect(badTrigger.body.error.message).toMatch(/filter.trigger: must be one of/);
    await request(server)
      .post('/v1/reviews/resolve')
      .set(as(BOB))
      .send({
        campaignId,
        filter: { candidate: CONTOSO, group: '0123456789abcdef' },
        tenantId: null,
        justification: 'w',
      })
      .expect(404);
  });

  it("assigns items by filter, lists a reviewer's queue, and unassigns", async () => {
    const server = app.getHttpServer();
    const out = await request(server)
      .post('/v1/reviews/assign')
      .set(as(ALICE))
      .send({ campaignId, filter: { candidate: TAILSPIN_US }, assignee: 'bob' })
      .expect(200);
    expect(out.body.assigned).toBeGreaterThan(0);
    const mine = await list('&assignee=bob');
    expect(mine.every((i) => i.assignment?.to === 'bob')).toBe(true);
    expect(mine.every((i) => i.candidates.some((c) => c.tenantId === TAILSPIN_US))).toBe(true);
    const unassigned = await list('&assignee=none');
    expect(unassigned.length + mine.length).toBe((await list()).length);
    await request(server)
      .post('/v1/reviews/assign')
      .set(as(ALICE))
      .send({ campaignId, filter: {}, assignee: 'bob; DROP TABLE review_items' })
      .expect(400);
  });

  it('resolves a group by filter with a reason, decides once, and audits each resolution with it', async () => {
    const server = app.getHttpServer();
    const tailspin = await list(`&candidate=${TAILSPIN_DE}`);
    expect(tailspin.length).toBeGreaterThan(0);
    const out = await request(server)
      .post('/v1/reviews/resolve')
      .set(as(BOB))
      .send({
        campaignId,
        filter: { candidate: TAILSPIN_DE },
        tenantId: TAILSPIN_DE,
        justification: 'the offers were sent to the German subsidiary',
      })
      .expect(200);
    expect(out.body.resolved).toHaveLength(tailspin.length);
    expect(out.body.skipped).toEqual([]);
    for (const i of out.body.resolved as Item[])
      expect(i.resolution).toMatchObject({
        tenantId: TAILSPIN_DE,
        justification: 'the offers were sent to the German subsidiary',
      });
    const audit = await request(server)
      .get(`/v1/audit?action=review.resolve&campaignId=${campaignId}`)
      .set(as(BOB))
      .expect(200);
    const events = audit.body.events as { details: { justification: string } }[];
    expect(
      events.filter((e) => e.details.justification === 'the offers were sent to the German subsidiary'),
    ).toHaveLength(tailspin.length);
    const decisions = await request(server).get(`/v1/campaigns/${campaignId}/decisions`).set(as(BOB)).expect(200);
    const de = decisions.body.decisions.find((d: { tenantId: string }) => d.tenantId === TAILSPIN_DE);
    expect(de.decision).toBe('affected');
  });

  it('imports resolutions from CSV through the CLI: usable lines applied, the others refused with their line', async () => {
    const open = await list();
    const conflict = open.find((i) => i.triggers.includes('conflictingStrongSignals'))!;
    const dir = mkdtempSync(join(tmpdir(), 'review-import-'));
    const file = join(dir, 'decisions.csv');
    writeFileSync(
      file,
      [
        'reviewItemId,tenantId,justification',
        `${conflict.reviewItemId},${TAILSPIN_US},not a candidate`,
        `${conflict.reviewItemId},${CONTOSO},"Lena signs as ""Contoso Ltd, Vienna"""`,
        `garbage,none,=HYPERLINK("x")`,
      ].join('\n'),
    );
    const r = await runCli(['review', 'import', campaignId, file, '--json'], { OPERATOR_NAME: 'bob' });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.resolved).toBe(1);
    expect(out.refused.map((x: { line: number }) => x.line)).toEqual([2, 4]);
    const after = (await list('&trigger=conflictingStrongSignals'.replace('&', '&all=true&'))).find(
      (i) => i.reviewItemId === conflict.reviewItemId,
    )!;
    expect(after.resolution).toMatchObject({ tenantId: CONTOSO, justification: 'Lena signs as "Contoso Ltd, Vienna"' });
    const shown = await runCli(['review', 'show', conflict.reviewItemId], { OPERATOR_NAME: 'bob' });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('why:');
    expect(shown.stdout).toContain('record R1 (email');
  });
});
