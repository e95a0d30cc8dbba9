import { Injectable } from '@nestjs/common';
import { PrismaService } from '../db/prisma.service.js';

export interface DirectoryContact {
  tenantId: string;
  email: string;
  name: string | null;
  roles: string[];
  locale: string;
}

/** The two directory look-ups that token verification and the development issuer need. No decisions here. */
@Injectable()
export class TenantDirectoryLookup {
  constructor(private readonly prisma: PrismaService) {}

  async tenantExists(tenantId: string): Promise<boolean> {
    const { rowCount } = await this.prisma.pool.query('SELECT 1 FROM tenants WHERE id = $1::uuid', [tenantId]);
    return (rowCount ?? 0) > 0;
  }

  /** the contact with this normalized address in this tenant, or null */
  async findContact(tenantId: string, email: string): Promise<DirectoryContact | null> {
    const c = await this.prisma.tenantContact.findUnique({
      where: { tenantId_email: { tenantId, email } },
      select: { tenantId: true, email: true, name: true, roles: true, locale: true },
    });
    return c;
  }
}
