import { Test } from '@nestjs/testing';
import { ConfigModule } from '../config/config.module.js';
import { DbModule } from './db.module.js';
import { PrismaService } from './prisma.service.js';

describe('PrismaService against the real PostgreSQL', () => {
  it('runs queries through the pg driver adapter', async () => {
    const mod = await Test.createTestingModule({ imports: [ConfigModule, DbModule] }).compile();
    const prisma = mod.get(PrismaService);
    // other test files write tenants to the same database: only the shape of the answer is ours
    expect(Number.isInteger(await prisma.tenant.count())).toBe(true);
    const rows = await prisma.$queryRaw<{ one: number }[]>`SELECT 1::int AS one`;
    expect(rows[0]!.one).toBe(1);
    await mod.close();
  });
});
