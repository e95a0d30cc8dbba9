import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication, NestExpressBodyParserOptionsFor } from '@nestjs/platform-express';
import { Logger, RequestMethod, StandardSchemaValidationPipe } from '@nestjs/common';
import { EVERY_ROLE_WARNING } from '../../../libs/auth/operator-roles.js';
import { AppLogger } from '../../../libs/observability/logging.js';
import { AppErrorFilter } from '../../../libs/common/app-error.filter.js';
import { ApiModule } from './api.module.js';
import { securityHeaders } from './web/security-headers.js';
import { refuseNonUtf8Body, wellFormedTarget } from './web/well-formed-request.js';
import { applyServerTimeouts, requestBodyTimeouts } from './web/request-timeouts.js';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/config.js';
import { mountQueuesDashboard } from './ops/queues-dashboard.js';
import { serveDocs } from './ops/openapi.js';

/** Builds the HTTP application; used by main.ts and by the end-to-end tests alike. */
export async function createApiApp(): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule, {
    // until the JSON logger is in place; then it gets what was logged meanwhile
    bufferLogs: true,
    // JSON bodies are small by contract; uploads stream through their own endpoint.
    bodyParser: false,
  });
  const logger = app.get(AppLogger);
  app.useLogger(logger);
  // first, so that a request refused by the checks below is logged too
  app.use(logger.middleware);
  app.use(securityHeaders);
  const config = app.get<AppConfig>(APP_CONFIG);
  if (!config.OPERATOR_ROLES) new Logger('operator-auth').warn(EVERY_ROLE_WARNING);
  applyServerTimeouts(app.getHttpServer(), config);
  app.use(requestBodyTimeouts(config));
  // a URL or JSON body that cannot be read as UTF-8, or holds NUL, is a 400 before any route sees it
  app.use(wellFormedTarget);
  // Nest's type leaves `verify` out (it uses it for rawBody, which is off here); Express's parser takes it
  app.useBodyParser('json', { limit: '256kb', verify: refuseNonUtf8Body } as NestExpressBodyParserOptionsFor<'json'>);
  // the tenants' inbox page lives at /inbox and the operators' console at /console, beside the
  // versioned API, and so do the probes and metrics
  const unversioned = [
    'inbox',
    'inbox/{*rest}',
    'console',
    'console/{*rest}',
    'health/live',
    'health/ready',
    'metrics',
  ];
  app.setGlobalPrefix('v1', { exclude: unversioned.map((path) => ({ path, method: RequestMethod.GET })) });
  app.useGlobalPipes(new StandardSchemaValidationPipe());
  app.useGlobalFilters(new AppErrorFilter());
  app.disable('x-powered-by');
  mountQueuesDashboard(app);
  serveDocs(app);
  app.enableShutdownHooks();
  return app;
}
