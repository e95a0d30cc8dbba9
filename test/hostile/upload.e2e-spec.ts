/**
 * Hostile uploads through the operator API: a body declared larger than
 * INGEST_MAX_UPLOAD_BYTES is refused with 413 before it is read (the answer comes while the body
 * is still being sent, and no data set is created); an undeclared (chunked) body that grows past
 * the limit is cut off with 413; and hostile files that are accepted account for every line,
 * accepted or quarantined, in the data set's counters and in its quarantine list alike.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import fc from 'fast-check';
import request from 'supertest';
import { createApiApp } from '../../apps/api/src/create-app.js';
import { PrismaService } from '../../libs/db/prisma.service.js';
import { RECORD_KINDS } from '../../libs/exposure/exposure.types.js';

const TOKEN = 'hostile-upload-token-0123456789';
const LIMIT = 64 * 1024;

describe('hostile uploads (operator API)', () => {
  let app: NestExpressApplication;
  let base: string;
  let prisma: PrismaService;
  const saved = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, {
      OPERATOR_TOKENS: `ops:${TOKEN}`,
      INGEST_MAX_UPLOAD_BYTES: String(LIMIT),
      INGEST_MAX_LINE_BYTES: '4096',
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

  /** Sends the headers and `sent` bytes of a body declared to be `declared` bytes long, then waits for the answer without sending more. */
  function partialUpload(
    declared: number,
    sent: number,
  ): Promise<{ status: number; body: string; msWhileBodyIncomplete: number }> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const req = httpRequest(`${base}/v1/datasets?name=declared-too-big`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/x-ndjson',
          'content-length': String(declared),
        },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body, msWhileBodyIncomplete: Date.now() - started });
          req.destroy();
        });
      });
      req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? undefined : reject(e)));
      req.write(Buffer.alloc(sent, 0x61));
      // the rest of the body is never sent: a server that read it would wait until the timeout
      setTimeout(() => reject(new Error('no answer within 10 s: the server is waiting for the body')), 10_000).unref();
    });
  }

  it('refuses a declared oversized body with 413 before reading it, and creates no data set', async () => {
    const before = await prisma.dataset.count({ where: { name: 'declared-too-big' } });
    const r = await partialUpload(10 * 1024 ** 3, 1000);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'payloadTooLarge' } });
    expect(r.body).toContain(String(LIMIT));
    expect(await prisma.dataset.count({ where: { name: 'declared-too-big' } })).toBe(before);
    // just over the limit is over it
    expect((await partialUpload(LIMIT + 1, 10)).status).toBe(413);
  });

  it('cuts off an undeclared body once it passes the limit, and keeps no ready data set of it', async () => {
    const line = `${JSON.stringify({ recordId: 'x', kind: 'email', body: 'y'.repeat(900) })}\n`;
    const chunks = Array.from({ length: Math.ceil((LIMIT * 2) / line.length) }, (_, i) =>
      line.replace('"x"', `"r${i}"`),
    );
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${base}/v1/datasets?name=chunked-too-big`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/x-ndjson',
          'transfer-encoding': 'chunked',
        },
      });
      req.on('response', (r) => {
        let body = '';
        r.on('data', (d: Buffer) => (body += d.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', (e: NodeJS.ErrnoException) =>
        e.code === 'ECONNRESET' || e.code === 'EPIPE' ? undefined : reject(e),
      );
      (async () => {
        for (const c of chunks) {
          if (req.destroyed) return;
          if (!req.write(c)) await new Promise((r) => req.once('drain', r));
        }
        req.end();
      })().catch(() => undefined);
    });
    expect(res.status).toBe(413);
    const sets = await prisma.dataset.findMany({ where: { name: 'chunked-too-big' } });
    expect(sets.filter((d) => d.status === 'ready')).toEqual([]);
  });

  it('accounts for every line of hostile files: accepted + quarantined = non-blank lines, in counters and quarantine list', async () => {
    const hostileLine = fc.oneof(
      fc
        .record({
          recordId: fc.stringMatching(/^[a-z0-9]{1,8}$/),
          kind: fc.constantFrom(...RECORD_KINDS),
          body: fc.string({ maxLength: 60 }),
          from: fc.string({ maxLength: 30 }),
        })
        .map((r) => JSON.stringify(r)),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      // a raw NUL byte is the known bug below
      fc.string({ unit: 'binary', maxLength: 80 }).map((s) => s.replace(/[\n\u0000]/g, '')),
      fc.constantFrom(
        '{"recordId":"p","kind":"email","__proto__":{"admin":true}}',
        '{"recordId":"c","kind":"constructor"}',
        '[[[[[[[[[[]]]]]]]]]]',
        `{"recordId":"big","kind":"email","body":"${'z'.repeat(5000)}"}`,
        '{"recordId":"nul","kind":"email","body":"a\\u0000b"}',
        '  ',
        '',
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostileLine, { minLength: 1, maxLength: 30 }),
        fc.constantFrom('\n', '\r\n'),
        async (ls, eol) => {
          // a unique first line, so no two runs upload the same bytes (the same file is ingested once)
          const text = [`{"recordId":"run-${Math.random().toString(36).slice(2)}","kind":"email"}`, ...ls].join(eol);
          const res = await request(app.getHttpServer())
            .post('/v1/datasets?name=hostile-lines')
            .set('authorization', `Bearer ${TOKEN}`)
            .set('content-type', 'application/x-ndjson')
            .send(text);
          expect(res.status).toBe(201);
          const nonBlank = text.split('\n').filter((l) => l.replace(/\r$/, '').trim() !== '').length;
          expect(res.body.accepted + res.body.quarantinedTotal).toBe(nonBlank);
          const ds = await prisma.dataset.findUniqueOrThrow({ where: { id: res.body.datasetId } });
          expect(ds.accepted + ds.quarantined).toBe(nonBlank);
          expect(await prisma.quarantinedLine.count({ where: { datasetId: ds.id } })).toBe(ds.quarantined);
          expect(await prisma.exposureRecord.count({ where: { datasetId: ds.id } })).toBeLessThanOrEqual(ds.accepted);
        },
      ),
      {
        numRuns: 12,
        examples: [
          [
            [
              '{"recordId":"p","kind":"email","__proto__":{"admin":true}}',
              '',
              '{"recordId":"q","kind":"email","body":"<script>"}',
            ],
            '\n',
          ],
        ],
      },
    );
  }, 120_000);

  // A raw NUL byte cannot be stored in PostgreSQL text: the quarantine keeps it as U+FFFD.
  it('a raw NUL byte in a line is quarantined, not a failed upload', async () => {
    const text = `{"recordId":"nul-${Math.random().toString(36).slice(2)}","kind":"email"}\n\u0000\n`;
    const res = await request(app.getHttpServer())
      .post('/v1/datasets?name=nul-byte')
      .set('authorization', `Bearer ${TOKEN}`)
      .set('content-type', 'application/x-ndjson')
      .send(text);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ accepted: 1, quarantinedTotal: 1 });
  });
});
