import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppLogger } from '../../../libs/observability/logging.js';
import { ConfigError, loadConfig } from '../../../libs/config/config.js';
import { assertPostgresReachable } from '../../../libs/db/postgres-check.js';
import { assertRedisReachable } from '../../../libs/queue/redis-check.js';
import { WorkerModule } from './worker.module.js';

async function main(): Promise<void> {
  const config = loadConfig();
  await assertPostgresReachable(config);
  await assertRedisReachable(config);
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
  app.useLogger(app.get(AppLogger));
  // SIGTERM closes the BullMQ workers, which let the jobs in flight finish first.
  app.enableShutdownHooks();
  process.stderr.write('worker started\n');
}

main().catch((err: unknown) => {
  process.stderr.write(
    `${err instanceof ConfigError ? err.message : `worker failed to start: ${(err as Error).message.split('\n')[0]}`}\n`,
  );
  process.exit(1);
});
