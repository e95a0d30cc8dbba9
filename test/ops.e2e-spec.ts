/**
 * Operability of the API: liveness and readiness, Prometheus metrics behind their
 * credentials with counters that move, the queue dashboard behind operator authentication, the
 * OpenAPI document at /docs, and request logs that carry no query string or personal data.
 */
import { request as httpRequest } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TerminusModule } from '@nestjs/terminus';
import request from 'supertest';
import { generateWorld } from './fixtures/world.js';
import { isolate } from './support/isolation.js';
import { createApiApp } from '../apps/api/src/create-app.js';
import { HealthController } from '../apps/api/src/ops/health.controller.js';
import { PostgresHealth, RedisHealth } from '../apps/api/src/ops/health.indicators.js';
import { ConfigModule } from '../libs/config/config.module.js';
import { DbModule } from '../libs/db/db.module.js';

const ALICE = 'alice-token-0123456789';
const SCRAPER = 'prometheus-scrape-token-0001';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The value of one sample in a Prometheus text exposition, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('operability: health, metrics, queue dashboard, docs, request logs', () => {
  let app: INestApplication;
  const env = { ...process.env };
  /** JSON lines the API wrote to stdout during these tests */
  const logged: string[] = [];
  const write = process.stdout.write.bind(process.stdout);

  beforeAll(async () => {
    await isolate();
    Object.assign(process.env, { OPERATOR_TOKENS: `alice:${ALICE}`, METRICS_TOKEN: SCRAPER, LOG_LEVEL: 'info' });
    // the logger writes to process.stdout: keep its lines for the log test (and out of the test output)
    process.stdout.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
      const s = chunk.toString();
      if (s.startsWith('{"level"')) {
        logged.push(...s.split('\n').filter(Boolean));
        return true;
      }
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    };
    app = await createApiApp();
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    process.stdout.write = write;
    process.env = env;
  });

  it('answers liveness and readiness without credentials', async () => {
    const live = await request(app.getHttpServer()).get('/health/live').expect(200);
    expect(live.body.status).toBe('ok');
    expect(live.headers['cache-control']).toMatch(/no-store/);
    const ready = await request(app.getHttpServer()).get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({
      status: 'ok',
      details: { postgresql: { status: 'up' }, redis: { status: 'up' } },
    });
  });

  it('serves metrics only with the metrics token or an operator token', async () => {
    const server = app.getHttpServer();
    await request(server).get('/metrics').expect(401);
    await request(server).get('/metrics').set('Authorization', 'Bearer not-the-token-at-all').expect(401);
    await request(server)
      .get('/metrics')
      .set('Authorization', `Basic ${Buffer.from(`alice:${ALICE}`).toString('base64')}`)
      .expect(401);
    await request(server).get('/metrics').set('Authorization', `Bearer ${ALICE}`).expect(200);
    const res = await request(server).get('/metrics').set('Authorization', `Bearer ${SCRAPER}`).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    for (const queue of ['analysis', 'notices', 'emails']) {
      for (const state of ['waiting', 'active', 'delayed', 'failed'])
        expect(sample(res.text, `impact_queue_jobs{queue="${queue}",state="${state}"}`)).toBe(0);
    }
    expect(sample(res.text, 'impact_queue_depth_up')).toBe(1);
    for (const name of ['impact_notices_posted_total', 'impact_emails_sent_total', 'impact_attribution_records_total'])
      expect(sample(res.text, name)).toBe(0);
    expect(res.text).toContain('impact_process_resident_memory_bytes');
  });

  it('counts ingested lines: the counters move by what an upload reported', async () => {
    const server = app.getHttpServer();
    const scrape = async () =>
      (await request(server).get('/metrics').set('Authorization', `Bearer ${SCRAPER}`).expect(200)).text;
    const before = await scrape();
    const lines = generateWorld({ seed: 11, tenants: 4 }).exposureLines.slice(0, 40);
    const up = await request(server)
      .post('/v1/datasets?name=metrics-probe')
      .set('Authorization', `Bearer ${ALICE}`)
      .set('Content-Type', 'application/x-ndjson')
      .send(lines.join('\n'))
      .expect(201);
    const after = await scrape();
    const moved = (outcome: string) =>
      sample(after, `impact_ingest_records_total{outcome="${outcome}"}`)! -
      sample(before, `impact_ingest_records_total{outcome="${outcome}"}`)!;
    expect(moved('accepted')).toBe(up.body.accepted);
    expect(moved('quarantined')).toBe(up.body.quarantinedTotal);
    expect(moved('accepted') + moved('quarantined')).toBe(up.body.lines);
    expect(up.body.lines).toBeGreaterThan(0);
  });

  it('keeps the queue dashboard behind operator credentials, Basic for a browser', async () => {
    const server = app.getHttpServer();
    const refused = await request(server).get('/queues').expect(401);
    expect(refused.headers['www-authenticate']).toMatch(/^Basic realm="queues"/);
    expect(refused.body.error.code).toBe('unauthorized');
    const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    await request(server).get('/queues').set('Authorization', basic('mallory', ALICE)).expect(401);
    await request(server).get('/queues').set('Authorization', basic('alice', 'wrong-token-0123456789')).expect(401);
    await request(server).get('/queues/api/queues').set('Authorization', `Bearer ${SCRAPER}`).expect(401);
    const page = await request(server).get('/queues').set('Authorization', basic('alice', ALICE)).expect(200);
    expect(page.text).toContain('<html');
    const api = await request(server).get('/queues/api/queues').set('Authorization', `Bearer ${ALICE}`).expect(200);
    expect((api.body.queues as { name: string }[]).map((q) => q.name).sort()).toEqual([
      'analysis',
      'emails',
      'notices',
    ]);
    // a change another site's page started is refused, though the browser would send Basic along
    await request(server)
      .put('/queues/api/queues/emails/pause')
      .set('Authorization', basic('alice', ALICE))
      .set('Origin', 'https://evil.example')
      .expect(403);
  });

  it('serves the OpenAPI document and its UI at /docs', async () => {
    const doc = await request(app.getHttpServer()).get('/docs/json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/v1/campaigns', '/v1/admin/serviceAnnouncement/messages', '/health/ready', '/metrics']),
    );
    expect(Object.keys(doc.body.components.securitySchemes).sort()).toEqual(['metrics', 'operator', 'tenant']);
    const ui = await request(app.getHttpServer()).get('/docs').expect(200);
    expect(ui.text).toMatch(/swagger/i);
  });

  it('sends the security headers on every route: probes, metrics, docs, dashboard, unknown paths', async () => {
    const server = app.getHttpServer();
    const responses = [
      await request(server).get('/health/live').expect(200),
      await request(server).get('/health/ready').expect(200),
      await request(server).get('/metrics').set('Authorization', `Bearer ${SCRAPER}`).expect(200),
      await request(server).get('/metrics').expect(401),
      await request(server).get('/docs').expect(200),
      await request(server).get('/docs/json').expect(200),
      await request(server).get('/queues').expect(401),
    ];
    const headers = {
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cross-origin-resource-policy': 'same-origin',
    };
    for (const res of responses) {
      expect(res.headers).toMatchObject(headers);
      expect(res.headers['content-security-policy']).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    }
    // outside /v1 an unknown path is answered by Express itself, with a policy that allows nothing at all
    const unknown = await request(server).get('/no/such/path').expect(404);
    expect(unknown.headers).toMatchObject({ ...headers, 'content-security-policy': "default-src 'none'" });
    // the UI page runs no inline script and nothing from another origin
    const docsPolicy = String(responses[4]!.headers['content-security-policy']);
    expect(docsPolicy).toMatch(/script-src 'self'(;|$)/);
    expect(docsPolicy).not.toMatch(/unsafe-eval|https?:/);
  });

  it('logs requests as JSON, with the path but never the query string or an address', async () => {
    await request(app.getHttpServer())
      .get('/v1/tenants?token=sekret-query-token&email=lena.horvat@contoso.com')
      .set('Authorization', `Bearer ${ALICE}`)
      .expect(200);
    const entries = logged.map(
      (l) => JSON.parse(l) as { msg?: string; req?: { url?: string; method?: string }; res?: { statusCode?: number } },
    );
    const line = entries.find((e) => e.req?.url === '/v1/tenants' && e.res?.statusCode === 200);
    expect(line).toMatchObject({ msg: 'request completed', req: { method: 'GET' } });
    const all = logged.join('\n');
    expect(all).not.toContain('sekret-query-token');
    expect(all).not.toContain('lena.horvat');
    expect(all).not.toContain(ALICE);
    expect(all).not.toContain(SCRAPER);
  });
});

describe('readiness when Redis is unreachable', () => {
  let app: INestApplication;
  const env = { ...process.env };

  beforeAll(async () => {
    process.env.REDIS_URL = `redis://127.0.0.1:${await closedPort()}`;
    process.env.HEALTH_TIMEOUT_MS = '500';
    process.env.METRICS_TOKEN = SCRAPER;
    // the probes alone, without the queues (whose connections would retry that port forever)
    const mod = await Test.createTestingModule({
      imports: [ConfigModule, DbModule, TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [PostgresHealth, RedisHealth],
    }).compile();
    app = mod.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    process.env = env;
  });

  it('answers 503 naming Redis, while PostgreSQL is up; liveness stays 200', async () => {
    const started = Date.now();
    const res = await request(app.getHttpServer())
      .get('/health/ready')
      .set('Authorization', `Bearer ${SCRAPER}`)
      .expect(503);
    expect(res.body).toMatchObject({
      status: 'error',
      error: { redis: { status: 'down' } },
      info: { postgresql: { status: 'up' } },
    });
    expect(res.body.error.redis.message).toMatch(/ECONNREFUSED|connect|closed/i);
    expect(Date.now() - started).toBeLessThan(5000);
    await request(app.getHttpServer()).get('/health/live').expect(200);
  });

  it('tells an anonymous caller up/down only, never the driver message with its host and port', async () => {
    const redisPort = new URL(process.env.REDIS_URL!).port;
    for (const auth of [undefined, 'Bearer not-the-token-at-all']) {
      const req = request(app.getHttpServer()).get('/health/ready');
      const res = await (auth ? req.set('Authorization', auth) : req).expect(503);
      expect(res.body).toEqual({
        status: 'error',
        info: { postgresql: { status: 'up' } },
        error: { redis: { status: 'down' } },
        details: { postgresql: { status: 'up' }, redis: { status: 'down' } },
      });
      expect(res.text).not.toContain(redisPort);
      expect(res.text).not.toMatch(/message|127\.0\.0\.1|ECONNREFUSED/);
    }
  });
});

describe('shutdown', () => {
  const env = { ...process.env };
  afterAll(() => {
    process.env = env;
  });

  it('lets a request in flight finish before the database closes, and takes no new connections', async () => {
    Object.assign(process.env, { OPERATOR_TOKENS: `alice:${ALICE}` });
    const app = await createApiApp();
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    const lines = generateWorld({ seed: 12, tenants: 4 }).exposureLines.slice(0, 30);
    // an upload whose body is still arriving when the shutdown starts
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/v1/datasets?name=drain-probe',
      headers: { Authorization: `Bearer ${ALICE}`, 'Content-Type': 'application/x-ndjson' },
    });
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
    });
    req.write(lines.slice(0, 10).join('\n') + '\n');
    await new Promise((r) => setTimeout(r, 200));
    let closed = false;
    const closing = app.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(closed).toBe(false);
    // a new connection is refused meanwhile
    await expect(request(`http://127.0.0.1:${port}`).get('/health/live')).rejects.toThrow(
      /ECONNREFUSED|socket hang up|ECONNRESET/,
    );
    req.end(lines.slice(10).join('\n'));
    const res = await answered;
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body)).toMatchObject({ lines: lines.length });
    await closing;
  });
});
