/** `npm run db:setup`: creates the database in DATABASE_URL if needed and applies the migrations. */
import { loadConfig, ConfigError } from '../libs/config/config.js';
import { ensureDatabase } from '../libs/db/ensure-database.js';

try {
  await ensureDatabase(loadConfig().DATABASE_URL, (l) => process.stderr.write(`${l}\n`));
} catch (err) {
  process.stderr.write(`db:setup: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
  process.exit(1);
}
