import 'reflect-metadata';
import { APP_CONFIG, type AppConfig, ConfigError, loadConfig } from '../../../libs/config/config.js';
import { assertPostgresReachable } from '../../../libs/db/postgres-check.js';
import { assertRedisReachable } from '../../../libs/queue/redis-check.js';
import { createApiApp } from './create-app.js';

async function main(): Promise<void> {
  const env = loadConfig();
  await assertPostgresReachable(env);
  await assertRedisReachable(env);
  const app = await createApiApp();
  const config = app.get<AppConfig>(APP_CONFIG);
  await app.listen(config.PORT, config.HOST);
  process.stderr.write(`api listening on http://${config.HOST}:${config.PORT}/v1\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `${err instanceof ConfigError ? err.message : `api failed to start: ${(err as Error).message}`}\n`,
  );
  process.exit(1);
});
