/**
 * Request bodies time out: one that stops arriving is answered 408 and its connection closed; a
 * body other than an upload must arrive whole in time; an upload may take as long as it needs
 * while its bytes keep coming. Through a real listening server.
 */
import { request as httpRequest, type ClientRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { generateWorld } from './fixtures/world.js';
import { isolate } from './support/isolation.js';
import { createApiApp } from '../apps/api/src/create-app.js';

const OPERATOR = 'timeouts-operator-token-0123456789';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('request body timeouts', () => {
  const env = { ...process.env };
  let app: NestExpressApplication;
  let port: number;

  beforeAll(async () => {
    await isolate();
    Object.assign(process.env, {
      OPERATOR_TOKENS: `ops:${OPERATOR}`,
      REQUEST_BODY_IDLE_TIMEOUT_MS: '400',
      REQUEST_BODY_TIMEOUT_MS: '1000',
      REQUEST_HEADERS_TIMEOUT_MS: '5000',
    });
    app = await createApiApp();
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
  });

  afterAll(async () => {
    await app?.close();
    process.env = env;
  });

  /** Starts a request whose body the test writes itself; resolves with the answer and whether the connection closed. */
  function open(path: string, headers: Record<string, string>) {
    const req: ClientRequest = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path,
      headers: { Authorization: `Bearer ${OPERATOR}`, ...headers },
    });
    const answered = new Promise<{ status: number; body: string; connection?: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body, connection: res.headers.connection }));
      });
      req.on('error', reject);
    });
    return { req, answered };
  }

  it('sets the headers timeout on the server and leaves the whole-request limit to the body timeouts', () => {
    const server = app.getHttpServer();
    expect(server.headersTimeout).toBe(5000);
    expect(server.requestTimeout).toBe(0);
  });

  it('answers 408 and closes the connection when a JSON body stops arriving', async () => {
    const started = Date.now();
    const { req, answered } = open('/v1/campaigns', { 'Content-Type': 'application/json', 'Content-Length': '200' });
    req.write('{"name":');
    const res = await answered;
    expect(res.status).toBe(408);
    expect(res.connection).toBe('close');
    expect(JSON.parse(res.body)).toEqual({
      error: { code: 'requestTimeout', message: 'request timed out: no byte of the request body for 400 ms' },
    });
    expect(Date.now() - started).toBeLessThan(3000);
    req.destroy();
  });

  it('answers 408 to a JSON body that trickles in for longer than the body timeout', async () => {
    const { req, answered } = open('/v1/campaigns', { 'Content-Type': 'application/json', 'Content-Length': '200' });
    let writing = true;
    void (async () => {
      while (writing) {
        req.write(' ');
        await sleep(100);
      }
    })();
    const res = await answered;
    writing = false;
    expect(res.status).toBe(408);
    expect(res.body).toContain('took longer than 1 s');
    req.destroy();
  });

  it('lets an upload take longer than the body timeout while its bytes flow, and times it out when they stop', async () => {
    const lines = generateWorld({ seed: 31, tenants: 4 }).exposureLines.slice(0, 16);
    const flowing = open('/v1/datasets?name=slow-upload.jsonl', { 'Content-Type': 'application/x-ndjson' });
    const started = Date.now();
    for (const line of lines) {
      flowing.req.write(`${line}\n`);
      await sleep(100);
    }
    flowing.req.end();
    const done = await flowing.answered;
    expect(Date.now() - started).toBeGreaterThan(1000);
    expect(done.status).toBe(201);

    const stalled = open('/v1/datasets?name=stalled-upload.jsonl', { 'Content-Type': 'application/x-ndjson' });
    stalled.req.write(`${lines[0]}\n`);
    const res = await stalled.answered;
    expect(res.status).toBe(408);
    expect(res.body).toContain('no byte of the request body for 400 ms');
    stalled.req.destroy();
  });
});
