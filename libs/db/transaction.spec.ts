import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { TENANT_ROLE } from './roles.js';
import { databaseOn, inTransaction, runNamed } from './transaction.js';

// The test run's database as the application role (test/support/global-setup.mjs sets DATABASE_URL).
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
const db = databaseOn(pool);

afterAll(async () => {
  await db.destroy();
});

async function tenantExists(id: string): Promise<boolean> {
  const row = await db.selectFrom('tenants').select('id').where('id', '=', id).executeTakeFirst();
  return row !== undefined;
}

describe('inTransaction against the real PostgreSQL', () => {
  it('commits the typed statements and the raw connection of one transaction together', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const seen = await inTransaction(pool, async ({ db: tx, client }) => {
      await tx
        .insertInto('tenants')
        .values({ id: a, name: 'Typed', aliases: [], phones: [], updated_at: new Date() })
        .execute();
      await client.query(`INSERT INTO tenants (id, name, updated_at) VALUES ($1, 'Raw', now())`, [b]);
      // both on the transaction's connection: each sees the other's uncommitted row
      const rows = await tx.selectFrom('tenants').select('name').where('id', 'in', [a, b]).orderBy('name').execute();
      return rows.map((r) => r.name);
    });
    expect(seen).toEqual(['Raw', 'Typed']);
    expect(await tenantExists(a)).toBe(true);
    expect(await tenantExists(b)).toBe(true);
    await db.deleteFrom('tenants').where('id', 'in', [a, b]).execute();
  });

  it('rolls everything back and rethrows when the work fails', async () => {
    const id = randomUUID();
    await expect(
      inTransaction(pool, async ({ db: tx }) => {
        await tx
          .insertInto('tenants')
          .values({ id, name: 'Gone', aliases: [], phones: [], updated_at: new Date() })
          .execute();
        throw new Error('refused halfway');
      }),
    ).rejects.toThrow('refused halfway');
    expect(await tenantExists(id)).toBe(false);
  });

  it('sends a statement with the COMMIT: both commit, and if it fails nothing of the transaction does', async () => {
    const [kept, lost] = [randomUUID(), randomUUID()];
    await inTransaction(pool, async ({ db: tx, client, commitWith }) => {
      await tx
        .insertInto('tenants')
        .values({ id: kept, name: 'Before commit', aliases: [], phones: [], updated_at: new Date() })
        .execute();
      commitWith(
        `UPDATE tenants SET name = ${client.escapeLiteral("With the commit's round trip")} WHERE id = '${kept}'`,
      );
    });
    const row = await db.selectFrom('tenants').select('name').where('id', '=', kept).executeTakeFirst();
    expect(row?.name).toBe("With the commit's round trip");

    await expect(
      inTransaction(pool, async ({ db: tx, commitWith }) => {
        await tx
          .insertInto('tenants')
          .values({ id: lost, name: 'Never committed', aliases: [], phones: [], updated_at: new Date() })
          .execute();
        commitWith(`INSERT INTO tenants (id, name, updated_at) VALUES ('not a uuid', 'x', now())`);
      }),
    ).rejects.toThrow(/uuid/);
    expect(await tenantExists(lost)).toBe(false);
    // the connection went back usable: the next transaction on the two-connection pool works
    expect(
      await inTransaction(
        pool,
        async ({ db: tx }) => (await tx.selectFrom('tenants').select('id').where('id', '=', kept).execute()).length,
      ),
    ).toBe(1);
    await db.deleteFrom('tenants').where('id', '=', kept).execute();
  });

  it('applies its settings to the transaction only, quoted whatever they hold', async () => {
    const hostile = `x'); DROP TABLE tenants; --`;
    const inside = await inTransaction(
      pool,
      async ({ client }) =>
        (
          await client.query<{ role: string; value: string }>(
            `SELECT current_user AS role, current_setting('app.probe') AS value`,
          )
        ).rows[0],
      { settings: { role: TENANT_ROLE, 'app.probe': hostile } },
    );
    expect(inside).toEqual({ role: TENANT_ROLE, value: hostile });
    // the same pooled connections after the transaction: the application role, no setting left
    const after = await pool.query<{ role: string; value: string | null }>(
      `SELECT current_user AS role, current_setting('app.probe', true) AS value`,
    );
    expect(after.rows[0]!.role).not.toBe(TENANT_ROLE);
    expect(after.rows[0]!.value || null).toBeNull();
    expect(await db.selectFrom('tenants').select(db.fn.countAll().as('n')).executeTakeFirstOrThrow()).toBeDefined();
  });

  it('destroys a connection that was lost mid-transaction instead of giving it back to the pool', async () => {
    const own = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
    try {
      let pid = 0;
      await expect(
        inTransaction(own, async ({ client }) => {
          pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
          // the application role may end its own sessions: the socket dies under the transaction
          await pool.query('SELECT pg_terminate_backend($1)', [pid]);
          await client.query('SELECT 1');
        }),
      ).rejects.toThrow();
      // the pool's only slot was freed and refilled with a live connection
      const next = await own.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      expect(next.rows[0]!.pid).not.toBe(pid);
    } finally {
      await own.end();
    }
  });
});

describe('databaseOn', () => {
  it('survives a connection lost under a statement: the statement fails, the connection is not reused', async () => {
    const own = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
    const ownDb = databaseOn(own);
    try {
      const pid = (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(ownDb)).rows[0]!.pid;
      const sleeping = sql`SELECT pg_sleep(5)`.execute(ownDb);
      // the application role may end its own sessions: the socket dies under the statement
      await until(async () => {
        const r = await pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1 AND query LIKE '%pg_sleep%'`,
          [pid],
        );
        return r.rows[0]!.n === '1';
      });
      await pool.query('SELECT pg_terminate_backend($1)', [pid]);
      await expect(sleeping).rejects.toThrow();
      // the pool's only slot was freed and refilled with a live connection
      const next = (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(ownDb)).rows[0]!.pid;
      expect(next).not.toBe(pid);
    } finally {
      await ownDb.destroy();
    }
  });
});

describe('connections ended by PostgreSQL while in use', () => {
  it('fail the statements they carry and never crash the process, however the end falls', async () => {
    const name = `ended-${randomUUID().slice(0, 8)}`;
    const own = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4, application_name: name });
    own.on('error', () => undefined);
    const ownDb = databaseOn(own);
    const end = Date.now() + 3000;
    let served = 0;
    // typed statements on the pool and transactions, while every session of the pool is ended again and again
    const load = async (i: number) => {
      while (Date.now() < end) {
        const statement =
          i % 2 === 0
            ? sql`SELECT pg_sleep(${Math.random() * 0.01})`.execute(ownDb)
            : inTransaction(own, async ({ db: tx }) => {
                await sql`SELECT 1`.execute(tx);
                await sql`SELECT pg_sleep(0.005)`.execute(tx);
              });
        served += await statement.then(
          () => 1,
          () => 0,
        );
      }
    };
    const ender = async () => {
      while (Date.now() < end) {
        await pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [name]);
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 40));
      }
    };
    try {
      await Promise.all([...Array.from({ length: 8 }, (_, i) => load(i)), ender()]);
      // and the pool still serves once the sessions are left alone
      expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(ownDb)).rows).toEqual([{ one: 1 }]);
      expect(served).toBeGreaterThan(0);
    } finally {
      await ownDb.destroy();
    }
  }, 20_000);
});

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20));
}

describe('runNamed', () => {
  it('runs a typed statement as a prepared statement of the connection, again and again', async () => {
    const id = randomUUID();
    await db
      .insertInto('tenants')
      .values({ id, name: 'Named', aliases: ['N'], phones: [], updated_at: new Date() })
      .execute();
    const names = await inTransaction(pool, async ({ db: tx, client }) => {
      const byId = (tenant: string) => tx.selectFrom('tenants').select(['name', 'aliases']).where('id', '=', tenant);
      const first = await runNamed(client, 'test-tenant-by-id', byId(id));
      const second = await runNamed(client, 'test-tenant-by-id', byId(randomUUID()));
      const prepared = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_prepared_statements WHERE name = 'test-tenant-by-id'`,
      );
      return { first, second, prepared: Number(prepared.rows[0]!.n) };
    });
    expect(names).toEqual({ first: [{ name: 'Named', aliases: ['N'] }], second: [], prepared: 1 });
    await db.deleteFrom('tenants').where('id', '=', id).execute();
  });
});

describe('inTransaction when its settings are refused', () => {
  it('rolls back the transaction BEGIN opened, so the pooled connection is usable again', async () => {
    const own = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
    try {
      await expect(
        inTransaction(own, () => Promise.resolve(1), { settings: { role: 'no_such_role_here' } }),
      ).rejects.toThrow(/no_such_role_here/);
      // the pool's only connection answers outside any transaction
      const r = await own.query<{ open: boolean }>(`SELECT now() <> statement_timestamp() AS open`);
      expect(r.rows[0]!.open).toBe(false);
    } finally {
      await own.end();
    }
  });
});
