import { Injectable } from '@nestjs/common';
import { PrismaService } from '../db/prisma.service.js';
import type { Prisma } from '../../generated/prisma/client.js';

/** What recordMany needs of a transaction: its connection (libs/db/transaction.ts). */
export interface AuditTx {
  readonly client: { query(config: { name?: string; text: string; values?: unknown[] }): Promise<unknown> };
}

export interface AuditEntry {
  actor: string;
  action: string;
  campaignId?: string | null;
  tenantId?: string | null;
  subject?: string | null;
  details?: Prisma.InputJsonValue;
}

/** An audit action as a filter accepts it: dotted words, or a family ending in `.*`. */
export const AUDIT_ACTION_FILTER = /^[A-Za-z_]+(\.[A-Za-z_]+)*(\.\*)?$/;

/** The append-only audit log (a trigger refuses UPDATE and DELETE on its table). */
@Injectable()
export class AuditService {
  constructor(private readonly prisma: PrismaService) {}

  async record(e: AuditEntry, tx: Pick<PrismaService, 'auditEvent'> = this.prisma): Promise<void> {
    await tx.auditEvent.create({
      data: {
        actor: e.actor,
        action: e.action,
        campaignId: e.campaignId ?? null,
        tenantId: e.tenantId ?? null,
        subject: e.subject ?? null,
        ...(e.details !== undefined ? { details: e.details } : {}),
      },
    });
  }

  /**
   * Several events in one INSERT in a transaction, so they commit (or roll back) with it: the tenant inbox writes its read events inside its row-level
   * security transaction, where the audit_events policies hold them to the reading tenant.
   * No RETURNING: the tenant role may insert audit events but not read them.
   */
  async recordMany(entries: readonly AuditEntry[], tx: AuditTx): Promise<void> {
    if (entries.length === 0) return;
    // named: each pooled connection parses and plans it once
    await tx.client.query({
      name: 'audit-record-many',
      text: `INSERT INTO audit_events (actor, action, campaign_id, tenant_id, subject, details)
       SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::jsonb[])`,
      values: [
        entries.map((e) => e.actor),
        entries.map((e) => e.action),
        entries.map((e) => e.campaignId ?? null),
        entries.map((e) => e.tenantId ?? null),
        entries.map((e) => e.subject ?? null),
        entries.map((e) => (e.details === undefined ? null : JSON.stringify(e.details))),
      ],
    });
  }

  /** `action` is exact (`tenants.import`), or ends in `.*` for a family (`dataset.*`). */
  async list(filter: {
    campaignId?: string;
    tenantId?: string;
    action?: string;
    subject?: string;
    skip: number;
    take: number;
  }) {
    const family = filter.action?.endsWith('.*') ? filter.action.slice(0, -1) : null;
    const rows = await this.prisma.auditEvent.findMany({
      where: {
        ...(filter.campaignId ? { campaignId: filter.campaignId } : {}),
        ...(filter.tenantId ? { tenantId: filter.tenantId } : {}),
        ...(family ? { action: { startsWith: family } } : filter.action ? { action: filter.action } : {}),
        ...(filter.subject ? { subject: filter.subject } : {}),
      },
      orderBy: { id: 'asc' },
      skip: filter.skip,
      take: filter.take,
    });
    return rows.map((r) => ({ ...r, id: r.id.toString() }));
  }
}
