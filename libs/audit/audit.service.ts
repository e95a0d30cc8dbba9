import { Injectable } from '@nestjs/common';
import { PrismaService } from '../db/prisma.service.js';
import type { Prisma } from '../../generated/prisma/client.js';

export interface AuditEntry {
  actor: string;
  action: string;
  campaignId?: string | null;
  tenantId?: string | null;
  subject?: string | null;
  details?: Prisma.InputJsonValue;
}

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

  async list(filter: { campaignId?: string; tenantId?: string; skip: number; take: number }) {
    const rows = await this.prisma.auditEvent.findMany({
      where: { ...(filter.campaignId ? { campaignId: filter.campaignId } : {}), ...(filter.tenantId ? { tenantId: filter.tenantId } : {}) },
      orderBy: { id: 'asc' },
      skip: filter.skip,
      take: filter.take,
    });
    return rows.map((r) => ({ ...r, id: r.id.toString() }));
  }
}
