import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MetricsModule } from '../../../../libs/observability/metrics.js';
import { HealthController } from './health.controller.js';
import { PostgresHealth, RedisHealth } from './health.indicators.js';
import { MetricsAuthGuard, MetricsController, QueueDepthCollector } from './metrics.controller.js';
import { HttpDrain } from './http-drain.js';
import { OverdueIncidentsLog } from './overdue-incidents.js';
import { IncidentsModule } from '../../../../libs/incidents/incidents.module.js';

/** Operability of the API: health probes, Prometheus metrics, draining on shutdown, overdue incidents said at start. The queue dashboard is mounted in create-app.ts. */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' }), MetricsModule, IncidentsModule],
  controllers: [HealthController, MetricsController],
  providers: [PostgresHealth, RedisHealth, MetricsAuthGuard, QueueDepthCollector, HttpDrain, OverdueIncidentsLog],
})
export class OpsModule {}
