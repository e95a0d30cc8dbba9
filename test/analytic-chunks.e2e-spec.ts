/**
 * Data-set-wide queries read through a cursor a chunk at a time (libs/db/analytic.ts): every row
 * arrives, in order; leaving early or failing gives the connection back with its transaction
 * rolled back; readAhead starts the query before it is iterated.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import pg from 'pg';
import { isolate } from './support/isolation.js';
import { analyticChunks } from '../libs/db/analytic.js';
import { databaseOn, type Db } from '../libs/db/transaction.js';
import { readAhead } from '../libs/common/read-ahead.js';

describe('analyticChunks', () => {
  let pool: pg.Pool;
  let db: Db;

  beforeAll(async () => {
    const { databaseUrl } = await isolate();
    pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    db = databaseOn(pool);
  });

  afterAll(async () => {
    await pool?.end();
  });

  const series = (n: number) =>
    analyticChunks(
      pool,
      sql<{ n: number }>`SELECT g AS n FROM generate_series(1, ${n}::int) g ORDER BY g`.compile(db),
      3,
    );

  it('yields every row, in order, a chunk at a time, with the analytic work_mem', async () => {
    const chunks: number[][] = [];
    for await (const rows of series(10)) chunks.push(rows.map((r) => r.n));
    expect(chunks).toEqual([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10]]);
    const [setting] = await (async () => {
      for await (const rows of analyticChunks(pool, sql<{ work_mem: string }>`SHOW work_mem`.compile(db))) return rows;
      return [];
    })();
    expect(setting?.work_mem).toBe('256MB');
    expect(pool.idleCount).toBe(pool.totalCount);
  });

  it('gives the connection back, its transaction ended, when the reader leaves early or return() is called', async () => {
    for await (const rows of series(100)) {
      expect(rows).toHaveLength(3);
      break;
    }
    const started = series(100);
    await started.next();
    await started.return(undefined);
    expect(pool.waitingCount).toBe(0);
    expect(pool.idleCount).toBe(pool.totalCount);
    // both connections usable and outside any transaction (work_mem back to the server default)
    const a = await pool.query<{ work_mem: string }>("SELECT current_setting('work_mem') AS work_mem");
    expect(a.rows[0]!.work_mem).not.toBe('256MB');
  });

  it('rejects with the database error and gives the connection back', async () => {
    const broken = analyticChunks(pool, sql`SELECT 1 / (g - 2) FROM generate_series(1, 5) g`.compile(db), 1);
    await expect(
      (async () => {
        for await (const _ of broken) void _;
      })(),
    ).rejects.toThrow(/division by zero/);
    expect(pool.idleCount).toBe(pool.totalCount);
    expect(pool.waitingCount).toBe(0);
    expect((await pool.query('SELECT 1 AS one')).rows[0]).toEqual({ one: 1 });
  });

  it('readAhead has the query running before the reader asks, and yields the same rows', async () => {
    const source = series(7);
    const ahead = readAhead(source);
    // the first chunk is being fetched: the connection is out of the pool already
    await new Promise((r) => setTimeout(r, 50));
    expect(pool.totalCount - pool.idleCount).toBe(1);
    const all: number[] = [];
    for await (const rows of ahead) all.push(...rows.map((r) => r.n));
    expect(all).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(pool.idleCount).toBe(pool.totalCount);
  });
});
