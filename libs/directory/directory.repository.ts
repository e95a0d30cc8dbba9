import { Injectable } from '@nestjs/common';
import { PrismaService } from '../db/prisma.service.js';
import type { TenantInput } from './tenant-line.js';

/** A domain in the batch is already verified by a tenant outside it (the primary key said so). */
export class DomainTakenError extends Error {
  constructor() {
    super('a domain is already verified by another tenant');
  }
}

export interface TenantRecord {
  id: string;
  name: string;
  aliases: string[];
  phones: string[];
  domains: string[];
  contacts: { email: string; name: string | null; roles: string[]; locale: string }[];
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
 * The tenant directory's tables. Bulk writes go through the shared pg pool (one statement per
 * table per batch, TOOLCHAIN.md); reads through the Prisma client. No decisions here.
 */
@Injectable()
export class DirectoryRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** domain → tenant id, for those of the given domains that some tenant has verified */
  async findDomainOwners(domains: readonly string[]): Promise<Map<string, string>> {
    if (domains.length === 0) return new Map();
    // One array parameter, however many domains a batch lists (bind parameters are capped at 65535).
    const { rows } = await this.prisma.pool.query<{ domain: string; tenant_id: string }>(
      'SELECT domain, tenant_id::text AS tenant_id FROM tenant_domains WHERE domain = ANY($1::text[])',
      [domains],
    );
    return new Map(rows.map((r) => [r.domain, r.tenant_id]));
  }

  /**
   * Upserts the tenants in one transaction: tenant rows by id, and each tenant's domains and
   * contacts become exactly the given sets (rows that stay keep their identity). Returns, per
   * tenant, whether it was created. Throws DomainTakenError, having written nothing, when a
   * domain is verified by a tenant outside the batch; tenant ids must be unique in the batch.
   */
  async writeTenants(tenants: readonly TenantInput[]): Promise<{ id: string; created: boolean }[]> {
    if (tenants.length === 0) return [];
    const ids = tenants.map((t) => t.id);
    const rows = JSON.stringify(tenants.map((t) => ({ id: t.id, name: t.name, aliases: t.aliases, phones: t.phones })));
    const domains = JSON.stringify(tenants.flatMap((t) => t.domains.map((domain) => ({ domain, tenant_id: t.id }))));
    const contacts = JSON.stringify(
      tenants.flatMap((t) => t.contacts.map((c) => ({ tenant_id: t.id, email: c.email, name: c.name, roles: c.roles, locale: c.locale }))),
    );
    const client = await this.prisma.pool.connect();
    let broken: Error | undefined;
    // A connection lost mid-transaction also emits 'error' on the checked-out client; the query
    // in flight rejects with it, so only keep the event from crashing the process.
    const onError = (e: Error) => {
      broken = e;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const written = await client.query<{ id: string; created: boolean }>(
        `INSERT INTO tenants (id, name, aliases, phones, updated_at)
         SELECT id, name, aliases, phones, now() FROM jsonb_to_recordset($1::jsonb) AS t(id uuid, name text, aliases text[], phones text[])
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, aliases = EXCLUDED.aliases, phones = EXCLUDED.phones, updated_at = now()
         RETURNING id::text AS id, (xmax = 0) AS created`,
        [rows],
      );
      // Removals first, so a domain moving between two tenants of the same batch is free to land.
      await client.query(
        `DELETE FROM tenant_domains d WHERE d.tenant_id = ANY($1::uuid[])
           AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset($2::jsonb) AS n(domain text, tenant_id uuid)
                           WHERE n.domain = d.domain AND n.tenant_id = d.tenant_id)`,
        [ids, domains],
      );
      await client.query(
        `INSERT INTO tenant_domains (domain, tenant_id)
         SELECT n.domain, n.tenant_id FROM jsonb_to_recordset($1::jsonb) AS n(domain text, tenant_id uuid)
         WHERE NOT EXISTS (SELECT 1 FROM tenant_domains d WHERE d.domain = n.domain AND d.tenant_id = n.tenant_id)`,
        [domains],
      );
      await client.query(
        `DELETE FROM tenant_contacts c WHERE c.tenant_id = ANY($1::uuid[])
           AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset($2::jsonb) AS n(tenant_id uuid, email text)
                           WHERE n.tenant_id = c.tenant_id AND n.email = c.email)`,
        [ids, contacts],
      );
      await client.query(
        `INSERT INTO tenant_contacts (tenant_id, email, name, roles, locale)
         SELECT tenant_id, email, name, roles, locale
         FROM jsonb_to_recordset($1::jsonb) AS n(tenant_id uuid, email text, name text, roles text[], locale text)
         ON CONFLICT (tenant_id, email) DO UPDATE SET name = EXCLUDED.name, roles = EXCLUDED.roles, locale = EXCLUDED.locale`,
        [contacts],
      );
      await client.query('COMMIT');
      return written.rows;
    } catch (err) {
      await client.query('ROLLBACK').catch((e: Error) => {
        broken = e;
      });
      const pgErr = err as { code?: string; table?: string };
      if (pgErr.code === '23505' && pgErr.table === 'tenant_domains') throw new DomainTakenError();
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
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
    return {
      id: t.id,
      name: t.name,
      aliases: t.aliases,
      phones: t.phones,
      domains: t.domains.map((d) => d.domain),
      contacts: t.contacts,
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
        include: { domains: { select: { domain: true }, orderBy: { domain: 'asc' } }, _count: { select: { contacts: true } } },
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
}
