import { Module } from '@nestjs/common';
import { NoticesRepository } from './notices.repository.js';

/** The notices family's tables (NoticesRepository), apart from rendering (NoticesModule). Needs DbModule (global). */
@Module({
  providers: [NoticesRepository],
  exports: [NoticesRepository],
})
export class NoticesStoreModule {}
