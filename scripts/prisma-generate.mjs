// Runs `prisma generate`. Prisma's CLI wants a schema-engine binary path even though generate
// never executes it, and engines cannot be downloaded on every machine; point it at `true`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) {
  const stub = ['/usr/bin/true', '/bin/true'].find((p) => existsSync(p));
  if (stub) env.PRISMA_SCHEMA_ENGINE_BINARY = stub;
}
const r = spawnSync('npx', ['prisma', 'generate'], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
