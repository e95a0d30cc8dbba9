/**
 * Input errors are the client's: every route of the operator API, the inbox API, the page and
 * the probes (listed from openapi.json, which a test keeps in step with the code) is called with
 * malformed values in its path parameters, its query string and its body: NUL (raw and `%00`),
 * broken percent-encoding, overlong and invalid UTF-8, a 10 kB id, `../`, quotes. None may answer
 * 5xx, and the API must answer normally afterwards. Requests are written by hand on a socket, so
 * the bytes arrive exactly as written (an HTTP client would re-encode or refuse them).
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApiApp } from '../../apps/api/src/create-app.js';
import { DevIssuer } from '../../libs/auth/dev-issuer.js';
import { PrismaService } from '../../libs/db/prisma.service.js';
import { isolate } from '../support/isolation.js';
import { seedTenant } from '../support/inbox-seed.js';

const OPERATOR_TOKEN = 'malformed-input-token-0123456789';

/** Values as they are written into the request target (raw bytes where a string cannot say them). */
const MALFORMED: Buffer[] = [
  Buffer.from('%00'),
  Buffer.from('a%00b'),
  Buffer.from([0x61, 0x00, 0x62]),
  Buffer.from('%E0%A4%A'),
  Buffer.from('%C0%AF'),
  Buffer.from('%C0%80'),
  Buffer.from('%FF%FE'),
  Buffer.from([0xc0, 0xaf]),
  Buffer.from([0xff, 0xfe]),
  Buffer.from('%'),
  Buffer.from('%ZZ'),
  Buffer.from('x'.repeat(10_000)),
  Buffer.from('..%2F..%2Fetc%2Fpasswd'),
  Buffer.from('../..'),
  Buffer.from("'%20OR%201=1--"),
  Buffer.from('%22%27%3C%3E'),
  Buffer.from('%F0%9F%98'),
];

/** JSON bodies with malformed values: NUL inside strings, and bytes that are not UTF-8. */
const BODIES: Buffer[] = [
  Buffer.from(
    JSON.stringify({
      tenantId: 'a\u0000b',
      ids: ['a\u0000b', '%00'],
      name: 'x\u0000',
      supportUrl: 'https://x\u0000',
      datasetId: '\u0000',
    }),
  ),
  Buffer.concat([
    Buffer.from('{"tenantId":"'),
    Buffer.from([0xc0, 0xaf, 0xff]),
    Buffer.from('","ids":["'),
    Buffer.from([0xed, 0xa0, 0x80]),
    Buffer.from('"]}'),
  ]),
  Buffer.from('{"ids":["\\ud800"],"tenantId":"\\u0000"}'),
];

interface Answer {
  status: number;
  head: string;
}

describe('malformed input answers 4xx on every route', () => {
  let app: NestExpressApplication;
  let port: number;
  let tenantToken: string;
  const keyDir = mkdtempSync(join(tmpdir(), 'malformed-input-'));
  const saved = { ...process.env };

  beforeAll(async () => {
    await isolate();
    Object.assign(process.env, {
      OPERATOR_TOKENS: `ops:${OPERATOR_TOKEN}`,
      DEV_ISSUER_ENABLED: 'true',
      DEV_ISSUER_KEY_DIR: keyDir,
      INBOX_RATE_PER_USER: '1000000',
      INBOX_RATE_PER_ADDRESS: '1000000',
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
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
    const tenant = await seedTenant(app.get(PrismaService));
    tenantToken = (await app.get(DevIssuer).issue(tenant.id, tenant.contacts[0]!.email)).token;
  });

  afterAll(async () => {
    process.env = saved;
    await app?.close();
    rmSync(keyDir, { recursive: true, force: true });
  });

  /** One request written byte for byte; the status line of the answer (0 when the connection closed without one). */
  function send(
    method: string,
    target: Buffer,
    token: string | null,
    body?: Buffer,
    contentType = 'application/json',
  ): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      const headers = [
        `Host: 127.0.0.1:${port}`,
        'Connection: close',
        ...(token ? [`Authorization: Bearer ${token}`] : []),
        ...(body
          ? [`Content-Type: ${contentType}`, `Content-Length: ${body.length}`]
          : method === 'POST'
            ? ['Content-Length: 0']
            : []),
      ];
      socket.write(
        Buffer.concat([
          Buffer.from(`${method} `),
          target,
          Buffer.from(` HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`),
          body ?? Buffer.alloc(0),
        ]),
      );
      const parts: Buffer[] = [];
      socket.on('data', (d: Buffer) => parts.push(d));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        const head = Buffer.concat(parts).toString('latin1').split('\r\n\r\n')[0] ?? '';
        resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head });
      });
      socket.setTimeout(20_000, () =>
        reject(new Error(`${method} ${target.toString('latin1').slice(0, 80)}: no answer within 20 s`)),
      );
    });
  }

  const routes = Object.entries(
    JSON.parse(readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8')).paths as Record<
      string,
      Record<string, unknown>
    >,
  ).flatMap(([path, methods]) => Object.keys(methods).map((m) => ({ path, method: m.toUpperCase() })));
  const tokenFor = (path: string) =>
    path.startsWith('/v1/admin/')
      ? tenantToken
      : path.startsWith('/v1/') || path === '/metrics'
        ? OPERATOR_TOKEN
        : null;
  const VALID_ID = Buffer.from('00000000-0000-4000-8000-000000000000');
  const paramsOf = (path: string) => path.match(/\{[^}]+\}/g)?.length ?? 0;
  /** The path with its `which`-th `{param}` replaced by `value` and the others by a well-formed id, as bytes (`which` -1: none). */
  const fill = (path: string, value: Buffer, which = -1) => {
    const pieces = path.split(/\{[^}]+\}/);
    return Buffer.concat(
      pieces.flatMap((p, i) => (i === 0 ? [Buffer.from(p)] : [i - 1 === which ? value : VALID_ID, Buffer.from(p)])),
    );
  };
  const QUERY_NAMES = [
    '$top',
    '$skip',
    '$filter',
    'skip',
    'take',
    'name',
    'format',
    'state',
    'upload',
    'tenant',
    'campaignId',
    'actor',
    'email',
  ];
  const query = (value: Buffer) =>
    Buffer.concat([Buffer.from('?'), ...QUERY_NAMES.flatMap((n, i) => [Buffer.from(`${i ? '&' : ''}${n}=`), value])]);

  it('lists the routes to walk', () => {
    expect(routes.length).toBeGreaterThan(30);
    expect(routes.some((r) => r.path.includes('{'))).toBe(true);
  });

  it('answers no 5xx to a malformed value in any path parameter, query string or body, and goes on answering', async () => {
    const fiveHundreds: string[] = [];
    const note = (what: string, a: Answer) => {
      if (a.status >= 500 || a.status === 0)
        fiveHundreds.push(`${what} → ${a.status || 'connection closed'} ${a.head.split('\r\n')[0] ?? ''}`);
    };
    for (const { path, method } of routes) {
      const token = tokenFor(path);
      for (const value of MALFORMED) {
        const shown = `${method} ${path} [${value.toString('latin1').slice(0, 24)}]`;
        // one parameter at a time, the others well-formed: a parameter checked late is reached too
        for (let which = 0; which < paramsOf(path); which++)
          note(`${shown} in path parameter ${which + 1}`, await send(method, fill(path, value, which), token));
        const target = Buffer.concat([fill(path, value), query(value)]);
        note(
          `${shown} in the query`,
          await send(method, target, token, method === 'POST' ? Buffer.from('{}') : undefined),
        );
      }
      if (method === 'POST') {
        for (const body of BODIES) {
          const target = fill(path, VALID_ID);
          note(`${method} ${path} with a malformed JSON body`, await send(method, target, token, body));
          note(
            `${method} ${path} with a malformed NDJSON body`,
            await send(method, target, token, body, 'application/x-ndjson'),
          );
        }
      }
    }
    expect(fiveHundreds).toEqual([]);
    expect((await send('GET', Buffer.from('/health/live'), null)).status).toBe(200);
    expect((await send('GET', Buffer.from('/v1/tenants'), OPERATOR_TOKEN)).status).toBe(200);
    expect((await send('GET', Buffer.from('/v1/admin/serviceAnnouncement/messages'), tenantToken)).status).toBe(200);
  }, 240_000);

  it('answers 400 with a reason to NUL and to broken or overlong percent-encoding', async () => {
    for (const bad of [
      '/v1/datasets/%00',
      '/v1/datasets/%E0%A4%A',
      '/v1/datasets/%C0%80',
      '/v1/tenants?skip=%00',
      '/v1/admin/serviceAnnouncement/messages/%C0%AF',
    ]) {
      const a = await send('GET', Buffer.from(bad), bad.includes('/admin/') ? tenantToken : OPERATOR_TOKEN);
      expect([bad, a.status]).toEqual([bad, 400]);
    }
    // a JSON body that is not UTF-8 is refused before it is parsed
    const notUtf8 = await send('POST', Buffer.from('/v1/campaigns'), OPERATOR_TOKEN, BODIES[1]);
    expect(notUtf8.status).toBe(400);
  });
});
