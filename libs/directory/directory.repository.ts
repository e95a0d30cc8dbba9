import { Injectable } from '@nestjs/common';
import { sql, type Selectable, type SqlBool } from 'kysely';
import type { DirectoryTenant } from '../attribution/directory-index.js';
import { PrismaService } from '../db/prisma.service.js';
import type { Tenant, TenantContact, TenantDomain, TenantDomainClaim } from '../../generated/kysely/database.js';
import type { TenantInput } from './tenant-line.js';

/** A tenant to write: `additive` adds its domains, contacts, aliases and phones to what is stored instead of replacing them. */
export interface TenantWrite {
  tenant: TenantInput;
  additive?: boolean;
}

/** A domain listed by several tenants: the first to verify it owns it, the others claim it. */
export type DomainConflict = Pick<Selectable<TenantDomain>, 'domain'> & {
  /** the owner first, then the claimants in the order they claimed it */
  tenantIds: string[];
};

export type DomainConflictRecord = Pick<Selectable<TenantDomain>, 'domain'> & {
  /** when the first claim was recorded */
  since: Selectable<TenantDomainClaim>['since'];
  claimants: { tenantId: string; name: string }[];
};

/** A directory contact as token verification and the development issuer read it. */
export type DirectoryContact = { tenantId: string } & Pick<
  Selectable<TenantContact>,
  'email' | 'name' | 'roles' | 'locale'
>;

export interface TenantRecord {
  id: string;
  name: string;
  aliases: string[];
  phones: string[];
  domains: string[];
  contacts: { email: string; name: string | null; roles: string[]; locale: string }[];
  /** listed by this tenant (owned or claimed) and claimed by another too */
  conflictedDomains?: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface TenantSummary {
  id: string;
  name: string;
  aliases: string[];
  phones: string[];
  domains: string[];
  contacts: number;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The one owner of the tenant directory's tables (tenants, tenant_domains, tenant_domain_claims,
 * tenant_contacts): other libs read them through it. Bulk writes are one typed statement per table
 * per batch (docs/toolchain.md) in one transaction; simple reads through the Prisma client. No
 * decisions here.
 */
@Injectable()
export class DirectoryRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Upserts the tenants in one transaction: tenant rows by id; each tenant's domains and contacts
   * become exactly the given sets (rows that stay keep their identity), or, for an additive
   * write, are added to. A listed domain that another tenant owns becomes a claim (a conflict):
   * the database keeps one owner per domain. A domain whose owner gave it up passes to its
   * earliest claimant. Returns, per tenant, whether it was created, and the conflicts on the
   * domains the batch lists. Tenant ids must be unique in the batch; earlier entries verify first.
   */
  async writeTenants(
    writes: readonly TenantWrite[],
  ): Promise<{ written: { id: string; created: boolean }[]; conflicts: DomainConflict[] }> {
    if (writes.length === 0) return { written: [], conflicts: [] };
    const replaced = writes.filter((w) => !w.additive).map((w) => w.tenant.id);
    const rows = JSON.stringify(
      writes.map(({ tenant: t, additive }) => ({
        id: t.id,
        name: t.name,
        aliases: t.aliases,
        phones: t.phones,
        additive: additive ?? false,
      })),
    );
    const domains = JSON.stringify(
      writes.flatMap(({ tenant: t }, ord) => t.domains.map((domain) => ({ domain, tenant_id: t.id, ord }))),
    );
    const contacts = JSON.stringify(
      writes.flatMap(({ tenant: t }) =>
        t.contacts.map((c) => ({ tenant_id: t.id, email: c.email, name: c.name, roles: c.roles, locale: c.locale })),
      ),
    );
    return this.prisma.transaction(async ({ db }) => {
      // an additive write keeps the stored name when it has none, and adds aliases and phones
      const written = await sql<Pick<Selectable<Tenant>, 'id'> & { created: boolean }>`
        INSERT INTO tenants (id, name, aliases, phones, updated_at)
        SELECT n.id,
               CASE WHEN n.additive AND e.id IS NOT NULL AND n.name = '' THEN e.name ELSE n.name END,
               CASE WHEN n.additive AND e.id IS NOT NULL THEN ARRAY(SELECT x FROM unnest(e.aliases || n.aliases) WITH ORDINALITY u(x, o) GROUP BY x ORDER BY min(o)) ELSE n.aliases END,
               CASE WHEN n.additive AND e.id IS NOT NULL THEN ARRAY(SELECT x FROM unnest(e.phones || n.phones) WITH ORDINALITY u(x, o) GROUP BY x ORDER BY min(o)) ELSE n.phones END,
               now()
          FROM jsonb_to_recordset(${rows}::jsonb) AS n(id uuid, name text, aliases text[], phones text[], additive boolean)
          LEFT JOIN tenants e ON e.id = n.id
        ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, aliases = EXCLUDED.aliases, phones = EXCLUDED.phones, updated_at = now()
        RETURNING id::text AS id, (xmax = 0) AS created`.execute(db);
      // Removals first, so a domain moving between two tenants of the same batch is free to land.
      for (const table of ['tenant_domains', 'tenant_domain_claims'] as const) {
        await sql`
          DELETE FROM ${sql.table(table)} d WHERE d.tenant_id = ANY(${replaced}::uuid[])
             AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset(${domains}::jsonb) AS n(domain text, tenant_id uuid)
                             WHERE n.domain = d.domain AND n.tenant_id = d.tenant_id)`.execute(db);
      }
      // An owner gave a claimed domain up: the earliest claimant owns it now.
      await sql`
        INSERT INTO tenant_domains (domain, tenant_id)
        SELECT DISTINCT ON (c.domain) c.domain, c.tenant_id FROM tenant_domain_claims c
         WHERE NOT EXISTS (SELECT 1 FROM tenant_domains d WHERE d.domain = c.domain)
         ORDER BY c.domain, c.since, c.tenant_id
        ON CONFLICT (domain) DO NOTHING`.execute(db);
      await db
        .deleteFrom('tenant_domain_claims as c')
        .using('tenant_domains as d')
        .whereRef('d.domain', '=', 'c.domain')
        .whereRef('d.tenant_id', '=', 'c.tenant_id')
        .execute();
      // A free domain goes to the first entry listing it; every other listing is a claim.
      await sql`
        INSERT INTO tenant_domains (domain, tenant_id)
        SELECT DISTINCT ON (n.domain) n.domain, n.tenant_id FROM jsonb_to_recordset(${domains}::jsonb) AS n(domain text, tenant_id uuid, ord int)
         WHERE NOT EXISTS (SELECT 1 FROM tenant_domains d WHERE d.domain = n.domain)
         ORDER BY n.domain, n.ord
        ON CONFLICT (domain) DO NOTHING`.execute(db);
      await sql`
        INSERT INTO tenant_domain_claims (domain, tenant_id)
        SELECT n.domain, n.tenant_id FROM jsonb_to_recordset(${domains}::jsonb) AS n(domain text, tenant_id uuid)
         WHERE NOT EXISTS (SELECT 1 FROM tenant_domains d WHERE d.domain = n.domain AND d.tenant_id = n.tenant_id)
        ON CONFLICT DO NOTHING`.execute(db);
      await sql`
        DELETE FROM tenant_contacts c WHERE c.tenant_id = ANY(${replaced}::uuid[])
           AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset(${contacts}::jsonb) AS n(tenant_id uuid, email text)
                           WHERE n.tenant_id = c.tenant_id AND n.email = c.email)`.execute(db);
      // an additive write adds roles to a contact it lists again
      await sql`
        INSERT INTO tenant_contacts (tenant_id, email, name, roles, locale)
        SELECT tenant_id, email, name, roles, locale
        FROM jsonb_to_recordset(${contacts}::jsonb) AS n(tenant_id uuid, email text, name text, roles text[], locale text)
        ON CONFLICT (tenant_id, email) DO UPDATE SET
           name = CASE WHEN tenant_contacts.tenant_id = ANY(${replaced}::uuid[]) THEN EXCLUDED.name ELSE COALESCE(EXCLUDED.name, tenant_contacts.name) END,
           roles = CASE WHEN tenant_contacts.tenant_id = ANY(${replaced}::uuid[]) THEN EXCLUDED.roles
                        ELSE ARRAY(SELECT x FROM unnest(tenant_contacts.roles || EXCLUDED.roles) WITH ORDINALITY u(x, o) GROUP BY x ORDER BY min(o)) END,
           locale = EXCLUDED.locale`.execute(db);
      const conflicts = await sql<DomainConflict>`
        SELECT d.domain, array_prepend(d.tenant_id::text, array_agg(c.tenant_id::text ORDER BY c.since, c.tenant_id)) AS "tenantIds"
          FROM tenant_domains d JOIN tenant_domain_claims c ON c.domain = d.domain
         WHERE d.domain IN (SELECT n.domain FROM jsonb_to_recordset(${domains}::jsonb) AS n(domain text))
         GROUP BY d.domain, d.tenant_id ORDER BY d.domain`.execute(db);
      return { written: written.rows, conflicts: conflicts.rows };
    });
  }

  /** Every domain in conflict, with its owner and claimants (owner first), by domain. */
  async listConflicts(): Promise<DomainConflictRecord[]> {
    const { rows } = await sql<DomainConflictRecord>`
      SELECT d.domain, min(c.since) AS since,
             (SELECT json_agg(json_build_object('tenantId', x.id, 'name', x.name) ORDER BY x.ord, x.at, x.id)
                FROM (SELECT t.id::text AS id, t.name, 0 AS ord, NULL::timestamp AS at FROM tenants t WHERE t.id = d.tenant_id
                      UNION ALL
                      SELECT t.id::text, t.name, 1, c2.since FROM tenant_domain_claims c2 JOIN tenants t ON t.id = c2.tenant_id
                       WHERE c2.domain = d.domain) x) AS claimants
        FROM tenant_domains d JOIN tenant_domain_claims c ON c.domain = d.domain
       GROUP BY d.domain, d.tenant_id ORDER BY d.domain`.execute(this.prisma.db);
    return rows;
  }

  async getTenant(id: string): Promise<TenantRecord | null> {
    const t = await this.prisma.tenant.findUnique({
      where: { id },
      include: {
        domains: { select: { domain: true }, orderBy: { domain: 'asc' } },
        contacts: { select: { email: true, name: true, roles: true, locale: true }, orderBy: { email: 'asc' } },
      },
    });
    if (!t) return null;
    const db = this.prisma.db;
    const conflicted = await db
      .selectFrom('tenant_domain_claims as c')
      .select('c.domain')
      .where('c.tenant_id', '=', id)
      .union(
        db
          .selectFrom('tenant_domains as d')
          .select('d.domain')
          .where('d.tenant_id', '=', id)
          .where((eb) =>
            eb.exists(
              eb
                .selectFrom('tenant_domain_claims as c')
                .select(sql.lit(1).as('one'))
                .whereRef('c.domain', '=', 'd.domain'),
            ),
          ),
      )
      .orderBy('domain')
      .execute();
    return {
      id: t.id,
      name: t.name,
      aliases: t.aliases,
      phones: t.phones,
      domains: t.domains.map((d) => d.domain),
      contacts: t.contacts,
      conflictedDomains: conflicted.map((r) => r.domain),
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
    };
  }

  /** A page of tenants in id order, and how many there are. */
  async listTenants(skip: number, take: number): Promise<{ total: number; tenants: TenantSummary[] }> {
    const [total, rows] = await Promise.all([
      this.prisma.tenant.count(),
      this.prisma.tenant.findMany({
        orderBy: { id: 'asc' },
        skip,
        take,
        include: {
          domains: { select: { domain: true }, orderBy: { domain: 'asc' } },
          _count: { select: { contacts: true } },
        },
      }),
    ]);
    return {
      total,
      tenants: rows.map((t) => ({
        id: t.id,
        name: t.name,
        aliases: t.aliases,
        phones: t.phones,
        domains: t.domains.map((d) => d.domain),
        contacts: t._count.contacts,
        createdAt: t.createdAt,
        updatedAt: t.updatedAt,
      })),
    };
  }

  /** Whether the directory lists this tenant (token verification). */
  async tenantExists(tenantId: string): Promise<boolean> {
    const row = await this.prisma.db.selectFrom('tenants').select('id').where('id', '=', tenantId).executeTakeFirst();
    return row !== undefined;
  }

  /** The tenant's name, or null when the directory does not list it. */
  async tenantName(tenantId: string): Promise<string | null> {
    const t = await this.prisma.tenant.findUnique({ where: { id: tenantId }, select: { name: true } });
    return t?.name ?? null;
  }

  /** The contact with this normalized address in this tenant, or null. */
  async findContact(tenantId: string, email: string): Promise<DirectoryContact | null> {
    // typed SQL, not Prisma: token verification calls this on a cold roles cache, where Prisma's
    // query compiler cost more CPU than the rest of the inbox request
    const row = await this.prisma.db
      .selectFrom('tenant_contacts')
      .select(['tenant_id as tenantId', 'email', 'name', 'roles', 'locale'])
      .where('tenant_id', '=', tenantId)
      .where('email', '=', email)
      .executeTakeFirst();
    return row ?? null;
  }

  /** The whole directory in the shape the attribution index is built from (an analysis reads it once). */
  async loadDirectory(): Promise<DirectoryTenant[]> {
    const { rows } = await sql<
      Pick<Selectable<Tenant>, 'id' | 'name' | 'aliases' | 'phones'> & {
        domains: Selectable<TenantDomain>['domain'][] | null;
        conflicted: Selectable<TenantDomain>['domain'][] | null;
        contacts: Pick<Selectable<TenantContact>, 'email' | 'roles'>[] | null;
      }
    >`SELECT t.id, t.name, t.aliases, t.phones,
              -- a domain with claims is in conflict: it goes to every claimant as conflicted, to none as verified
              (SELECT array_agg(d.domain) FROM tenant_domains d WHERE d.tenant_id = t.id
                  AND NOT EXISTS (SELECT 1 FROM tenant_domain_claims c WHERE c.domain = d.domain)) AS domains,
              (SELECT array_agg(x.domain) FROM (
                  SELECT c.domain FROM tenant_domain_claims c WHERE c.tenant_id = t.id
                  UNION
                  SELECT d.domain FROM tenant_domains d WHERE d.tenant_id = t.id
                     AND EXISTS (SELECT 1 FROM tenant_domain_claims c WHERE c.domain = d.domain)) x) AS conflicted,
              (SELECT json_agg(json_build_object('email', c.email, 'roles', c.roles)) FROM tenant_contacts c WHERE c.tenant_id = t.id) AS contacts
         FROM tenants t`.execute(this.prisma.db);
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      aliases: r.aliases,
      phones: r.phones,
      domains: r.domains ?? [],
      contacts: r.contacts ?? [],
      conflictedDomains: r.conflicted ?? [],
    }));
  }

  /** The names of these tenants (those that exist). */
  tenantNames(ids: readonly string[]): Promise<Pick<Selectable<Tenant>, 'id' | 'name'>[]> {
    if (!ids.length) return Promise.resolve([]);
    // one array parameter: a campaign's tenants can outnumber the parameters a statement may have
    return this.prisma.db
      .selectFrom('tenants')
      .select(['id', 'name'])
      .where(sql<SqlBool>`id = ANY(${[...ids]}::uuid[])`)
      .execute();
  }

  async countTenants(): Promise<number> {
    const r = await this.prisma.db
      .selectFrom('tenants')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * The locales of these tenants' contacts that hold one of the roles, each with how many distinct
   * addresses read it (a campaign's launch warnings and render check).
   */
  async contactLocales(
    tenantIds: readonly string[],
    roles: readonly string[],
  ): Promise<{ locale: Selectable<TenantContact>['locale']; recipients: number }[]> {
    if (!tenantIds.length) return [];
    const { rows } = await sql<{ locale: Selectable<TenantContact>['locale']; recipients: number }>`
      SELECT ct.locale, count(DISTINCT ct.email)::int AS recipients FROM tenant_contacts ct
       WHERE ct.tenant_id = ANY(${[...tenantIds]}::uuid[]) AND ct.roles && ${[...roles]}::text[]
       GROUP BY ct.locale`.execute(this.prisma.db);
    return rows;
  }

  /** The locale of each of the tenant's contacts that hold one of the roles, in contact id order. */
  async contactLocalesOf(tenantId: string, roles: readonly string[]): Promise<Selectable<TenantContact>['locale'][]> {
    const rows = await this.prisma.db
      .selectFrom('tenant_contacts')
      .select('locale')
      .where('tenant_id', '=', tenantId)
      .where(sql<SqlBool>`roles && ${[...roles]}::text[]`)
      .orderBy('id')
      .execute();
    return rows.map((r) => r.locale);
  }
}
