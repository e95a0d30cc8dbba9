import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

export const DOCS_PATH = 'docs';

/** The repository root, from this file's place (apps/… or dist/apps/…). */
export const REPO_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
})();

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  version: string;
  description: string;
};

/** The `{error:{code, message}}` body every failure has (libs/common/app-error.filter.ts). */
export const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: {
          type: 'string',
          example: 'badInput',
          description:
            'badInput, unauthorized, forbidden, notFound, requestTimeout, conflict, payloadTooLarge, tooManyRequests, internal',
        },
        message: { type: 'string', description: 'what was wrong, in words an operator can act on' },
      },
    },
  },
} as const;

/**
 * The OpenAPI document of every HTTP endpoint, built from the controllers: request schemas are the
 * zod schemas the endpoints validate with (read by @nestjs/swagger through Standard JSON Schema),
 * the rest comes from the decorators in ./api-docs.ts. Needs no database or Redis.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Exposure notification service')
    .setDescription(
      `${pkg.description}\n\n` +
        'Operator endpoints (`/v1/tenants`, `/v1/datasets`, `/v1/campaigns`, `/v1/reviews`, `/v1/audit`) take an operator bearer token (`OPERATOR_TOKENS`). ' +
        "The tenant inbox (`/v1/admin/serviceAnnouncement/messages`) is shaped like Microsoft Graph's service announcement API and takes a tenant bearer JWT; a message that is not the caller's answers 404 like one that does not exist. " +
        'Every failure answers `{error:{code, message}}`. ' +
        "Outside the API: `/health/live`, `/health/ready`, `/metrics` (Prometheus; `METRICS_TOKEN` or an operator token) and the queue dashboard at `/queues` (operator bearer token, or HTTP Basic with the operator's name and token).",
    )
    .setVersion(pkg.version)
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: 'an operator token from OPERATOR_TOKENS (`name:token`); the name is recorded in the audit log',
      },
      'operator',
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          "a tenant user's token from the tenants' identity provider (or the development issuer): tenant id and user in its claims",
      },
      'tenant',
    )
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, or an operator token' }, 'metrics')
    .build();
  const doc = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
  doc.components ??= {};
  doc.components.schemas = { ...doc.components.schemas, Error: ERROR_SCHEMA as never };
  return doc;
}

/** The document at /docs/json and its UI at /docs. */
export function serveDocs(app: INestApplication): void {
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: `${DOCS_PATH}/json`,
    raw: ['json'],
    customSiteTitle: 'Exposure notification service API',
  });
}
