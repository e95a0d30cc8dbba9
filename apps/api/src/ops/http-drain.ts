import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';

/** How long requests in flight may take to finish after SIGTERM before their connections are cut. */
export const DRAIN_MS = 25_000;

/**
 * On shutdown, stop accepting connections and let the requests in flight finish while the
 * database and the queues are still there: Nest closes the HTTP server only after every
 * module's destroy hook (the global database module's included). This module is not global, so
 * it is destroyed before them.
 */
@Injectable()
export class HttpDrain implements OnModuleDestroy {
  private readonly logger = new Logger('shutdown');

  constructor(private readonly host: HttpAdapterHost) {}

  async onModuleDestroy(): Promise<void> {
    const server = this.host.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server?.listening) return;
    const started = Date.now();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // keep-alive connections whose request has finished are closed as they become idle
      const idle = setInterval(() => {
        server.closeIdleConnections();
        if (Date.now() - started > DRAIN_MS) {
          this.logger.warn(`requests still running after ${DRAIN_MS} ms: connections closed`);
          server.closeAllConnections();
        }
      }, 100);
      server.once('close', () => clearInterval(idle));
    });
  }
}
