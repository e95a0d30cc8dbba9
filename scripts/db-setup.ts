/**
 * `npm run db:setup`: as DATABASE_ADMIN_URL creates the roles and the database of DATABASE_URL if
 * needed, as DATABASE_OWNER_URL applies the migrations, then grants the application role of
 * DATABASE_URL what the service needs (docs/design.md "Database roles").
 */
import { loadDatabaseSetupConfig, ConfigError } from '../libs/config/config.js';
import { setUpDatabase } from '../libs/db/database-setup.js';

try {
  await setUpDatabase(loadDatabaseSetupConfig(), (l) => process.stderr.write(`${l}\n`));
} catch (err) {
  process.stderr.write(`db:setup: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
  process.exit(1);
}
