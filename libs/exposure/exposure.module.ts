import { Module } from '@nestjs/common';
import { ExposureRepository } from './exposure.repository.js';
import { IngestService } from './ingest.service.js';
import { DatasetsService } from './datasets.service.js';
import { MetricsModule } from '../observability/metrics.js';
import { AuditModule } from '../audit/audit.module.js';

@Module({
  // AuditModule: a change to a data set sends its analyzed campaigns back to draft, audited
  imports: [MetricsModule, AuditModule],
  providers: [ExposureRepository, IngestService, DatasetsService],
  exports: [IngestService, DatasetsService, ExposureRepository],
})
export class ExposureModule {}
