/**
 * The tenant inbox under attack, end to end on real PostgreSQL through the real HTTP app:
 * every case asserts the exact status and that nothing of another tenant is in the response.
 * Plus the normal paths (list, paging, filters, get, the six actions per user, exposure view,
 * audit) and the row-level security proof (an unscoped query through the tenant path).
 */
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SignJWT, importPKCS8, type CryptoKey } from 'jose';
import request from 'supertest';
import { createApiApp } from '../apps/api/src/create-app.js';
import { DEFAULT_TENANT_AUDIENCE, DEV_ISSUER, DEV_ISSUER_KEY_FILE, DevIssuer } from '../libs/auth/dev-issuer.js';
import { PrismaService } from '../libs/db/prisma.service.js';
import { TenantScope } from '../libs/inbox/tenant-scope.js';
import { postNotice, rnd, seedCampaign, seedTenant, decide, viewFor, type SeededTenant } from './support/inbox-seed.js';

const API = '/v1/admin/serviceAnnouncement/messages';
const UNAUTHORIZED = { error: { code: 'unauthorized', message: 'invalid token' } };
const NOT_FOUND = { error: { code: 'notFound', message: 'message not found' } };
/** the view point of a reader who has not acknowledged the notice */
const UNACKNOWLEDGED = { isAcknowledged: false, acknowledgedDateTime: null };
const OPERATOR = 'ops-e2e:0123456789abcdef0123456789';
const ROLES_WINDOW_MS = 400;
/** where tenants reach the API (loopback, as the development issuer needs) */
const PUBLIC_BASE = 'http://localhost:3917/';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('tenant inbox: attacks and normal paths (real PostgreSQL)', () => {
  const saved = { ...process.env };
  const keyDir = mkdtempSync(join(tmpdir(), 'inbox-e2e-'));
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let http: ReturnType<NestExpressApplication['getHttpServer']>;
  let devKey: CryptoKey;
  let kid: string;

  // tenant A: affected by two data-privacy notices and one plain notice; its contacts hold every role
  let A: SeededTenant;
  // tenant B: affected; its data must never show up for A
  let B: SeededTenant;
  // tenant C: not affected: an empty inbox
  let C: SeededTenant;
  let a1: string; // A's older data-privacy notice
  let a2: string; // A's newer data-privacy notice
  let a3: string; // A's notice without the data-privacy tag
  let b1: string;
  const tok: Record<string, string> = {};

  /** Everything of B (and C) that must never reach A: ids, names, domains, addresses. */
  let foreign: string[];
  const expectNoForeign = (res: request.Response, extra: string[] = []) => {
    const text = `${JSON.stringify(res.headers)}\n${res.text ?? ''}`.toLowerCase();
    for (const f of [...foreign, ...extra]) expect(text).not.toContain(f.toLowerCase());
  };

  const get = (path: string, token?: string) => {
    const r = request(http).get(path);
    return token === undefined ? r : r.set('Authorization', `Bearer ${token}`);
  };
  const post = (path: string, token: string, body: unknown) =>
    request(http)
      .post(path)
      .set('Authorization', `Bearer ${token}`)
      .send(body as object);

  /** A token signed with the development issuer's real key: valid unless the overrides make it not. */
  const signed = async (
    claims: Record<string, unknown>,
    opts: { iss?: string; aud?: string; exp?: number; nbf?: number; key?: CryptoKey; alg?: string } = {},
  ) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: opts.alg ?? 'ES256', kid, typ: 'JWT' })
      .setIssuer(opts.iss ?? DEV_ISSUER)
      .setAudience(opts.aud ?? DEFAULT_TENANT_AUDIENCE)
      .setIssuedAt(now)
      .setNotBefore(opts.nbf ?? now)
      .setExpirationTime(opts.exp ?? now + 600)
      .sign(opts.key ?? devKey);
  };
  const claimsOf = (t: SeededTenant, roles: unknown = ['GlobalAdmin']) => ({
    sub: `user-${t.id}`,
    tid: t.id,
    email: t.contacts[0]!.email,
    roles,
  });

  beforeAll(async () => {
    Object.assign(process.env, {
      DEV_ISSUER_ENABLED: 'true',
      DEV_ISSUER_KEY_DIR: keyDir,
      OPERATOR_TOKENS: OPERATOR,
      INBOX_RATE_PER_USER: '100000',
      INBOX_RATE_PER_ADDRESS: '100000',
      // short, so the directory-downgrade case need not wait the production minute
      TENANT_ROLES_CACHE_MS: String(ROLES_WINDOW_MS),
      PUBLIC_BASE_URL: PUBLIC_BASE,
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
    const pem = readFileSync(join(keyDir, DEV_ISSUER_KEY_FILE), 'utf8');
    devKey = await importPKCS8(pem, 'ES256');
    kid = (await app.get(DevIssuer).loadKeys()).kid;

    const roles = (d: string) => [
      { email: `admin@${d}`, roles: ['GlobalAdmin'] },
      { email: `admin2@${d}`, roles: ['GlobalAdmin'] },
      { email: `privacy@${d}`, roles: ['PrivacyReader'] },
      { email: `reader@${d}`, roles: ['MessageCenterReader'] },
      { email: `billing@${d}`, roles: ['BillingAdmin'] },
      { email: `nobody@${d}`, roles: [] },
    ];
    A = await seedTenant(prisma, { contacts: roles });
    B = await seedTenant(prisma, { contacts: roles });
    C = await seedTenant(prisma, { contacts: roles });
    const c1 = await seedCampaign(prisma);
    const c2 = await seedCampaign(prisma);
    const c3 = await seedCampaign(prisma, 'Planned maintenance');
    a1 = await postNotice(prisma, c1, A, { postedAt: new Date('2026-11-01T10:00:00Z') });
    a2 = await postNotice(prisma, c2, A, { postedAt: new Date('2026-11-02T10:00:00Z') });
    a3 = await postNotice(prisma, c3, A, { postedAt: new Date('2026-11-03T10:00:00Z'), tags: ['Admin impact'] });
    b1 = await postNotice(prisma, c1, B, { postedAt: new Date('2026-11-01T10:00:00Z') });
    await postNotice(prisma, c3, B, { tags: ['Admin impact'] });
    await decide(prisma, c1, C.id, 'not_affected');

    const issuer = app.get(DevIssuer);
    for (const [who, t] of [
      ['A', A],
      ['B', B],
      ['C', C],
    ] as const) {
      for (const c of t.contacts.filter((x) => x.roles.length))
        tok[`${who}.${c.email.split('@')[0]}`] = (await issuer.issue(t.id, c.email)).token;
    }
    foreign = [B.id, B.name, B.domain, b1, `Person of ${B.name}`, C.id, C.name, C.domain];
  });

  afterAll(async () => {
    await app?.close();
    process.env = saved;
    rmSync(keyDir, { recursive: true, force: true });
  });

  // ───────────── normal paths ─────────────

  it("lists the tenant's own notices newest first, in the Graph shape", async () => {
    const res = await get(API, tok['A.admin']).expect(200);
    expect(res.body['@odata.nextLink']).toBeUndefined();
    expect(res.body.value.map((m: { id: string }) => m.id)).toEqual([a3, a2, a1]);
    const m = res.body.value.find((x: { id: string }) => x.id === a1);
    expect(Object.keys(m).sort()).toEqual(
      [
        'actionRequiredByDateTime',
        'body',
        'category',
        'details',
        'hasAttachments',
        'id',
        'isMajorChange',
        'lastModifiedDateTime',
        'services',
        'severity',
        'startDateTime',
        'tags',
        'title',
        'viewPoint',
      ].sort(),
    );
    expect(m.id).toMatch(/^MC\d+$/);
    expect(m.tags).toEqual(expect.arrayContaining(['Data privacy', 'Admin impact']));
    expect(m.body.contentType).toBe('html');
    expect(m.body.content).toContain(A.name);
    expect(m.body.content).toContain(a1);
    expect(m.viewPoint).toEqual({ isRead: false, isArchived: false, isFavorited: false, ...UNACKNOWLEDGED });
    expect(m.startDateTime).toBe('2026-11-01T10:00:00.000Z');
    expect(m.hasAttachments).toBe(true);
    expect(res.body['@odata.context']).toBe(`${PUBLIC_BASE}v1/$metadata#admin/serviceAnnouncement/messages`);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expectNoForeign(res);
  });

  it('pages with $top/$skip and an @odata.nextLink that carries the filter', async () => {
    const seen: string[] = [];
    let url: string | undefined = `${API}?$top=1&$filter=${encodeURIComponent("tags/any(t:t eq 'Admin impact')")}`;
    let pages = 0;
    while (url) {
      // a forged Host never steers where the next page is fetched from
      const res: request.Response = await get(url, tok['A.admin'])
        .set('Host', 'attacker.example')
        .set('X-Forwarded-Host', 'attacker.example')
        .expect(200);
      expectNoForeign(res);
      expect(res.body.value.length).toBeLessThanOrEqual(1);
      seen.push(...res.body.value.map((m: { id: string }) => m.id));
      const next: string | undefined = res.body['@odata.nextLink'];
      if (next) {
        expect(next.startsWith(`${PUBLIC_BASE}v1/`)).toBe(true);
        expect(next).not.toContain('attacker');
        const u = new URL(next);
        expect(u.pathname).toBe(API);
        expect(u.searchParams.get('$top')).toBe('1');
        expect(u.searchParams.get('$filter')).toBe("tags/any(t:t eq 'Admin impact')");
        url = u.pathname + u.search;
      } else url = undefined;
      pages++;
    }
    expect(seen).toEqual([a3, a2, a1]);
    expect(pages).toBe(3);
    const skipped = await get(`${API}?$top=2&$skip=1`, tok['A.admin']).expect(200);
    expect(skipped.body.value.map((m: { id: string }) => m.id)).toEqual([a2, a1]);
    expect(skipped.body['@odata.nextLink']).toBeUndefined();
    // $top above 1000 is capped, not refused
    const capped = await get(`${API}?$top=5000`, tok['A.admin']).expect(200);
    expect(capped.body.value).toHaveLength(3);
  });

  it("gets one message, and its exposure view holds only the tenant's own data", async () => {
    const res = await get(`${API}/${a1}`, tok['A.admin']).expect(200);
    expect(res.body.id).toBe(a1);
    expect(res.body.body.content).toContain(A.name);
    expectNoForeign(res);
    const ex = await get(`${API}/${a1}/exposure`, tok['A.admin']).expect(200);
    const own = viewFor(A);
    expect(ex.body).toEqual({ ...own, files: [own.files[0], { fileName: null }] });
    expectNoForeign(ex);
  });

  it('keeps view points per user: the six actions, and two users of one tenant see their own state', async () => {
    const vp = async (token: string, id: string) => (await get(`${API}/${id}`, token).expect(200)).body.viewPoint;
    for (const [action, expected] of [
      ['markRead', { isRead: true, isArchived: false, isFavorited: false, ...UNACKNOWLEDGED }],
      ['archive', { isRead: true, isArchived: true, isFavorited: false, ...UNACKNOWLEDGED }],
      ['favorite', { isRead: true, isArchived: true, isFavorited: true, ...UNACKNOWLEDGED }],
      ['unarchive', { isRead: true, isArchived: false, isFavorited: true, ...UNACKNOWLEDGED }],
      ['unfavorite', { isRead: true, isArchived: false, isFavorited: false, ...UNACKNOWLEDGED }],
      ['markUnread', { isRead: false, isArchived: false, isFavorited: false, ...UNACKNOWLEDGED }],
    ] as const) {
      const r = await post(`${API}/${action}`, tok['A.admin']!, { messageIds: [a2] }).expect(200);
      expect(r.body).toEqual({ value: true });
      expect(await vp(tok['A.admin']!, a2)).toEqual(expected);
    }
    await post(`${API}/markRead`, tok['A.admin']!, { messageIds: [a1, a1] }).expect(200);
    await post(`${API}/archive`, tok['A.admin2']!, { messageIds: [a1] }).expect(200);
    expect(await vp(tok['A.admin']!, a1)).toEqual({
      isRead: true,
      isArchived: false,
      isFavorited: false,
      ...UNACKNOWLEDGED,
    });
    expect(await vp(tok['A.admin2']!, a1)).toEqual({
      isRead: false,
      isArchived: true,
      isFavorited: false,
      ...UNACKNOWLEDGED,
    });

    const read = await get(`${API}?$filter=${encodeURIComponent('isRead eq true')}`, tok['A.admin']).expect(200);
    expect(read.body.value.map((m: { id: string }) => m.id)).toEqual([a1]);
    const unread = await get(
      `${API}?$filter=${encodeURIComponent('isRead eq false and isArchived eq false')}`,
      tok['A.admin'],
    ).expect(200);
    expect(unread.body.value.map((m: { id: string }) => m.id)).toEqual([a3, a2]);
    const archived2 = await get(`${API}?$filter=${encodeURIComponent('isArchived eq true')}`, tok['A.admin2']).expect(
      200,
    );
    expect(archived2.body.value.map((m: { id: string }) => m.id)).toEqual([a1]);
  });

  it('filters on category and tags, and a literal that looks like SQL is only a string', async () => {
    const cat = (await get(`${API}/${a1}`, tok['A.admin']).expect(200)).body.category;
    const byCat = await get(`${API}?$filter=${encodeURIComponent(`category eq '${cat}'`)}`, tok['A.admin']).expect(200);
    expect(byCat.body.value.map((m: { id: string }) => m.id)).toEqual(expect.arrayContaining([a2, a1]));
    const byTag = await get(
      `${API}?$filter=${encodeURIComponent("tags/any(t:t eq 'Data privacy')")}`,
      tok['A.admin'],
    ).expect(200);
    expect(byTag.body.value.map((m: { id: string }) => m.id)).toEqual([a2, a1]);
    for (const f of [
      "category eq ''' or ''1''=''1'",
      "tags/any(t:t eq ''' OR 1=1 --')",
      "category eq 'stayInformed'' --'",
      "tags/any(x:x eq 'Dаta privacy')",
    ]) {
      const res = await get(`${API}?$filter=${encodeURIComponent(f)}`, tok['A.admin']).expect(200);
      expect(res.body.value).toEqual([]);
    }
  });

  it('an unaffected tenant has an empty inbox', async () => {
    const res = await get(API, tok['C.admin']).expect(200);
    expect(res.body.value).toEqual([]);
    expect(res.body['@odata.nextLink']).toBeUndefined();
    expectNoForeign(res, [A.id, A.name, a1]);
  });

  // ───────────── another tenant's message ─────────────

  it("another tenant's message id answers exactly like a missing id, on get, exposure and actions", async () => {
    const missing = await get(`${API}/MC999999999999`, tok['A.admin']).expect(404);
    expect(missing.body).toEqual(NOT_FOUND);
    for (const path of [`${API}/${b1}`, `${API}/${b1}/exposure`, `${API}/MC999999999999/exposure`]) {
      const res = await get(path, tok['A.admin']).expect(404);
      expect(res.body).toEqual(missing.body);
      expect(res.text).toBe(missing.text);
      expectNoForeign(res);
    }
    for (const action of ['markRead', 'archive', 'favorite']) {
      const res = await post(`${API}/${action}`, tok['A.admin']!, { messageIds: [b1] }).expect(404);
      expect(res.body).toEqual(NOT_FOUND);
      // all or nothing: one foreign id beside an own one changes nothing
      await post(`${API}/${action}`, tok['A.admin']!, { messageIds: [a3, b1] }).expect(404);
    }
    expect(await prisma.noticeViewPoint.count({ where: { noticeId: b1 } })).toBe(0);
    expect((await get(`${API}/${a3}`, tok['A.admin']).expect(200)).body.viewPoint).toEqual({
      isRead: false,
      isArchived: false,
      isFavorited: false,
      ...UNACKNOWLEDGED,
    });
  });

  // ───────────── roles ─────────────

  it.each(['reader', 'billing'])(
    'a %s (not GlobalAdmin/PrivacyReader) finds no data-privacy notice: 404 identical to a missing id',
    async (who) => {
      const t = tok[`A.${who}`]!;
      const list = await get(API, t).expect(200);
      expect(list.body.value.map((m: { id: string }) => m.id)).toEqual([a3]);
      const missing = await get(`${API}/MC999999999998`, t).expect(404);
      for (const path of [`${API}/${a1}`, `${API}/${a1}/exposure`]) {
        const res = await get(path, t).expect(404);
        expect(res.text).toBe(missing.text);
        expect(res.text).not.toContain(A.name);
      }
      await post(`${API}/markRead`, t, { messageIds: [a1] }).expect(404);
      const filtered = await get(`${API}?$filter=${encodeURIComponent("tags/any(t:t eq 'Data privacy')")}`, t).expect(
        200,
      );
      expect(filtered.body.value).toEqual([]);
      // what they may read, they read
      await get(`${API}/${a3}`, t).expect(200);
    },
  );

  it('a PrivacyReader reads data-privacy notices and their exposure view', async () => {
    await get(`${API}/${a1}`, tok['A.privacy']).expect(200);
    const ex = await get(`${API}/${a1}/exposure`, tok['A.privacy']).expect(200);
    expect(ex.body.people).toEqual(viewFor(A).people);
  });

  it('a token claiming GlobalAdmin for a contact the directory lists as MessageCenterReader reads no data-privacy notice', async () => {
    const forged = await signed({
      sub: `user-reader-${A.id}`,
      tid: A.id,
      email: A.contacts.find((c) => c.email.startsWith('reader@'))!.email,
      roles: ['GlobalAdmin', 'PrivacyReader'],
    });
    expect((await get(API, forged).expect(200)).body.value.map((m: { id: string }) => m.id)).toEqual([a3]);
    await get(`${API}/${a1}`, forged).expect(404);
    await get(`${API}/${a1}/exposure`, forged).expect(404);
  });

  it('a GlobalAdmin downgraded to MessageCenterReader in the directory loses the data-privacy notice within the roles window, token unchanged', async () => {
    const email = `downgraded@${A.domain}`;
    await prisma.tenantContact.create({ data: { tenantId: A.id, email, roles: ['GlobalAdmin'], locale: 'en-US' } });
    const token = (await app.get(DevIssuer).issue(A.id, email)).token;
    await get(`${API}/${a1}`, token).expect(200);
    await get(`${API}/${a1}/exposure`, token).expect(200);
    await prisma.tenantContact.update({
      where: { tenantId_email: { tenantId: A.id, email } },
      data: { roles: ['MessageCenterReader'] },
    });
    await new Promise((r) => setTimeout(r, ROLES_WINDOW_MS + 100));
    await get(`${API}/${a1}`, token).expect(404);
    await get(`${API}/${a1}/exposure`, token).expect(404);
    expect((await get(API, token).expect(200)).body.value.map((m: { id: string }) => m.id)).toEqual([a3]);
    await get(`${API}/${a3}`, token).expect(200);
    // removed from the directory altogether: the development issuer's token no longer admits them
    await prisma.tenantContact.delete({ where: { tenantId_email: { tenantId: A.id, email } } });
    await new Promise((r) => setTimeout(r, ROLES_WINDOW_MS + 100));
    expect((await get(API, token).expect(401)).body).toEqual(UNAUTHORIZED);
  });

  // ───────────── forged and broken tokens ─────────────

  it('refuses forged and broken tokens with 401 and no detail', async () => {
    const now = Math.floor(Date.now() / 1000);
    const good = claimsOf(A);
    const spki = createPublicKey(createPrivateKey(readFileSync(join(keyDir, DEV_ISSUER_KEY_FILE), 'utf8'))).export({
      type: 'spki',
      format: 'pem',
    }) as string;
    const hs256 = (secret: string | Buffer) => {
      const head = `${b64({ alg: 'HS256', typ: 'JWT', kid })}.${b64({ ...good, iss: DEV_ISSUER, aud: DEFAULT_TENANT_AUDIENCE, iat: now, exp: now + 600 })}`;
      return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
    };
    const otherKey = await importPKCS8(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      'ES256',
    );
    const valid = await signed(good);
    const [vh, vp, vs] = valid.split('.');
    const forged: Record<string, string | undefined> = {
      'no header': undefined,
      'not a jwt': 'not-a-token',
      'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...good, iss: DEV_ISSUER, aud: DEFAULT_TENANT_AUDIENCE, exp: now + 600 })}.`,
      'alg none, signature kept': `${b64({ alg: 'none', typ: 'JWT' })}.${vp}.${vs}`,
      'HS256 with the public key (PEM) as secret': hs256(spki),
      'HS256 with the public key (DER) as secret': hs256(createPublicKey(spki).export({ type: 'spki', format: 'der' })),
      'wrong key': await signed(good, { key: otherKey }),
      'wrong issuer': await signed(good, { iss: 'https://login.evil.example/' }),
      'wrong audience': await signed(good, { aud: 'api://something-else' }),
      expired: await signed(good, { exp: now - 3600, nbf: now - 7200 }),
      'future nbf': await signed(good, { nbf: now + 3600, exp: now + 7200 }),
      'unknown tenant': await signed({ ...good, tid: randomUUID() }),
      'tid not a guid': await signed({ ...good, tid: "' or 1=1 --" }),
      'missing roles': await signed({ sub: good.sub, tid: good.tid, email: good.email }),
      'empty roles': await signed(claimsOf(A, [])),
      'roles not an array': await signed(claimsOf(A, 'GlobalAdmin')),
      'missing email': await signed({ sub: good.sub, tid: good.tid, roles: ['GlobalAdmin'] }),
      'missing sub': await signed({ tid: good.tid, email: good.email, roles: ['GlobalAdmin'] }),
      'payload swapped to another tenant': `${vh}.${b64({ ...good, tid: B.id, iss: DEV_ISSUER, aud: DEFAULT_TENANT_AUDIENCE, exp: now + 600 })}.${vs}`,
      'signature stripped': `${vh}.${vp}.`,
      'sql in the header': "' or 1=1 --",
      'very long': 'a'.repeat(9000),
    };
    for (const [name, token] of Object.entries(forged)) {
      const res = token === undefined ? await get(API) : await get(API, token);
      expect({ name, status: res.status, body: res.body }).toEqual({ name, status: 401, body: UNAUTHORIZED });
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expectNoForeign(res, [A.id, A.name, a1]);
    }
    for (const scheme of ['Basic', 'Token', 'Bearer:']) {
      const res = await request(http).get(API).set('Authorization', `${scheme} ${valid}`).expect(401);
      expect(res.body).toEqual(UNAUTHORIZED);
    }
    // the same claims, properly signed, pass: the refusals above are the forgeries' fault
    await get(API, valid).expect(200);
  });

  // ───────────── injection and abuse ─────────────

  it('refuses injection in every query parameter and unknown $filter syntax with 400 and a reason', async () => {
    const bad: [string, RegExp][] = [
      ["$top=1' or 1=1 --", /\$top/],
      ['$top=-1', /\$top/],
      ['$top=0', /\$top/],
      ['$top=1e3', /\$top/],
      ['$skip=0;DROP TABLE notices', /\$skip/],
      ['$skip=99999999999', /\$skip/],
      ['$top=1&$top=2', /\$top may be given once/],
      ['$orderby=body', /\$orderby: item 1 is not a sortable property/],
      ['$select=tenantId', /\$select: item 1 is not a property/],
      ["tenantId=' or 1=1 --", /unsupported query option/],
      [`$filter=${encodeURIComponent("title eq 'x'")}`, /unsupported property/],
      [`$filter=${encodeURIComponent('isRead gt true')}`, /expected 'eq' or 'ne'/],
      [`$filter=${encodeURIComponent("startswith(title,'x')")}`, /unsupported property|expected/],
      [`$filter=${encodeURIComponent("category eq '' or 1=1 --'")}`, /unexpected character|expected a property/],
      [`$filter=${encodeURIComponent('isRead eq true; DROP TABLE notices')}`, /unexpected character/],
      [`$filter=${encodeURIComponent("category eq 'x")}`, /unterminated string/],
      [`$filter=${encodeURIComponent("category eq 'a\u202eb'")}`, /control characters/],
      [`$filter=${encodeURIComponent("tags/any(t:u eq 'x')")}`, /expected the lambda variable/],
      [`$filter=${encodeURIComponent("category eq '" + 'x'.repeat(5000) + "'")}`, /longer than/],
      [`$filter=${encodeURIComponent(Array(40).fill('isRead eq true').join(' and '))}`, /more than 32 comparisons/],
      ['$filter=', /empty/],
    ];
    for (const [query, reason] of bad) {
      const res = await get(`${API}?${query}`, tok['A.admin']);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(res.body.error.code).toBe('badInput');
      expect(res.body.error.message).toMatch(reason);
      expectNoForeign(res, [A.name, a1]);
    }
  });

  it('treats injection in the path and the body as a missing message or a bad body', async () => {
    for (const id of [
      "MC1' OR '1'='1",
      'MC1 OR 1=1',
      '../../etc/passwd',
      `${b1}'--`,
      'mc' + a1.slice(2),
      'MC١٢٣',
      `MC${'9'.repeat(400)}`,
    ]) {
      for (const suffix of ['', '/exposure']) {
        const res = await get(`${API}/${encodeURIComponent(id)}${suffix}`, tok['A.admin']);
        expect({ id, suffix, status: res.status, body: res.body }).toEqual({
          id,
          suffix,
          status: 404,
          body: NOT_FOUND,
        });
        expectNoForeign(res);
      }
    }
    // a NUL in the path is refused before any lookup: the same 400 after another tenant's id, the
    // reader's own id or no id, so it tells nothing about which ids exist
    const nulAnswers = new Set<string>();
    for (const id of [`${b1}\u0000`, `${a1}\u0000`, '\u0000']) {
      for (const suffix of ['', '/exposure']) {
        const res = await get(`${API}/${encodeURIComponent(id)}${suffix}`, tok['A.admin']);
        expect({ id, suffix, status: res.status }).toEqual({ id, suffix, status: 400 });
        expectNoForeign(res, [a1]);
        nulAnswers.add(JSON.stringify(res.body));
      }
    }
    expect(nulAnswers.size).toBe(1);
    const ids = ["MC1' OR 1=1 --", 'MC1; DELETE FROM notices', '\u0000', b1.toLowerCase()];
    for (const id of ids) {
      const res = await post(`${API}/markRead`, tok['A.admin']!, { messageIds: [id] }).expect(404);
      expect(res.body).toEqual(NOT_FOUND);
    }
    for (const body of [
      { messageIds: "' or 1=1 --" },
      { messageIds: [] },
      { messageIds: [a1], tenantId: B.id },
      { messageIds: Array(101).fill(a1) },
      { messageIds: [{ $ne: null }] },
      { messageIds: ['x'.repeat(65)] },
    ]) {
      const res = await post(`${API}/markRead`, tok['A.admin']!, body).expect(400);
      expect(res.body.error.code).toBe('badInput');
      expectNoForeign(res);
    }
    const notJson = await request(http)
      .post(`${API}/markRead`)
      .set('Authorization', `Bearer ${tok['A.admin']}`)
      .set('Content-Type', 'application/json')
      .send('{"messageIds":[')
      .expect(400);
    expect(notJson.body.error.code).toBe('badInput');
  });

  it("serves a reader's language from the token's locale claim or Accept-Language; a hostile value costs only the language", async () => {
    const L = await seedTenant(prisma);
    const l1 = await postNotice(prisma, await seedCampaign(prisma), L, { translations: ['fr-FR', 'ja-JP'] });
    const langOf = (res: request.Response) => /<div lang="([^"]+)">/.exec(res.body?.body?.content ?? '')?.[1];
    const read = (token: string, acceptLanguage?: string) => {
      const r = get(`${API}/${l1}`, token);
      return acceptLanguage === undefined ? r : r.set('Accept-Language', acceptLanguage);
    };
    const plain = await signed(claimsOf(L));
    for (const [token, header, lang] of [
      [await signed({ ...claimsOf(L), locale: 'fr-FR' }), undefined, 'fr-FR'],
      [await signed({ ...claimsOf(L), locale: 'ja' }), 'fr-CA,fr;q=0.9', 'ja-JP'],
      [plain, 'fr-CA,fr;q=0.9', 'fr-FR'],
      [plain, 'sv', 'en-US'],
      [plain, undefined, 'en-US'],
      [await signed({ ...claimsOf(L), locale: '../../../etc/passwd' }), undefined, 'en-US'],
      [await signed({ ...claimsOf(L), locale: { $ne: null } }), 'ja', 'ja-JP'],
      [plain, '../../../../etc/passwd', 'en-US'],
      [plain, "fr'; DROP TABLE notices; --", 'en-US'],
      [plain, `${'x-'.repeat(3000)}fr`, 'en-US'],
      [plain, 'fr;q=abc, ja;q=0.5', 'ja-JP'],
      [plain, ',,,;;;q=1', 'en-US'],
    ] as const) {
      const res = await read(token, header);
      expect({ header, status: res.status, lang: langOf(res) }).toEqual({ header, status: 200, lang });
      expect(res.body.id).toBe(l1);
    }
    // a language is no key to another tenant's notice
    for (const header of ['fr-FR', 'ja', '*']) {
      const res = await read(tok['A.admin']!, header);
      expect({ header, status: res.status, body: res.body }).toEqual({ header, status: 404, body: NOT_FOUND });
    }
    expect(await prisma.notice.count({ where: { id: l1 } })).toBe(1);
  });

  it('refuses oversized bodies with 413', async () => {
    const res = await post(`${API}/markRead`, tok['A.admin']!, {
      messageIds: [a1],
      pad: 'x'.repeat(300 * 1024),
    }).expect(413);
    expect(res.body.error.code).toBe('payloadTooLarge');
    expectNoForeign(res);
    // before authentication too: a stranger cannot make the server read a large body
    const anon = await request(http)
      .post(`${API}/markRead`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ pad: 'x'.repeat(300 * 1024) }))
      .expect(413);
    expect(anon.body.error.code).toBe('payloadTooLarge');
  });

  it('escapes what the development sign-in page echoes, and serves the page under a strict policy', async () => {
    const res = await request(http)
      .get('/inbox/dev-login')
      .query({ tenant: '<script>alert(1)</script>', email: 'x' })
      .expect(400);
    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(res.text).toContain('&lt;script&gt;');
    const refused = await request(http)
      .get('/inbox/dev-login')
      .query({ tenant: A.id, email: B.contacts[0]!.email })
      .expect(403);
    expect(refused.text).toContain('is not a contact of tenant');
    const page = await request(http).get('/inbox').expect(200);
    const csp = page.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.text).not.toMatch(/<script>(?!<\/script>)/);
    await request(http).get('/inbox/assets/..%2Fweb-assets.ts').expect(404);
    await request(http).get('/inbox/assets/index.html').expect(404);
  });

  // ───────────── audit ─────────────

  it('audits every read of a notice or exposure view; an operator lists them per tenant and per campaign', async () => {
    await get(`${API}/${a2}`, tok['A.privacy']).expect(200);
    await get(`${API}/${a2}/exposure`, tok['A.privacy']).expect(200);
    await request(http).get('/v1/audit').query({ tenantId: A.id }).expect(401);
    const token = OPERATOR.split(':')[1]!;
    const all: { action: string; subject: string; actor: string; at: string; campaignId: string; tenantId: string }[] =
      [];
    for (let skip = 0; ; skip += 1000) {
      const page = await request(http)
        .get('/v1/audit')
        .query({ tenantId: A.id, skip, take: 1000 })
        .set('Authorization', `Bearer ${token}`)
        .expect(200);
      all.push(...page.body.events);
      if (page.body.events.length < 1000) break;
    }
    const mine = all.filter((e) => e.subject === a2 && e.actor === `tenant-user:${A.contacts[2]!.email}`);
    expect(mine.map((e) => [e.action, e.subject])).toEqual([
      ['inbox.message.read', a2],
      ['inbox.exposure.read', a2],
    ]);
    expect(all.every((e) => e.tenantId === A.id)).toBe(true);
    // every list read is there too, one event per notice listed
    expect(all.some((e) => e.action === 'inbox.message.list' && e.subject === a1)).toBe(true);
    const campaignId = mine[0]!.campaignId;
    const byCampaign = await request(http)
      .get('/v1/audit')
      .query({ campaignId, take: 1000 })
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(byCampaign.body.events.length).toBeGreaterThan(0);
    expect(byCampaign.body.events.every((e: { campaignId: string }) => e.campaignId === campaignId)).toBe(true);
    await request(http)
      .get('/v1/audit')
      .query({ tenantId: "' or 1=1 --" })
      .set('Authorization', `Bearer ${token}`)
      .expect(400);
  });

  // ───────────── row-level security ─────────────

  it("row-level security: an unscoped query through the tenant path returns only that tenant's rows", async () => {
    const scope = app.get(TenantScope);
    // view points of B exist too, so the unscoped reads below have something to leak
    await post(`${API}/markRead`, tok['B.admin']!, { messageIds: [b1] }).expect(200);
    const total = await prisma.notice.count();
    expect(total).toBeGreaterThan(3);
    const seen = await scope.run(A.id, async (tx) => ({
      notices: (
        await tx.client.query<{ id: string; tenantId: string }>('SELECT id, tenant_id::text AS "tenantId" FROM notices')
      ).rows,
      views: (await tx.client.query<{ tenantId: string }>('SELECT tenant_id::text AS "tenantId" FROM exposure_views'))
        .rows,
      points: (
        await tx.client.query<{ tenantId: string }>('SELECT tenant_id::text AS "tenantId" FROM notice_view_points')
      ).rows,
      count: (await tx.client.query<{ n: string }>('SELECT count(*) AS n FROM notices')).rows[0]!.n,
    }));
    expect(new Set(seen.notices.map((n) => n.tenantId))).toEqual(new Set([A.id]));
    expect(seen.notices.map((n) => n.id).sort()).toEqual([a1, a2, a3].sort());
    expect(Number(seen.count)).toBe(3);
    expect(seen.views.length).toBe(3);
    expect(seen.views.every((v) => v.tenantId === A.id)).toBe(true);
    expect(seen.points.length).toBeGreaterThan(0);
    expect(seen.points.every((p) => p.tenantId === A.id)).toBe(true);
    // an unaffected tenant sees nothing at all
    expect((await scope.run(C.id, (tx) => tx.client.query('SELECT * FROM notices'))).rows).toEqual([]);
    // writes are held to the tenant too: a view point on B's notice, or in B's name, is refused
    const user = `x-${rnd()}`;
    await expect(
      scope.run(A.id, (tx) =>
        tx.client.query('INSERT INTO notice_view_points (notice_id, tenant_id, user_id) VALUES ($1, $2, $3)', [
          b1,
          A.id,
          user,
        ]),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      scope.run(A.id, (tx) =>
        tx.client.query('INSERT INTO notice_view_points (notice_id, tenant_id, user_id) VALUES ($1, $2, $3)', [
          b1,
          B.id,
          user,
        ]),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      scope.run(A.id, (tx) =>
        tx.client.query('UPDATE notice_view_points SET is_read = true WHERE notice_id = $1', [b1]),
      ),
    ).resolves.toMatchObject({ rowCount: 0 });
    await expect(scope.run(A.id, (tx) => tx.client.query('DELETE FROM notices'))).rejects.toThrow(/permission denied/);
    await expect(scope.run(A.id, (tx) => tx.client.query('SELECT * FROM tenants'))).rejects.toThrow(
      /permission denied/,
    );
    await expect(scope.run(A.id, (tx) => tx.client.query('SELECT * FROM audit_events'))).rejects.toThrow(
      /permission denied/,
    );
    await expect(
      scope.run(A.id, (tx) =>
        tx.client.query("INSERT INTO audit_events (actor, action, tenant_id) VALUES ('x', 'y', $1)", [B.id]),
      ),
    ).rejects.toThrow(/row-level security/);
    expect(await prisma.notice.count()).toBe(total);
    // the role and tenant do not outlive the transaction on the pooled connection
    const after = await prisma.$queryRaw<
      { role: string; tid: string | null }[]
    >`SELECT current_user AS role, current_setting('app.tenant_id', true) AS tid`;
    expect(after[0]!.role).not.toBe('impact_tenant');
    expect(after[0]!.tid ?? '').toBe('');
  });

  // ───────────── rate limits ─────────────

  it('limits requests per user and per client address with 429 and Retry-After', async () => {
    const env = { ...process.env };
    // the limits are counted in Redis under the queue prefix: a prefix of its own, so the requests
    // of the tests above (under their generous limits) do not count against these
    Object.assign(process.env, {
      INBOX_RATE_PER_USER: '3',
      INBOX_RATE_PER_ADDRESS: '5',
      QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}_limits`,
    });
    const small = await createApiApp();
    await small.init();
    try {
      const s = small.getHttpServer();
      const t = (await small.get(DevIssuer).issue(A.id, A.contacts[0]!.email)).token;
      const u = (await small.get(DevIssuer).issue(A.id, A.contacts[1]!.email)).token;
      for (let i = 0; i < 3; i++) await request(s).get(API).set('Authorization', `Bearer ${t}`).expect(200);
      const limited = await request(s).get(API).set('Authorization', `Bearer ${t}`).expect(429);
      expect(limited.body).toEqual({ error: { code: 'tooManyRequests', message: 'too many requests' } });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // another user from the same address still has their own budget, until the address runs out
      await request(s).get(API).set('Authorization', `Bearer ${u}`).expect(200);
      await request(s).get(API).set('Authorization', `Bearer ${u}`).expect(429);
      // unauthenticated guessing counts against the address as well
      await request(s).get(API).set('Authorization', 'Bearer x.y.z').expect(429);
    } finally {
      await small.close();
      process.env = env;
    }
  });
  // ───────────── acknowledge ─────────────

  it('acknowledges a notice once per user, with when and who, and the read shows it to that user alone', async () => {
    const first = await post(`${API}/${a1}/acknowledge`, tok['A.privacy']!, {}).expect(200);
    expect(first.body).toEqual({ id: a1, isAcknowledged: true, acknowledgedDateTime: expect.any(String) });
    const at = first.body.acknowledgedDateTime as string;
    expect(Math.abs(Date.parse(at) - Date.now())).toBeLessThan(60_000);
    // idempotent: the first acknowledgement stands
    await new Promise((r) => setTimeout(r, 20));
    expect((await post(`${API}/${a1}/acknowledge`, tok['A.privacy']!, {}).expect(200)).body).toEqual(first.body);

    const mine = (await get(`${API}/${a1}`, tok['A.privacy']).expect(200)).body.viewPoint;
    expect(mine).toMatchObject({ isAcknowledged: true, acknowledgedDateTime: at });
    const listed = (await get(API, tok['A.privacy']).expect(200)).body.value.find((m: { id: string }) => m.id === a1);
    expect(listed.viewPoint).toMatchObject({ isAcknowledged: true, acknowledgedDateTime: at });
    // per user: another admin of the same tenant has not acknowledged it
    expect((await get(`${API}/${a1}`, tok['A.admin2']).expect(200)).body.viewPoint).toMatchObject(UNACKNOWLEDGED);

    const rows = await prisma.noticeAcknowledgement.findMany({ where: { noticeId: a1 } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ tenantId: A.id, acknowledgedBy: `tenant-user:privacy@${A.domain}` });
    const events = await prisma.auditEvent.findMany({
      where: { action: 'inbox.message.acknowledge', subject: a1 },
      orderBy: { id: 'asc' },
    });
    expect(events.map((e) => (e.details as { first: boolean }).first)).toEqual([true, false]);
    expect(events.every((e) => e.tenantId === A.id && e.actor === `tenant-user:privacy@${A.domain}`)).toBe(true);
  });

  it("acknowledge under attack: another tenant's id is a missing id, a role that may not read data-privacy notices is refused, a forged token is unauthorized", async () => {
    const missing = await post(`${API}/MC999999999997/acknowledge`, tok['A.admin']!, {}).expect(404);
    expect(missing.body).toEqual(NOT_FOUND);
    const foreignId = await post(`${API}/${b1}/acknowledge`, tok['A.admin']!, {}).expect(404);
    expect(foreignId.text).toBe(missing.text);
    expectNoForeign(foreignId);
    expect(await prisma.noticeAcknowledgement.count({ where: { noticeId: b1 } })).toBe(0);

    for (const who of ['reader', 'billing']) {
      // refused whatever the id: the answer tells nothing of which notices exist
      for (const id of [a2, a3, b1, 'MC999999999997']) {
        const res = await post(`${API}/${id}/acknowledge`, tok[`A.${who}`]!, {}).expect(403);
        expect(res.body.error.code).toBe('forbidden');
        expect(res.text).not.toContain(A.name);
      }
    }
    // a token claiming GlobalAdmin for a contact the directory lists as MessageCenterReader
    const widened = await signed({
      sub: `user-reader-${A.id}`,
      tid: A.id,
      email: A.contacts.find((c) => c.email.startsWith('reader@'))!.email,
      roles: ['GlobalAdmin'],
    });
    await post(`${API}/${a2}/acknowledge`, widened, {}).expect(403);

    const otherKey = await importPKCS8(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      'ES256',
    );
    const now = Math.floor(Date.now() / 1000);
    for (const token of [
      await signed(claimsOf(A), { key: otherKey }),
      await signed(claimsOf(A), { exp: now - 3600, nbf: now - 7200 }),
      await signed({ ...claimsOf(A), tid: B.id }),
      'not-a-token',
    ]) {
      const res = await post(`${API}/${a2}/acknowledge`, token, {}).expect(401);
      expect(res.body).toEqual(UNAUTHORIZED);
    }
    // injection in the id or the query: a missing message or a refused option, never an acknowledgement
    for (const id of ["MC1' OR '1'='1", 'MC1;DROP TABLE notices', '%00', `${a2}%20OR%201=1`]) {
      const res = await request(http)
        .post(`${API}/${encodeURIComponent(id)}/acknowledge`)
        .set('Authorization', `Bearer ${tok['A.admin']}`);
      expect(res.status).toBe(404);
    }
    await request(http)
      .post(`${API}/${a2}/acknowledge?$filter=1`)
      .set('Authorization', `Bearer ${tok['A.admin']}`)
      .expect(400);
    expect(await prisma.noticeAcknowledgement.count({ where: { noticeId: a2 } })).toBe(0);
    expect(await prisma.noticeAcknowledgement.count({ where: { noticeId: a3 } })).toBe(0);
  });

  it("row-level security holds the acknowledgements: the tenant scope sees only its own and cannot write another tenant's", async () => {
    await post(`${API}/${b1}/acknowledge`, tok['B.admin']!, {}).expect(200);
    const scope = app.get(TenantScope);
    const seen = await scope.run(
      A.id,
      async (tx) =>
        (await tx.client.query<{ notice_id: string }>('SELECT notice_id FROM notice_acknowledgements')).rows,
    );
    expect(seen.map((r) => r.notice_id)).not.toContain(b1);
    await expect(
      scope.run(A.id, (tx) =>
        tx.client.query(
          `INSERT INTO notice_acknowledgements (notice_id, tenant_id, user_id, acknowledged_by) VALUES ($1, $2, 'x', 'x')`,
          [b1, B.id],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      scope.run(A.id, (tx) =>
        tx.client.query(
          `INSERT INTO notice_acknowledgements (notice_id, tenant_id, user_id, acknowledged_by) VALUES ($1, $2, 'x', 'x')`,
          [b1, A.id],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      scope.run(A.id, (tx) => tx.client.query(`UPDATE notice_acknowledgements SET acknowledged_by = 'forged'`)),
    ).rejects.toThrow(/permission denied/);
  });
});
