import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { postgresAddress } from './postgres-check.js';

/** The repository root (where prisma/ lives), from the sources or from dist/. */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(resolve(dir, 'prisma', 'schema.prisma'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find prisma/schema.prisma above this module');
    dir = up;
  }
  return dir;
}

/**
 * Creates the database named in the URL when it does not exist, then applies the migrations with
 * Prisma's own CLI. Safe to run again. Errors name the service and the fix.
 */
export async function ensureDatabase(
  databaseUrl: string,
  log: (line: string) => void = () => undefined,
): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`database name "${name}" must be letters, digits and _`);
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(
      `cannot reach PostgreSQL at ${postgresAddress(databaseUrl)} (${(err as Error).message}): start it (README "Requirements") or set DATABASE_URL`,
    );
  }
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!exists.rowCount) {
      await admin.query(`CREATE DATABASE ${name}`);
      log(`created database ${name}`);
    }
  } finally {
    await admin.end();
  }
  execFileSync('npx', ['prisma', 'migrate', 'deploy'], {
    cwd: projectRoot(),
    env: { ...process.env, DATABASE_URL: databaseUrl, CHECKPOINT_DISABLE: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  log(`database ${name} is migrated`);
}
