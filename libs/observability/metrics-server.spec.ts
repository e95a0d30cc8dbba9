import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../config/config.js';
import { Metrics } from './metrics.js';
import { startMetricsServer } from './metrics-server.js';

const TOKEN = 'prometheus-scrape-token-0001';
const OPERATOR = 'alice-token-0123456789';

function get(
  port: number,
  path: string,
  authorization?: string,
): Promise<{ status: number; body: string; type?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, headers: authorization ? { authorization } : {} },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body, type: res.headers['content-type'] }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe("the worker's metrics server", () => {
  it('serves the counters to the metrics token and to operators only, and liveness to anyone', async () => {
    const metrics = new Metrics();
    const server = await startMetricsServer(
      metrics,
      { HOST: '127.0.0.1', METRICS_TOKEN: TOKEN, OPERATOR_TOKENS: [{ name: 'alice', token: OPERATOR }] },
      0,
    );
    const { port } = server.address() as AddressInfo;
    try {
      metrics.emailsSent.inc(3);
      metrics.emailsFailed.labels('true').inc();
      metrics.ingested(5, 2);
      expect((await get(port, '/metrics')).status).toBe(401);
      expect((await get(port, '/metrics', 'Bearer wrong-token-wrong-token')).status).toBe(401);
      expect((await get(port, '/metrics', `Bearer ${OPERATOR}`)).status).toBe(200);
      const res = await get(port, '/metrics?x=1', `Bearer ${TOKEN}`);
      expect(res.status).toBe(200);
      expect(res.type).toMatch(/^text\/plain/);
      expect(res.body).toMatch(/^impact_emails_sent_total 3$/m);
      expect(res.body).toMatch(/^impact_emails_failed_total\{final="true"\} 1$/m);
      expect(res.body).toMatch(/^impact_emails_failed_total\{final="false"\} 0$/m);
      expect(res.body).toMatch(/^impact_ingest_records_total\{outcome="accepted"\} 5$/m);
      expect(res.body).toMatch(/^impact_ingest_records_total\{outcome="quarantined"\} 2$/m);
      expect((await get(port, '/health/live')).status).toBe(200);
      expect((await get(port, '/elsewhere', `Bearer ${TOKEN}`)).status).toBe(404);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('refuses to start with no credential that could read it', async () => {
    await expect(startMetricsServer(new Metrics(), { HOST: '127.0.0.1', OPERATOR_TOKENS: [] }, 0)).rejects.toThrow(
      ConfigError,
    );
  });

  it('keeps two registries apart (several applications in one process)', () => {
    const a = new Metrics();
    const b = new Metrics();
    a.noticesPosted.inc();
    expect(b.noticesPosted).not.toBe(a.noticesPosted);
  });
});
