import { Kysely, PostgresDialect, type Compilable, type PostgresPool, type PostgresPoolClient } from 'kysely';
import type pg from 'pg';
import Cursor from 'pg-cursor';
import type { DB } from '../../generated/kysely/database.js';

/** Typed statements: the row types are generated from prisma/schema.prisma (`npx prisma generate`). */
export type Db = Kysely<DB>;
export type { DB };

/** A Kysely over a pool: each statement takes a connection of the pool and gives it back. */
export function databaseOn(pool: pg.Pool): Db {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool, cursor: Cursor }) });
}

/** One open transaction: typed statements and the raw connection (for COPY streams and cursors) share it. */
export interface Transaction {
  readonly db: Db;
  readonly client: pg.ClientBase;
}

export interface TransactionOptions {
  /**
   * Transaction-local settings (`set_config(name, value, true)`), sent with BEGIN in one round
   * trip: `role` switches to a role the connection's user is a member of, `work_mem` gives a
   * data-set-wide statement memory for its sorts. Nothing of them survives into the pooled
   * connection's next use.
   */
  readonly settings?: Readonly<Record<string, string>>;
}

/**
 * The one way to run several statements as one: BEGIN (with the settings), the work, COMMIT; on
 * any error ROLLBACK and the error rethrown. A connection that cannot even roll back, or that
 * reported an error of its own while checked out (a socket lost mid-transaction), is destroyed
 * instead of going back to the pool.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (tx: Transaction) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A lost connection also emits 'error' on the checked-out client while the query in flight
  // rejects with it: keep the event from crashing the process, and the client from the pool.
  const onError = (e: Error) => {
    broken = e;
  };
  client.on('error', onError);
  try {
    return await transact(client, work, options, (e) => (broken ??= e));
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/**
 * inTransaction on a connection the caller holds and ends itself (the database set-up's own
 * clients): the same BEGIN, COMMIT and ROLLBACK, nothing given back to a pool.
 */
export function inTransactionOn<T>(
  client: pg.ClientBase,
  work: (tx: Transaction) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  return transact(client, work, options, () => undefined);
}

async function transact<T>(
  client: pg.ClientBase,
  work: (tx: Transaction) => Promise<T>,
  options: TransactionOptions,
  rollbackFailed: (e: Error) => void,
): Promise<T> {
  await client.query(beginStatement(client, options.settings));
  try {
    const result = await work({ db: databaseOnConnection(client), client });
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(rollbackFailed);
    throw err;
  }
}

/** BEGIN and the settings as one multi-statement query (which takes no parameters: values are quoted). */
function beginStatement(client: pg.ClientBase, settings: Readonly<Record<string, string>> | undefined): string {
  const entries = Object.entries(settings ?? {});
  if (!entries.length) return 'BEGIN';
  const calls = entries.map(
    ([name, value]) => `set_config(${client.escapeLiteral(name)}, ${client.escapeLiteral(value)}, true)`,
  );
  return `BEGIN; SELECT ${calls.join(', ')}`;
}

/** A Kysely whose every statement runs on one checked-out connection: the transaction's. */
function databaseOnConnection(client: pg.ClientBase): Db {
  const connection: PostgresPoolClient = {
    query: client.query.bind(client),
    // the transaction gives the connection back, not each statement
    release: () => undefined,
  };
  const pool: PostgresPool = { connect: () => Promise.resolve(connection), end: () => Promise.resolve(), options: {} };
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool, cursor: Cursor }) });
}

/**
 * A typed statement run as a named prepared statement: each connection parses and plans it once
 * (the inbox's hot path). Only for statements whose text does not vary with their values (no
 * IN list of varying length): one name, one text. Rows come back as pg gives them, untransformed,
 * exactly as Kysely's own execute() would.
 */
export async function runNamed<R>(
  client: Pick<pg.ClientBase, 'query'>,
  name: string,
  statement: Compilable<R>,
): Promise<R[]> {
  const { sql, parameters } = statement.compile();
  const res = await client.query<R & pg.QueryResultRow>({ name, text: sql, values: parameters as unknown[] });
  return res.rows;
}
