/**
 * Creates the database named in DATABASE_URL when it does not exist, then applies the
 * migrations with Prisma's own CLI. Safe to run again.
 */
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { loadConfig, ConfigError } from '../libs/config/config.js';

async function main(): Promise<void> {
  const { DATABASE_URL } = loadConfig();
  const url = new URL(DATABASE_URL);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`database name "${name}" must be letters, digits and _`);
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(`cannot reach PostgreSQL at ${url.host} (${(err as Error).message}); start it (README "Services") or set DATABASE_URL`);
  }
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!exists.rowCount) {
      await admin.query(`CREATE DATABASE ${name}`);
      process.stderr.write(`created database ${name}\n`);
    }
  } finally {
    await admin.end();
  }
  execFileSync('npx', ['prisma', 'migrate', 'deploy'], {
    env: { ...process.env, DATABASE_URL, CHECKPOINT_DISABLE: '1' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`db:setup: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
  process.exit(1);
});
