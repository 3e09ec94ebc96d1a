// Prisma CLI configuration. Only `prisma generate` runs here (see scripts/prisma-generate.mjs);
// migrations are applied by src/lib/migrate.ts.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/unused' },
});
