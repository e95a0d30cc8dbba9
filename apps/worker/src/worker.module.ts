import { Module } from '@nestjs/common';
import { ConfigModule } from '../../../libs/config/config.module.js';
import { DbModule } from '../../../libs/db/db.module.js';
import { QueueModule } from '../../../libs/queue/queue.module.js';
import { AuditModule } from '../../../libs/audit/audit.module.js';
import { ProcessorsModule } from './processors.module.js';
import { loggingModule } from '../../../libs/observability/logging.js';
import { MetricsModule } from '../../../libs/observability/metrics.js';
import { WorkerMetricsServer } from '../../../libs/observability/metrics-server.js';

/** The worker process: the processors, JSON logs, and its counters on WORKER_METRICS_PORT when set. */
@Module({
  imports: [ConfigModule, loggingModule('worker'), DbModule, QueueModule, AuditModule, MetricsModule, ProcessorsModule],
  providers: [WorkerMetricsServer],
})
export class WorkerModule {}
