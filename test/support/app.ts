import { Test } from '@nestjs/testing';
import type { INestApplicationContext, Type } from '@nestjs/common';
import { ConfigModule } from '../../libs/config/config.module.js';
import { DbModule } from '../../libs/db/db.module.js';

/** A Nest context with the global config and database plus the given feature modules, on the test database. */
export async function serviceContext(...modules: Type<unknown>[]): Promise<INestApplicationContext> {
  const mod = await Test.createTestingModule({ imports: [ConfigModule, DbModule, ...modules] }).compile();
  return mod.init();
}
