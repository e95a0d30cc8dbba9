import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import { TENANT_ROLE } from '../db/roles.js';
import { PrismaService } from '../db/prisma.service.js';
import { LOWER_CASE_GUID } from '../common/guid.js';

export { TENANT_ROLE };

/** A connection inside a transaction that runs as TENANT_ROLE with `app.tenant_id` set: it sees only that tenant's rows. */
export type TenantTx = Pick<pg.PoolClient, 'query'>;

/**
 * The one way tenant-facing code reaches the database (docs/design.md rule 5): one transaction per
 * request that switches to the tenant role and sets the tenant id for the row-level security
 * policies, both transaction-local (`set_config(..., true)`), so nothing survives into the pooled
 * connection's next use. The application role (a member of TENANT_ROLE) passes its own service
 * policies, which return every row: the role switch is what makes the tenant's policies apply.
 *
 * On the shared pg pool rather than a Prisma interactive transaction: under 50 concurrent
 * requests the latter ran about five times slower here and timed transactions out.
 */
@Injectable()
export class TenantScope {
  constructor(private readonly prisma: PrismaService) {}

  async run<T>(tenantId: string, work: (tx: TenantTx) => Promise<T>): Promise<T> {
    if (!LOWER_CASE_GUID.test(tenantId)) throw new Error('tenant scope: the tenant id must be a lower-case GUID');
    const client = await this.prisma.pool.connect();
    let broken: Error | undefined;
    try {
      // One round trip for BEGIN and both settings. The tenant id is written into the statement
      // because a multi-statement query takes no parameters; it matched LOWER_CASE_GUID above, so it is
      // hex digits and dashes only.
      await client.query(
        `BEGIN; SELECT set_config('role', '${TENANT_ROLE}', true), set_config('app.tenant_id', '${tenantId}', true)`,
      );
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // a connection that cannot roll back is not given back to the pool
        broken = rollbackError as Error;
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }
}
