import type { CompiledQuery } from 'kysely';
import type pg from 'pg';
import Cursor from 'pg-cursor';
import { checkOut, inTransaction } from './transaction.js';

/** work_mem of the data-set-wide sorts, hashes and aggregates (the server's default spills them to disk). */
export const ANALYTIC_WORK_MEM = '256MB';

/** A compiled typed statement (`query.compile()`, or ``sql<Row>`...`.compile(db)``). */
export type AnalyticStatement<R> = CompiledQuery<R>;

/** Runs one data-set-wide statement in its own transaction, with memory for its sorts and hashes. */
export async function analyticQuery<R extends object>(pool: pg.Pool, statement: AnalyticStatement<R>): Promise<R[]> {
  const { sql, parameters } = statement;
  return inTransaction(pool, async ({ client }) => (await client.query<R>(sql, parameters as unknown[])).rows, {
    settings: { work_mem: ANALYTIC_WORK_MEM },
  });
}

/**
 * The rows of a data-set-wide statement a chunk at a time, through a cursor, in a transaction of
 * its own with memory for its sorts and hashes: this process holds a chunk, not the result (at a
 * million lines the clustering queries returned hundreds of thousands of rows each). Leaving the
 * loop early, or calling return(), rolls the transaction back and gives the connection back.
 */
export async function* analyticChunks<R extends object>(
  pool: pg.Pool,
  statement: AnalyticStatement<R>,
  chunk = 5000,
): AsyncGenerator<R[]> {
  const { sql, parameters } = statement;
  // Not inTransaction: the transaction stays open across the yields, and its cursor must be
  // closed before the ROLLBACK of a reader that left early.
  let broken: Error | undefined;
  const onError = (e: Error) => {
    broken ??= e;
  };
  const client = await checkOut(pool, onError);
  let cursor: Cursor<R> | undefined;
  let finished = false;
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL work_mem = '${ANALYTIC_WORK_MEM}'`);
    cursor = client.query(new Cursor<R>(sql, parameters as unknown[]));
    for (;;) {
      const rows = await cursor.read(chunk);
      if (!rows.length) break;
      yield rows;
    }
    await cursor.close();
    await client.query('COMMIT');
    finished = true;
  } finally {
    if (!finished) {
      // the cursor holds the connection until it is closed: a ROLLBACK sent before would wait forever
      await cursor?.close().catch(() => undefined);
      await client.query('ROLLBACK').catch(onError);
    }
    client.off('error', onError);
    client.release(broken);
  }
}
