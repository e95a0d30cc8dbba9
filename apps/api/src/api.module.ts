import { Module } from '@nestjs/common';
import { ConfigModule } from '../../../libs/config/config.module.js';
import { DbModule } from '../../../libs/db/db.module.js';
import { OperatorAuthGuard } from '../../../libs/auth/operator-auth.guard.js';
import { DirectoryModule } from '../../../libs/directory/directory.module.js';
import { ExposureModule } from '../../../libs/exposure/exposure.module.js';
import { TenantsController } from './operator/tenants.controller.js';
import { DatasetsController } from './operator/datasets.controller.js';

@Module({
  imports: [ConfigModule, DbModule, DirectoryModule, ExposureModule],
  controllers: [TenantsController, DatasetsController],
  providers: [OperatorAuthGuard],
})
export class ApiModule {}
