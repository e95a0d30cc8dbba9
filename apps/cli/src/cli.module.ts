import { Module } from '@nestjs/common';
import { ConfigModule } from '../../../libs/config/config.module.js';
import { DbModule } from '../../../libs/db/db.module.js';
import { QueueModule } from '../../../libs/queue/queue.module.js';
import { AuditModule } from '../../../libs/audit/audit.module.js';
import { DirectoryModule } from '../../../libs/directory/directory.module.js';
import { ExposureModule } from '../../../libs/exposure/exposure.module.js';
import { CampaignsModule } from '../../../libs/campaigns/campaigns.module.js';
import { ProcessorsModule } from '../../../libs/jobs/processors.module.js';
import { IncidentsModule } from '../../../libs/incidents/incidents.module.js';
import { ReportsModule } from '../../../libs/reports/reports.module.js';

const base = [
  ConfigModule,
  DbModule,
  QueueModule,
  AuditModule,
  DirectoryModule,
  ExposureModule,
  CampaignsModule,
  IncidentsModule,
  ReportsModule,
];

@Module({ imports: base })
export class CliModule {}

/** The CLI with the worker's processors in-process: `--wait` finishes its work with no worker running. */
@Module({ imports: [...base, ProcessorsModule] })
export class CliWithWorkersModule {}
