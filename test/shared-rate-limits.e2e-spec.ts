/**
 * The inbox's rate limits and the operator authentication failure limit hold across API
 * processes: two API apps (two Nest applications in this process, each with its own limiters and
 * its own Redis connection, as two processes would have) on one Redis share one budget. While
 * Redis does not answer, each process falls back to counting on its own: the inbox keeps serving
 * within the per-process limit, and operators are neither let through unlimited nor locked out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createApiApp } from '../apps/api/src/create-app.js';
import { DevIssuer } from '../libs/auth/dev-issuer.js';
import { loadConfig } from '../libs/config/config.js';
import { InboxRateLimits, OperatorAuthFailures, RateLimitRedis } from '../libs/auth/shared-rate-limits.js';
import { PrismaService } from '../libs/db/prisma.service.js';
import { isolate } from './support/isolation.js';
import { postNotice, seedCampaign, seedTenant, type SeededTenant } from './support/inbox-seed.js';

const API = '/v1/admin/serviceAnnouncement/messages';
const OPERATOR_TOKEN = '0123456789abcdef0123456789-lim';

describe('rate limits shared by every API process (Redis)', () => {
  const saved = { ...process.env };
  const keyDir = mkdtempSync(join(tmpdir(), 'shared-limits-'));
  let one: NestExpressApplication;
  let two: NestExpressApplication;
  let A: SeededTenant;

  beforeAll(async () => {
    await isolate();
    Object.assign(process.env, {
      DEV_ISSUER_ENABLED: 'true',
      DEV_ISSUER_KEY_DIR: keyDir,
      OPERATOR_TOKENS: `alice:${OPERATOR_TOKEN}`,
      OPERATOR_AUTH_MAX_FAILURES: '3',
      INBOX_RATE_PER_USER: '4',
      INBOX_RATE_PER_ADDRESS: '1000',
    });
    for (const k of ['TENANT_JWKS_URL', 'TENANT_JWT_PUBLIC_KEY', 'TENANT_JWT_ISSUER', 'TENANT_JWT_AUDIENCE'])
      delete process.env[k];
    one = await createApiApp();
    await one.init();
    two = await createApiApp();
    await two.init();
    const prisma = one.get(PrismaService);
    A = await seedTenant(prisma);
    await postNotice(prisma, await seedCampaign(prisma), A);
  });

  afterAll(async () => {
    await one?.close();
    await two?.close();
    process.env = saved;
    rmSync(keyDir, { recursive: true, force: true });
  });

  it("a user's inbox budget is one across two API processes: 429 with Retry-After once it is spent", async () => {
    expect(one.get(InboxRateLimits)).not.toBe(two.get(InboxRateLimits));
    const token = (await one.get(DevIssuer).issue(A.id, A.contacts[0]!.email)).token;
    const get = (app: NestExpressApplication) =>
      request(app.getHttpServer()).get(API).set('Authorization', `Bearer ${token}`);
    // 4 a minute: two on each process spend it (each process alone would still allow two more)
    await get(one).expect(200);
    await get(two).expect(200);
    await get(one).expect(200);
    await get(two).expect(200);
    for (const app of [one, two]) {
      const limited = await get(app).expect(429);
      expect(limited.body).toEqual({ error: { code: 'tooManyRequests', message: 'too many requests' } });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    }
  });

  it('failed operator authentications count across processes; then even the right token waits', async () => {
    const tenants = (app: NestExpressApplication, token: string) =>
      request(app.getHttpServer()).get('/v1/tenants').set('Authorization', `Bearer ${token}`);
    await tenants(one, 'wrong-token-0123456789abcdef').expect(401);
    await tenants(two, 'wrong-token-0123456789abcdef').expect(401);
    await tenants(one, 'wrong-token-0123456789abcdef').expect(401);
    // three failures in the minute, two of them on the other process: the address waits on both
    const held = await tenants(two, OPERATOR_TOKEN).expect(429);
    expect(Number(held.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(held.headers['retry-after'])).toBeLessThanOrEqual(60);
    await tenants(one, OPERATOR_TOKEN).expect(429);
  });

  it('a success clears the failures for every process', async () => {
    const failures = one.get(OperatorAuthFailures);
    const other = two.get(OperatorAuthFailures);
    const address = `198.51.100.${Math.floor(Math.random() * 200)}`;
    expect(await failures.fail(address)).toBe(1);
    expect(await other.fail(address)).toBe(2);
    await other.succeed(address);
    expect(await failures.fail(address)).toBe(1);
    expect(await other.waitSeconds(address)).toBe(0);
  });

  it('while Redis does not answer, each process counts on its own: neither open nor locked', async () => {
    // a process whose Redis is gone (nothing listens on port 1): the insurance limiters answer
    const config = loadConfig({ ...process.env, REDIS_URL: 'redis://127.0.0.1:1', INBOX_RATE_PER_USER: '2' });
    const redis = new RateLimitRedis(config);
    try {
      const inbox = new InboxRateLimits(config, redis);
      expect(await inbox.perUser('t', 'u')).toEqual({ allowed: true, retryAfterS: 0 });
      expect(await inbox.perUser('t', 'u')).toEqual({ allowed: true, retryAfterS: 0 });
      const third = await inbox.perUser('t', 'u');
      expect(third.allowed).toBe(false);
      expect(third.retryAfterS).toBeGreaterThanOrEqual(1);
      // another user is served
      expect((await inbox.perUser('t', 'v')).allowed).toBe(true);

      const failures = new OperatorAuthFailures(config, redis);
      expect(await failures.waitSeconds('192.0.2.1')).toBe(0);
      for (let i = 1; i <= 3; i++) expect(await failures.fail('192.0.2.1')).toBe(i);
      expect(await failures.waitSeconds('192.0.2.1')).toBeGreaterThanOrEqual(1);
      // only the address that failed waits
      expect(await failures.waitSeconds('192.0.2.2')).toBe(0);
    } finally {
      redis.onModuleDestroy();
    }
  });
});
