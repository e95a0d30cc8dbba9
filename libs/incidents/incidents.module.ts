import { Module } from '@nestjs/common';
import { NoticesModule } from '../notices/notices.module.js';
import { IncidentsRepository } from './incidents.repository.js';
import { IncidentsService } from './incidents.service.js';

/** Incidents: the campaigns and data sets of one exposure, and the operator's words about it. */
@Module({
  imports: [NoticesModule],
  providers: [IncidentsRepository, IncidentsService],
  exports: [IncidentsService],
})
export class IncidentsModule {}
