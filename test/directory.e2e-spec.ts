import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import request from 'supertest';
import { readLines } from '../libs/common/read-lines.js';
import { PrismaService } from '../libs/db/prisma.service.js';
import { DirectoryModule } from '../libs/directory/directory.module.js';
import { DirectoryRepository } from '../libs/directory/directory.repository.js';
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

  const importFile = (lines: string[], opts?: { gzip?: boolean; crlf?: boolean }) =>
    directory.importTenants(readLines(file(lines, opts)));

  it.each([false, true])(
    'imports a small directory (gzip: %s): rejects only lines naming no tenant, warns of dropped values with their lines',
    async (gzip) => {
      const s = u();
      const [a, b, free] = [randomUUID(), randomUUID(), randomUUID()];
      const r = await importFile(
        [
          line({
            tenantId: a.toUpperCase(),
            name: 'Fabrikam Capital Corp.',
            aliases: ['Fabrikam Capital'],
            domains: [`Fabrikam-${s}.de`, `fabrikam-${s}.com.`],
            phones: ['+49 30 5550 1234'],
            contacts: [
              { email: `Bjorn.Costa@Fabrikam-${s}.de`, name: 'Bjorn Costa', roles: ['GlobalAdmin'], locale: 'de-DE' },
            ],
          }),
          '',
          line({
            tenantId: b,
            name: 'Bücher Haus',
            domains: [`bücher-${s}.de`],
            contacts: [{ email: `lena@bücher-${s}.de` }],
          }),
          line({
            tenantId: free,
            name: 'Free mail',
            domains: ['gmail.com', null],
            phones: ['+1 555 555 5555'],
            contacts: [{ email: 'nope' }, { email: `ok@free-${s}.com`, locale: 'no locale!' }],
          }),
          line({ tenantId: 'not-a-guid', name: 'x' }),
          '{"broken":',
          line({ tenantId: randomUUID(), name: null }),
        ],
        { gzip, crlf: gzip },
      );
      expect(r).toEqual({
        imported: 3,
        updated: 0,
        rejected: [
          { line: 5, reason: 'tenantId: "not-a-guid" is not a GUID' },
          { line: 6, reason: 'not valid JSON' },
          { line: 7, reason: 'name: required' },
        ],
        warnings: [
          { line: 4, field: 'domains[0]', reason: '"gmail.com": is a free-mail domain; dropped' },
          {
            line: 4,
            field: 'phones[0]',
            reason: '"+1 555 555 5555": not a valid phone number with country code; dropped',
          },
          { line: 4, field: 'contacts[0].email', reason: '"nope": not a valid email address; contact dropped' },
          { line: 4, field: 'contacts[1].locale', reason: '"no locale!": not a BCP-47 language tag; en-US used' },
        ],
        conflicts: [],
      });
      expect(await directory.getTenant(free)).toMatchObject({
        name: 'Free mail',
        domains: [],
        phones: [],
        contacts: [{ email: `ok@free-${s}.com`, locale: 'en-US' }],
      });
      expect(await directory.getTenant(a)).toMatchObject({
        tenantId: a,
        name: 'Fabrikam Capital Corp.',
        aliases: ['Fabrikam Capital'],
        domains: [`fabrikam-${s}.com`, `fabrikam-${s}.de`],
        phones: ['+493055501234'],
        contacts: [
          { email: `bjorn.costa@fabrikam-${s}.de`, name: 'Bjorn Costa', roles: ['GlobalAdmin'], locale: 'de-DE' },
        ],
      });
      const idn = await directory.getTenant(b);
      expect(idn.domains).toEqual([new URL(`http://bücher-${s}.de`).hostname]);
      expect(idn.domains[0]).toMatch(/^xn--/);
      expect(idn.contacts).toEqual([{ email: `lena@${idn.domains[0]}`, name: null, roles: [], locale: 'en-US' }]);
    },
  );

  it('re-import upserts: counts updated, replaces domains and contacts, keeps unchanged contacts', async () => {
    const s = u();
    const [a, b] = [randomUUID(), randomUUID()];
    const first = await importFile([
      line({
        tenantId: a,
        name: 'Contoso',
        domains: [`contoso-${s}.com`, `old-${s}.com`],
        contacts: [
          { email: `keep@contoso-${s}.com`, roles: ['GlobalAdmin'] },
          { email: `gone@contoso-${s}.com`, roles: ['PrivacyReader'] },
        ],
      }),
    ]);
    expect(first).toEqual({ imported: 1, updated: 0, rejected: [], warnings: [], conflicts: [] });
    const keepBefore = await prisma.tenantContact.findFirstOrThrow({
      where: { tenantId: a, email: `keep@contoso-${s}.com` },
    });

    const second = await importFile([
      line({
        tenantId: a,
        name: 'Contoso Ltd',
        domains: [`contoso-${s}.com`, `new-${s}.com`],
        contacts: [
          { email: `KEEP@contoso-${s}.com`, roles: ['GlobalAdmin', 'BillingAdmin'], locale: 'fr-FR' },
          { email: `new@contoso-${s}.com`, roles: ['MessageCenterReader'] },
        ],
      }),
      line({ tenantId: b, name: 'Northwind', domains: [`old-${s}.com`] }), // free now: a gave it up on line 1
    ]);
    expect(second).toEqual({ imported: 1, updated: 1, rejected: [], warnings: [], conflicts: [] });

    const t = await directory.getTenant(a);
    expect(t).toMatchObject({ name: 'Contoso Ltd', domains: [`contoso-${s}.com`, `new-${s}.com`] });
    expect(t.contacts).toEqual([
      { email: `keep@contoso-${s}.com`, name: null, roles: ['GlobalAdmin', 'BillingAdmin'], locale: 'fr-FR' },
      { email: `new@contoso-${s}.com`, name: null, roles: ['MessageCenterReader'], locale: 'en-US' },
    ]);
    const keepAfter = await prisma.tenantContact.findFirstOrThrow({
      where: { tenantId: a, email: `keep@contoso-${s}.com` },
    });
    expect(keepAfter.id).toBe(keepBefore.id);
    expect((await directory.getTenant(b)).domains).toEqual([`old-${s}.com`]);
  });

  it('imports a tenant claiming a domain another verified, records the conflict, and settles it on re-import', async () => {
    const s = u();
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const r1 = await importFile([
      line({ tenantId: a, name: 'Contoso', domains: [`contoso-${s}.com`] }),
      line({ tenantId: b, name: 'Labs', domains: [`labs.contoso-${s}.com`] }), // a subdomain may be another tenant's: no conflict
      line({ tenantId: c, name: 'Copycat', domains: [`copycat-${s}.com`, `CONTOSO-${s}.com`] }),
    ]);
    expect(r1).toEqual({
      imported: 3,
      updated: 0,
      rejected: [],
      warnings: [],
      conflicts: [{ line: 3, domain: `contoso-${s}.com`, tenantIds: [a, c] }],
    });
    // one owner in the database, the other a claim; the claimant keeps its other domain
    expect(await prisma.tenantDomain.findUnique({ where: { domain: `contoso-${s}.com` } })).toMatchObject({
      tenantId: a,
    });
    expect(await prisma.tenantDomain.findUnique({ where: { domain: `copycat-${s}.com` } })).toMatchObject({
      tenantId: c,
    });
    expect((await directory.getTenant(c)).conflictedDomains).toEqual([`contoso-${s}.com`]);
    expect((await directory.getTenant(a)).conflictedDomains).toEqual([`contoso-${s}.com`]);
    expect((await directory.getTenant(b)).conflictedDomains).toEqual([]);
    const open = (await directory.listConflicts()).filter((x) => x.domain.endsWith(`-${s}.com`));
    expect(open).toEqual([
      {
        domain: `contoso-${s}.com`,
        since: expect.any(String),
        claimants: [
          { tenantId: a, name: 'Contoso' },
          { tenantId: c, name: 'Copycat' },
        ],
      },
    ]);

    // a second claim, against the database, on the subdomain
    const r2 = await importFile([
      '',
      line({
        tenantId: c,
        name: 'Copycat',
        domains: [`copycat-${s}.com`, `contoso-${s}.com`, `labs.contoso-${s}.com`],
      }),
    ]);
    expect(r2.conflicts).toEqual([
      { line: 2, domain: `contoso-${s}.com`, tenantIds: [a, c] },
      { line: 2, domain: `labs.contoso-${s}.com`, tenantIds: [b, c] },
    ]);

    // the copycat's corrected line settles both
    const r3 = await importFile([line({ tenantId: c, name: 'Copycat', domains: [`copycat-${s}.com`] })]);
    expect(r3).toMatchObject({ updated: 1, conflicts: [] });
    expect((await directory.listConflicts()).filter((x) => x.domain.endsWith(`-${s}.com`))).toEqual([]);
    expect(await prisma.tenantDomainClaim.count({ where: { tenantId: c } })).toBe(0);

    // the owner giving the domain up hands it to the remaining claimant
    await importFile([line({ tenantId: c, name: 'Copycat', domains: [`copycat-${s}.com`, `contoso-${s}.com`] })]);
    await importFile([line({ tenantId: a, name: 'Contoso', domains: [] })]);
    expect(await prisma.tenantDomain.findUnique({ where: { domain: `contoso-${s}.com` } })).toMatchObject({
      tenantId: c,
    });
    expect((await directory.listConflicts()).filter((x) => x.domain.endsWith(`-${s}.com`))).toEqual([]);
  });

  it('the database keeps one owner per domain: a batch listing a held domain records a claim', async () => {
    const s = u();
    const repo = app.get(DirectoryRepository);
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const t = (id: string, domains: string[]) => ({
      tenant: { id, name: id, aliases: [], phones: [], domains, contacts: [] },
    });
    await repo.writeTenants([t(a, [`held-${s}.com`])]);
    const r = await repo.writeTenants([t(c, [`other-${s}.com`]), t(b, [`held-${s}.com`])]);
    expect(r.conflicts).toEqual([{ domain: `held-${s}.com`, tenantIds: [a, b] }]);
    expect(await prisma.tenantDomain.count({ where: { domain: `held-${s}.com` } })).toBe(1);
    await expect(prisma.tenantDomain.create({ data: { domain: `held-${s}.com`, tenantId: b } })).rejects.toThrow();
  });

  it('two imports racing for one domain: exactly one owns it, the other claims it', async () => {
    const s = u();
    const [a, b] = [randomUUID(), randomUUID()];
    const results = await Promise.all([
      importFile([line({ tenantId: a, name: 'A', domains: [`race-${s}.com`] })]),
      importFile([line({ tenantId: b, name: 'B', domains: [`race-${s}.com`] })]),
    ]);
    expect(results.map((r) => r.imported)).toEqual([1, 1]);
    expect(await prisma.tenantDomain.count({ where: { domain: `race-${s}.com` } })).toBe(1);
    expect(await prisma.tenantDomainClaim.count({ where: { domain: `race-${s}.com` } })).toBe(1);
  });

  it("imports a CSV directory: byte-order mark, `;`, a quoted line break, one tenant's rows apart", async () => {
    const s = u();
    const [a, b] = [randomUUID(), randomUUID()];
    const csv =
      '\ufefftenantId;name;domains;contactEmail;contactName;contactRoles;contactLocale;phones\n' +
      `${a};"Fabrikam\nCapital";fabrikam-${s}.de;admin@fabrikam-${s}.de;Ann;GlobalAdmin;de-DE;+49 30 5550 1234\n` +
      `${b};Northwind;northwind-${s}.com gmail.com;it@northwind-${s}.com;;GlobalAdmin PrivacyReader;;\n` +
      `${a};Fabrikam Capital;fabrikam-${s}.com;privacy@fabrikam-${s}.de;;PrivacyReader;fr-FR;+1 555 555 5555\n`;
    const r = await directory.importTenantsCsv(Readable.from([Buffer.from(csv)]));
    expect(r).toEqual({
      imported: 2,
      updated: 0,
      rejected: [],
      warnings: [
        { line: 2, field: 'name', reason: 'control characters replaced by spaces' },
        { line: 4, field: 'domains', reason: '"gmail.com": is a free-mail domain; dropped' },
        { line: 5, field: 'phones', reason: '"+1 555 555 5555": not a valid phone number with country code; dropped' },
      ],
      conflicts: [],
    });
    const fab = await directory.getTenant(a);
    expect(fab).toMatchObject({
      name: 'Fabrikam Capital',
      domains: [`fabrikam-${s}.com`, `fabrikam-${s}.de`],
      phones: ['+493055501234'],
    });
    expect(fab.contacts).toEqual([
      { email: `admin@fabrikam-${s}.de`, name: 'Ann', roles: ['GlobalAdmin'], locale: 'de-DE' },
      { email: `privacy@fabrikam-${s}.de`, name: null, roles: ['PrivacyReader'], locale: 'fr-FR' },
    ]);
    expect((await directory.getTenant(b)).contacts).toEqual([
      { email: `it@northwind-${s}.com`, name: null, roles: ['GlobalAdmin', 'PrivacyReader'], locale: 'en-US' },
    ]);
  });

  it('imports many tenants in batches', async () => {
    const s = u();
    const ids = Array.from({ length: 1234 }, () => randomUUID());
    const r = await importFile(
      ids.map((id, i) =>
        line({
          tenantId: id,
          name: `T${i}`,
          domains: [`t${i}-${s}.example.com`],
          contacts: [{ email: `admin@t${i}-${s}.example.com`, roles: ['GlobalAdmin'] }],
        }),
      ),
    );
    expect(r).toEqual({ imported: 1234, updated: 0, rejected: [], warnings: [], conflicts: [] });
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
    await request(http)
      .post('/v1/tenants/import')
      .set('Authorization', 'Bearer wrong-token-wrong-token')
      .set('Content-Type', 'application/x-ndjson')
      .send('{}\n')
      .expect(401);
    await request(http).get(`/v1/tenants/${randomUUID()}`).expect(401);
    await request(http).get('/v1/tenants').expect(401);
  });

  it('imports JSONL and gzip bodies and answers as the CLI does', async () => {
    const s = u();
    const [a, b] = [randomUUID(), randomUUID()];
    const body = [line({ tenantId: a, name: 'API Tenant', domains: [`api-${s}.com`] }), 'garbage', ''].join('\n');
    const res = await request(app.getHttpServer())
      .post('/v1/tenants/import')
      .set(auth)
      .set('Content-Type', 'application/x-ndjson')
      .send(body)
      .expect(200);
    expect(res.body).toEqual({
      imported: 1,
      updated: 0,
      rejected: [{ line: 2, reason: 'not valid JSON' }],
      warnings: [],
      conflicts: [],
    });

    const gz = gzipSync(
      [
        line({ tenantId: a, name: 'API Tenant 2', domains: [`api-${s}.com`] }),
        line({ tenantId: b, name: 'B', domains: [`api-${s}.com`] }),
      ].join('\n'),
    );
    const res2 = await request(app.getHttpServer())
      .post('/v1/tenants/import')
      .set(auth)
      .set('Content-Type', 'application/gzip')
      .send(gz)
      .expect(200);
    expect(res2.body).toEqual({
      imported: 1,
      updated: 1,
      rejected: [],
      warnings: [],
      conflicts: [{ line: 2, domain: `api-${s}.com`, tenantIds: [a, b] }],
    });

    const got = await request(app.getHttpServer()).get(`/v1/tenants/${a}`).set(auth).expect(200);
    expect(got.body).toMatchObject({ tenantId: a, name: 'API Tenant 2', domains: [`api-${s}.com`] });

    const conflicts = await request(app.getHttpServer()).get('/v1/tenants/conflicts').set(auth).expect(200);
    expect(conflicts.body.conflicts.filter((c: { domain: string }) => c.domain === `api-${s}.com`)).toEqual([
      {
        domain: `api-${s}.com`,
        since: expect.any(String),
        claimants: [
          { tenantId: a, name: 'API Tenant 2' },
          { tenantId: b, name: 'B' },
        ],
      },
    ]);
    await request(app.getHttpServer()).get('/v1/tenants/conflicts').expect(401);
  });

  it('imports a CSV body, by content type or by name, gzip too', async () => {
    const s = u();
    const [a, b] = [randomUUID(), randomUUID()];
    const csv = (id: string, d: string) => `tenantId,name,domains,contactEmail\n${id},CSV Tenant,${d},bad-address\n`;
    const res = await request(app.getHttpServer())
      .post('/v1/tenants/import')
      .set(auth)
      .set('Content-Type', 'text/csv')
      .send(csv(a, `csv-${s}.com`))
      .expect(200);
    expect(res.body).toEqual({
      imported: 1,
      updated: 0,
      rejected: [],
      warnings: [
        { line: 2, field: 'contactEmail', reason: '"bad-address": not a valid email address; contact dropped' },
      ],
      conflicts: [],
    });
    const gz = gzipSync(csv(b, `csv2-${s}.com`));
    const res2 = await request(app.getHttpServer())
      .post('/v1/tenants/import?name=tenants.csv.gz')
      .set(auth)
      .set('Content-Type', 'application/gzip')
      .send(gz)
      .expect(200);
    expect(res2.body).toMatchObject({ imported: 1, rejected: [] });
    expect((await request(app.getHttpServer()).get(`/v1/tenants/${b}`).set(auth).expect(200)).body.domains).toEqual([
      `csv2-${s}.com`,
    ]);
  });

  it('refuses a JSON body type (the JSON parser would swallow the stream)', async () => {
    await request(app.getHttpServer())
      .post('/v1/tenants/import')
      .set(auth)
      .set('Content-Type', 'application/json')
      .send('{}')
      .expect(415);
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
