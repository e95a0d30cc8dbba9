/**
 * `npm run db:setup` (libs/db/database-setup.ts) on the real PostgreSQL: roles of their own for
 * this file (roles are cluster-wide), so nothing here touches the roles other runs use.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import type { DatabaseSetupUrls } from '../libs/config/config.js';
import { setUpDatabase, withDatabase } from '../libs/db/database-setup.js';
import { TENANT_ROLE } from '../libs/db/roles.js';
import { ADMIN_URL, adminUrlOf, dropDatabase } from './support/database.js';

const run = process.env.TEST_RUN_ID ?? 'impact_test';
const tag = randomBytes(3).toString('hex');
const owner = `impact_owner_${tag}`;
const app = `impact_app_${tag}`;
const databases: string[] = [];
/** the first test's first database, set up again by the last test as another application role */
const first = `${run}_setup_a_${tag}`;
const roles = [app, owner, `impact_app2_${tag}`, `impact_wide_${tag}`];
/** each migrate takes Prisma's WebAssembly engine tens of seconds on a busy machine */
const MIGRATING = 300_000;

function urlsFor(name: string, appRole = app): DatabaseSetupUrls {
  databases.push(name);
  const as = (role: string) => {
    const u = new URL(ADMIN_URL);
    u.username = role;
    u.password = '';
    return withDatabase(u.toString(), name);
  };
  return { adminUrl: ADMIN_URL, ownerUrl: as(owner), appUrl: as(appRole) };
}

async function query<R extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/** What the application role may do to each table, as PostgreSQL reports it. */
async function appRights(name: string, role = app): Promise<Record<string, string>> {
  const rows = await query<{ relname: string; rights: string }>(
    adminUrlOf(name),
    `SELECT relname, concat_ws(',',
              CASE WHEN has_table_privilege($1, c.oid, 'SELECT') THEN 'SELECT' END,
              CASE WHEN has_table_privilege($1, c.oid, 'INSERT') THEN 'INSERT' END,
              CASE WHEN has_table_privilege($1, c.oid, 'UPDATE') THEN 'UPDATE' END,
              CASE WHEN has_table_privilege($1, c.oid, 'DELETE') THEN 'DELETE' END,
              CASE WHEN has_table_privilege($1, c.oid, 'TRUNCATE') THEN 'TRUNCATE' END) AS rights
       FROM pg_class c WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY relname`,
    [role],
  );
  return Object.fromEntries(rows.map((r) => [r.relname, r.rights]));
}

describe('db:setup: roles, database, migrations as the owner, grants', () => {
  afterAll(async () => {
    for (const name of databases) await dropDatabase(name).catch(() => undefined);
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      for (const role of roles) await admin.query(`DROP ROLE IF EXISTS ${role}`);
    } finally {
      await admin.end();
    }
  });

  it(
    'sets up two databases of one cluster at once, creating each role once, and again without a change',
    async () => {
      const a = urlsFor(first);
      const b = urlsFor(`${run}_setup_b_${tag}`);
      const logs: string[][] = [[], []];
      await Promise.all([setUpDatabase(a, (l) => logs[0]!.push(l)), setUpDatabase(b, (l) => logs[1]!.push(l))]);
      const created = logs.flat().filter((l) => l.startsWith('created role'));
      expect(created.sort()).toEqual([`created role ${app}`, `created role ${owner}`]);

      for (const urls of [a, b]) {
        const name = new URL(urls.appUrl).pathname.slice(1);
        const [db] = await query<{ owner: string; tables: string }>(
          adminUrlOf(name),
          `SELECT pg_get_userbyid(datdba) AS owner,
                (SELECT string_agg(DISTINCT pg_get_userbyid(relowner), ',') FROM pg_class WHERE relnamespace = 'public'::regnamespace) AS tables
           FROM pg_database WHERE datname = current_database()`,
        );
        expect(db).toEqual({ owner, tables: owner });
        const rights = await appRights(name);
        expect(rights['audit_events']).toBe('SELECT,INSERT');
        expect(rights['_prisma_migrations']).toBe('');
        expect(rights['tenants']).toBe('SELECT,INSERT,UPDATE,DELETE');
        expect(Object.values(rights).filter((r) => r.includes('TRUNCATE'))).toEqual([]);
        // the migrating role's policies (`TO CURRENT_USER`) now serve the application role too
        const policies = await query<{ polname: string; roles: string[] }>(
          adminUrlOf(name),
          `SELECT polname, array(SELECT r::regrole::text FROM unnest(polroles) r ORDER BY 1) AS roles
           FROM pg_policy WHERE polname LIKE '%_service' ORDER BY polname`,
        );
        expect(policies.map((p) => p.polname)).toEqual(
          expect.arrayContaining([
            'audit_events_service',
            'exposure_views_service',
            'notice_view_points_service',
            'notices_service',
          ]),
        );
        expect(policies.filter((p) => p.roles.join() !== [app, owner].sort().join())).toEqual([]);
        // and the application role works under them
        await query(urls.appUrl, `INSERT INTO audit_events (actor, action) VALUES ('t', 'setup.checked')`);
        expect(await query(urls.appUrl, 'SELECT action FROM audit_events')).toEqual([{ action: 'setup.checked' }]);
      }

      const again: string[] = [];
      await setUpDatabase(a, (l) => again.push(l));
      expect(again).toEqual([expect.stringMatching(/is migrated by .*has its grants/)]);
      expect(await query(a.appUrl, 'SELECT action FROM audit_events')).toEqual([{ action: 'setup.checked' }]);
    },
    MIGRATING,
  );

  it(
    'hands a database migrated before the roles existed (by the superuser) to the owner, data and policies included',
    async () => {
      const urls = urlsFor(`${run}_setup_old_${tag}`);
      const name = new URL(urls.appUrl).pathname.slice(1);
      const superuserUrl = adminUrlOf(name);
      await query(ADMIN_URL, `CREATE DATABASE ${name}`);
      await promisify(execFile)('npx', ['prisma', 'migrate', 'deploy'], {
        cwd: process.cwd(),
        env: { ...process.env, DATABASE_URL: superuserUrl, CHECKPOINT_DISABLE: '1' },
      });
      await query(superuserUrl, `INSERT INTO audit_events (actor, action) VALUES ('old', 'before.roles')`);

      await setUpDatabase(urls);
      const owners = await query<{ owner: string }>(
        superuserUrl,
        `SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relnamespace = 'public'::regnamespace
       UNION SELECT DISTINCT pg_get_userbyid(typowner) FROM pg_type WHERE typnamespace = 'public'::regnamespace AND typtype = 'e'
       UNION SELECT DISTINCT pg_get_userbyid(proowner) FROM pg_proc WHERE pronamespace = 'public'::regnamespace
       UNION SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()`,
      );
      expect(owners).toEqual([{ owner }]);
      const policies = await query<{ roles: string[] }>(
        superuserUrl,
        `SELECT DISTINCT array(SELECT r::regrole::text FROM unnest(polroles) r ORDER BY 1) AS roles FROM pg_policy WHERE polname LIKE '%_service'`,
      );
      expect(policies).toEqual([{ roles: [app, owner].sort() }]);
      expect(await query(urls.appUrl, 'SELECT action FROM audit_events')).toEqual([{ action: 'before.roles' }]);
      expect(await query(urls.appUrl, 'SELECT count(*)::int AS n FROM notices')).toEqual([{ n: 0 }]);
      // the owner migrates from now on: running again finds nothing to hand over
      const again: string[] = [];
      await setUpDatabase(urls, (l) => again.push(l));
      expect(again.filter((l) => /handed/.test(l))).toEqual([]);
    },
    MIGRATING,
  );

  it('refuses an application role that could do more than DML, before creating anything', async () => {
    const wide = `impact_wide_${tag}`;
    await query(ADMIN_URL, `CREATE ROLE ${wide} LOGIN CREATEDB BYPASSRLS`);
    const urls = urlsFor(`${run}_setup_wide_${tag}`, wide);
    await expect(setUpDatabase(urls)).rejects.toThrow(
      new RegExp(`DATABASE_URL names ${wide}, which has CREATEDB, BYPASSRLS: the application role must have none`),
    );
    await query(ADMIN_URL, `ALTER ROLE ${wide} NOCREATEDB NOBYPASSRLS`);
    await query(ADMIN_URL, `GRANT ${owner} TO ${wide}`);
    await expect(setUpDatabase(urls)).rejects.toThrow(
      new RegExp(`DATABASE_URL names ${wide}, a member of ${owner}: SET ROLE would give it all their rights`),
    );
    expect(
      await query(ADMIN_URL, 'SELECT 1 FROM pg_database WHERE datname = $1', [new URL(urls.appUrl).pathname.slice(1)]),
    ).toEqual([]);
    await query(ADMIN_URL, `REVOKE ${owner} FROM ${wide}`);
  });

  it(
    'npm run db:setup takes its roles from the URLs (a second application role on a set-up database), and says in one line what is wrong',
    async () => {
      const name = first;
      const app2 = `impact_app2_${tag}`;
      const urls = urlsFor(name, app2);
      const withPassword = new URL(urls.appUrl);
      withPassword.password = `pw-${tag}`;
      const env = {
        ...process.env,
        DATABASE_URL: withPassword.toString(),
        DATABASE_OWNER_URL: urls.ownerUrl,
        DATABASE_ADMIN_URL: ADMIN_URL,
      };
      const exec = promisify(execFile);
      const { stderr } = await exec('npx', ['tsx', 'scripts/db-setup.ts'], { cwd: process.cwd(), env });
      expect(stderr).toContain(`created role ${app2}`);
      expect(stderr).toContain(`database ${name} is migrated by ${owner}; ${app2} has its grants`);
      const [member] = await query<{ tenant: boolean }>(ADMIN_URL, `SELECT pg_has_role($1, $2, 'MEMBER') AS tenant`, [
        app2,
        TENANT_ROLE,
      ]);
      expect(member).toEqual({ tenant: true });
      expect(await appRights(name, app2)).toMatchObject({ audit_events: 'SELECT,INSERT' });

      const bad = await exec('npx', ['tsx', 'scripts/db-setup.ts'], {
        cwd: process.cwd(),
        env: { ...env, DATABASE_URL: urls.ownerUrl },
      }).catch((e: { code: number; stderr: string }) => e);
      expect(bad).toMatchObject({ code: 1 });
      expect((bad as { stderr: string }).stderr.trim()).toBe(
        'db:setup: configuration: DATABASE_URL must name the application role, not the owner of the schema',
      );
    },
    MIGRATING,
  );
});
