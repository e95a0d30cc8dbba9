/**
 * Uploads fail alone: an aborted gzip upload, a gzip bomb, a truncated or corrupt gzip each end
 * their data set `failed` with the reason and answer 4xx (or nobody, when the client left),
 * while the API goes on answering and the next upload succeeds. A data set left `ingesting` by
 * a process that died is marked failed when a process starts.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync, createGzip } from 'node:zlib';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createApiApp } from '../../apps/api/src/create-app.js';
import { PrismaService } from '../../libs/db/prisma.service.js';
import { isolate } from '../support/isolation.js';
import { until } from '../support/async.js';

const TOKEN = 'upload-failures-token-0123456789';
const MAX_EXPANDED = 4 * 1024 * 1024;

const line = (id: string) =>
  `${JSON.stringify({ recordId: id, kind: 'email', from: `someone${id}@contoso.com`, body: `message ${id} ${'lorem ipsum '.repeat(20)}` })}\n`;
const jsonl = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => line(`${prefix}-${i}`)).join('');

describe('uploads fail alone (operator API)', () => {
  let app: NestExpressApplication;
  let base: string;
  let prisma: PrismaService;
  const saved = { ...process.env };

  beforeAll(async () => {
    await isolate();
    // the ratio cap is set high here so that the expansion limit is what refuses the bomb; the ratio is covered in libs/common/gzip-input.spec.ts
    Object.assign(process.env, {
      OPERATOR_TOKENS: `ops:${TOKEN}`,
      INGEST_MAX_EXPANDED_BYTES: String(MAX_EXPANDED),
      INGEST_MAX_COMPRESSION_RATIO: '1000000',
    });
    app = await createApiApp();
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    prisma = app.get(PrismaService);
  });

  afterAll(async () => {
    process.env = saved;
    await app?.close();
  });

  const upload = (name: string, body: Buffer) =>
    request(app.getHttpServer())
      .post(`/v1/datasets?name=${name}`)
      .set('authorization', `Bearer ${TOKEN}`)
      .set('content-type', 'application/gzip')
      .send(body);
  const datasetsNamed = (name: string) => prisma.dataset.findMany({ where: { name } });
  const live = async () => (await request(app.getHttpServer()).get('/health/live')).status;

  it('an aborted gzip upload leaves the API answering, its data set failed within a second, and the next upload succeeding', async () => {
    const gz = gzipSync(jsonl('aborted', 4000));
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${base}/v1/datasets?name=aborted-gzip`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/gzip',
          'content-length': String(gz.length),
        },
      });
      req.on('error', () => resolve());
      req.write(gz.subarray(0, Math.floor(gz.length / 2)), () => setTimeout(() => (req.destroy(), resolve()), 300));
    });
    await until(
      "the aborted upload's data set to fail",
      async () => (await datasetsNamed('aborted-gzip')).some((d) => d.status === 'failed'),
      1000,
    );
    const [ds] = await datasetsNamed('aborted-gzip');
    expect(ds).toMatchObject({ status: 'failed' });
    expect(ds!.error).toMatch(/cut off|aborted|closed/);
    expect(await live()).toBe(200);
    const next = await upload('after-abort', gzipSync(jsonl('after', 50)));
    expect(next.status).toBe(201);
    expect(next.body).toMatchObject({ accepted: 50 });
  });

  it('a gzip bomb is refused with 413 once it expands past INGEST_MAX_EXPANDED_BYTES, and its work stops', async () => {
    // 64 MiB of valid lines, streamed through gzip: a few hundred kB on the wire
    const gz = await new Promise<Buffer>((resolve, reject) => {
      const z = createGzip({ level: 9 });
      const parts: Buffer[] = [];
      z.on('data', (c: Buffer) => parts.push(c))
        .on('end', () => resolve(Buffer.concat(parts)))
        .on('error', reject);
      const one = line('bomb');
      const chunk = Buffer.from(one.repeat(Math.floor((1 << 20) / one.length)));
      let written = 0;
      const pump = () => {
        while (written < 64 * (1 << 20)) {
          written += chunk.length;
          if (!z.write(chunk)) return void z.once('drain', pump);
        }
        z.end();
      };
      pump();
    });
    expect(gz.length).toBeLessThan(MAX_EXPANDED);
    const started = Date.now();
    const res = await upload('gzip-bomb', gz);
    expect(res.status).toBe(413);
    expect(res.body.error.message).toMatch(/expands to more than 4194304 bytes/);
    expect(Date.now() - started).toBeLessThan(15_000);
    const [ds] = await datasetsNamed('gzip-bomb');
    expect(ds).toMatchObject({ status: 'failed' });
    expect(ds!.error).toMatch(/INGEST_MAX_EXPANDED_BYTES/);
    const rows = () => prisma.exposureRecord.count({ where: { datasetId: ds!.id } });
    const before = await rows();
    await new Promise((r) => setTimeout(r, 1500));
    expect(await rows()).toBe(before);
    expect(await live()).toBe(200);
  }, 60_000);

  it('a truncated gzip answers 400 with the reason and fails its data set whole', async () => {
    const gz = gzipSync(jsonl('truncated', 3000));
    const res = await upload('truncated-gzip', gz.subarray(0, gz.length - 100));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'badInput' });
    expect(res.body.error.message).toMatch(/truncated/);
    const [ds] = await datasetsNamed('truncated-gzip');
    expect(ds).toMatchObject({ status: 'failed' });
    expect(ds!.error).toMatch(/truncated/);
  });

  it('a corrupt gzip answers 400 with the reason', async () => {
    const gz = gzipSync(jsonl('corrupt', 3000));
    const bad = Buffer.from(gz);
    for (let i = 2000; i < 2100; i++) bad[i] = bad[i]! ^ 0xa5;
    const res = await upload('corrupt-gzip', bad);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/corrupt|truncated/);
    // a header that is not gzip's after the magic bytes
    const header = await upload('corrupt-header', Buffer.from([0x1f, 0x8b, 0x63, 0x00, 1, 2, 3, 4, 5, 6]));
    expect(header.status).toBe(400);
    expect(header.body.error.message).toMatch(/corrupt/);
    expect(await live()).toBe(200);
  });

  it('a file added to a data set (--into) that is cut off or truncated answers 400 or nothing, and leaves the data set ready with the lines read and the reason', async () => {
    const created = await upload('into-target', gzipSync(jsonl('into-base', 20)));
    expect(created.status).toBe(201);
    const id = created.body.datasetId as string;
    const gz = gzipSync(jsonl('into-more', 3000));
    const truncated = await request(app.getHttpServer())
      .post(`/v1/datasets/${id}/records?name=more.jsonl.gz`)
      .set('authorization', `Bearer ${TOKEN}`)
      .set('content-type', 'application/gzip')
      .send(gz.subarray(0, gz.length - 100));
    expect(truncated.status).toBe(400);
    expect(truncated.body.error.message).toMatch(/truncated/);
    const afterTruncated = await prisma.dataset.findUniqueOrThrow({ where: { id } });
    expect(afterTruncated).toMatchObject({
      status: 'ready',
      error: expect.stringMatching(
        /upload 1 stopped \(the gzip input is truncated.*the lines read before it were added/,
      ),
    });
    expect(afterTruncated.accepted).toBeGreaterThan(20);

    await new Promise<void>((resolve) => {
      const req = httpRequest(`${base}/v1/datasets/${id}/records?name=more2.jsonl.gz`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/gzip',
          'content-length': String(gz.length),
        },
      });
      req.on('error', () => resolve());
      req.write(gzipSync(jsonl('into-abort', 3000)).subarray(0, 20_000), () =>
        setTimeout(() => (req.destroy(), resolve()), 300),
      );
    });
    const ds = await until(
      'the cut-off upload to settle',
      async () => {
        const d = await prisma.dataset.findUniqueOrThrow({ where: { id } });
        return d.status !== 'ingesting' && d.error?.includes('upload 2') ? d : undefined;
      },
      5000,
    );
    expect(ds).toMatchObject({
      status: 'ready',
      error: expect.stringMatching(/upload 2 stopped \(the upload was cut off/),
    });
    expect(await live()).toBe(200);
  });

  it('a truncated gzip tenant directory answers 400, and an aborted one leaves the API answering', async () => {
    const tenants = Array.from({ length: 2000 }, (_, i) =>
      JSON.stringify({ tenantId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, name: `Tenant ${i}` }),
    ).join('\n');
    const gz = gzipSync(tenants);
    const res = await request(app.getHttpServer())
      .post('/v1/tenants/import')
      .set('authorization', `Bearer ${TOKEN}`)
      .set('content-type', 'application/gzip')
      .send(gz.subarray(0, gz.length - 50));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/truncated/);
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${base}/v1/tenants/import`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/gzip',
          'content-length': String(gz.length),
        },
      });
      req.on('error', () => resolve());
      req.write(gz.subarray(0, Math.floor(gz.length / 2)), () => setTimeout(() => (req.destroy(), resolve()), 300));
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(await live()).toBe(200);
  });

  it('a data set left ingesting by a process that died is marked failed at start-up; one in flight elsewhere is not', async () => {
    const old = new Date(Date.now() - 10 * 60_000);
    const abandoned = await prisma.dataset.create({
      data: { name: 'abandoned', status: 'ingesting', createdAt: old, heartbeatAt: old },
    });
    const neverBeat = await prisma.dataset.create({
      data: { name: 'abandoned-no-heartbeat', status: 'ingesting', createdAt: old },
    });
    const inFlight = await prisma.dataset.create({
      data: { name: 'in-flight', status: 'ingesting', createdAt: old, heartbeatAt: new Date() },
    });
    const second = await createApiApp();
    try {
      await second.init();
      const byId = async (id: string) => prisma.dataset.findUniqueOrThrow({ where: { id } });
      expect(await byId(abandoned.id)).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/no heartbeat/),
      });
      expect(await byId(neverBeat.id)).toMatchObject({ status: 'failed' });
      expect(await byId(inFlight.id)).toMatchObject({ status: 'ingesting' });
    } finally {
      await second.close();
    }
  });
});
