/**
 * The operator REST API (docs/contracts.md §4) end to end: a bearer token per operator, the upload
 * endpoint streaming a data set, the campaign's lifecycle with a second operator approving, the
 * status and deliveries endpoints, and clear refusals.
 */
import { gzipSync } from 'node:zlib';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { generateWorld, type World } from './fixtures/world.js';
import { until } from './support/async.js';
import { isolate } from './support/isolation.js';
import { createApiApp } from '../apps/api/src/create-app.js';

const ALICE = 'alice-token-0123456789';
const BOB = 'bob-token-9876543210';

describe('operator API', () => {
  let app: INestApplication;
  let world: World;
  const env = { ...process.env };
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    await isolate();
    world = generateWorld({ seed: 5, tenants: 30 });
    Object.assign(process.env, {
      OPERATOR_TOKENS: `alice:${ALICE},bob:${BOB}`,
      OPERATOR_DOMAINS: world.operatorDomains.join(','),
      INGEST_MAX_UPLOAD_BYTES: String(8 * 1024 * 1024),
    });
    app = await createApiApp();
    await app.init();
  });

  afterAll(async () => {
    process.env = env;
    await app?.close();
  });

  it('refuses a missing or wrong operator token', async () => {
    await request(app.getHttpServer()).get('/v1/tenants').expect(401);
    await request(app.getHttpServer()).get('/v1/tenants').set(as('not-a-token-at-all')).expect(401);
    await request(app.getHttpServer())
      .get('/v1/campaigns/00000000-0000-0000-0000-000000000000')
      .set({ Authorization: 'Basic abc' })
      .expect(401);
  });

  it('refuses an upload over the size limit before reading it', async () => {
    const res = await request(app.getHttpServer())
      .post('/v1/datasets?name=big')
      .set(as(ALICE))
      .set('Content-Type', 'application/x-ndjson')
      .set('Content-Length', String(64 * 1024 * 1024))
      .send('x');
    expect(res.status).toBe(413);
  });

  it('runs a campaign: import, upload, create, analyze, review, approve by another operator, launch, status', async () => {
    const server = app.getHttpServer();
    const t = await request(server)
      .post('/v1/tenants/import')
      .set(as(ALICE))
      .set('Content-Type', 'application/x-ndjson')
      .send(world.tenantLines.join('\n'))
      .expect(200);
    expect(t.body.rejected).toHaveLength(world.truth.rejectedTenantLines.length);
    expect(t.body.warnings.map((w: { line: number }) => w.line)).toEqual(
      world.truth.warnedTenantLines.map((w) => w.line),
    );
    expect(t.body.conflicts.map((c: { line: number; domain: string }) => ({ line: c.line, domain: c.domain }))).toEqual(
      world.truth.domainConflicts,
    );
    const conflicts = await request(server).get('/v1/tenants/conflicts').set(as(BOB)).expect(200);
    expect(conflicts.body.conflicts.map((c: { domain: string }) => c.domain)).toEqual(
      world.truth.domainConflicts.map((c) => c.domain),
    );

    const up = await request(server)
      .post('/v1/datasets?name=api-upload')
      .set(as(ALICE))
      .set('Content-Type', 'application/gzip')
      .send(gzipSync(world.exposureLines.join('\n')))
      .expect(201);
    expect(up.body).toMatchObject({ lines: world.truth.scope.lines, accepted: world.truth.scope.records });
    const shown = await request(server).get(`/v1/datasets/${up.body.datasetId}`).set(as(BOB)).expect(200);
    expect(shown.body.scope).toMatchObject(world.truth.scope);
    const q = await request(server).get(`/v1/datasets/${up.body.datasetId}/quarantine?take=5`).set(as(BOB)).expect(200);
    expect(q.body.quarantined[0]).toHaveProperty('reason');
    const w = await request(server)
      .get(`/v1/datasets/${up.body.datasetId}/warnings?take=10000`)
      .set(as(BOB))
      .expect(200);
    expect(w.body.warnings).toHaveLength(up.body.warningsTotal);
    expect(w.body.warnings.slice(0, 1000)).toEqual(up.body.warnings);
    await request(server).get('/v1/datasets/00000000-0000-4000-8000-000000000000/warnings').set(as(BOB)).expect(404);

    await request(server)
      .post('/v1/campaigns')
      .set(as(ALICE))
      .send({ datasetId: up.body.datasetId, supportUrl: 'javascript:alert(1)' })
      .expect(400);
    await request(server).post('/v1/campaigns').set(as(ALICE)).send({ datasetId: 'nope' }).expect(400);
    const created = await request(server)
      .post('/v1/campaigns')
      .set(as(ALICE))
      .send({ datasetId: up.body.datasetId, supportUrl: 'https://support.example.com', respondBy: '2026-12-31' })
      .expect(201);
    const id = created.body.campaignId as string;
    await request(server).post(`/v1/campaigns/${id}/launch`).set(as(BOB)).expect(409);
    await request(server).post(`/v1/campaigns/${id}/analyze`).set(as(ALICE)).expect(202);
    // no worker in this test: run the queued analysis the way the worker would
    const { CampaignsService } = await import('../libs/campaigns/campaigns.service.js');
    await app.get(CampaignsService).runAnalysis(id, true);
    await until(
      'ready',
      async () => (await request(server).get(`/v1/campaigns/${id}`).set(as(BOB))).body.status === 'ready',
    );

    const decisions = await request(server).get(`/v1/campaigns/${id}/decisions`).set(as(BOB)).expect(200);
    expect(decisions.body.tenants.affected).toBeGreaterThan(0);
    const affected = decisions.body.decisions.find((d: { decision: string }) => d.decision === 'affected');
    const one = await request(server)
      .get(`/v1/campaigns/${id}/decisions?tenant=${affected.tenantId}`)
      .set(as(BOB))
      .expect(200);
    expect(one.body.notice.tags).toEqual(['Data privacy', 'Admin impact']);

    const reviews = await request(server).get(`/v1/reviews?campaignId=${id}`).set(as(BOB)).expect(200);
    // a group: its key as listed, the campaign and a candidate (or null) in the body
    await request(server)
      .post('/v1/reviews/groups/not-a-group/resolve')
      .set(as(BOB))
      .send({ campaignId: id, tenantId: null })
      .expect(400);
    await request(server)
      .post('/v1/reviews/groups/0123456789abcdef/resolve')
      .set(as(BOB))
      .send({ campaignId: id, tenantId: null })
      .expect(404);
    await request(server)
      .post('/v1/reviews/groups/0123456789abcdef/resolve')
      .send({ campaignId: id, tenantId: null })
      .expect(401);
    if (reviews.body.items.length) {
      const first = reviews.body.items[0];
      const out = await request(server)
        .post(`/v1/reviews/groups/${first.group}/resolve`)
        .set(as(BOB))
        .send({ campaignId: id, tenantId: null })
        .expect(200);
      expect(out.body.items.map((i: { reviewItemId: string }) => i.reviewItemId)).toContain(first.reviewItemId);
    }
    for (const item of reviews.body.items) {
      await request(server)
        .post(`/v1/reviews/${item.reviewItemId}/resolve`)
        .set(as(BOB))
        .send({ tenantId: '00000000-0000-4000-8000-000000000000' })
        .expect(400);
      await request(server)
        .post(`/v1/reviews/${item.reviewItemId}/resolve`)
        .set(as(BOB))
        .send({ tenantId: null })
        .expect(200);
    }
    const self = await request(server).post(`/v1/campaigns/${id}/approve`).set(as(ALICE)).expect(409);
    expect(self.body.error.message).toMatch(/another operator/);
    await request(server).post(`/v1/campaigns/${id}/approve`).set(as(BOB)).expect(200);
    await request(server).post(`/v1/campaigns/${id}/launch`).set(as(ALICE)).expect(202);
    const status = await request(server).get(`/v1/campaigns/${id}/status`).set(as(BOB)).expect(200);
    expect(status.body).toMatchObject({ campaignId: id, status: 'sending', approvedBy: 'bob' });
    expect(status.body.counts.tenants.affected).toBe(decisions.body.tenants.affected);
    await request(server).post(`/v1/campaigns/${id}/pause`).set(as(ALICE)).expect(200);
    await request(server).post(`/v1/campaigns/${id}/pause`).set(as(ALICE)).expect(409);
    await request(server).post(`/v1/campaigns/${id}/cancel`).set(as(ALICE)).expect(200);
    const deliveries = await request(server)
      .get(`/v1/campaigns/${id}/deliveries?state=failed`)
      .set(as(BOB))
      .expect(200);
    expect(deliveries.body.value).toEqual([]);
    await request(server).get(`/v1/campaigns/${id}/deliveries?state=bogus`).set(as(BOB)).expect(400);
  }, 120_000);

  it('exports the quarantine raw, and adds the fixed lines to the same data set', async () => {
    const server = app.getHttpServer();
    const csv = 'recordId;kind;name;email\r\napi-1;contact;Lena;lena@contoso.com\r\napi-2;fax;Max;max@contoso.com\r\n';
    const up = await request(server)
      .post('/v1/datasets?name=eu.csv')
      .set(as(ALICE))
      .set('Content-Type', 'text/csv')
      .send(csv)
      .expect(201);
    expect(up.body.quarantined).toEqual([{ upload: 0, line: 3, reason: expect.stringMatching(/kind/) }]);

    const raw = await request(server)
      .get(`/v1/datasets/${up.body.datasetId}/quarantine?format=raw`)
      .set(as(BOB))
      .buffer(true)
      .parse((res, done) => {
        let t = '';
        res.on('data', (c: Buffer) => (t += c.toString('utf8')));
        res.on('end', () => done(null, t));
      })
      .expect(200);
    expect(raw.headers['content-type']).toMatch(/^text\/csv/);
    expect(raw.body).toBe('recordId;kind;name;email\napi-2;fax;Max;max@contoso.com\n');

    const added = await request(server)
      .post(`/v1/datasets/${up.body.datasetId}/records?name=fixed.csv`)
      .set(as(ALICE))
      .set('Content-Type', 'text/csv')
      .send((raw.body as string).replace(';fax;', ';contact;').replace('max@contoso.com', 'max at contoso'))
      .expect(201);
    expect(added.body).toMatchObject({
      datasetId: up.body.datasetId,
      accepted: 2,
      quarantinedTotal: 0,
      added: { upload: 1, accepted: 1, resolved: 1, campaignsToReanalyze: [] },
    });
    // the added upload's warning, numbered in its own file and named by its upload
    const warning = { upload: 1, line: 2, field: 'people[0].email', reason: 'not an email address' };
    expect(added.body.added).toMatchObject({
      warnings: [warning],
      warningsTotal: 1,
      warningCounts: { 'people[].email': 1 },
    });
    const w = await request(server).get(`/v1/datasets/${up.body.datasetId}/warnings?upload=1`).set(as(BOB)).expect(200);
    expect(w.body.warnings).toEqual([warning]);
    const none = await request(server)
      .get(`/v1/datasets/${up.body.datasetId}/warnings?upload=0`)
      .set(as(BOB))
      .expect(200);
    expect(none.body.warnings).toEqual([]);
    const q = await request(server).get(`/v1/datasets/${up.body.datasetId}/quarantine`).set(as(BOB)).expect(200);
    expect(q.body.quarantined).toEqual([]);

    await request(server)
      .post('/v1/datasets/00000000-0000-0000-0000-000000000000/records')
      .set(as(ALICE))
      .set('Content-Type', 'application/x-ndjson')
      .send('{}')
      .expect(404);
    await request(server).get(`/v1/datasets/${up.body.datasetId}/quarantine?format=pdf`).set(as(BOB)).expect(400);
  });
});
