// Runs once per test run, outside jest's module system (so plain JavaScript): one fresh
// database with the project's migrations applied by Prisma's own CLI, and one BullMQ key
// prefix, so runs never see each other's data. Test workers inherit these variables.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const ADMIN_URL = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export default async function globalSetup() {
  const name = `impact_test_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = ADMIN_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  execFileSync('npx', ['prisma', 'migrate', 'deploy'], {
    env: { ...process.env, DATABASE_URL: url, CHECKPOINT_DISABLE: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  process.env.TEST_DATABASE_NAME = name;
  process.env.DATABASE_URL = url;
  process.env.QUEUE_PREFIX = `impact_test_${randomBytes(4).toString('hex')}`;
}
