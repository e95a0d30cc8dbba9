/**
 * Refused requests leave a trace without flooding it: failed operator authentication is slowed
 * per client address (429 with Retry-After) and audited; invalid tenant tokens and refused tenant
 * reads are audited as security events, at most one per (reason, client address) a minute with a
 * count. Real PostgreSQL through the real HTTP app.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createApiApp } from '../apps/api/src/create-app.js';
import { DevIssuer } from '../libs/auth/dev-issuer.js';
import { PrismaService } from '../libs/db/prisma.service.js';
import { isolate } from './support/isolation.js';
import { postNotice, seedCampaign, seedTenant, type SeededTenant } from './support/inbox-seed.js';

const API = '/v1/admin/serviceAnnouncement/messages';
const OPERATOR_TOKEN = '0123456789abcdef0123456789-sec';

describe('security events: slowed operator guessing, audited refusals', () => {
  const saved = { ...process.env };
  const keyDir = mkdtempSync(join(tmpdir(), 'security-events-'));
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let http: ReturnType<NestExpressApplication['getHttpServer']>;
  let A: SeededTenant;
  let B: SeededTenant;
  let b1: string;
  let tokenA: string;

  /** The security events written so far, waiting briefly for the background writes to land. */
  const events = async (action: string, atLeast = 1) => {
    for (let i = 0; i < 50; i++) {
      const rows = await prisma.auditEvent.findMany({ where: { action }, orderBy: { id: 'asc' } });
      if (rows.length >= atLeast) return rows;
      await new Promise((r) => setTimeout(r, 50));
    }
    return prisma.auditEvent.findMany({ where: { action }, orderBy: { id: 'asc' } });
  };

  beforeAll(async () => {
    await isolate();
    Object.assign(process.env, {
      DEV_ISSUER_ENABLED: 'true',
      DEV_ISSUER_KEY_DIR: keyDir,
      OPERATOR_TOKENS: `alice:${OPERATOR_TOKEN}`,
      OPERATOR_AUTH_MAX_FAILURES: '3',
      INBOX_RATE_PER_USER: '100000',
      INBOX_RATE_PER_ADDRESS: '100000',
    });
    for (const k of [
      'TENANT_JWKS_URL',
      'TENANT_JWT_PUBLIC_KEY',
      'TENANT_JWT_ISSUER',
      'TENANT_JWT_AUDIENCE',
      'DEV_ISSUER_PRIVATE_KEY',
    ])
      delete process.env[k];
    app = await createApiApp();
    await app.init();
    http = app.getHttpServer();
    prisma = app.get(PrismaService);
    A = await seedTenant(prisma);
    B = await seedTenant(prisma);
    const campaign = await seedCampaign(prisma);
    await postNotice(prisma, campaign, A);
    b1 = await postNotice(prisma, campaign, B);
    tokenA = (await app.get(DevIssuer).issue(A.id, A.contacts[0]!.email)).token;
  });

  afterAll(async () => {
    await app?.close();
    process.env = saved;
    rmSync(keyDir, { recursive: true, force: true });
  });

  it("audits a tenant asking for another tenant's message once a minute per address, with the tenant who asked", async () => {
    for (let i = 0; i < 5; i++)
      await request(http).get(`${API}/${b1}`).set('Authorization', `Bearer ${tokenA}`).expect(404);
    await request(http).get(`${API}/${b1}/exposure`).set('Authorization', `Bearer ${tokenA}`).expect(404);
    const rows = await events('security.refused_read');
    await new Promise((r) => setTimeout(r, 200));
    expect(await events('security.refused_read')).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      tenantId: A.id,
      subject: b1,
      actor: `tenant-user:${A.contacts[0]!.email}`,
      details: { count: 1, windowSeconds: 60 },
    });
    expect((rows[0]!.details as { clientAddress: string }).clientAddress).toMatch(/127\.0\.0\.1/);
    // nothing lands on the tenant whose message it was
    expect(await prisma.auditEvent.count({ where: { tenantId: B.id, action: { startsWith: 'security.' } } })).toBe(0);
  });

  it('audits forged tenant tokens once a minute per address, however many arrive', async () => {
    const forged = `${tokenA.slice(0, -4)}AAAA`;
    for (let i = 0; i < 30; i++) await request(http).get(API).set('Authorization', `Bearer ${forged}`).expect(401);
    // no token at all is a page not signed in yet: not an event
    await request(http).get(API).expect(401);
    await events('security.invalid_token');
    await new Promise((r) => setTimeout(r, 200));
    const rows = await events('security.invalid_token');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor: 'security', tenantId: null, details: { count: 1 } });
  });

  it('slows operator token guessing: after 3 failures a minute the address waits, even with the right token', async () => {
    await request(http).get('/v1/tenants').set('Authorization', `Bearer ${OPERATOR_TOKEN}`).expect(200);
    for (let i = 0; i < 3; i++)
      await request(http).get('/v1/tenants').set('Authorization', 'Bearer wrong-token-0123456789abcdef').expect(401);
    const held = await request(http).get('/v1/tenants').set('Authorization', `Bearer ${OPERATOR_TOKEN}`).expect(429);
    expect(Number(held.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(held.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(held.body).toEqual({ error: { code: 'tooManyRequests', message: 'too many failed authentications' } });
    await request(http).get('/v1/tenants').set('Authorization', 'Bearer wrong-token-0123456789abcdef').expect(429);
    const failed = await events('security.operator_auth_failed');
    const throttled = await events('security.operator_auth_throttled');
    await new Promise((r) => setTimeout(r, 200));
    expect(await events('security.operator_auth_failed')).toHaveLength(1);
    expect(await events('security.operator_auth_throttled')).toHaveLength(1);
    expect(failed[0]).toMatchObject({ actor: 'security', details: { count: 1 } });
    expect(throttled[0]).toMatchObject({ actor: 'security', details: { count: 1 } });
  });
});
