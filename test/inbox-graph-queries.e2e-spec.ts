/**
 * Graph clients against the inbox, end to end on real PostgreSQL through the real HTTP app: query
 * strings as Microsoft Graph PowerShell, the Graph SDKs and Graph Explorer send them (encoded and
 * not), each answered as Graph would (order, subset, count, paging); attachments and their archive
 * compared with the JSON exposure view; app-only tokens; and every new path tried across tenants.
 * Tokens come from an external issuer (a key made here), as in production.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { parse } from 'csv-parse/sync';
import { unzipSync } from 'fflate';
import { importPKCS8, SignJWT, type CryptoKey } from 'jose';
import request from 'supertest';
import { createApiApp } from '../apps/api/src/create-app.js';
import { PrismaService } from '../libs/db/prisma.service.js';
import { attachmentId, CSV_COLUMNS, restoreCell } from '../libs/inbox/exposure-attachment.js';
import type { ExposureView } from '../libs/attribution/exposure-view.js';
import { isolate } from './support/isolation.js';
import { postNotice, seedCampaign, seedTenant, viewFor, type SeededTenant } from './support/inbox-seed.js';

const API = '/v1/admin/serviceAnnouncement/messages';
const PUBLIC_BASE = 'https://inbox.example.com';
const ISS = 'https://login.example.com/idp/v2.0';
const AUD = 'api://exposure-notify';
const APP_PERMISSION = 'ServiceMessage.Read.All';
const APP_ID = '5f0c9b8e-1d2a-4c3b-9a8f-7e6d5c4b3a21';
const NOT_FOUND = { error: { code: 'notFound', message: 'message not found' } };

interface Msg {
  id: string;
  [k: string]: unknown;
}

describe('tenant inbox: Graph queries, attachments and app-only tokens (real PostgreSQL)', () => {
  const saved = { ...process.env };
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let http: ReturnType<NestExpressApplication['getHttpServer']>;
  let key: CryptoKey;
  let A: SeededTenant;
  let B: SeededTenant;
  /** A's five notices, named as in the table below */
  const n: Record<string, string> = {};
  let b1: string;
  const tok: Record<string, string> = {};
  let foreign: string[];

  const sign = (claims: Record<string, unknown>) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(ISS)
      .setAudience(AUD)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(key);
  };
  const get = (path: string, token = tok.admin!) => request(http).get(path).set('Authorization', `Bearer ${token}`);
  const ids = (res: request.Response) => (res.body.value as Msg[]).map((m) => m.id);
  const expectNoForeign = (res: request.Response) => {
    const text = `${JSON.stringify(res.headers)}\n${res.text ?? ''}\n${Buffer.isBuffer(res.body) ? res.body.toString('latin1') : ''}`;
    for (const f of foreign) expect(text.toLowerCase()).not.toContain(f.toLowerCase());
  };
  const binary = (r: request.Test) =>
    r.buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });

  beforeAll(async () => {
    await isolate();
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    key = await importPKCS8(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 'RS256');
    Object.assign(process.env, {
      TENANT_JWT_PUBLIC_KEY: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string,
      TENANT_JWT_ISSUER: ISS,
      TENANT_JWT_AUDIENCE: AUD,
      TENANT_APP_PERMISSIONS: APP_PERMISSION,
      DEV_ISSUER_ENABLED: 'false',
      INBOX_RATE_PER_USER: '100000',
      INBOX_RATE_PER_ADDRESS: '100000',
      PUBLIC_BASE_URL: PUBLIC_BASE,
    });
    for (const k of ['TENANT_JWKS_URL', 'DEV_ISSUER_PRIVATE_KEY']) delete process.env[k];
    app = await createApiApp();
    await app.init();
    http = app.getHttpServer();
    prisma = app.get(PrismaService);

    const contacts = (d: string) => [
      { email: `admin@${d}`, roles: ['GlobalAdmin'] },
      { email: `reader@${d}`, roles: ['MessageCenterReader'] },
    ];
    A = await seedTenant(prisma, { contacts });
    B = await seedTenant(prisma, { contacts });
    // the table the queries below are answered from
    const rows: [string, Partial<Row>][] = [
      [
        'n1',
        {
          title: 'Mango',
          posted: '2026-10-01T08:00:00Z',
          modified: '2026-10-05T00:00:00Z',
          severity: 'normal',
          category: 'stayInformed',
          major: false,
          services: ['Exchange Online'],
          tags: ['Data privacy', 'Admin impact'],
          actionBy: null,
        },
      ],
      [
        'n2',
        {
          title: 'Apple',
          posted: '2026-10-10T08:00:00Z',
          modified: '2026-10-10T12:00:00Z',
          severity: 'high',
          category: 'preventOrFixIssue',
          major: true,
          services: ['Microsoft Teams', 'SharePoint Online'],
          tags: ['Data privacy'],
          actionBy: '2026-12-01T00:00:00Z',
        },
      ],
      [
        'n3',
        {
          title: 'Zebra',
          posted: '2026-10-20T08:00:00Z',
          modified: '2026-11-02T00:00:00Z',
          severity: 'critical',
          category: 'planForChange',
          major: false,
          services: ['Microsoft Teams'],
          tags: ['Admin impact', 'Retirement'],
          actionBy: '2026-11-15T00:00:00Z',
        },
      ],
      [
        'n4',
        {
          title: 'Kiwi',
          posted: '2026-11-01T08:00:00Z',
          modified: '2026-11-01T00:00:00Z',
          severity: 'normal',
          category: 'stayInformed',
          major: true,
          services: ['Exchange Online'],
          tags: ['Updated message'],
          actionBy: null,
        },
      ],
      [
        'n5',
        {
          title: 'Banana',
          posted: '2026-11-15T08:00:00Z',
          modified: '2026-11-20T00:00:00Z',
          severity: 'high',
          category: 'stayInformed',
          major: false,
          services: [],
          tags: ['Data privacy', 'Admin impact'],
          actionBy: '2027-01-10T00:00:00Z',
        },
      ],
    ];
    for (const [name, r] of rows) n[name] = await notice(A, r as Row);
    b1 = await notice(B, { ...(rows[1]![1] as Row), title: 'Apple' });
    for (const t of [A, B])
      for (const c of t.contacts)
        tok[`${t === A ? '' : 'B.'}${c.email.split('@')[0]}`] = await sign({
          sub: `user-${c.email}`,
          tid: t.id,
          email: c.email,
          roles: c.roles,
        });
    tok.app = await sign({ sub: 'sp-a', oid: 'sp-a', azp: APP_ID, idtyp: 'app', tid: A.id, roles: [APP_PERMISSION] });
    foreign = [B.id, B.name, B.domain, b1, `Person of ${B.name}`];
  });

  interface Row {
    title: string;
    posted: string;
    modified: string;
    severity: string;
    category: string;
    major: boolean;
    services: string[];
    tags: string[];
    actionBy: string | null;
  }

  async function notice(t: SeededTenant, r: Row, view?: ExposureView): Promise<string> {
    const id = await postNotice(prisma, await seedCampaign(prisma, r.title), t, {
      postedAt: new Date(r.posted),
      tags: r.tags,
      ...(view ? { view } : {}),
    });
    await prisma.notice.update({
      where: { id },
      data: {
        title: r.title,
        severity: r.severity,
        category: r.category,
        isMajorChange: r.major,
        services: r.services,
        actionRequiredBy: r.actionBy ? new Date(r.actionBy) : null,
        lastModifiedAt: new Date(r.modified),
      },
    });
    return id;
  }

  afterAll(async () => {
    await app?.close();
    process.env = saved;
  });

  // ───────────── recorded Graph query strings ─────────────

  /** [how a client writes it, the query string as it goes on the wire, the expected ids in order, the expected count] */
  const CASES: [string, string, string[], number?][] = [
    [
      'PowerShell: Get-MgServiceAnnouncementMessage -Sort "lastModifiedDateTime desc"',
      '%24orderby=lastModifiedDateTime%20desc',
      ['n5', 'n3', 'n4', 'n2', 'n1'],
    ],
    [
      'PowerShell: -Filter "lastModifiedDateTime ge 2026-11-01T00:00:00Z" -Sort "lastModifiedDateTime" -CountVariable c',
      '%24filter=lastModifiedDateTime%20ge%202026-11-01T00%3A00%3A00Z&%24orderby=lastModifiedDateTime&%24count=true',
      ['n4', 'n3', 'n5'],
      3,
    ],
    [
      "Graph Explorer: $filter=services/any(s:s eq 'Microsoft Teams')&$orderby=startDateTime desc&$count=true",
      "$filter=services/any(s:s%20eq%20'Microsoft%20Teams')&$orderby=startDateTime%20desc&$count=true",
      ['n3', 'n2'],
      2,
    ],
    [
      "Graph docs: severity eq 'high' or isMajorChange eq true, by title",
      "$filter=severity%20eq%20'high'%20or%20isMajorChange%20eq%20true&$orderby=title",
      ['n2', 'n5', 'n4'],
    ],
    [
      'and / not / parentheses / id eq',
      `$filter=${encodeURIComponent("(category eq 'stayInformed' and not (severity eq 'normal')) or id eq '{n3}'")}`,
      ['n5', 'n3'],
    ],
    [
      'actionRequiredByDateTime le, sorted desc',
      '$filter=actionRequiredByDateTime%20le%202026-12-01T00:00:00Z&$orderby=actionRequiredByDateTime%20desc',
      ['n2', 'n3'],
    ],
    [
      'two sort keys, null action dates first ascending',
      '$orderby=actionRequiredByDateTime%20asc,title%20desc',
      ['n1', 'n4', 'n3', 'n2', 'n5'],
    ],
    [
      'tags/any and a date, inbox order',
      `$filter=${encodeURIComponent("tags/any(t:t eq 'Data privacy') and startDateTime lt 2026-11-01T00:00:00Z")}`,
      ['n2', 'n1'],
    ],
    ['eq on a date-time, in UTC', '$filter=lastModifiedDateTime%20eq%202026-11-01T00:00:00Z', ['n4']],
    [
      'eq on a date-time with an offset',
      `$filter=${encodeURIComponent('lastModifiedDateTime eq 2026-11-01T01:00:00+01:00')}`,
      ['n4'],
    ],
    ['gt with milliseconds', '$filter=lastModifiedDateTime%20gt%202026-11-01T00:00:00.000Z', ['n5', 'n3']],
    [
      'gt with seven fraction digits, as .NET writes them',
      '$filter=lastModifiedDateTime%20gt%202026-11-01T00:00:00.0000000Z',
      ['n5', 'n3'],
    ],
    [
      'PowerShell: -Filter "isMajorChange eq false" -Top 2 -CountVariable c',
      '%24top=2&%24filter=isMajorChange%20eq%20false&%24count=true',
      ['n5', 'n3'],
      3,
    ],
    ['form-encoded spaces', '$orderby=title+desc', ['n3', 'n1', 'n4', 'n5', 'n2']],
    ['option names in any case', '$orderBy=startDateTime&$Count=true', ['n1', 'n2', 'n3', 'n4', 'n5'], 5],
    [
      'services/any and an or in parentheses',
      `$filter=${encodeURIComponent("services/any(s: s eq 'Exchange Online') and (severity eq 'normal' or severity eq 'critical')")}`,
      ['n4', 'n1'],
    ],
    [
      'ne on a text and on a date (null action dates are ne)',
      `$filter=${encodeURIComponent("category ne 'stayInformed' and actionRequiredByDateTime ne 2026-11-15T00:00:00Z")}`,
      ['n2'],
    ],
    ['no options: newest posted first', '', ['n5', 'n4', 'n3', 'n2', 'n1']],
    ['$count=false', '$count=false', ['n5', 'n4', 'n3', 'n2', 'n1']],
  ];

  // every row with four cells: jest hands a three-cell row's test a `done` callback in the fourth
  it.each(CASES.map(([name, query, expected, count]) => [name, query, expected, count ?? null] as const))(
    '%s',
    async (_, query, expected, count) => {
      const q = query.replace(/%7Bn(\d)%7D|\{n(\d)\}/g, (_m, a: string, b: string) => n[`n${a ?? b}`]!);
      const res = await get(`${API}${q ? `?${q}` : ''}`).expect(200);
      expect(ids(res)).toEqual(expected.map((k) => n[k]));
      if (count === null) expect(res.body['@odata.count']).toBeUndefined();
      else expect(res.body['@odata.count']).toBe(count);
      expect(res.body['@odata.context']).toBe(`${PUBLIC_BASE}/v1/$metadata#admin/serviceAnnouncement/messages`);
      expectNoForeign(res);
    },
  );

  it('pages with $select, $orderby and $count kept in every @odata.nextLink', async () => {
    let url: string | undefined = `${API}?$select=title,lastModifiedDateTime&$top=2&$orderby=title&$count=true`;
    const seen: string[] = [];
    for (let pages = 0; url && pages < 10; pages++) {
      const res: request.Response = await get(url).expect(200);
      expect(res.body['@odata.count']).toBe(5);
      expect(res.body['@odata.context']).toBe(
        `${PUBLIC_BASE}/v1/$metadata#admin/serviceAnnouncement/messages(id,title,lastModifiedDateTime)`,
      );
      for (const m of res.body.value as Msg[]) expect(Object.keys(m)).toEqual(['id', 'title', 'lastModifiedDateTime']);
      seen.push(...ids(res));
      const next = res.body['@odata.nextLink'] as string | undefined;
      if (next) {
        const u = new URL(next);
        expect(`${u.origin}`).toBe(PUBLIC_BASE);
        expect(u.searchParams.get('$select')).toBe('id,title,lastModifiedDateTime');
        expect(u.searchParams.get('$orderby')).toBe('title asc');
        expect(u.searchParams.get('$count')).toBe('true');
        url = u.pathname + u.search;
      } else url = undefined;
    }
    expect(seen).toEqual(['n2', 'n5', 'n4', 'n1', 'n3'].map((k) => n[k]));
  });

  it('GET one message takes $select, and names it in @odata.context', async () => {
    const res = await get(`${API}/${n.n2}?$select=title,hasAttachments`).expect(200);
    expect(res.body).toEqual({
      '@odata.context': `${PUBLIC_BASE}/v1/$metadata#admin/serviceAnnouncement/messages(id,title,hasAttachments)/$entity`,
      id: n.n2,
      title: 'Apple',
      hasAttachments: true,
    });
    const whole = await get(`${API}/${n.n2}`).expect(200);
    expect(whole.body['@odata.context']).toBe(`${PUBLIC_BASE}/v1/$metadata#admin/serviceAnnouncement/messages/$entity`);
    expect(whole.body.services).toEqual(['Microsoft Teams', 'SharePoint Online']);
    for (const q of ['$orderby=title', '$count=true', '$select=secret']) await get(`${API}/${n.n2}?${q}`).expect(400);
  });

  it('$count counts only what the reader may see: a reader without a privacy role counts no data-privacy notice', async () => {
    const res = await get(`${API}?$count=true`, tok.reader).expect(200);
    expect(ids(res)).toEqual([n.n4, n.n3]);
    expect(res.body['@odata.count']).toBe(2);
    const filtered = await get(
      `${API}?$count=true&$filter=${encodeURIComponent("tags/any(t:t eq 'Data privacy') or severity eq 'high'")}`,
      tok.reader,
    ).expect(200);
    expect(filtered.body).toMatchObject({ value: [], '@odata.count': 0 });
  });

  // ───────────── hostile query options ─────────────

  it('answers hostile input in every option with 400 and a reason that does not echo it, never 500', async () => {
    const marker = 'zq9xmarker';
    const hostile: [string, RegExp][] = [
      [`$filter=${encodeURIComponent(`${'('.repeat(500)}isRead eq true${')'.repeat(500)}`)}`, /nested deeper/],
      [`$filter=${encodeURIComponent(`${'not '.repeat(50)}isRead eq true`)}`, /nested deeper/],
      [`$filter=${encodeURIComponent(Array(300).fill("category eq 'x'").join(' or '))}`, /longer than|more than/],
      [
        `$filter=${encodeURIComponent(`lastModifiedDateTime ge 2026-11-01T00:00:00Z) OR 1=1 --${marker}`)}`,
        /expected 'and', 'or'/,
      ],
      [`$filter=${encodeURIComponent(`${marker} eq 'x'`)}`, /unsupported property/],
      [`$filter=${encodeURIComponent(`lastModifiedDateTime ge '${marker}'`)}`, /expected a date-time/],
      [`$filter=${encodeURIComponent('lastModifiedDateTime ge 9999-99-99T99:99:99Z')}`, /is not one/],
      [`$filter=${encodeURIComponent("id eq 'x' or id eq '" + 'y'.repeat(300) + "'")}`, /longer than 200/],
      [`$orderby=${encodeURIComponent(`title; DROP TABLE notices --${marker}`)}`, /\$orderby: item 1/],
      [`$orderby=${encodeURIComponent(`(SELECT ${marker})`)}`, /\$orderby: item 1/],
      [`$orderby=${'title,'.repeat(200)}title`, /\$orderby: longer than/],
      [`$select=${encodeURIComponent(`title,(select ${marker} from tenants)`)}`, /\$select: item 2/],
      [`$select=${encodeURIComponent('*')}`, /\$select: item 1/],
      [`$count=${encodeURIComponent(`true;${marker}`)}`, /\$count must be/],
      [`$count=true&$count=false`, /given once/],
      [`$expand=attachments`, /unsupported query option/],
      [`$search=${marker}`, /unsupported query option/],
      [`$${marker}=1`, /unsupported query option/],
    ];
    for (const [query, reason] of hostile) {
      const res = await get(`${API}?${query}`);
      expect({ query: query.slice(0, 80), status: res.status }).toEqual({ query: query.slice(0, 80), status: 400 });
      expect(res.body.error.code).toBe('badInput');
      expect(res.body.error.message).toMatch(reason);
      expect(res.text).not.toContain(marker);
      expect(res.text.length).toBeLessThan(600);
    }
    for (const path of [`${API}/${n.n1}/attachments?$top=1`, `${API}/${n.n1}/attachmentsArchive?$format=${marker}`]) {
      const res = await get(path).expect(400);
      expect(res.text).not.toContain(marker);
    }
  });

  // ───────────── attachments ─────────────

  it('serves the exposure view as a CSV attachment and a zip archive that read back to the JSON view', async () => {
    const msg = await get(`${API}/${n.n1}`).expect(200);
    expect(msg.body.hasAttachments).toBe(true);
    const json = (await get(`${API}/${n.n1}/exposure`).expect(200)).body as ExposureView;
    const list = await get(`${API}/${n.n1}/attachments`).expect(200);
    const aid = attachmentId(n.n1!);
    expect(list.body['@odata.context']).toBe(
      `${PUBLIC_BASE}/v1/$metadata#admin/serviceAnnouncement/messages('${n.n1}')/attachments`,
    );
    expect(list.body.value).toEqual([
      {
        id: aid,
        name: `${n.n1}-exposure.csv`,
        contentType: 'text/csv; charset=utf-8',
        size: expect.any(Number),
        isInline: false,
        lastModifiedDateTime: '2026-10-05T00:00:00.000Z',
      },
    ]);
    const one = await get(`${API}/${n.n1}/attachments/${aid}`).expect(200);
    expect(one.body).toMatchObject(list.body.value[0]);
    const content = await binary(get(`${API}/${n.n1}/attachments/${aid}/content`)).expect(200);
    expect(content.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(content.headers['content-disposition']).toBe(`attachment; filename="${n.n1}-exposure.csv"`);
    expect(content.headers['x-content-type-options']).toBe('nosniff');
    expect(content.headers['cache-control']).toBe('no-store');
    const csv = content.body as Buffer;
    expect(csv.length).toBe(list.body.value[0].size);
    expect(viewFromCsv(csv)).toEqual(json);

    const zip = await binary(get(`${API}/${n.n1}/attachmentsArchive`)).expect(200);
    expect(zip.headers['content-type']).toBe('application/zip');
    expect(zip.headers['content-disposition']).toBe(`attachment; filename="${n.n1}-attachments.zip"`);
    const files = unzipSync(new Uint8Array(zip.body as Buffer));
    expect(Object.keys(files)).toEqual([`${n.n1}-exposure.csv`]);
    expect(Buffer.from(files[`${n.n1}-exposure.csv`]!)).toEqual(csv);
  });

  it('withholds from the CSV and the zip exactly what the JSON view withholds, and neutralises formulas', async () => {
    const secret = `withheld-${randomUUID()}`;
    const stored = {
      ...viewFor(A),
      otherTenant: { name: B.name, secret },
      records: [{ recordId: 'R-1', kind: 'email', dataCategories: ['Names'], subject: secret, body: secret }],
      people: [{ name: '=HYPERLINK("http://evil.example")', email: `p@${A.domain}`, ssn: secret, tenantId: B.id }],
      files: [
        { fileName: '+cmd.pdf', sha256: 'cd'.repeat(32), owners: [B.id], path: secret },
        { fileName: null, sha256: secret },
      ],
    };
    const id = await notice(
      A,
      {
        title: 'Stray',
        posted: '2026-09-01T00:00:00Z',
        modified: '2026-09-01T00:00:00Z',
        severity: 'normal',
        category: 'stayInformed',
        major: false,
        services: [],
        tags: ['Data privacy'],
        actionBy: null,
      },
      stored as unknown as ExposureView,
    );
    const json = await get(`${API}/${id}/exposure`).expect(200);
    expect(json.text).not.toContain(secret);
    const csv = (await binary(get(`${API}/${id}/attachments/${attachmentId(id)}/content`)).expect(200)).body as Buffer;
    const zip = (await binary(get(`${API}/${id}/attachmentsArchive`)).expect(200)).body as Buffer;
    const inZip = Buffer.from(Object.values(unzipSync(new Uint8Array(zip)))[0]!);
    for (const text of [csv.toString('utf8'), inZip.toString('utf8')]) {
      for (const f of [secret, B.name, B.id]) expect(text).not.toContain(f);
    }
    expect(viewFromCsv(csv)).toEqual(json.body);
    const rows = parse<Record<string, string>>(csv, { bom: true, columns: true });
    expect(rows.find((r) => r.element === 'person')!.name).toBe('\'=HYPERLINK("http://evil.example")');
    expect(rows.find((r) => r.element === 'file' && r.fileName)!.fileName).toBe("'+cmd.pdf");
    for (const r of rows) for (const v of Object.values(r)) expect(v).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('audits attachment reads like other reads', async () => {
    await get(`${API}/${n.n3}/attachmentsArchive`).expect(200);
    const events = await prisma.auditEvent.findMany({ where: { tenantId: A.id, subject: n.n3 } });
    expect(events.map((e) => e.action)).toContain('inbox.attachmentsArchive.read');
    expect(events.find((e) => e.action === 'inbox.attachmentsArchive.read')!.actor).toBe(
      `tenant-user:admin@${A.domain}`,
    );
  });

  // ───────────── another tenant ─────────────

  it("finds nothing of another tenant through any new path: its id in $filter, in attachments, or its attachment id on one's own message", async () => {
    for (const f of [`id eq '${b1}'`, `id eq '${b1}' or id eq '${n.n1}'`, `not (id eq '${n.n1}')`]) {
      const res = await get(`${API}?$count=true&$filter=${encodeURIComponent(f)}`).expect(200);
      expect(ids(res)).not.toContain(b1);
      expect(res.body['@odata.count']).toBe(res.body.value.length);
      expectNoForeign(res);
    }
    expect(ids(await get(`${API}?$filter=${encodeURIComponent(`id eq '${b1}' or id eq '${n.n1}'`)}`))).toEqual([n.n1]);
    // B has a notice titled like A's n2 in the same services: ordering and counting never reach it
    const teams = await get(
      `${API}?$count=true&$filter=${encodeURIComponent("services/any(s:s eq 'SharePoint Online')")}`,
    );
    expect(teams.body['@odata.count']).toBe(1);
    const missing = await get(`${API}/MC999999999999/attachments`).expect(404);
    expect(missing.body).toEqual(NOT_FOUND);
    for (const token of [tok.admin!, tok.app!]) {
      for (const path of [
        `${API}/${b1}/attachments`,
        `${API}/${b1}/attachments/${attachmentId(b1)}`,
        `${API}/${b1}/attachments/${attachmentId(b1)}/content`,
        `${API}/${b1}/attachmentsArchive`,
        `${API}/${n.n1}/attachments/${attachmentId(b1)}`,
        `${API}/${n.n1}/attachments/${attachmentId(b1)}/content`,
        `${API}/${n.n1}/attachments/${encodeURIComponent("' or 1=1 --")}/content`,
        `${API}/${encodeURIComponent(`${b1}' or '1'='1`)}/attachmentsArchive`,
      ]) {
        const res = await get(path, token);
        expect({ path, status: res.status, body: res.body }).toEqual({ path, status: 404, body: NOT_FOUND });
        expect(res.text).toBe(missing.text);
        expectNoForeign(res);
      }
    }
    // and B's own admin reads it
    await get(`${API}/${b1}/attachmentsArchive`, tok['B.admin']).expect(200);
  });

  // ───────────── app-only tokens ─────────────

  it('an app-only token with the configured application permission reads messages, exposure and attachments of its own tenant', async () => {
    const list = await get(`${API}?$count=true&$orderby=startDateTime`, tok.app).expect(200);
    expect(list.body['@odata.count']).toBeGreaterThanOrEqual(5);
    expect(ids(list)).toEqual(expect.arrayContaining([n.n1, n.n2, n.n3, n.n4, n.n5]));
    expect(ids(list)).not.toContain(b1);
    await get(`${API}/${n.n1}`, tok.app).expect(200);
    const ex = await get(`${API}/${n.n1}/exposure`, tok.app).expect(200);
    expect(ex.body).toEqual((await get(`${API}/${n.n1}/exposure`).expect(200)).body);
    await binary(get(`${API}/${n.n1}/attachments/${attachmentId(n.n1!)}/content`, tok.app)).expect(200);
    await binary(get(`${API}/${n.n1}/attachmentsArchive`, tok.app)).expect(200);
    await get(`${API}/${b1}`, tok.app).expect(404);
    const events = await prisma.auditEvent.findMany({
      where: { tenantId: A.id, actor: `tenant-app:${APP_ID}`, action: { startsWith: 'inbox.' } },
    });
    expect(new Set(events.map((e) => e.action))).toEqual(
      new Set([
        'inbox.message.list',
        'inbox.message.read',
        'inbox.exposure.read',
        'inbox.attachment.content',
        'inbox.attachmentsArchive.read',
      ]),
    );
  });

  it('an app-only token may never mark read, unread or archive: 403, nothing changes', async () => {
    for (const action of ['markRead', 'markUnread', 'archive', 'unarchive', 'favorite', 'unfavorite']) {
      const res = await request(http)
        .post(`${API}/${action}`)
        .set('Authorization', `Bearer ${tok.app}`)
        .send({ messageIds: [n.n1] })
        .expect(403);
      expect(res.body).toEqual({
        error: {
          code: 'forbidden',
          message: 'view points are kept per user: an app-only token may read but not mark messages',
        },
      });
    }
    expect(await prisma.noticeViewPoint.count({ where: { userId: 'sp-a' } })).toBe(0);
    // an acknowledgement is a user's too
    const ack = await request(http)
      .post(`${API}/${n.n1}/acknowledge`)
      .set('Authorization', `Bearer ${tok.app}`)
      .expect(403);
    expect(ack.body.error.message).toBe(
      'view points are kept per user: an app-only token may read but not mark messages',
    );
    expect(await prisma.noticeAcknowledgement.count({ where: { userId: 'sp-a' } })).toBe(0);
  });

  it('an app-only token without an allowed permission, or for a tenant not in the directory, is refused with 401', async () => {
    for (const claims of [
      { sub: 'sp-x', azp: APP_ID, tid: A.id, roles: ['Mail.Read'] },
      { sub: 'sp-x', azp: APP_ID, tid: randomUUID(), roles: [APP_PERMISSION] },
      { sub: 'sp-x', azp: APP_ID, tid: A.id, roles: [APP_PERMISSION], idtyp: 'user' },
    ]) {
      const res = await get(API, await sign(claims)).expect(401);
      expect(res.body).toEqual({ error: { code: 'unauthorized', message: 'invalid token' } });
    }
  });
});

/** The JSON exposure view the CSV stands for, read back from its rows (formula neutralising undone). */
function viewFromCsv(csv: Buffer): ExposureView {
  const rows = parse<Record<string, string>>(csv, { bom: true, columns: true }).map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, restoreCell(v)])),
  );
  expect(Object.keys(rows[0] ?? {})).toEqual([...CSV_COLUMNS]);
  const cats = (s: string) => (s ? s.split('; ') : []);
  const opt = (k: string, v: string) => (v ? { [k]: v } : {});
  return {
    dataCategories: cats(
      rows.find((r) => r.element === 'dataCategories')!.dataCategories!,
    ) as ExposureView['dataCategories'],
    records: rows
      .filter((r) => r.element === 'record')
      .map((r) => ({
        recordId: r.recordId!,
        kind: r.kind!,
        dataCategories: cats(r.dataCategories!) as ExposureView['dataCategories'],
      })),
    people: rows
      .filter((r) => r.element === 'person')
      .map((r) => ({ ...opt('name', r.name!), ...opt('email', r.email!), ...opt('phone', r.phone!) })),
    files: rows
      .filter((r) => r.element === 'file')
      .map((r) => (r.fileName ? { fileName: r.fileName, ...opt('sha256', r.sha256!) } : { fileName: null })),
  };
}
