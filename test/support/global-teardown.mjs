import { Redis } from 'ioredis';
import pg from 'pg';
import { ADMIN_URL } from './global-setup.mjs';

/** Drops every database of this run (the template, the shared copy, the isolated clones) and its Redis keys. */
export default async function globalTeardown() {
  const run = process.env.TEST_RUN_ID;
  if (!run?.startsWith('impact_test_')) return;
  if (!process.env.KEEP_TEST_DATABASE) {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      const dbs = await admin.query('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${run}%`]);
      for (const { datname } of dbs.rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${run}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch {
    // Redis is gone: nothing left to clean
  } finally {
    redis.disconnect();
  }
}
