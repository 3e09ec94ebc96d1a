// Automation benchmark: deal changes that each match 3 automations of 2 actions (add a tag,
// notify), run by the background worker of one or more instances, against the bare cost of the
// same writes with no automation, measured in the same run. Reports actions per second and the
// p50 / p99 from a change's commit to the commit of its last automation run.
//
//   npm run bench:automation -- [--changes 2000] [--pg postgresql://…] [--instances 2]
//
// Without --pg it runs on an in-memory PGlite (one instance); with --pg it creates a scratch
// database there and starts --instances apps on it, each running a worker.
import { parseArgs } from 'node:util';
import { scratchDatabase, benchWorkspace } from './kit.js';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db.js';
import { createLogger } from '../src/lib/logger.js';
import { viewerOfUser } from '../src/modules/auth/auth.service.js';
import { createRecord, updateRecord } from '../src/kernel/records.js';
import { createAutomation } from '../src/modules/automations/automations.service.js';
import type { ServiceCtx } from '../src/context.js';

const { values } = parseArgs({
  options: { changes: { type: 'string', default: '2000' }, pg: { type: 'string' }, instances: { type: 'string', default: '2' } },
});
const changes = Number(values.changes);

const scratch = values.pg ? await scratchDatabase(values.pg) : undefined;
const url = scratch?.url;
const dropDb = scratch?.drop;
const instances = url ? Number(values.instances) : 1;

const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', SEED_DEMO: 'false', ...(url ? { DATABASE_URL: url } : {}) });
const apps: App[] = [];
for (let i = 0; i < instances; i++) {
  const database = await openDatabase(url ? { kind: 'postgres', url } : { kind: 'pglite' });
  apps.push(await buildApp(config, { database, logger: createLogger('silent'), outboxPollMs: 50 }));
}
const app = apps[0];
const db = app.deps.db;
const session = await benchWorkspace(app.deps);
const owner = await db.user.findFirstOrThrow({ where: { workspaceId: session.workspaceId } });
const ctx: ServiceCtx = { db, deps: app.deps, viewer: (await viewerOfUser(db, owner.id))! };

console.log(`seeding ${2 * changes} deals on ${url ? `PostgreSQL, ${instances} instances` : 'PGlite'}…`);
const make = async (n: number) => {
  const out: { id: string; version: number }[] = [];
  for (let i = 0; i < n; i++) out.push(await createRecord(ctx, 'DEAL', { fields: { name: `Deal ${i}`, amount: '1' } }));
  return out;
};
const bare = await make(changes);
const auto = await make(changes);

// Bare writes: the same change with no automation defined.
let t0 = performance.now();
for (const d of bare) await updateRecord(ctx, 'DEAL', d.id, d.version, { fields: { amount: '2' } });
const bareMs = performance.now() - t0;

for (const k of [1, 2, 3]) {
  await createAutomation(ctx, {
    name: `Auto ${k}`,
    trigger: { type: 'FIELD_CHANGED', cardKind: 'DEAL', field: 'amount' },
    actions: [{ addTag: { tag: `auto-${k}` } }, { notify: { text: 'Amount of [name] changed' } }],
  });
}
for (const a of apps) await a.start();

const committed = new Map<string, number>();
t0 = performance.now();
const startWall = Date.now();
for (const d of auto) {
  await updateRecord(ctx, 'DEAL', d.id, d.version, { fields: { amount: '2' } });
  committed.set(d.id, Date.now());
}
const writesMs = performance.now() - t0;
for (;;) {
  const [{ n }] = await db.$queryRaw<{ n: number }[]>`select count(*)::int as n from "AutomationJob" where "doneAt" is null`;
  if (!n) break;
  await new Promise((r) => setTimeout(r, 100));
}
const runs = await db.automationRun.findMany({
  where: { workspaceId: session.workspaceId },
  select: { cardId: true, finishedAt: true, status: true, actions: true },
});
const lastRun = Math.max(...runs.map((r) => r.finishedAt.getTime()));
const actions = runs.reduce((s, r) => s + (r.actions as unknown[]).length, 0);
const failed = runs.filter((r) => r.status !== 'SUCCEEDED').length;
const lastPerCard = new Map<string, number>();
for (const r of runs) lastPerCard.set(r.cardId, Math.max(lastPerCard.get(r.cardId) ?? 0, r.finishedAt.getTime()));
const lat = [...lastPerCard].map(([id, t]) => t - committed.get(id)!).sort((a, b) => a - b);
const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
const seconds = (lastRun - startWall) / 1000;

const row = (k: string, v: string) => console.log(`${k.padEnd(52)} ${v}`);
row('changes', String(changes));
row('bare writes/s (no automation)', (changes / (bareMs / 1000)).toFixed(0));
row('writes/s with 3 automations queued in the transaction', (changes / (writesMs / 1000)).toFixed(0));
row('write cost with automations ÷ bare', (writesMs / bareMs).toFixed(2));
row('runs / actions / failed runs', `${runs.length} / ${actions} / ${failed}`);
row('actions/s (first commit → last run commit)', (actions / seconds).toFixed(0));
row('commit → last action p50 / p99 (ms)', `${q(0.5)} / ${q(0.99)}`);

for (const a of apps) await a.stop();
await dropDb?.();
