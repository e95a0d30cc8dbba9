import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/**
 * Gives the calling test file a database and a queue prefix of its own: a clone of the run's
 * migrated template (fast: a file copy in PostgreSQL) and `<run>_<suffix>` as BullMQ prefix. Call
 * it in beforeAll before building a Nest context; it sets DATABASE_URL and QUEUE_PREFIX. Use it
 * whenever a test imports a directory or runs workers, so test files cannot see each other's
 * tenants or jobs. The global teardown drops the clone.
 */
export async function isolate(): Promise<{ databaseUrl: string; queuePrefix: string }> {
  const run = process.env.TEST_RUN_ID;
  const template = process.env.TEST_TEMPLATE_DATABASE;
  if (!run || !template) throw new Error('isolate() needs the jest global setup (TEST_RUN_ID, TEST_TEMPLATE_DATABASE)');
  const name = `${run}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.end();
  }
  const databaseUrl = ADMIN_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  process.env.DATABASE_URL = databaseUrl;
  process.env.QUEUE_PREFIX = name;
  return { databaseUrl, queuePrefix: name };
}
