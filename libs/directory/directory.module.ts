import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { DirectoryRepository } from './directory.repository.js';
import { DirectoryService } from './directory.service.js';

/**
 * The tenant directory. ConfigModule and DbModule are global; AuditModule: every import is audited.
 * The repository is exported: the directory's tables are read through it only.
 */
@Module({
  imports: [AuditModule],
  providers: [DirectoryRepository, DirectoryService],
  exports: [DirectoryService, DirectoryRepository],
})
export class DirectoryModule {}
