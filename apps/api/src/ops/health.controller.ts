import { Controller, Get, Inject, Req, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import type { Request, Response } from 'express';
import { ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from './api-docs.js';
import { PostgresHealth, RedisHealth } from './health.indicators.js';
import { APP_CONFIG, type AppConfig } from '../../../../libs/config/config.js';
import { MetricsAuth } from '../../../../libs/observability/metrics-auth.js';

/**
 * Only up/down per dependency: a driver's message names the database, host and port, which an
 * anonymous caller has no business learning. The metrics token or an operator token sees it all.
 */
export function withoutDetails(result: HealthCheckResult): HealthCheckResult {
  const strip = (section: HealthCheckResult['info']) =>
    section === undefined
      ? undefined
      : Object.fromEntries(Object.entries(section).map(([name, check]) => [name, { status: check?.status ?? 'down' }]));
  return {
    status: result.status,
    info: strip(result.info),
    error: strip(result.error),
    details: strip(result.details) ?? {},
  };
}

/**
 * Liveness and readiness for an orchestrator (no authentication, no data). Live: the process
 * answers. Ready: PostgreSQL and Redis answer within HEALTH_TIMEOUT_MS; otherwise 503 naming the
 * one that did not (its reason only for the metrics token or an operator token).
 */
/** What both probes answer (Terminus's result shape). */
const HEALTH_RESULT = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'error', 'shutting_down'] },
    info: { type: 'object' },
    error: {
      type: 'object',
      description: 'each check that failed; its message only with the metrics token or an operator token',
    },
    details: { type: 'object' },
  },
};

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly postgres: PostgresHealth,
    private readonly redis: RedisHealth,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.auth = new MetricsAuth(config);
  }

  private readonly auth: MetricsAuth;

  @ApiDoc('Liveness: the process answers (no authentication)', {
    description: 'alive',
    schema: HEALTH_RESULT,
  })
  @Get('live')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @ApiDoc(
    'Readiness: PostgreSQL answers SELECT 1 and Redis answers PING within HEALTH_TIMEOUT_MS (no authentication)',
    {
      description: 'ready',
      schema: HEALTH_RESULT,
    },
  )
  @ApiResponse({
    status: 503,
    description: 'not ready: `error` names the service that did not answer',
    schema: HEALTH_RESULT,
  })
  @Get('ready')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  async ready(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    const shown = this.auth.allows(req.headers.authorization) ? (r: HealthCheckResult) => r : withoutDetails;
    try {
      return shown(await this.health.check([() => this.postgres.check(), () => this.redis.check()]));
    } catch (err) {
      // terminus's own body says which check failed; the error filter would flatten it
      if (!(err instanceof ServiceUnavailableException)) throw err;
      res.status(503);
      return shown(err.getResponse() as HealthCheckResult);
    }
  }
}
