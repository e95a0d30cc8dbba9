/**
 * Databases for the tests, built the way `npm run db:setup` builds one (libs/db/database-setup.ts):
 * the owner migrates, the application role gets its grants, and the code under test connects as
 * the application role (DATABASE_URL), as in production. The administrator's URL serves set-up
 * alone: creating, cloning and dropping databases, and terminating connections in fault tests.
 */
import pg from 'pg';
import { loadDatabaseSetupConfig, roleOf, type DatabaseSetupUrls } from '../../libs/config/config.js';
import { applyGrants, setUpDatabase } from '../../libs/db/database-setup.js';

/** A role that may create databases (the local superuser by default): set-up and fault injection only. */
export const ADMIN_URL = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** `url` as the same role (and password), on ADMIN_URL's server, database `name`. */
function onTestServer(url: string, name: string): string {
  const u = new URL(ADMIN_URL);
  const role = new URL(url);
  u.username = role.username;
  u.password = role.password;
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * The three connections of db:setup for database `name` on the test server: the administrator of
 * ADMIN_URL, and this environment's owner and application roles (DATABASE_OWNER_URL and
 * DATABASE_URL, or their defaults impact_owner and impact_app).
 */
export function testDatabaseUrls(name: string): DatabaseSetupUrls {
  const roles = loadDatabaseSetupConfig({ DATABASE_URL: process.env.DATABASE_URL, DATABASE_ADMIN_URL: ADMIN_URL });
  return {
    adminUrl: ADMIN_URL,
    ownerUrl: onTestServer(roles.ownerUrl, name),
    appUrl: onTestServer(roles.appUrl, name),
  };
}

/** The administrator's connection to database `name` (to terminate its connections, or to look at it as a superuser). */
export function adminUrlOf(name: string): string {
  return onTestServer(ADMIN_URL, name);
}

/** A new database `name` set up by db:setup's own code: roles, database, migrations as the owner, grants. */
export async function createMigratedDatabase(name: string): Promise<DatabaseSetupUrls> {
  const urls = testDatabaseUrls(name);
  await setUpDatabase(urls);
  return urls;
}

/**
 * A copy of the migrated template `template` as database `name`, owned by the owner, with the
 * application role's grants applied again (a database's own rights are not copied from its
 * template). Retries while another test file is cloning the same template.
 */
export async function cloneDatabase(template: string, name: string): Promise<DatabaseSetupUrls> {
  const urls = testDatabaseUrls(name);
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(
          `CREATE DATABASE ${name} TEMPLATE ${template} OWNER ${admin.escapeIdentifier(roleOf(urls.ownerUrl))}`,
        );
        break;
      } catch (e) {
        if (attempt > 20 || !/being accessed by other users/.test((e as Error).message)) throw e;
        await new Promise((r) => setTimeout(r, 250 + Math.random() * 500));
      }
    }
  } finally {
    await admin.end();
  }
  await applyGrants(urls.ownerUrl, roleOf(urls.appUrl));
  return urls;
}

/** Drops database `name` as the administrator, whoever is connected to it. */
export async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
