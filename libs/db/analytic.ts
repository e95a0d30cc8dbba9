import type pg from 'pg';

/** work_mem of the data-set-wide sorts, hashes and aggregates (the server's default spills them to disk). */
export const ANALYTIC_WORK_MEM = '256MB';

/** Runs one data-set-wide statement in its own transaction, with memory for its sorts and hashes. */
export async function analyticQuery<R extends object>(pool: pg.Pool, sql: string, params: unknown[]): Promise<R[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL work_mem = '${ANALYTIC_WORK_MEM}'`);
    const res = await client.query<R>(sql, params);
    await client.query('COMMIT');
    return res.rows;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
