import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { malformedBody, malformedTarget } from '../../../../libs/common/well-formed-input.js';

/** Answers 400 to a request whose path or query string is not UTF-8 or holds NUL (libs/common/well-formed-input.ts). */
export function wellFormedTarget(req: Request, res: Response, next: NextFunction): void {
  const reason = malformedTarget(req.originalUrl ?? req.url);
  if (reason) {
    res.status(400).json({ error: { code: 'badInput', message: reason } });
    return;
  }
  next();
}

/** body-parser's `verify`: a JSON body that is not UTF-8 is refused with 400 and the reason. */
export function refuseNonUtf8Body(_req: IncomingMessage, _res: unknown, body: Buffer): void {
  const reason = malformedBody(body);
  if (reason) throw Object.assign(new Error(reason), { status: 400, expose: true, type: 'entity.verify.failed' });
}
