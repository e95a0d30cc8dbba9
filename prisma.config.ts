import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

// Prisma's CLI needs DATABASE_URL set, or it tries to download a native engine.
process.env.DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/impact';
process.env.CHECKPOINT_DISABLE ??= '1';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  adapter: () => Promise.resolve(new PrismaPg({ connectionString: process.env.DATABASE_URL! })),
});
