import { Module } from '@nestjs/common';
import { ExposureRepository } from './exposure.repository.js';
import { IngestService } from './ingest.service.js';
import { DatasetsService } from './datasets.service.js';
import { MetricsModule } from '../observability/metrics.js';

@Module({
  imports: [MetricsModule],
  providers: [ExposureRepository, IngestService, DatasetsService],
  exports: [IngestService, DatasetsService, ExposureRepository],
})
export class ExposureModule {}
