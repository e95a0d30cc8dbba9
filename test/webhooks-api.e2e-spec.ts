/**
 * The tenant's webhook registration API under attack, end to end on real PostgreSQL through the
 * real HTTP app: URLs that point inside our network are refused, another tenant's endpoints and
 * deliveries do not exist, roles other than GlobalAdmin and PrivacyReader get 403, the secret is
 * shown once and the tenant role cannot read it even with a query that forgets its `where`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createApiApp } from '../apps/api/src/create-app.js';
import { DevIssuer } from '../libs/auth/dev-issuer.js';
import { PrismaService } from '../libs/db/prisma.service.js';
import { TenantScope } from '../libs/inbox/tenant-scope.js';
import { isolate } from './support/isolation.js';
import { seedTenant, type SeededTenant } from './support/inbox-seed.js';

const API = '/v1/admin/webhooks';
const NOT_FOUND = { error: { code: 'notFound', message: 'webhook endpoint not found' } };
const MAX = 3;

describe('tenant webhooks API: registration, isolation, roles (real PostgreSQL)', () => {
  const saved = { ...process.env };
  const keyDir = mkdtempSync(join(tmpdir(), 'webhooks-api-'));
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let http: ReturnType<NestExpressApplication['getHttpServer']>;
  let A: SeededTenant;
  let B: SeededTenant;
  const tok: Record<string, string> = {};

  const as = (token: string) => ({
    get: (path: string) => request(http).get(path).set('Authorization', `Bearer ${token}`),
    del: (path: string) => request(http).delete(path).set('Authorization', `Bearer ${token}`),
    post: (path: string, body: unknown = {}) =>
      request(http)
        .post(path)
        .set('Authorization', `Bearer ${token}`)
        .send(body as object),
  });

  beforeAll(async () => {
    await isolate();
    Object.assign(process.env, {
      DEV_ISSUER_ENABLED: 'true',
      DEV_ISSUER_KEY_DIR: keyDir,
      INBOX_RATE_PER_USER: '100000',
      INBOX_RATE_PER_ADDRESS: '100000',
      PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
      WEBHOOK_MAX_ENDPOINTS: String(MAX),
      WEBHOOK_ALLOWED_HOSTS: 'receiver.test.internal',
    });
    for (const k of ['TENANT_JWKS_URL', 'TENANT_JWT_PUBLIC_KEY', 'TENANT_JWT_ISSUER', 'TENANT_JWT_AUDIENCE'])
      delete process.env[k];
    app = await createApiApp();
    await app.init();
    http = app.getHttpServer();
    prisma = app.get(PrismaService);
    const roles = (d: string) => [
      { email: `admin@${d}`, roles: ['GlobalAdmin'] },
      { email: `privacy@${d}`, roles: ['PrivacyReader'] },
      { email: `reader@${d}`, roles: ['MessageCenterReader'] },
      { email: `billing@${d}`, roles: ['BillingAdmin'] },
    ];
    A = await seedTenant(prisma, { contacts: roles });
    B = await seedTenant(prisma, { contacts: roles });
    const issuer = app.get(DevIssuer);
    for (const [who, t] of [
      ['A', A],
      ['B', B],
    ] as const)
      for (const c of t.contacts) tok[`${who}.${c.email.split('@')[0]}`] = (await issuer.issue(t.id, c.email)).token;
  });

  afterAll(async () => {
    await app?.close();
    process.env = saved;
    rmSync(keyDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await prisma.$executeRawUnsafe('DELETE FROM webhook_endpoints');
  });

  it('creates an endpoint and shows its signing secret once; lists and gets never show it', async () => {
    const res = await as(tok['A.admin']!)
      .post(API, {
        url: 'https://hooks.example.com/itsm?x=1',
        events: ['notice.posted', 'reminder'],
        description: 'ITSM',
      })
      .expect(201);
    expect(res.body).toMatchObject({
      url: 'https://hooks.example.com/itsm?x=1',
      events: ['notice.posted', 'reminder'],
      description: 'ITSM',
      enabled: true,
      failingSince: null,
      disabledAt: null,
      createdBy: `admin@${A.domain}`,
    });
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(res.body.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const stored = await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: res.body.id } });
    expect(stored.secret).toBe(res.body.secret);
    expect(stored.tenantId).toBe(A.id);

    const list = await as(tok['A.privacy']!).get(API).expect(200);
    expect(list.body.value.map((e: { id: string }) => e.id)).toEqual([res.body.id]);
    const one = await as(tok['A.admin']!).get(`${API}/${res.body.id}`).expect(200);
    for (const r of [list, one]) {
      expect(r.text).not.toContain(res.body.secret);
      expect(r.text).not.toContain('secret');
    }
    const audit = await prisma.auditEvent.findMany({ where: { tenantId: A.id, action: 'webhook.endpoint.create' } });
    expect(audit.map((e) => e.subject)).toEqual([res.body.id]);
    expect(JSON.stringify(audit.map((e) => e.details))).not.toContain(res.body.secret);
  });

  it.each([
    ['http://hooks.example.com/x', /https/],
    ['https://127.0.0.1/x', /loopback/],
    ['https://[::1]:8443/x', /loopback/],
    ['https://169.254.169.254/latest/meta-data/', /linkLocal/],
    ['https://[fd00:ec2::254]/', /uniqueLocal/],
    ['https://10.0.0.5/hook', /private/],
    ['https://0.0.0.0/', /unspecified/],
    ['https://2130706433/', /loopback/],
    ['https://user:pass@hooks.example.com/', /credentials/],
    ['file:///etc/passwd', /https/],
    ['hooks.example.com', /absolute/],
  ])('refuses to register %s', async (url, why) => {
    const res = await as(tok['A.admin']!)
      .post(API, { url, events: ['notice.posted'] })
      .expect(400);
    expect(res.body.error.message).toMatch(why);
    expect(await prisma.webhookEndpoint.count()).toBe(0);
  });

  it('accepts plain http only for an allow-listed host', async () => {
    await as(tok['A.admin']!)
      .post(API, { url: 'http://receiver.test.internal:8080/hook', events: ['notice.posted'] })
      .expect(201);
  });

  it('refuses unknown or no events and unknown fields', async () => {
    const a = as(tok['A.admin']!);
    await a.post(API, { url: 'https://hooks.example.com/', events: ['notice.deleted'] }).expect(400);
    await a.post(API, { url: 'https://hooks.example.com/', events: [] }).expect(400);
    await a.post(API, { url: 'https://hooks.example.com/' }).expect(400);
    await a
      .post(API, { url: 'https://hooks.example.com/', events: ['notice.posted'], secret: 'whsec_mine' })
      .expect(400);
    await a.post(API, { url: 'https://hooks.example.com/', events: ['notice.posted'], tenantId: B.id }).expect(400);
    expect(await prisma.webhookEndpoint.count()).toBe(0);
  });

  it(`allows at most ${MAX} endpoints per tenant, even when registered all at once`, async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        as(tok['A.admin']!).post(API, { url: `https://hooks.example.com/${i}`, events: ['notice.posted'] }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(MAX);
    expect(results.filter((r) => r.status === 409)).toHaveLength(8 - MAX);
    expect(await prisma.webhookEndpoint.count({ where: { tenantId: A.id } })).toBe(MAX);
    // another tenant's limit is its own
    await as(tok['B.admin']!)
      .post(API, { url: 'https://hooks.example.com/b', events: ['notice.posted'] })
      .expect(201);
  });

  it('gives roles other than GlobalAdmin and PrivacyReader 403 on every endpoint', async () => {
    const mine = await as(tok['A.admin']!).post(API, { url: 'https://hooks.example.com/', events: ['notice.posted'] });
    for (const who of ['A.reader', 'A.billing']) {
      const t = as(tok[who]!);
      const calls = [
        t.post(API, { url: 'https://hooks.example.com/z', events: ['notice.posted'] }),
        t.get(API),
        t.get(`${API}/${mine.body.id}`),
        t.del(`${API}/${mine.body.id}`),
        t.post(`${API}/${mine.body.id}/enable`),
        t.get(`${API}/${mine.body.id}/deliveries`),
      ];
      for (const res of await Promise.all(calls)) {
        expect(res.status).toBe(403);
        expect(res.text).not.toContain('hooks.example.com');
      }
    }
    expect(await prisma.webhookEndpoint.count()).toBe(1);
    await request(http).get(API).expect(401);
  });

  it("finds nothing of another tenant's: get, delete, enable and deliveries answer 404 like a missing id", async () => {
    const theirs = await as(tok['B.admin']!)
      .post(API, { url: 'https://hooks.b-tenant.example/secret-path', events: ['notice.posted'] })
      .expect(201);
    await prisma.webhookDelivery.create({
      data: {
        tenantId: B.id,
        endpointId: theirs.body.id,
        eventId: 'msg_b',
        eventType: 'notice.posted',
        noticeId: 'MC1',
        payload: '{"b":1}',
        state: 'failed',
        lastError: 'HTTP 500: b-tenant detail',
      },
    });
    const a = as(tok['A.admin']!);
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const id of [theirs.body.id as string, missing, String(theirs.body.id).toUpperCase()]) {
      for (const res of await Promise.all([
        a.get(`${API}/${id}`),
        a.del(`${API}/${id}`),
        a.post(`${API}/${id}/enable`),
        a.get(`${API}/${id}/deliveries`),
      ])) {
        expect(res.status).toBe(404);
        expect(res.body).toEqual(NOT_FOUND);
      }
    }
    await a.get(`${API}/not-a-uuid`).expect(404);
    const list = await a.get(API).expect(200);
    expect(list.body.value).toEqual([]);
    expect(list.text).not.toContain('b-tenant');
    // still there for B
    const own = await as(tok['B.privacy']!).get(`${API}/${theirs.body.id}/deliveries`).expect(200);
    expect(own.body.value).toEqual([
      expect.objectContaining({
        eventId: 'msg_b',
        state: 'failed',
        lastError: 'HTTP 500: b-tenant detail',
        attempts: 0,
      }),
    ]);
    expect(own.text).not.toContain('payload');
  });

  it('under row-level security a query without a where sees only the tenant, and the secret column is not readable', async () => {
    await as(tok['A.admin']!)
      .post(API, { url: 'https://hooks.example.com/a', events: ['notice.posted'] })
      .expect(201);
    await as(tok['B.admin']!)
      .post(API, { url: 'https://hooks.example.com/b', events: ['notice.posted'] })
      .expect(201);
    const scope = app.get(TenantScope);
    const seen = await scope.run(
      A.id,
      async (tx) => (await tx.client.query('SELECT tenant_id::text AS t FROM webhook_endpoints')).rows,
    );
    expect(seen).toEqual([{ t: A.id }]);
    await expect(scope.run(A.id, (tx) => tx.client.query('SELECT secret FROM webhook_endpoints'))).rejects.toThrow(
      /permission denied/,
    );
    // nor can the tenant role write deliveries, or plant an endpoint under another tenant
    await expect(
      scope.run(A.id, (tx) =>
        tx.client.query(
          `INSERT INTO webhook_endpoints (tenant_id, url, events, secret, created_by) VALUES ($1, 'https://x.example', '{notice.posted}', 'whsec_x', 'x')`,
          [B.id],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      scope.run(A.id, (tx) => tx.client.query(`UPDATE webhook_deliveries SET state = 'succeeded'`)),
    ).rejects.toThrow(/permission denied/);
  });

  it('deletes its own endpoint (then it is gone) and enables a disabled one with a clean record', async () => {
    const a = as(tok['A.admin']!);
    const e = await a.post(API, { url: 'https://hooks.example.com/', events: ['notice.posted'] }).expect(201);
    await prisma.webhookEndpoint.update({
      where: { id: e.body.id },
      data: { enabled: false, disabledAt: new Date(), disabledReason: 'HTTP 500', failingSince: new Date(0) },
    });
    expect((await a.get(`${API}/${e.body.id}`).expect(200)).body).toMatchObject({
      enabled: false,
      disabledReason: 'HTTP 500',
    });
    const on = await a.post(`${API}/${e.body.id}/enable`).expect(200);
    expect(on.body).toMatchObject({ enabled: true, disabledAt: null, disabledReason: null, failingSince: null });
    await a.del(`${API}/${e.body.id}`).expect(204);
    await a.get(`${API}/${e.body.id}`).expect(404);
    await a.del(`${API}/${e.body.id}`).expect(404);
    expect(await prisma.webhookEndpoint.count()).toBe(0);
  });
});
