import { Injectable } from '@nestjs/common';
import { TENANT_ROLE } from '../db/roles.js';
import { PrismaService } from '../db/prisma.service.js';
import { LOWER_CASE_GUID } from '../common/guid.js';
import type { Transaction } from '../db/transaction.js';

export { TENANT_ROLE };

/** A transaction that runs as TENANT_ROLE with `app.tenant_id` set: it sees only that tenant's rows. */
export type TenantTx = Transaction;

/**
 * The one way tenant-facing code reaches the database (docs/design.md rule 5): one transaction per
 * request that switches to the tenant role and sets the tenant id for the row-level security
 * policies, both transaction-local (`set_config(..., true)`), so nothing survives into the pooled
 * connection's next use. The application role (a member of TENANT_ROLE) passes its own service
 * policies, which return every row: the role switch is what makes the tenant's policies apply.
 *
 * On the shared pg pool (libs/db/transaction.ts, BEGIN and both settings in one round trip) rather
 * than a Prisma interactive transaction: under 50 concurrent requests the latter ran about five
 * times slower here and timed transactions out.
 */
@Injectable()
export class TenantScope {
  constructor(private readonly prisma: PrismaService) {}

  run<T>(tenantId: string, work: (tx: TenantTx) => Promise<T>): Promise<T> {
    // checked although set_config quotes it: a tenant id that is not one must not reach the policies
    if (!LOWER_CASE_GUID.test(tenantId)) throw new Error('tenant scope: the tenant id must be a lower-case GUID');
    return this.prisma.transaction(work, { settings: { role: TENANT_ROLE, 'app.tenant_id': tenantId } });
  }
}
