import pg from 'pg';
import type { AppConfig } from '../config/config.js';

/** `host:port` of a PostgreSQL URL, with the default port when the URL leaves it out. */
export function postgresAddress(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${url.hostname}:${url.port || '5432'}`;
}

/**
 * Fails fast with a one-line reason when PostgreSQL does not answer, before anything else runs:
 * otherwise the first query fails deep inside a command with the database client's own message.
 */
export async function assertPostgresReachable(
  config: Pick<AppConfig, 'DATABASE_URL'>,
  timeoutMs = 5000,
): Promise<void> {
  const client = new pg.Client({ connectionString: config.DATABASE_URL, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw new Error(
      `cannot reach PostgreSQL at ${postgresAddress(config.DATABASE_URL)} (${oneLine((err as Error).message)}): start it (README "Requirements") or set DATABASE_URL`,
      { cause: err },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
