// Measures the demo seed on a fresh embedded database: wall time, this process's CPU time
// (the database runs in the same process) and the SQL statements it sends, then the time and
// statements the outbox dispatcher takes to hand the seed's events to the consumers.
// Reproduce: `npx tsx scripts/measure-seed.ts` (prints one JSON line; `uptime` for the load).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/db.js';
import { loadConfig } from '../src/config.js';
import { buildApp } from '../src/app.js';
import { createLogger } from '../src/lib/logger.js';

const dataDir = mkdtempSync(join(tmpdir(), 'crm-seed-measure-'));
let statements = 0;
const database = await openDatabase({ kind: 'pglite', dataDir }, () => statements++);
await database.migrate();
const config = loadConfig({ ...process.env, DATA_DIR: dataDir, SEED_DEMO: 'true', PORT: '0', DATABASE_URL: '' });
const cpu0 = process.cpuUsage();
const t0 = performance.now();
statements = 0;
const app = await buildApp(config, { database, logger: createLogger((process.env.LOG_LEVEL as 'info' | undefined) ?? 'warn') });
const seedMs = performance.now() - t0;
const seedCpu = process.cpuUsage(cpu0);
const seedStatements = statements;
// The seed's events wait in the outbox; the dispatcher starts with the server.
const cpu1 = process.cpuUsage();
const t1 = performance.now();
statements = 0;
await app.start();
for (;;) {
  const left = await database.prisma.outboxEvent.count({ where: { publishedAt: null } });
  if (!left) break;
  await new Promise((r) => setTimeout(r, 50));
}
const drainMs = performance.now() - t1;
const drainCpu = process.cpuUsage(cpu1);
const drainStatements = statements;
const events = (await database.prisma.outboxEvent.aggregate({ _sum: { events: true } }))._sum.events ?? 0;
await app.stop();
rmSync(dataDir, { recursive: true, force: true });
const s = (u: NodeJS.CpuUsage) => Math.round((u.user + u.system) / 1e5) / 10;
console.log(
  JSON.stringify({
    seed: { wallS: Math.round(seedMs / 100) / 10, cpuS: s(seedCpu), statements: seedStatements },
    outbox: { events, wallS: Math.round(drainMs / 100) / 10, cpuS: s(drainCpu), statements: drainStatements },
    load: loadavg().map((l) => Math.round(l * 10) / 10),
  }),
);
