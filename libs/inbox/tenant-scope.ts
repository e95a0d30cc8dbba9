import { Injectable } from '@nestjs/common';
import { PrismaService } from '../db/prisma.service.js';
import type { Prisma } from '../../generated/prisma/client.js';

/** The NOLOGIN role of prisma/migrations/*_tenant_rls: row-level security applies to it. */
export const TENANT_ROLE = 'impact_tenant';

/** A transaction that runs as TENANT_ROLE with `app.tenant_id` set: it sees only that tenant's rows. */
export type TenantTx = Prisma.TransactionClient;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The one way tenant-facing code reaches the database (DESIGN.md rule 5): one transaction per
 * request that switches to the tenant role and sets the tenant id for the row-level security
 * policies, both transaction-local, so nothing survives into the pooled connection's next use.
 * The application connects as a superuser, which bypasses RLS: the role switch is what makes
 * the policies apply.
 */
@Injectable()
export class TenantScope {
  constructor(private readonly prisma: PrismaService) {}

  run<T>(tenantId: string, work: (tx: TenantTx) => Promise<T>): Promise<T> {
    if (!GUID.test(tenantId)) return Promise.reject(new Error('tenant scope: the tenant id must be a lower-case GUID'));
    return this.prisma.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT set_config('role', ${TENANT_ROLE}, true), set_config('app.tenant_id', ${tenantId}, true)`;
        return work(tx);
      },
      { maxWait: 5_000, timeout: 15_000 },
    );
  }
}
