/**
 * A message's revisions (`GET …/messages/{id}/revisions`) under attack, end to end on real
 * PostgreSQL through the real HTTP app: another tenant's notice id, a role that may not read
 * data-privacy notices, forged, expired and unsigned tokens, and injection in the id and the query
 * answer exactly as for a message that does not exist, with nothing of the other tenant in the
 * answer. Row-level security is proved with a statement that forgets its tenant condition.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SignJWT, generateKeyPair, importPKCS8, type CryptoKey } from 'jose';
import { sql } from 'kysely';
import request from 'supertest';
import { createApiApp } from '../apps/api/src/create-app.js';
import { planUpdateRevision, planWithdrawalRevision } from '../libs/campaigns/revision-plan.js';
import { DEFAULT_TENANT_AUDIENCE, DEV_ISSUER, DEV_ISSUER_KEY_FILE, DevIssuer } from '../libs/auth/dev-issuer.js';
import { PrismaService } from '../libs/db/prisma.service.js';
import { TenantScope } from '../libs/inbox/tenant-scope.js';
import { NoticesRepository } from '../libs/notices/notices.repository.js';
import { postNotice, seedCampaign, seedTenant, type SeededTenant } from './support/inbox-seed.js';

const API = '/v1/admin/serviceAnnouncement/messages';
const NOT_FOUND = { error: { code: 'notFound', message: 'message not found' } };
const UPDATE_ID = '7b8e3c1a-2d4f-4e6a-9b0c-1d2e3f4a5b6c';

describe('a message’s revisions under attack (real PostgreSQL)', () => {
  const saved = { ...process.env };
  const keyDir = mkdtempSync(join(tmpdir(), 'revisions-e2e-'));
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let http: ReturnType<NestExpressApplication['getHttpServer']>;
  let devKey: CryptoKey;
  let kid: string;
  let A: SeededTenant;
  let B: SeededTenant;
  let a1: string;
  let b1: string;
  const tok: Record<string, string> = {};
  let foreign: string[];

  const get = (path: string, token?: string) => {
    const r = request(http).get(path);
    return token === undefined ? r : r.set('Authorization', `Bearer ${token}`);
  };
  const expectNoForeign = (res: request.Response) => {
    const text = `${JSON.stringify(res.headers)}\n${res.text ?? ''}`.toLowerCase();
    for (const f of foreign) expect(text).not.toContain(f.toLowerCase());
  };
  const signed = async (claims: Record<string, unknown>, opts: { exp?: number; key?: CryptoKey } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setIssuer(DEV_ISSUER)
      .setAudience(DEFAULT_TENANT_AUDIENCE)
      .setIssuedAt(now - 1200)
      .setNotBefore(now - 1200)
      .setExpirationTime(opts.exp ?? now + 600)
      .sign(opts.key ?? devKey);
  };

  beforeAll(async () => {
    Object.assign(process.env, {
      DEV_ISSUER_ENABLED: 'true',
      DEV_ISSUER_KEY_DIR: keyDir,
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
    devKey = await importPKCS8(readFileSync(join(keyDir, DEV_ISSUER_KEY_FILE), 'utf8'), 'ES256');
    kid = (await app.get(DevIssuer).loadKeys()).kid;

    const roles = (d: string) => [
      { email: `admin@${d}`, roles: ['GlobalAdmin'] },
      { email: `privacy@${d}`, roles: ['PrivacyReader'] },
      { email: `reader@${d}`, roles: ['MessageCenterReader'] },
      { email: `german@${d}`, roles: ['PrivacyReader'], locale: 'de-DE' },
    ];
    A = await seedTenant(prisma, { contacts: roles });
    B = await seedTenant(prisma, { contacts: roles });
    const campaign = await seedCampaign(prisma);
    a1 = await postNotice(prisma, campaign, A, { translations: ['de-DE'] });
    b1 = await postNotice(prisma, campaign, B);
    await prisma.incidentUpdate.create({
      data: {
        id: UPDATE_ID,
        incidentId: (await prisma.campaign.findUniqueOrThrow({ where: { id: campaign } })).incidentId,
        texts: { 'en-US': `Update for everyone`, 'de-DE': 'Aktualisierung für alle' },
        createdBy: 'test',
      },
    });
    // each notice: an update, then B's also withdrawn, as the jobs and the approval write them
    const repo = app.get(NoticesRepository);
    const update = {
      id: UPDATE_ID,
      texts: { 'en-US': 'Update for everyone', 'de-DE': 'Aktualisierung für alle' },
      notify: false,
    };
    for (const id of [a1, b1]) {
      const n = (await repo.revisableNotice(id))!;
      expect(await repo.writeRevisions([planUpdateRevision(n, update, new Date())])).toHaveLength(1);
    }
    await repo.writeRevisions([planWithdrawalRevision((await repo.revisableNotice(b1))!)]);

    const issuer = app.get(DevIssuer);
    for (const [who, t] of [
      ['A', A],
      ['B', B],
    ] as const)
      for (const c of t.contacts) tok[`${who}.${c.email.split('@')[0]}`] = (await issuer.issue(t.id, c.email)).token;
    foreign = [B.id, B.name, B.domain, b1];
  });

  afterAll(async () => {
    await app?.close();
    process.env = saved;
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('lists the tenant’s own earlier revisions, newest first, in the reader’s language', async () => {
    const res = await get(`${API}/${a1}/revisions`, tok['A.admin']).expect(200);
    expectNoForeign(res);
    expect(res.body['@odata.context']).toContain(`messages('${a1}')/revisions`);
    expect(res.body.value).toEqual([
      expect.objectContaining({ revision: 0, cause: 'posted', tags: expect.not.arrayContaining(['Updated message']) }),
    ]);
    expect(res.body.value[0].body.content).toContain(A.name);
    const de = await get(`${API}/${a1}/revisions`, tok['A.german']).expect(200);
    expect(de.body.value[0].body.content).not.toBe(res.body.value[0].body.content);
    const msg = await get(`${API}/${a1}`, tok['A.admin']).expect(200);
    expect(msg.body.tags).toContain('Updated message');
    expect(msg.body.body.content).toContain('Update for everyone');
    // the message itself is shown in German too, update included
    const msgDe = await get(`${API}/${a1}`, tok['A.german']).expect(200);
    expect(msgDe.body.body.content).toContain('Aktualisierung für alle');
  });

  it('answers 404 for another tenant’s notice, exactly as for one that does not exist', async () => {
    const other = await get(`${API}/${b1}/revisions`, tok['A.admin']).expect(404);
    expect(other.body).toEqual(NOT_FOUND);
    expectNoForeign(other);
    const missing = await get(`${API}/MC999999999/revisions`, tok['A.admin']).expect(404);
    expect(missing.body).toEqual(NOT_FOUND);
    // B reads its own: the withdrawal kept the update's revision and the one before it
    const own = await get(`${API}/${b1}/revisions`, tok['B.admin']).expect(200);
    expect(own.body.value.map((r: { cause: string }) => r.cause)).toEqual(['update', 'posted']);
  });

  it('refuses a role that may not read data-privacy notices, as if the notice did not exist', async () => {
    const res = await get(`${API}/${a1}/revisions`, tok['A.reader']).expect(404);
    expect(res.body).toEqual(NOT_FOUND);
  });

  it('refuses forged, expired, unsigned and missing tokens', async () => {
    const claims = { sub: 'user-a', tid: A.id, email: A.contacts[0]!.email, roles: ['GlobalAdmin'] };
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await signed(claims, { key: privateKey });
    const expired = await signed(claims, { exp: Math.floor(Date.now() / 1000) - 60 });
    const [h, p] = (await signed(claims)).split('.');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    const otherTenant = `${h}.${Buffer.from(JSON.stringify({ ...claims, tid: B.id })).toString('base64url')}.${(await signed(claims)).split('.')[2]}`;
    for (const t of [forged, expired, unsigned, otherTenant, 'x'.repeat(40)])
      await get(`${API}/${a1}/revisions`, t).expect(401);
    await get(`${API}/${a1}/revisions`).expect(401);
  });

  it('treats injection in the id and in the query as nothing found or a refusal, never an error', async () => {
    for (const id of [
      `${a1}' OR '1'='1`,
      `${b1}%27%20OR%201=1--`,
      'MC1;DROP TABLE notice_revisions',
      `${a1}%00`,
      '..%2F..%2Fetc%2Fpasswd',
      'MC' + '9'.repeat(40),
    ]) {
      const res = await get(`${API}/${id}/revisions`, tok['A.admin']);
      expect([400, 404]).toContain(res.status);
      expectNoForeign(res);
    }
    const q = await get(`${API}/${a1}/revisions?$filter=tenantId eq '${B.id}'`, tok['A.admin']).expect(400);
    expectNoForeign(q);
    // nothing was written or removed: the two notices' revisions are as seeded (other test files share this database)
    const kept = await prisma.$queryRaw<
      { n: number }[]
    >`SELECT count(*)::int AS n FROM notice_revisions WHERE notice_id IN (${a1}, ${b1})`;
    expect(kept[0]!.n).toBe(5);
  });

  it('row-level security: an unscoped read of the revisions in A’s scope sees A’s rows only', async () => {
    const rows = await app.get(TenantScope).run(A.id, async (tx) => {
      const r = await sql<{ notice_id: string }>`SELECT notice_id FROM notice_revisions`.execute(tx.db);
      return r.rows.map((x) => x.notice_id);
    });
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows)).toEqual(new Set([a1]));
  });
});
