import { Module } from '@nestjs/common';
import { ConfigModule } from '../../../libs/config/config.module.js';
import { DbModule } from '../../../libs/db/db.module.js';
import { QueueModule } from '../../../libs/queue/queue.module.js';
import { AuditModule } from '../../../libs/audit/audit.module.js';
import { CampaignsModule } from '../../../libs/campaigns/campaigns.module.js';
import { ReconcileScheduler } from '../../../libs/campaigns/reconcile-scheduler.js';
import { ReminderScheduler } from '../../../libs/campaigns/reminder-scheduler.js';
import { ProcessorsModule } from '../../../libs/jobs/processors.module.js';
import { loggingModule } from '../../../libs/observability/logging.js';
import { MetricsModule } from '../../../libs/observability/metrics.js';
import { WorkerMetricsServer } from '../../../libs/observability/metrics-server.js';

/**
 * The worker process: the processors, reconciliation on a schedule and after Redis lost its data,
 * the reminder run on a schedule, JSON logs, and its counters on WORKER_METRICS_PORT when set.
 */
@Module({
  imports: [
    ConfigModule,
    loggingModule('worker'),
    DbModule,
    QueueModule,
    AuditModule,
    MetricsModule,
    CampaignsModule,
    ProcessorsModule,
  ],
  providers: [WorkerMetricsServer, ReconcileScheduler, ReminderScheduler],
})
export class WorkerModule {}
