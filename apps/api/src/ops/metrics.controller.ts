import {
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  Inject,
  Injectable,
  Res,
  UnauthorizedException,
  UseGuards,
  type OnModuleInit,
} from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { Request, Response } from 'express';
import { Gauge } from 'prom-client';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc, ApiErrors } from './api-docs.js';
import { APP_CONFIG, type AppConfig } from '../../../../libs/config/config.js';
import { Metrics, METRIC_PREFIX } from '../../../../libs/observability/metrics.js';
import { MetricsAuth } from '../../../../libs/observability/metrics-auth.js';
import { QUEUE } from '../../../../libs/queue/queues.js';
import { withTimeout } from './health.indicators.js';

/** METRICS_TOKEN or an operator token, as a bearer header (libs/observability/metrics-auth.ts). */
@Injectable()
export class MetricsAuthGuard implements CanActivate {
  private readonly auth: MetricsAuth;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.auth = new MetricsAuth(config);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.auth.allows(context.switchToHttp().getRequest<Request>().headers.authorization)) return true;
    throw new UnauthorizedException('metrics token required');
  }
}

/**
 * Queue depth per queue and state, read from BullMQ at each scrape. Only the API reports it:
 * the queues are shared, so every worker reporting them too would count them once per worker.
 */
@Injectable()
export class QueueDepthCollector implements OnModuleInit {
  private readonly queues: Queue[];

  constructor(
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QUEUE.analysis) analysis: Queue,
    @InjectQueue(QUEUE.notices) notices: Queue,
    @InjectQueue(QUEUE.emails) emails: Queue,
  ) {
    this.queues = [analysis, notices, emails];
  }

  /** One read of every queue per scrape, shared by the gauges (the registry collects them concurrently). */
  private pending: Promise<{ name: string; counts: Record<string, number>; paused: boolean }[] | null> | null = null;

  private snapshot() {
    this.pending ??= withTimeout(
      Promise.all(
        this.queues.map(async (q) => ({
          name: q.name,
          counts: await q.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed'),
          paused: await q.isPaused(),
        })),
      ),
      this.config.HEALTH_TIMEOUT_MS,
    )
      .catch(() => null)
      .finally(() => setImmediate(() => (this.pending = null)));
    return this.pending;
  }

  onModuleInit(): void {
    const snapshot = () => this.snapshot();
    const registers = [this.metrics.registry];
    new Gauge({
      name: `${METRIC_PREFIX}queue_jobs`,
      help: 'Jobs in each BullMQ queue by state',
      labelNames: ['queue', 'state'] as const,
      registers,
      async collect() {
        const read = await snapshot();
        // no numbers rather than stale ones
        this.reset();
        for (const { name, counts } of read ?? []) {
          this.labels(name, 'waiting').set((counts.wait ?? 0) + (counts.prioritized ?? 0));
          for (const state of ['active', 'delayed', 'failed'] as const)
            this.labels(name, state).set(counts[state] ?? 0);
        }
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}queue_paused`,
      help: '1 while a queue is paused (the emails queue pauses while the mail quota is used up)',
      labelNames: ['queue'] as const,
      registers,
      async collect() {
        const read = await snapshot();
        this.reset();
        for (const { name, paused } of read ?? []) this.labels(name).set(paused ? 1 : 0);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}queue_depth_up`,
      help: '1 when this scrape could read the queues from Redis within HEALTH_TIMEOUT_MS',
      registers,
      async collect() {
        this.set((await snapshot()) ? 1 : 0);
      },
    });
  }
}

/** `GET /metrics`: Prometheus text format. */
@ApiTags('operations')
@ApiBearerAuth('metrics')
@Controller('metrics')
@UseGuards(MetricsAuthGuard)
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @ApiDoc('Prometheus metrics of this API process, and the depth of every queue', {
    description: 'the text exposition format',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  @ApiErrors(401)
  @Get()
  async scrape(@Res() res: Response): Promise<void> {
    const m = await this.metrics.render();
    res.status(200).setHeader('Content-Type', m.contentType).setHeader('Cache-Control', 'no-store').send(m.body);
  }
}
