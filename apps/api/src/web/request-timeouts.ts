import type { Server } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { AppConfig } from '../../../../libs/config/config.js';

/** The streamed uploads: they may take as long as they need while their bytes keep coming. */
const UPLOAD = /^\/v1\/(datasets(\/[^/]+\/records)?|tenants\/import)\/?$/;

export const isUpload = (req: Pick<Request, 'method' | 'path'>): boolean =>
  req.method === 'POST' && UPLOAD.test(req.path);

type Timeouts = Pick<
  AppConfig,
  'REQUEST_HEADERS_TIMEOUT_MS' | 'REQUEST_BODY_IDLE_TIMEOUT_MS' | 'REQUEST_BODY_TIMEOUT_MS'
>;

/**
 * Headers within REQUEST_HEADERS_TIMEOUT_MS (Node closes the connection). Node's own whole-request
 * limit is off: it would cut a long upload whose bytes still flow; requestBodyTimeouts does that job.
 */
export function applyServerTimeouts(server: Server, config: Timeouts): void {
  server.headersTimeout = config.REQUEST_HEADERS_TIMEOUT_MS;
  server.requestTimeout = 0;
}

/**
 * A body that stops arriving is answered 408 and its connection closed: after
 * REQUEST_BODY_IDLE_TIMEOUT_MS without a byte, or, except for uploads, REQUEST_BODY_TIMEOUT_MS
 * after the request began. A body the service itself is slow to read (bytes waiting in its buffer)
 * is not the client's stall.
 */
export function requestBodyTimeouts(config: Timeouts) {
  const tick = Math.min(1000, Math.max(25, Math.floor(config.REQUEST_BODY_IDLE_TIMEOUT_MS / 4)));
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.complete || !hasBody(req)) return next();
    const socket = req.socket;
    const startedAt = Date.now();
    const deadline = isUpload(req) ? Infinity : startedAt + config.REQUEST_BODY_TIMEOUT_MS;
    let lastBytes = socket.bytesRead;
    let lastProgressAt = startedAt;
    const timer = setInterval(() => {
      if (req.complete) return stop();
      const now = Date.now();
      if (socket.bytesRead !== lastBytes || req.readableLength > 0) {
        lastBytes = socket.bytesRead;
        lastProgressAt = now;
      }
      const idle = now - lastProgressAt >= config.REQUEST_BODY_IDLE_TIMEOUT_MS;
      if (idle || now >= deadline) {
        stop();
        refuse(
          req,
          res,
          idle
            ? `no byte of the request body for ${duration(config.REQUEST_BODY_IDLE_TIMEOUT_MS)}`
            : `the request body took longer than ${duration(config.REQUEST_BODY_TIMEOUT_MS)}`,
        );
      }
    }, tick);
    timer.unref();
    const stop = () => clearInterval(timer);
    req.once('end', stop);
    req.once('close', stop);
    res.once('close', stop);
    next();
  };
}

const duration = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function refuse(req: Request, res: Response, reason: string): void {
  if (res.headersSent) {
    req.socket.destroy();
    return;
  }
  res.once('finish', () => req.socket.destroy());
  res.status(408).setHeader('Connection', 'close');
  res.json({ error: { code: 'requestTimeout', message: `request timed out: ${reason}` } });
}
