// Runs once per test run, outside jest's module system (so plain JavaScript, loading the
// TypeScript set-up through tsx): a template database built the way `npm run db:setup` builds
// one (the owner migrates, the application role gets its grants), a working copy of it for the
// tests, and a BullMQ key prefix, so runs never see each other's data. A test file that needs a
// world of its own clones the template (test/support/isolation.ts). Every test connects as the
// application role (DATABASE_URL). Workers inherit these variables.
import { randomBytes } from 'node:crypto';
import { tsImport } from 'tsx/esm/api';

const database = await tsImport('./database.ts', import.meta.url);
export const { ADMIN_URL } = database;

export default async function globalSetup() {
  const run = `impact_test_${randomBytes(5).toString('hex')}`;
  const template = `${run}_tpl`;
  await database.createMigratedDatabase(template);
  const { appUrl } = await database.cloneDatabase(template, run);
  process.env.TEST_RUN_ID = run;
  process.env.TEST_TEMPLATE_DATABASE = template;
  process.env.DATABASE_URL = appUrl;
  process.env.QUEUE_PREFIX = run;
  // the API's and worker's JSON logs: only warnings and errors in test output
  process.env.LOG_LEVEL ??= 'warn';
}
