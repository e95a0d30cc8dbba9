/**
 * A tenant's webhook receiver for the tests: an HTTP server on 127.0.0.1 that verifies every
 * request's Standard Webhooks signature with the secret of the path it was sent to, keeps what it
 * saw, and answers as each path is told to (fail the first n requests, always fail, redirect, or
 * hold the answer until released).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** the signature verified with this path's secret (and a fresh timestamp) */
  verified: boolean;
  status: number;
}

interface PathBehaviour {
  secret?: string;
  failFirst?: number;
  alwaysFail?: boolean;
  redirectTo?: string;
  /** while set, requests wait; `release` answers them */
  hold?: boolean;
}

export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly paths = new Map<string, PathBehaviour>();
  private readonly held: (() => void)[] = [];
  private readonly waiters: { test: () => boolean; resolve: () => void }[] = [];
  private server?: http.Server;
  port = 0;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const h of this.held.splice(0)) h();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** The URL of a path on this receiver, with the host name given (allow-listed in the test's configuration). */
  url(path: string, host = '127.0.0.1'): string {
    return `http://${host}:${this.port}${path}`;
  }

  on(path: string, b: PathBehaviour): void {
    this.paths.set(path, { ...this.paths.get(path), ...b });
  }

  /** Answers the requests held so far (and stops holding). */
  release(path: string): void {
    this.on(path, { hold: false });
    for (const h of this.held.splice(0)) h();
  }

  /** Accepted (2xx) requests, by webhook-id: a receiver that drops repeats counts each id once. */
  accepted(path?: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300 && (!path || r.path === path));
  }

  distinctAcceptedIds(path?: string): string[] {
    return [...new Set(this.accepted(path).map((r) => r.headers['webhook-id']!))];
  }

  /** Resolves when the test holds for what was received (checked on every request). */
  waitFor(test: () => boolean): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  private handle(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0]!;
    const b = this.paths.get(path) ?? {};
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    let verified = false;
    if (b.secret) {
      try {
        new Webhook(b.secret).verify(body, headers);
        verified = true;
      } catch {
        verified = false;
      }
    }
    const seen = this.requests.filter((r) => r.path === path).length;
    const answer = () => {
      let status = 200;
      if (b.redirectTo) status = 302;
      else if (b.alwaysFail || seen < (b.failFirst ?? 0)) status = 500;
      else if (b.secret && !verified) status = 401;
      this.requests.push({ path, headers, body, verified, status });
      if (status === 302) res.writeHead(302, { location: b.redirectTo }).end();
      else res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 500 ? 'receiver is down' : 'ok');
      this.notify();
    };
    if (b.hold) {
      this.held.push(answer);
      this.notify();
    } else answer();
  }

  /** Requests waiting for `release`. */
  get heldCount(): number {
    return this.held.length;
  }

  private notify(): void {
    for (const w of this.waiters.filter((x) => x.test())) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve();
    }
  }
}
