// Runs once per test run, outside jest's module system (so plain JavaScript): a template
// database with the project's migrations applied by Prisma's own CLI, a working copy of it for
// the tests, and a BullMQ key prefix, so runs never see each other's data. A test file that
// needs a world of its own clones the template (test/support/isolation.ts). Workers inherit
// these variables.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const ADMIN_URL = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const databaseUrl = (name) => ADMIN_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);

export default async function globalSetup() {
  const run = `impact_test_${randomBytes(5).toString('hex')}`;
  const template = `${run}_tpl`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${template}`);
    execFileSync('npx', ['prisma', 'migrate', 'deploy'], {
      env: { ...process.env, DATABASE_URL: databaseUrl(template), CHECKPOINT_DISABLE: '1' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await admin.query(`CREATE DATABASE ${run} TEMPLATE ${template}`);
  } finally {
    await admin.end();
  }
  process.env.TEST_RUN_ID = run;
  process.env.TEST_TEMPLATE_DATABASE = template;
  process.env.DATABASE_URL = databaseUrl(run);
  process.env.QUEUE_PREFIX = run;
  // the API's and worker's JSON logs: only warnings and errors in test output
  process.env.LOG_LEVEL ??= 'warn';
}
