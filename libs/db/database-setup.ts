/**
 * `npm run db:setup`: the three PostgreSQL roles, the database, the migrations and the grants
 * (docs/design.md "Database roles"). Every step is safe to run again, and two set-ups of one
 * cluster may run at once (roles are cluster-wide: two databases, two test runs).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { databaseOf, roleOf, type DatabaseSetupUrls } from '../config/config.js';
import { TENANT_ROLE } from './roles.js';
import { inTransactionOn } from './transaction.js';

/**
 * Tables the application may read and add to, never change: the append-only audit log (its
 * trigger refuses UPDATE, DELETE and TRUNCATE to every role, the owner's included).
 */
export const APPEND_ONLY_TABLES: readonly string[] = ['audit_events'];

/** Prisma Migrate's bookkeeping: the owner's alone. */
const MIGRATIONS_TABLE = '_prisma_migrations';

const ident = (name: string) => pg.Client.prototype.escapeIdentifier(name);
const literal = (value: string) => pg.Client.prototype.escapeLiteral(value);

/** The same server and role as `url`, on another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** The repository root (where prisma/ lives), from the sources or from dist/. */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(resolve(dir, 'prisma', 'schema.prisma'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find prisma/schema.prisma above this module');
    dir = up;
  }
  return dir;
}

/** A connected client; the error names the server, the role, the variable to fix and how to start PostgreSQL. */
async function connect(url: string, variable: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (err) {
    const u = new URL(url);
    throw new Error(
      `cannot connect to PostgreSQL at ${u.host} as ${roleOf(url)}, database ${databaseOf(url)} (${(err as Error).message}): start it (README "Requirements") or set ${variable}`,
      { cause: err },
    );
  }
}

/** A catalog race with a concurrent set-up that took no lock of ours (another maintenance database): try again. */
function isCatalogRace(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return (
    code === '42710' || // duplicate_object
    code === '23505' || // unique_violation
    code === '40001' || // serialization_failure
    /tuple concurrently (updated|deleted)/.test((err as Error).message)
  );
}

async function retryingRaces<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= 5 || !isCatalogRace(err)) throw err;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

interface RoleRow {
  oid: number;
  rolsuper: boolean;
  rolcreaterole: boolean;
  rolcreatedb: boolean;
  rolreplication: boolean;
  rolbypassrls: boolean;
  rolcanlogin: boolean;
}

async function role(client: pg.ClientBase, name: string): Promise<RoleRow | undefined> {
  const r = await client.query<RoleRow>(
    'SELECT oid::int AS oid, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = $1',
    [name],
  );
  return r.rows[0];
}

/**
 * The owner, the application role and the tenant role, created when absent (with the password
 * of their URL, if it has one; an existing role keeps its own). The application role is then
 * checked, and set-up refuses to go on if it can do more than DML: superuser, CREATEROLE,
 * CREATEDB, REPLICATION, BYPASSRLS, or a member of any role but the tenant role (SET ROLE would
 * make it that role). Runs as the administrator.
 */
export async function ensureRoles(admin: pg.ClientBase, urls: DatabaseSetupUrls, log: (line: string) => void) {
  const owner = roleOf(urls.ownerUrl);
  const app = roleOf(urls.appUrl);
  const created: string[] = [];
  await retryingRaces(() =>
    inTransactionOn(admin, async () => {
      // the set-ups of one cluster take turns here (the lock lives in the administrator's database)
      await admin.query("SELECT pg_advisory_xact_lock(hashtextextended('db:setup roles', 0))");
      const wanted: [string, string | undefined, string][] = [
        [TENANT_ROLE, undefined, 'NOLOGIN NOINHERIT'],
        [owner, urls.ownerUrl, 'LOGIN'],
        [app, urls.appUrl, 'LOGIN NOINHERIT'],
      ];
      for (const [name, url, attributes] of wanted) {
        if (await role(admin, name)) continue;
        const password = url ? decodeURIComponent(new URL(url).password) : '';
        await admin.query(
          `CREATE ROLE ${ident(name)} ${attributes} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS${password ? ` PASSWORD ${literal(password)}` : ''}`,
        );
        created.push(name);
      }
      // The tenant-RLS migration grants the tenant role to whoever migrates (a member can switch
      // to it), and only a holder of ADMIN OPTION may grant a role: the owner gets it.
      const ownerHas = await admin.query(
        `SELECT 1 FROM pg_auth_members WHERE roleid = $1::regrole AND member = $2::regrole AND admin_option`,
        [TENANT_ROLE, owner],
      );
      if (!ownerHas.rowCount) await admin.query(`GRANT ${ident(TENANT_ROLE)} TO ${ident(owner)} WITH ADMIN OPTION`);
      const appHas = await admin.query(
        `SELECT 1 FROM pg_auth_members WHERE roleid = $1::regrole AND member = $2::regrole`,
        [TENANT_ROLE, app],
      );
      if (!appHas.rowCount) await admin.query(`GRANT ${ident(TENANT_ROLE)} TO ${ident(app)}`);
    }),
  );
  for (const name of created) log(`created role ${name}`);

  const a = (await role(admin, app))!;
  const powers = (
    [
      ['SUPERUSER', a.rolsuper],
      ['CREATEROLE', a.rolcreaterole],
      ['CREATEDB', a.rolcreatedb],
      ['REPLICATION', a.rolreplication],
      ['BYPASSRLS', a.rolbypassrls],
    ] as const
  ).filter(([, has]) => has);
  if (powers.length)
    throw new Error(
      `DATABASE_URL names ${app}, which has ${powers.map(([p]) => p).join(', ')}: the application role must have none (ALTER ROLE ${app} NO${powers.map(([p]) => p).join(' NO')}), or name another role`,
    );
  if (!a.rolcanlogin) throw new Error(`DATABASE_URL names ${app}, which cannot log in: ALTER ROLE ${app} LOGIN`);
  const becomes = await admin.query<{ rolname: string }>(
    `SELECT rolname FROM pg_roles WHERE oid <> $1 AND pg_has_role($1, oid, 'MEMBER') AND rolname <> $2 ORDER BY rolname`,
    [a.oid, TENANT_ROLE],
  );
  if (becomes.rowCount)
    throw new Error(
      `DATABASE_URL names ${app}, a member of ${becomes.rows.map((r) => r.rolname).join(', ')}: SET ROLE would give it all their rights; revoke the membership (the application role may be a member of ${TENANT_ROLE} only)`,
    );
}

/**
 * The database of DATABASE_URL, owned by the owner. One owned by another role (created before the
 * roles existed, by the administrator that migrated it) is handed over: the database, the objects of its public
 * schema, and the migrating role's row-level security policies, which name the former owner.
 * Runs as the administrator.
 */
export async function ensureDatabase(admin: pg.ClientBase, urls: DatabaseSetupUrls, log: (line: string) => void) {
  const name = databaseOf(urls.appUrl);
  const owner = roleOf(urls.ownerUrl);
  const found = await admin.query<{ owner: string }>(
    'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
    [name],
  );
  if (!found.rowCount) {
    try {
      await admin.query(`CREATE DATABASE ${ident(name)} OWNER ${ident(owner)}`);
      log(`created database ${name}, owned by ${owner}`);
    } catch (err) {
      // a concurrent set-up created it first
      if ((err as { code?: unknown }).code !== '42P04') throw err;
    }
    return;
  }
  if (found.rows[0]!.owner === owner) return;
  const db = await connect(withDatabase(urls.adminUrl, name), 'DATABASE_ADMIN_URL');
  try {
    const moved = await retryingRaces(() => inTransactionOn(db, () => adopt(db, name, owner)));
    if (moved) log(`database ${name}: ${moved} objects handed to ${owner}`);
  } finally {
    await db.end();
  }
}

/** Hands the database and its public schema's objects to the owner; returns how many changed hands. */
async function adopt(db: pg.ClientBase, name: string, owner: string): Promise<number> {
  await db.query("SELECT pg_advisory_xact_lock(hashtextextended('db:setup adopt', 0))");
  const ownerOid = (await role(db, owner))!.oid;
  let moved = 0;
  const dbOwner = await db.query('SELECT 1 FROM pg_database WHERE datname = $1 AND datdba <> $2', [name, ownerOid]);
  if (dbOwner.rowCount) {
    await db.query(`ALTER DATABASE ${ident(name)} OWNER TO ${ident(owner)}`);
    moved++;
  }
  const schema = await db.query(
    `SELECT 1 FROM pg_namespace WHERE nspname = 'public' AND nspowner NOT IN ($1, 'pg_database_owner'::regrole)`,
    [ownerOid],
  );
  if (schema.rowCount) {
    await db.query(`ALTER SCHEMA public OWNER TO ${ident(owner)}`);
    moved++;
  }
  // Policies written `TO CURRENT_USER` name whoever migrated: the table's owner before this.
  const policies = await db.query<{ polname: string; relname: string; roles: string[] }>(
    `SELECT p.polname, c.relname,
            array(SELECT CASE WHEN r = c.relowner THEN $1::oid ELSE r END::regrole::text FROM unnest(p.polroles) r) AS roles
       FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relowner <> $1 AND c.relowner = ANY (p.polroles)`,
    [ownerOid],
  );
  for (const p of policies.rows)
    await db.query(`ALTER POLICY ${ident(p.polname)} ON public.${ident(p.relname)} TO ${p.roles.join(', ')}`);
  // tables (with their indexes and their columns' sequences) first, then what is left on its own
  const objects = [
    `SELECT 'TABLE' AS kind, c.oid::regclass::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'f') AND c.relowner <> $1`,
    `SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'SEQUENCE' END AS kind,
            c.oid::regclass::text AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm', 'S') AND c.relowner <> $1`,
    `SELECT 'TYPE' AS kind, t.oid::regtype::text AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd') AND t.typowner <> $1`,
    `SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END AS kind,
            p.oid::regprocedure::text AS name
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' AND p.proowner <> $1`,
  ];
  for (const sql of objects) {
    const rows = await db.query<{ kind: string; name: string }>(sql, [ownerOid]);
    for (const o of rows.rows) await db.query(`ALTER ${o.kind} ${o.name} OWNER TO ${ident(owner)}`);
    moved += rows.rowCount ?? 0;
  }
  return moved + policies.rows.length;
}

/** Applies the migrations with Prisma's own CLI, connected as the owner: what they create is the owner's. */
export async function migrate(ownerUrl: string): Promise<void> {
  try {
    await promisify(execFile)('npx', ['prisma', 'migrate', 'deploy'], {
      cwd: projectRoot(),
      env: { ...process.env, DATABASE_URL: ownerUrl, CHECKPOINT_DISABLE: '1' },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    // Prisma prints its error after a page of notices (on either stream): from `Error` on
    const output = `${e.stdout ?? ''}\n${e.stderr ?? ''}`;
    const at = output.search(/^Error/m);
    const detail = (at >= 0 ? output.slice(at) : output).trim().split('\n').slice(0, 12).join('\n');
    throw new Error(`prisma migrate deploy as ${roleOf(ownerUrl)} failed:\n${detail || e.message}`, { cause: err });
  }
}

/**
 * What the application role may do, applied as the owner after every migration (so a table a
 * migration adds, or drops and re-creates, gets exactly these rights, and a right this list no
 * longer gives is taken back):
 * - the database: CONNECT only (no TEMP: no temporary tables or functions); nobody else but the
 *   owner may connect, and nobody may create in the public schema;
 * - every table and view: SELECT, INSERT, UPDATE, DELETE; never TRUNCATE, REFERENCES or TRIGGER;
 *   APPEND_ONLY_TABLES SELECT and INSERT only; Prisma's migration table nothing;
 * - sequences USAGE and SELECT (nextval, currval; not setval); functions EXECUTE;
 * - every row-level security policy the owner's migrations wrote for themselves (`TO
 *   CURRENT_USER`) applies to the application role too.
 * A set-up whose application role owns anything in the database refuses to finish.
 */
export async function applyGrants(ownerUrl: string, app: string): Promise<void> {
  const name = databaseOf(ownerUrl);
  const owner = roleOf(ownerUrl);
  const client = await connect(ownerUrl, 'DATABASE_OWNER_URL');
  try {
    await retryingRaces(() =>
      inTransactionOn(client, async () => {
        await client.query("SELECT pg_advisory_xact_lock(hashtextextended('db:setup grants', 0))");
        const owns = await client.query<{ what: string }>(
          `SELECT 'database ' || datname AS what FROM pg_database WHERE datname = current_database() AND datdba = $1::regrole
           UNION ALL SELECT 'schema ' || nspname FROM pg_namespace WHERE nspowner = $1::regrole
           UNION ALL SELECT 'relation ' || oid::regclass::text FROM pg_class WHERE relowner = $1::regrole
           UNION ALL SELECT 'type ' || oid::regtype::text FROM pg_type WHERE typowner = $1::regrole AND typrelid = 0
           UNION ALL SELECT 'function ' || oid::regprocedure::text FROM pg_proc WHERE proowner = $1::regrole
           LIMIT 5`,
          [app],
        );
        if (owns.rowCount)
          throw new Error(
            `the application role ${app} owns ${owns.rows.map((r) => r.what).join(', ')} in database ${name}: hand it to ${owner} (ALTER ... OWNER TO ${owner})`,
          );
        const a = ident(app);
        const statements = [
          `REVOKE ALL ON DATABASE ${ident(name)} FROM PUBLIC`,
          `REVOKE ALL ON DATABASE ${ident(name)} FROM ${a}`,
          `GRANT CONNECT ON DATABASE ${ident(name)} TO ${a}`,
          'REVOKE CREATE ON SCHEMA public FROM PUBLIC',
          `REVOKE ALL ON SCHEMA public FROM ${a}`,
          `GRANT USAGE ON SCHEMA public TO ${a}`,
          `REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${a}`,
          `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${a}`,
          `REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${a}`,
          `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${a}`,
          `REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM ${a}`,
          `GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO ${a}`,
        ];
        for (const sql of statements) await client.query(sql);
        const tables = await client.query<{ name: string }>(
          `SELECT relname AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relname = ANY ($1)`,
          [[MIGRATIONS_TABLE, ...APPEND_ONLY_TABLES]],
        );
        for (const { name: table } of tables.rows)
          await client.query(
            table === MIGRATIONS_TABLE
              ? `REVOKE ALL ON public.${ident(table)} FROM ${a}`
              : `REVOKE UPDATE, DELETE ON public.${ident(table)} FROM ${a}`,
          );
        const policies = await client.query<{ polname: string; relname: string; roles: string[] }>(
          `SELECT p.polname, c.relname, array(SELECT r::regrole::text FROM unnest(p.polroles) r) AS roles
             FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
            WHERE c.relnamespace = 'public'::regnamespace
              AND $1::regrole = ANY (p.polroles) AND NOT $2::regrole = ANY (p.polroles)`,
          [owner, app],
        );
        for (const p of policies.rows)
          await client.query(
            `ALTER POLICY ${ident(p.polname)} ON public.${ident(p.relname)} TO ${[...p.roles, a].join(', ')}`,
          );
      }),
    );
  } finally {
    await client.end();
  }
}

/**
 * The whole set-up: roles and database as the administrator, migrations as the owner, then the
 * application role's grants. Errors name the service or the variable to fix.
 */
export async function setUpDatabase(urls: DatabaseSetupUrls, log: (line: string) => void = () => undefined) {
  const admin = await connect(urls.adminUrl, 'DATABASE_ADMIN_URL');
  try {
    await ensureRoles(admin, urls, log);
    await ensureDatabase(admin, urls, log);
  } finally {
    await admin.end();
  }
  await migrate(urls.ownerUrl);
  await applyGrants(urls.ownerUrl, roleOf(urls.appUrl));
  log(
    `database ${databaseOf(urls.appUrl)} is migrated by ${roleOf(urls.ownerUrl)}; ${roleOf(urls.appUrl)} has its grants`,
  );
}
