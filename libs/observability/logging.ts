import { inspect } from 'node:util';
import { AsyncLocalStorage } from 'node:async_hooks';
import { hostname } from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Global, Inject, Injectable, Module, type DynamicModule, type LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger as PinoLogger, type LoggerOptions } from 'pino';
import { pinoHttp, type HttpLogger, type Options as HttpOptions } from 'pino-http';
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

/**
 * The process's logger and its HTTP request logger: the options above, plus one line per finished
 * HTTP request. pino-http directly rather than nestjs-pino, whose releases for Nest 12 need
 * Node >= 22.12 while the supported runtimes start at 20.19 (README "Requirements").
 */
export function httpLogger(
  config: Pick<AppConfig, 'LOG_LEVEL' | 'LOG_PRETTY'>,
  app: LogApp,
  destination: DestinationStream = logDestination(config),
): HttpLogger {
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
  return pinoHttp(http, destination);
}

/** The request's own logger (it carries the request id) while a request is being handled. */
const requestScope = new AsyncLocalStorage<PinoLogger>();

const HTTP_LOGGER = Symbol('HTTP_LOGGER');

/**
 * Nest's logger interface over pino: what Nest and the services log goes out as the same JSON lines,
 * tagged with the request id inside a request. Nest passes the context (a class name) as the last
 * argument, and its exception handlers pass `(message, stack)`.
 */
@Injectable()
export class AppLogger implements LoggerService {
  constructor(@Inject(HTTP_LOGGER) private readonly http: HttpLogger) {}

  /** Express middleware: logs the request when it finishes, and scopes the request's logger. */
  readonly middleware = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    this.http(req, res);
    requestScope.run(req.log, next);
  };

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: pino.Level, message: unknown, rest: unknown[]): void {
    const logger = requestScope.getStore() ?? this.http.logger;
    const params = [...rest];
    const fields: Record<string, unknown> = {};
    if (params.length > 0) fields.context = params.pop();
    const [stack] = params;
    if (level === 'error' && params.length === 1 && typeof stack === 'string' && /\n\s*at /.test(stack)) {
      // Nest's exception handlers call error(message, stack, context)
      const err = new Error(String(message));
      err.stack = stack;
      logger.error({ ...fields, err });
      return;
    }
    if (message instanceof Error) fields.err = message;
    else if (typeof message === 'object' && message !== null) Object.assign(fields, message);
    else params.unshift(message);
    const [msg, ...args] = params;
    if (msg === undefined) logger[level](fields);
    else logger[level](fields, typeof msg === 'string' ? msg : inspect(msg), ...args);
  }
}

@Global()
@Module({})
class LoggingModule {}

/** The logger of a process with an HTTP server or a worker; imported once, in the root module. */
export function loggingModule(app: LogApp): DynamicModule {
  return {
    module: LoggingModule,
    providers: [
      { provide: HTTP_LOGGER, inject: [APP_CONFIG], useFactory: (config: AppConfig) => httpLogger(config, app) },
      AppLogger,
    ],
    exports: [AppLogger],
  };
}
