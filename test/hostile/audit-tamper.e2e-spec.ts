/**
 * Whoever holds the service's own database credentials (DATABASE_URL: the application role) cannot
 * change or remove an audit row by any path: not with plain DML, not by switching the trigger or
 * replication off, not by becoming another role, not through the tenant role, not through a
 * function of their own, not through COPY. And the role itself is no superuser and owns nothing.
 * docs/design.md "Database roles"; the roles are made by libs/db/database-setup.ts, as db:setup does.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import pgCopy from 'pg-copy-streams';
import { roleOf } from '../../libs/config/config.js';
import { TENANT_ROLE } from '../../libs/db/roles.js';
import { adminUrlOf } from '../support/database.js';
import { isolate } from '../support/isolation.js';

interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  action: string;
  details: unknown;
}

describe('the audit log against the application role (real PostgreSQL)', () => {
  const saved = { ...process.env };
  let appUrl: string;
  let adminUrl: string;
  let app: string;
  let owner: string;
  let row: AuditRow;

  /** One statement (or several, in order) on a fresh connection as the application role; resolves to the error, if any. */
  async function asApp(...statements: (string | [string, unknown[]])[]): Promise<Error | undefined> {
    const c = new pg.Client({ connectionString: appUrl });
    await c.connect();
    try {
      for (const s of statements) {
        if (typeof s === 'string') await c.query(s);
        else await c.query(s[0], s[1]);
      }
      return undefined;
    } catch (e) {
      return e as Error;
    } finally {
      await c.end();
    }
  }

  async function asAdmin<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      return (await c.query<R>(sql, params)).rows;
    } finally {
      await c.end();
    }
  }

  const auditRows = () => asAdmin<AuditRow>('SELECT id, at, actor, action, details FROM audit_events ORDER BY id');

  beforeAll(async () => {
    ({ databaseUrl: appUrl } = await isolate());
    const name = new URL(appUrl).pathname.slice(1);
    adminUrl = adminUrlOf(name);
    app = roleOf(appUrl);
    const [database] = await asAdmin<{ owner: string }>(
      'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = current_database()',
    );
    owner = database!.owner;
    // the service writes its audit events as this role: it may append
    const c = new pg.Client({ connectionString: appUrl });
    await c.connect();
    try {
      await c.query(
        `INSERT INTO audit_events (actor, action, details) VALUES ('ops:alice', 'campaign.approve', '{"n":1}')`,
      );
      [row] = (await c.query<AuditRow>('SELECT id, at, actor, action, details FROM audit_events')).rows as [AuditRow];
    } finally {
      await c.end();
    }
  });

  afterAll(() => {
    process.env = saved;
  });

  it('the tests and the service connect as the application role: not a superuser, not the owner', async () => {
    expect(app).toBe(roleOf(process.env.DATABASE_URL!));
    expect(app).not.toBe(owner);
    const [me] = await asAdmin<Record<string, boolean>>(
      `SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolinherit FROM pg_roles WHERE rolname = $1`,
      [app],
    );
    expect(me).toEqual({
      rolsuper: false,
      rolcreaterole: false,
      rolcreatedb: false,
      rolreplication: false,
      rolbypassrls: false,
      rolinherit: false,
    });
  });

  it('the application role owns nothing in the database, and can become no role but the tenant role', async () => {
    const owned = await asAdmin<{ what: string }>(
      `SELECT 'database' AS what FROM pg_database WHERE datname = current_database() AND datdba = $1::regrole
       UNION ALL SELECT 'schema ' || nspname FROM pg_namespace WHERE nspowner = $1::regrole
       UNION ALL SELECT 'relation ' || relname FROM pg_class WHERE relowner = $1::regrole
       UNION ALL SELECT 'type ' || typname FROM pg_type WHERE typowner = $1::regrole
       UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE proowner = $1::regrole`,
      [app],
    );
    expect(owned).toEqual([]);
    const becomes = await asAdmin<{ rolname: string }>(
      `SELECT rolname FROM pg_roles WHERE rolname <> $1 AND pg_has_role($1, oid, 'MEMBER') ORDER BY rolname`,
      [app],
    );
    expect(becomes.map((r) => r.rolname)).toEqual([TENANT_ROLE]);
    const [tenant] = await asAdmin<{ rolsuper: boolean; rolcanlogin: boolean; rolbypassrls: boolean }>(
      'SELECT rolsuper, rolcanlogin, rolbypassrls FROM pg_roles WHERE rolname = $1',
      [TENANT_ROLE],
    );
    expect(tenant).toEqual({ rolsuper: false, rolcanlogin: false, rolbypassrls: false });
  });

  it('has SELECT and INSERT on the audit log only; no TRUNCATE, TRIGGER or REFERENCES anywhere; no CREATE or TEMP', async () => {
    const rights = await asAdmin<{ privilege: string; granted: boolean }>(
      `SELECT p AS privilege, has_table_privilege($1, 'audit_events', p) AS granted
         FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p`,
      [app],
    );
    expect(Object.fromEntries(rights.map((r) => [r.privilege, r.granted]))).toEqual({
      SELECT: true,
      INSERT: true,
      UPDATE: false,
      DELETE: false,
      TRUNCATE: false,
      REFERENCES: false,
      TRIGGER: false,
    });
    const wider = await asAdmin<{ relname: string }>(
      `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p', 'v', 'm')
          AND (has_table_privilege($1, oid, 'TRUNCATE') OR has_table_privilege($1, oid, 'TRIGGER')
               OR has_table_privilege($1, oid, 'REFERENCES'))`,
      [app],
    );
    expect(wider).toEqual([]);
    const [db] = await asAdmin<Record<string, boolean>>(
      `SELECT has_schema_privilege($1, 'public', 'CREATE') AS schema_create,
              has_database_privilege($1, current_database(), 'CREATE') AS database_create,
              has_database_privilege($1, current_database(), 'TEMP') AS temp,
              has_table_privilege($1, '_prisma_migrations', 'SELECT') AS migrations`,
      [app],
    );
    expect(db).toEqual({ schema_create: false, database_create: false, temp: false, migrations: false });
  });

  describe('every way to rewrite history is refused, and the row stays as it was', () => {
    const id = () => row.id;
    const cases: [string, () => (string | [string, unknown[]])[], RegExp][] = [
      [
        'UPDATE',
        () => [[`UPDATE audit_events SET action = 'nothing.happened' WHERE id = $1`, [id()]]],
        /permission denied for table audit_events/,
      ],
      [
        'DELETE',
        () => [[`DELETE FROM audit_events WHERE id = $1`, [id()]]],
        /permission denied for table audit_events/,
      ],
      [
        'DELETE in a writable CTE',
        () => ['WITH gone AS (DELETE FROM audit_events RETURNING id) SELECT count(*) FROM gone'],
        /permission denied for table audit_events/,
      ],
      [
        'INSERT ... ON CONFLICT DO UPDATE (an overwrite)',
        () => [
          [
            `INSERT INTO audit_events (id, actor, action) VALUES ($1, 'x', 'y') ON CONFLICT (id) DO UPDATE SET action = 'y'`,
            [id()],
          ],
        ],
        /permission denied for table audit_events/,
      ],
      [
        'MERGE ... DELETE',
        () => [
          [
            `MERGE INTO audit_events a USING (SELECT $1::bigint AS id) s ON a.id = s.id WHEN MATCHED THEN DELETE`,
            [id()],
          ],
        ],
        /permission denied for table audit_events/,
      ],
      ['TRUNCATE', () => ['TRUNCATE audit_events'], /permission denied for table audit_events/],
      [
        'TRUNCATE ... CASCADE of a table it may delete from',
        () => ['TRUNCATE tenants CASCADE'],
        /permission denied for table tenants/,
      ],
      [
        'SET session_replication_role = replica, then DELETE',
        () => ['SET session_replication_role = replica', 'DELETE FROM audit_events'],
        /permission denied to set parameter "session_replication_role"/,
      ],
      [
        'SET LOCAL session_replication_role in a transaction',
        () => ['BEGIN', 'SET LOCAL session_replication_role = replica'],
        /permission denied to set parameter "session_replication_role"/,
      ],
      [
        "set_config('session_replication_role')",
        () => ["SELECT set_config('session_replication_role', 'replica', false)"],
        /permission denied to set parameter "session_replication_role"/,
      ],
      [
        'ALTER TABLE ... DISABLE TRIGGER',
        () => ['ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update'],
        /must be owner of table audit_events/,
      ],
      [
        'ALTER TABLE ... DISABLE TRIGGER ALL',
        () => ['ALTER TABLE audit_events DISABLE TRIGGER ALL'],
        /must be owner of table audit_events/,
      ],
      [
        'DROP TRIGGER',
        () => ['DROP TRIGGER audit_events_no_update ON audit_events'],
        /must be owner of (table|relation) audit_events/,
      ],
      [
        'DROP FUNCTION of the trigger ... CASCADE',
        () => ['DROP FUNCTION audit_events_append_only() CASCADE'],
        /must be owner of function audit_events_append_only/,
      ],
      [
        'CREATE OR REPLACE the trigger function',
        () => [
          `CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN OLD; END'`,
        ],
        /must be owner of function audit_events_append_only|permission denied for schema public/,
      ],
      ['DROP TABLE', () => ['DROP TABLE audit_events'], /must be owner of table audit_events/],
      [
        'ALTER TABLE ... RENAME (to put another in its place)',
        () => ['ALTER TABLE audit_events RENAME TO audit_events_old'],
        /must be owner of table audit_events/,
      ],
      [
        'ALTER TABLE ... OWNER TO itself',
        () => [`ALTER TABLE audit_events OWNER TO ${app}`],
        /must be owner of table audit_events/,
      ],
      [
        'CREATE RULE',
        () => [`CREATE RULE hide AS ON SELECT TO audit_events DO INSTEAD SELECT * FROM audit_events WHERE false`],
        /must be owner of (table|relation) audit_events/,
      ],
      [
        'DROP POLICY',
        () => ['DROP POLICY audit_events_service ON audit_events'],
        /must be owner of (table|relation) audit_events/,
      ],
      [
        'CREATE TRIGGER of its own',
        () => [
          'CREATE TRIGGER t BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()',
        ],
        /permission denied for table audit_events/,
      ],
      ['SET ROLE to the owner', () => [`SET ROLE ${owner}`], /permission denied to set role/],
      ['SET ROLE postgres', () => ['SET ROLE postgres'], /permission denied to set role "postgres"/],
      [
        "set_config('role') to the owner",
        () => [`SELECT set_config('role', '${owner}', true)`],
        /permission denied to set role/,
      ],
      [
        'SET SESSION AUTHORIZATION postgres',
        () => ['SET SESSION AUTHORIZATION postgres'],
        /permission denied to set session authorization/,
      ],
      ['ALTER ROLE itself SUPERUSER', () => [`ALTER ROLE ${app} SUPERUSER`], /permission denied|must be superuser/],
      ['GRANT itself the owner', () => [`GRANT ${owner} TO ${app}`], /permission denied|must have admin option/],
      [
        'through the tenant role: DELETE',
        () => [`SET ROLE ${TENANT_ROLE}`, 'DELETE FROM audit_events'],
        /permission denied for table audit_events/,
      ],
      [
        'through the tenant role: UPDATE',
        () => [`SET ROLE ${TENANT_ROLE}`, [`UPDATE audit_events SET action = 'x' WHERE id = $1`, [id()]]],
        /permission denied for table audit_events/,
      ],
      [
        'through the tenant role: TRUNCATE',
        () => [`SET ROLE ${TENANT_ROLE}`, 'TRUNCATE audit_events'],
        /permission denied for table audit_events/,
      ],
      [
        'through the tenant role: on to the owner',
        () => [`SET ROLE ${TENANT_ROLE}`, `SET ROLE ${owner}`],
        /permission denied to set role/,
      ],
      [
        'through the tenant role: session_replication_role',
        () => [`SET ROLE ${TENANT_ROLE}`, 'SET session_replication_role = replica'],
        /permission denied to set parameter/,
      ],
      [
        'a SECURITY DEFINER function in the public schema',
        () => [`CREATE FUNCTION wipe() RETURNS void LANGUAGE sql SECURITY DEFINER AS 'DELETE FROM audit_events'`],
        /permission denied for schema public/,
      ],
      [
        'a SECURITY DEFINER function in its temporary schema',
        () => [
          `CREATE FUNCTION pg_temp.wipe() RETURNS void LANGUAGE sql SECURITY DEFINER AS 'DELETE FROM audit_events'`,
        ],
        /permission denied to create temporary tables/,
      ],
      [
        'a temporary table to shadow the log',
        () => ['CREATE TEMP TABLE audit_events (id bigint)'],
        /permission denied to create temporary tables/,
      ],
      ['a schema of its own', () => ['CREATE SCHEMA mine'], /permission denied for database/],
      [
        'COPY to a server program',
        () => [`COPY audit_events TO PROGRAM 'true'`],
        /must be superuser or have privileges of the pg_execute_server_program role/,
      ],
      [
        'COPY from a server file',
        () => [`COPY audit_events FROM '/etc/hostname'`],
        /must be superuser or have privileges of the pg_read_server_files role/,
      ],
      [
        'COPY to a server file',
        () => [`COPY audit_events TO '/tmp/audit-events.copy'`],
        /must be superuser or have privileges of the pg_write_server_files role/,
      ],
    ];

    it.each(cases)('%s', async (_what, statements, refusal) => {
      const err = await asApp(...statements());
      expect(err?.message).toMatch(refusal);
      expect(await auditRows()).toEqual([row]);
    });

    it("the owner's one SECURITY DEFINER function takes no argument and only refreshes statistics", async () => {
      expect(await asApp('SELECT refresh_exposure_statistics()')).toBeUndefined();
      const [fn] = await asAdmin<{ args: string; owner: string }>(
        `SELECT pg_get_function_arguments(p.oid) AS args, pg_get_userbyid(proowner) AS owner
           FROM pg_proc p WHERE proname = 'refresh_exposure_statistics'`,
      );
      expect(fn).toEqual({ args: '', owner });
      const definers = await asAdmin<{ proname: string }>(
        `SELECT proname FROM pg_proc WHERE prosecdef AND pronamespace = 'public'::regnamespace`,
      );
      expect(definers.map((d) => d.proname)).toEqual(['refresh_exposure_statistics']);
      expect(await auditRows()).toEqual([row]);
    });

    it('COPY FROM STDIN is refused (the log is under row-level security), over an existing id or not', async () => {
      const copy = async (lines: string) => {
        const c = new pg.Client({ connectionString: appUrl });
        await c.connect();
        try {
          await pipeline(
            Readable.from([lines]),
            c.query(pgCopy.from('COPY audit_events (id, actor, action) FROM STDIN')),
          );
          return undefined;
        } catch (e) {
          return e as Error;
        } finally {
          await c.end();
        }
      };
      for (const id of [row.id, String(Number(row.id) + 1000)])
        expect((await copy(`${id}\tops:mallory\tcampaign.reject\n`))?.message).toMatch(
          /COPY FROM not supported with row-level security/,
        );
      expect(await auditRows()).toEqual([row]);
    });
  });
});
