import { Module } from '@nestjs/common';
import { ConfigModule } from '../../../libs/config/config.module.js';
import { DbModule } from '../../../libs/db/db.module.js';
import { DirectoryModule } from '../../../libs/directory/directory.module.js';
import { ExposureModule } from '../../../libs/exposure/exposure.module.js';

@Module({ imports: [ConfigModule, DbModule, DirectoryModule, ExposureModule] })
export class CliModule {}
