import { Kysely, PostgresDialect, type Compilable, type PostgresPool, type PostgresPoolClient } from 'kysely';
import type pg from 'pg';
import Cursor from 'pg-cursor';
import type { DB } from '../../generated/kysely/database.js';

/** Typed statements: the row types are generated from prisma/schema.prisma (`npx prisma generate`). */
export type Db = Kysely<DB>;
export type { DB };

/**
 * A Kysely over a pool: each statement takes a connection of the pool and gives it back. Handed
 * out with the care pool.query takes and Kysely's own driver does not: while a statement holds the
 * connection, an 'error' the connection emits (its socket lost: PostgreSQL restarted, or ended the
 * session) is caught instead of crashing the process, and a connection whose statement failed is
 * destroyed instead of going back to the pool, where the next statement would find it dead.
 */
export function databaseOn(pool: pg.Pool): Db {
  const guarded: PostgresPool = {
    connect: async () => {
      let failed: Error | undefined;
      const onError = (e: Error) => {
        failed ??= e;
      };
      const client = await checkOut(pool, onError);
      const query = (...args: unknown[]): unknown => {
        const result: unknown = (client.query as (...a: unknown[]) => unknown)(...args);
        // a cursor reports its errors to its reader; a statement's promise is the caller's to await
        if (result instanceof Promise) result.catch((e: Error) => onError(e));
        return result;
      };
      return {
        query: query as PostgresPoolClient['query'],
        release: (destroy?: boolean) => {
          client.off('error', onError);
          client.release(failed ?? destroy);
        },
      };
    },
    end: () => pool.end(),
  };
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool: guarded, cursor: Cursor }) });
}

/**
 * pool.connect with `onError` listening from the moment the pool hands the client over, as
 * pool.query does: the pool stops listening for the client's errors then, and a session ended
 * right after a statement can send its FATAL in the same packet as the statement's end. Awaited
 * connect() would attach a listener a microtask later, after that packet is parsed, and an
 * 'error' event nobody listens to ends the process.
 */
export function checkOut(pool: pg.Pool, onError: (e: Error) => void): Promise<pg.PoolClient> {
  return new Promise((resolve, reject) => {
    pool.connect((err, client) => {
      if (err || !client) return reject(err ?? new Error('the pool gave no connection'));
      client.on('error', onError);
      resolve(client);
    });
  });
}

/** One open transaction: typed statements and the raw connection (for COPY streams and cursors) share it. */
export interface Transaction {
  readonly db: Db;
  readonly client: pg.ClientBase;
  /**
   * Sends `statement` in the COMMIT's round trip, before it: for a write whose result nobody reads
   * but whose failure must fail the transaction (a read's audit rows). If it fails, COMMIT does not
   * run and the whole transaction rolls back. Plain text (the simple protocol takes no parameters):
   * every value in it must be quoted with `client.escapeLiteral`.
   */
  commitWith(statement: string): void;
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
  let broken: Error | undefined;
  // A lost connection also emits 'error' on the checked-out client while the query in flight
  // rejects with it: keep the event from crashing the process, and the client from the pool.
  const onError = (e: Error) => {
    broken = e;
  };
  const client = await checkOut(pool, onError);
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
  const withCommit: string[] = [];
  try {
    // inside: a setting refused after BEGIN ran leaves a transaction to roll back
    await client.query(beginStatement(client, options.settings));
    const result = await work({
      db: databaseOnConnection(client),
      client,
      commitWith: (statement) => void withCommit.push(statement),
    });
    // one simple-protocol message: an error in any statement stops the rest, COMMIT included
    await client.query([...withCommit, 'COMMIT'].join(';\n'));
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

/** One Kysely per connection, made on its first transaction: a pooled connection serves many. */
const connectionDatabases = new WeakMap<pg.ClientBase, Db>();

/** A Kysely whose every statement runs on one checked-out connection: the transaction's. */
function databaseOnConnection(client: pg.ClientBase): Db {
  let db = connectionDatabases.get(client);
  if (!db) connectionDatabases.set(client, (db = newDatabaseOnConnection(client)));
  return db;
}

function newDatabaseOnConnection(client: pg.ClientBase): Db {
  const connection: PostgresPoolClient = {
    query: client.query.bind(client),
    // the transaction gives the connection back, not each statement
    release: () => undefined,
  };
  const pool: PostgresPool = { connect: () => Promise.resolve(connection), end: () => Promise.resolve() };
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
