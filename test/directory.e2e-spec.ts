import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import request from 'supertest';
import { readLines } from '../libs/common/read-lines.js';
import { PrismaService } from '../libs/db/prisma.service.js';
import { DirectoryModule } from '../libs/directory/directory.module.js';
import { DirectoryRepository, DomainTakenError } from '../libs/directory/directory.repository.js';
import { DirectoryService } from '../libs/directory/directory.service.js';
import { createApiApp } from '../apps/api/src/create-app.js';
import { serviceContext } from './support/app.js';

const u = () => Math.random().toString(36).slice(2, 10);
const line = (o: Record<string, unknown>) => JSON.stringify(o);
const file = (lines: string[], opts: { gzip?: boolean; crlf?: boolean } = {}) => {
  const text = lines.join(opts.crlf ? '\r\n' : '\n') + '\n';
  return Readable.from([opts.gzip ? gzipSync(text) : Buffer.from(text)]);
};

describe('tenant directory import (real PostgreSQL)', () => {
  let app: INestApplicationContext;
  let directory: DirectoryService;
  let prisma: PrismaService;
  beforeAll(async () => {
    app = await serviceContext(DirectoryModule);
    directory = app.get(DirectoryService);
    prisma = app.get(PrismaService);
  });
  afterAll(() => app.close());

  const importFile = (lines: string[], opts?: { gzip?: boolean; crlf?: boolean }) => directory.importTenants(readLines(file(lines, opts)));

  it.each([false, true])('imports a small directory (gzip: %s) and rejects bad lines with their numbers', async (gzip) => {
    const s = u();
    const [a, b] = [randomUUID(), randomUUID()];
    const r = await importFile(
      [
        line({
          tenantId: a.toUpperCase(),
          name: 'Fabrikam Capital Corp.',
          aliases: ['Fabrikam Capital'],
          domains: [`Fabrikam-${s}.de`, `fabrikam-${s}.com.`],
          phones: ['+49 30 5550 1234'],
          contacts: [{ email: `Bjorn.Costa@Fabrikam-${s}.de`, name: 'Bjorn Costa', roles: ['GlobalAdmin'], locale: 'de-DE' }],
        }),
        '',
        line({ tenantId: b, name: 'Bücher Haus', domains: [`bücher-${s}.de`], contacts: [{ email: `lena@bücher-${s}.de` }] }),
        line({ tenantId: randomUUID(), name: 'Free mail', domains: ['gmail.com'] }),
        line({ tenantId: 'not-a-guid', name: 'x' }),
        '{"broken":',
      ],
      { gzip, crlf: gzip },
    );
    expect(r).toEqual({
      imported: 2,
      updated: 0,
      rejected: [
        { line: 4, reason: 'domains[0] "gmail.com": is a free-mail domain' },
        { line: 5, reason: 'tenantId: "not-a-guid" is not a GUID' },
        { line: 6, reason: 'not valid JSON' },
      ],
    });
    expect(await directory.getTenant(a)).toMatchObject({
      tenantId: a,
      name: 'Fabrikam Capital Corp.',
      aliases: ['Fabrikam Capital'],
      domains: [`fabrikam-${s}.com`, `fabrikam-${s}.de`],
      phones: ['+493055501234'],
      contacts: [{ email: `bjorn.costa@fabrikam-${s}.de`, name: 'Bjorn Costa', roles: ['GlobalAdmin'], locale: 'de-DE' }],
    });
    const idn = await directory.getTenant(b);
    expect(idn.domains).toEqual([new URL(`http://bücher-${s}.de`).hostname]);
    expect(idn.domains[0]).toMatch(/^xn--/);
    expect(idn.contacts).toEqual([{ email: `lena@${idn.domains[0]}`, name: null, roles: [], locale: 'en-US' }]);
  });

  it('re-import upserts: counts updated, replaces domains and contacts, keeps unchanged contacts', async () => {
    const s = u();
    const [a, b] = [randomUUID(), randomUUID()];
    const first = await importFile([
      line({ tenantId: a, name: 'Contoso', domains: [`contoso-${s}.com`, `old-${s}.com`], contacts: [
        { email: `keep@contoso-${s}.com`, roles: ['GlobalAdmin'] },
        { email: `gone@contoso-${s}.com`, roles: ['PrivacyReader'] },
      ] }),
    ]);
    expect(first).toEqual({ imported: 1, updated: 0, rejected: [] });
    const keepBefore = await prisma.tenantContact.findFirstOrThrow({ where: { tenantId: a, email: `keep@contoso-${s}.com` } });

    const second = await importFile([
      line({ tenantId: a, name: 'Contoso Ltd', domains: [`contoso-${s}.com`, `new-${s}.com`], contacts: [
        { email: `KEEP@contoso-${s}.com`, roles: ['GlobalAdmin', 'BillingAdmin'], locale: 'fr-FR' },
        { email: `new@contoso-${s}.com`, roles: ['MessageCenterReader'] },
      ] }),
      line({ tenantId: b, name: 'Northwind', domains: [`old-${s}.com`] }), // free now: a gave it up on line 1
    ]);
    expect(second).toEqual({ imported: 1, updated: 1, rejected: [] });

    const t = await directory.getTenant(a);
    expect(t).toMatchObject({ name: 'Contoso Ltd', domains: [`contoso-${s}.com`, `new-${s}.com`] });
    expect(t.contacts).toEqual([
      { email: `keep@contoso-${s}.com`, name: null, roles: ['GlobalAdmin', 'BillingAdmin'], locale: 'fr-FR' },
      { email: `new@contoso-${s}.com`, name: null, roles: ['MessageCenterReader'], locale: 'en-US' },
    ]);
    const keepAfter = await prisma.tenantContact.findFirstOrThrow({ where: { tenantId: a, email: `keep@contoso-${s}.com` } });
    expect(keepAfter.id).toBe(keepBefore.id);
    expect((await directory.getTenant(b)).domains).toEqual([`old-${s}.com`]);
  });

  it('rejects a domain claimed twice, in the same file or against the database, with its line number', async () => {
    const s = u();
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const r1 = await importFile([
      line({ tenantId: a, name: 'Contoso', domains: [`contoso-${s}.com`] }),
      line({ tenantId: b, name: 'Labs', domains: [`labs.contoso-${s}.com`] }), // a subdomain may be another tenant's
      line({ tenantId: c, name: 'Copycat', domains: [`copycat-${s}.com`, `CONTOSO-${s}.com`] }),
    ]);
    expect(r1).toEqual({
      imported: 2,
      updated: 0,
      rejected: [{ line: 3, reason: `domain contoso-${s}.com is already verified by another tenant` }],
    });
    // the rejected line left nothing behind
    await expect(directory.getTenant(c)).rejects.toMatchObject({ status: 404 });
    expect(await prisma.tenantDomain.findUnique({ where: { domain: `copycat-${s}.com` } })).toBeNull();

    const r2 = await importFile(['', line({ tenantId: c, name: 'Copycat', domains: [`labs.contoso-${s}.com`] })]);
    expect(r2.rejected).toEqual([{ line: 2, reason: `domain labs.contoso-${s}.com is already verified by another tenant` }]);
  });

  it('the database refuses a domain held by another tenant, and the batch writes nothing', async () => {
    const s = u();
    const repo = app.get(DirectoryRepository);
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const t = (id: string, domains: string[]) => ({ id, name: id, aliases: [], phones: [], domains, contacts: [] });
    await repo.writeTenants([t(a, [`held-${s}.com`])]);
    await expect(repo.writeTenants([t(c, [`other-${s}.com`]), t(b, [`held-${s}.com`])])).rejects.toBeInstanceOf(DomainTakenError);
    expect(await prisma.tenant.count({ where: { id: { in: [b, c] } } })).toBe(0);
    expect(await prisma.tenantDomain.findUnique({ where: { domain: `other-${s}.com` } })).toBeNull();
  });

  it('two imports racing for one domain: exactly one wins, the other gets a rejected line', async () => {
    const s = u();
    const [a, b] = [randomUUID(), randomUUID()];
    const results = await Promise.all([
      importFile([line({ tenantId: a, name: 'A', domains: [`race-${s}.com`] })]),
      importFile([line({ tenantId: b, name: 'B', domains: [`race-${s}.com`] })]),
    ]);
    expect(results.map((r) => r.imported).sort()).toEqual([0, 1]);
    const loser = results.find((r) => r.imported === 0)!;
    expect(loser.rejected).toEqual([{ line: 1, reason: `domain race-${s}.com is already verified by another tenant` }]);
    expect(await prisma.tenantDomain.count({ where: { domain: `race-${s}.com` } })).toBe(1);
  });

  it('imports many tenants in batches', async () => {
    const s = u();
    const ids = Array.from({ length: 1234 }, () => randomUUID());
    const r = await importFile(ids.map((id, i) => line({ tenantId: id, name: `T${i}`, domains: [`t${i}-${s}.example.com`], contacts: [{ email: `admin@t${i}-${s}.example.com`, roles: ['GlobalAdmin'] }] })));
    expect(r).toEqual({ imported: 1234, updated: 0, rejected: [] });
    expect(await prisma.tenantContact.count({ where: { tenantId: { in: ids } } })).toBe(1234);
  });
});

describe('operator API /v1/tenants (real PostgreSQL)', () => {
  const token = `ops-token-${randomUUID()}`;
  let app: INestApplication;
  const saved = process.env.OPERATOR_TOKENS;
  beforeAll(async () => {
    process.env.OPERATOR_TOKENS = `ops:${token}`;
    app = await createApiApp();
    await app.init();
  });
  afterAll(async () => {
    await app.close();
    if (saved === undefined) delete process.env.OPERATOR_TOKENS;
    else process.env.OPERATOR_TOKENS = saved;
  });
  const auth = { Authorization: `Bearer ${token}` };

  it('refuses every endpoint without a valid operator token', async () => {
    const http = app.getHttpServer();
    await request(http).post('/v1/tenants/import').set('Content-Type', 'application/x-ndjson').send('{}\n').expect(401);
    await request(http).post('/v1/tenants/import').set('Authorization', 'Bearer wrong-token-wrong-token').set('Content-Type', 'application/x-ndjson').send('{}\n').expect(401);
    await request(http).get(`/v1/tenants/${randomUUID()}`).expect(401);
    await request(http).get('/v1/tenants').expect(401);
  });

  it('imports JSONL and gzip bodies and answers as the CLI does', async () => {
    const s = u();
    const [a, b] = [randomUUID(), randomUUID()];
    const body = [line({ tenantId: a, name: 'API Tenant', domains: [`api-${s}.com`] }), 'garbage', ''].join('\n');
    const res = await request(app.getHttpServer()).post('/v1/tenants/import').set(auth).set('Content-Type', 'application/x-ndjson').send(body).expect(200);
    expect(res.body).toEqual({ imported: 1, updated: 0, rejected: [{ line: 2, reason: 'not valid JSON' }] });

    const gz = gzipSync([line({ tenantId: a, name: 'API Tenant 2', domains: [`api-${s}.com`] }), line({ tenantId: b, name: 'B', domains: [`api-${s}.com`] })].join('\n'));
    const res2 = await request(app.getHttpServer()).post('/v1/tenants/import').set(auth).set('Content-Type', 'application/gzip').send(gz).expect(200);
    expect(res2.body).toEqual({ imported: 0, updated: 1, rejected: [{ line: 2, reason: `domain api-${s}.com is already verified by another tenant` }] });

    const got = await request(app.getHttpServer()).get(`/v1/tenants/${a}`).set(auth).expect(200);
    expect(got.body).toMatchObject({ tenantId: a, name: 'API Tenant 2', domains: [`api-${s}.com`] });
  });

  it('refuses a JSON body type (the JSON parser would swallow the stream)', async () => {
    await request(app.getHttpServer()).post('/v1/tenants/import').set(auth).set('Content-Type', 'application/json').send('{}').expect(415);
  });

  it('answers 400 for a malformed tenant id and 404 for an unknown one', async () => {
    await request(app.getHttpServer()).get('/v1/tenants/not-a-guid').set(auth).expect(400);
    await request(app.getHttpServer()).get(`/v1/tenants/${randomUUID()}`).set(auth).expect(404);
  });

  it('lists tenants a page at a time', async () => {
    const res = await request(app.getHttpServer()).get('/v1/tenants?skip=0&take=2').set(auth).expect(200);
    expect(res.body).toMatchObject({ skip: 0, take: 2 });
    expect(res.body.total).toBeGreaterThanOrEqual(1);
    expect(res.body.tenants.length).toBeLessThanOrEqual(2);
    await request(app.getHttpServer()).get('/v1/tenants?take=5000').set(auth).expect(400);
  });
});
