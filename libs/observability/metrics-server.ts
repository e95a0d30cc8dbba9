import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { APP_CONFIG, ConfigError, type AppConfig } from '../config/config.js';
import { Metrics } from './metrics.js';
import { MetricsAuth } from './metrics-auth.js';

/**
 * The worker has no HTTP API; with WORKER_METRICS_PORT set it serves its own counters here
 * (`GET /metrics`, same credentials as the API's) and a liveness answer (`GET /health/live`).
 * Resolves once listening; close() the server on shutdown.
 */
export async function startMetricsServer(
  metrics: Metrics,
  config: Pick<AppConfig, 'HOST' | 'METRICS_TOKEN' | 'OPERATOR_TOKENS'>,
  port: number,
): Promise<Server> {
  const auth = new MetricsAuth(config);
  if (!auth.configured)
    throw new ConfigError(
      'configuration: WORKER_METRICS_PORT needs METRICS_TOKEN or OPERATOR_TOKENS (the metrics are not public)',
    );
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { 'Content-Type': 'application/json', Allow: 'GET' })
        .end(JSON.stringify({ error: { code: 'methodNotAllowed', message: 'GET only' } }));
    } else if (path === '/health/live') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 'ok' }));
    } else if (path !== '/metrics') {
      res
        .writeHead(404, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'notFound', message: 'not found' } }));
    } else if (!auth.allows(req.headers.authorization)) {
      res
        .writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Bearer' })
        .end(JSON.stringify({ error: { code: 'unauthorized', message: 'metrics token required' } }));
    } else {
      metrics.render().then(
        (m) => res.writeHead(200, { 'Content-Type': m.contentType, 'Cache-Control': 'no-store' }).end(m.body),
        () =>
          res
            .writeHead(500, { 'Content-Type': 'application/json' })
            .end(JSON.stringify({ error: { code: 'internal', message: 'internal error' } })),
      );
    }
  });
  // keep-alive connections of a scraper must not hold a shutting-down worker open
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, config.HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** Starts the worker's metrics server at bootstrap when WORKER_METRICS_PORT is set; closes it at shutdown. */
@Injectable()
export class WorkerMetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: Server;

  constructor(
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.WORKER_METRICS_PORT)
      this.server = await startMetricsServer(this.metrics, this.config, this.config.WORKER_METRICS_PORT);
  }

  /** the bound address (the port is the configured one) */
  address(): AddressInfo | null {
    return (this.server?.address() as AddressInfo | null) ?? null;
  }

  async onApplicationShutdown(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeIdleConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
