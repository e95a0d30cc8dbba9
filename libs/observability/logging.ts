import { hostname } from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule, type Params } from 'nestjs-pino';
import pino, { type DestinationStream, type LoggerOptions } from 'pino';
import type { Options as HttpOptions } from 'pino-http';
import PinoPretty from 'pino-pretty';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { redactError, redactString, redactValue } from './redact.js';

export type LogApp = 'api' | 'worker';

/** Probes and scrapes arrive every few seconds: their success is not worth a line each. */
const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

/** A URL for a log line: the path only. Query strings carry tokens and sign-in addresses (`/inbox/dev-login?email=…`). */
export function loggedPath(url: string | undefined): string {
  const path = (url ?? '').split('?')[0]!.split('#')[0]!;
  return redactString(path.slice(0, 500));
}

/**
 * pino's options for a process: JSON lines with ISO time and level names, every argument of every
 * log call redacted (addresses, phone numbers, name fields; see redact.ts), and requests logged as
 * method, path, status and time, without headers or query strings.
 */
export function loggerOptions(config: Pick<AppConfig, 'LOG_LEVEL'>, app: LogApp): LoggerOptions {
  return {
    level: config.LOG_LEVEL,
    base: { pid: process.pid, hostname: hostname(), app },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    hooks: {
      logMethod(args, method) {
        // the redacted copies, never the caller's objects
        method.apply(this, args.map((a) => redactValue(a)) as Parameters<typeof method>);
      },
    },
    serializers: {
      err: (e: unknown) => (e instanceof Error ? redactError(e) : redactValue(e)),
      req: (r: { id?: unknown; method?: string; url?: string }) => ({
        id: r.id,
        method: r.method,
        url: loggedPath(r.url),
      }),
      res: (r: { statusCode?: number }) => ({ statusCode: r.statusCode }),
    },
  };
}

/** stdout, through pino-pretty when LOG_PRETTY is set (for a person at a terminal). */
export function logDestination(config: Pick<AppConfig, 'LOG_PRETTY'>): DestinationStream {
  if (config.LOG_PRETTY)
    return PinoPretty({
      colorize: process.stdout.isTTY,
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
    });
  // process.stdout rather than pino's own file descriptor writer: ordered with anything else the
  // process prints, and a test can read it
  return process.stdout;
}

/** nestjs-pino's parameters: the logger above, plus one line per finished HTTP request. */
export function loggerParams(
  config: AppConfig,
  app: LogApp,
  destination: DestinationStream = logDestination(config),
): Params {
  const http: HttpOptions<IncomingMessage, ServerResponse> = {
    ...(loggerOptions(config, app) as HttpOptions<IncomingMessage, ServerResponse>),
    autoLogging: { ignore: (req) => QUIET_PATHS.has(loggedPath(req.url)) },
    // a refused request is the client's business (and an attack is many of them): info, like a success
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    // the request id a proxy set, else a fresh one
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{1,100}$/.test(given) ? given : crypto.randomUUID();
    },
  };
  return { pinoHttp: [http, destination] };
}

/** The logger of a process with an HTTP server or a worker; imported once, in the root module. */
export function loggingModule(app: LogApp) {
  return LoggerModule.forRootAsync({
    inject: [APP_CONFIG],
    useFactory: (config: AppConfig) => loggerParams(config, app),
  });
}
