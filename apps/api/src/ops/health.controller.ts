import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import type { Response } from 'express';
import { ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from './api-docs.js';
import { PostgresHealth, RedisHealth } from './health.indicators.js';

/**
 * Liveness and readiness for an orchestrator (no authentication, no data). Live: the process
 * answers. Ready: PostgreSQL and Redis answer within HEALTH_TIMEOUT_MS; otherwise 503 naming the
 * one that did not.
 */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly postgres: PostgresHealth,
    private readonly redis: RedisHealth,
  ) {}

  @ApiDoc('Liveness: the process answers (no authentication)', { description: 'alive', schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok', 'error', 'shutting_down'] }, info: { type: 'object' }, error: { type: 'object', description: 'each check that failed, with its message' }, details: { type: 'object' } } } })
  @Get('live')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @ApiDoc('Readiness: PostgreSQL answers SELECT 1 and Redis answers PING within HEALTH_TIMEOUT_MS (no authentication)', { description: 'ready', schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok', 'error', 'shutting_down'] }, info: { type: 'object' }, error: { type: 'object', description: 'each check that failed, with its message' }, details: { type: 'object' } } } })
  @ApiResponse({ status: 503, description: 'not ready: `error` names the service that did not answer', schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok', 'error', 'shutting_down'] }, info: { type: 'object' }, error: { type: 'object', description: 'each check that failed, with its message' }, details: { type: 'object' } } } })
  @Get('ready')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  async ready(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.postgres.check(), () => this.redis.check()]);
    } catch (err) {
      // terminus's own body says which check failed; the error filter would flatten it
      if (!(err instanceof ServiceUnavailableException)) throw err;
      res.status(503);
      return err.getResponse() as HealthCheckResult;
    }
  }
}
