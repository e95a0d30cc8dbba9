import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { AppError } from './errors.js';
import { isUnstorableTextError } from './well-formed-input.js';

/** Maps every error to `{error:{code, message}}`; an unexpected one becomes a 500 with no detail. */
@Catch()
export class AppErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(err: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    if (err instanceof AppError) {
      res.status(err.status).json({ error: { code: err.code, message: err.message } });
      return;
    }
    if (err instanceof HttpException) {
      const status = err.getStatus();
      const body = err.getResponse();
      const given = typeof body === 'string' ? body : (body as { message?: unknown }).message;
      const message =
        typeof given === 'string' ? given : Array.isArray(given) ? given.map(String).join('; ') : err.message;
      res.status(status).json({ error: { code: httpCode(status), message } });
      return;
    }
    const bodyError = err as { type?: string; status?: number };
    if (bodyError?.type === 'entity.too.large') {
      res.status(413).json({ error: { code: 'payloadTooLarge', message: 'request body too large' } });
      return;
    }
    if (bodyError?.type === 'entity.parse.failed') {
      res.status(400).json({ error: { code: 'badInput', message: 'request body is not valid JSON' } });
      return;
    }
    // text the database cannot hold (a NUL, bytes that are not UTF-8) is the client's mistake
    if (isUnstorableTextError(err)) {
      res.status(400).json({
        error: {
          code: 'badInput',
          message: 'the input holds text that cannot be stored (a NUL byte, or bytes that are not UTF-8)',
        },
      });
      return;
    }
    // errors of Express and body-parser that carry a client status (a path that cannot be decoded, a body that is not UTF-8)
    const status =
      (err as { status?: unknown; statusCode?: unknown })?.status ?? (err as { statusCode?: unknown })?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const expose = (err as { expose?: unknown }).expose === true && err instanceof Error;
      res.status(status).json({ error: { code: httpCode(status), message: expose ? err.message : 'bad request' } });
      return;
    }
    this.logger.error(err instanceof Error ? err.stack : String(err));
    res.status(500).json({ error: { code: 'internal', message: 'internal error' } });
  }
}

function httpCode(status: number): string {
  switch (status) {
    case 400:
      return 'badInput';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'notFound';
    case 409:
      return 'conflict';
    case 413:
      return 'payloadTooLarge';
    case 429:
      return 'tooManyRequests';
    default:
      return status >= 500 ? 'internal' : 'error';
  }
}
