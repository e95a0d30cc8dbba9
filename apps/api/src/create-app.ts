import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { RequestMethod, StandardSchemaValidationPipe } from '@nestjs/common';
import { AppErrorFilter } from '../../../libs/common/app-error.filter.js';
import { ApiModule } from './api.module.js';
import { securityHeaders } from './web/security-headers.js';

/** Builds the HTTP application; used by main.ts and by the end-to-end tests alike. */
export async function createApiApp(): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule, {
    bufferLogs: false,
    logger: ['error', 'warn'],
    // JSON bodies are small by contract; uploads stream through their own endpoint.
    bodyParser: false,
  });
  app.use(securityHeaders);
  app.useBodyParser('json', { limit: '256kb' });
  // the tenants' inbox page lives at /inbox, beside the versioned API
  app.setGlobalPrefix('v1', { exclude: [{ path: 'inbox', method: RequestMethod.GET }, { path: 'inbox/{*rest}', method: RequestMethod.GET }] });
  app.useGlobalPipes(new StandardSchemaValidationPipe());
  app.useGlobalFilters(new AppErrorFilter());
  app.disable('x-powered-by');
  app.enableShutdownHooks();
  return app;
}
