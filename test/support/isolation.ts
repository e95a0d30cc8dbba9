import { randomBytes } from 'node:crypto';
import { cloneDatabase } from './database.js';

/**
 * Gives the calling test file a database and a queue prefix of its own: a clone of the run's
 * migrated template (fast: a file copy in PostgreSQL) and `<run>_<suffix>` as BullMQ prefix. Call
 * it in beforeAll before building a Nest context; it sets DATABASE_URL (the application role, as
 * in production) and QUEUE_PREFIX. Use it whenever a test imports a directory or runs workers, so
 * test files cannot see each other's tenants or jobs. The global teardown drops the clone.
 */
export async function isolate(): Promise<{ databaseUrl: string; queuePrefix: string }> {
  const run = process.env.TEST_RUN_ID;
  const template = process.env.TEST_TEMPLATE_DATABASE;
  if (!run || !template) throw new Error('isolate() needs the jest global setup (TEST_RUN_ID, TEST_TEMPLATE_DATABASE)');
  const name = `${run}_${randomBytes(4).toString('hex')}`;
  const { appUrl: databaseUrl } = await cloneDatabase(template, name);
  process.env.DATABASE_URL = databaseUrl;
  process.env.QUEUE_PREFIX = name;
  return { databaseUrl, queuePrefix: name };
}
