// Automation benchmark: deal changes that each match 3 automations of 2 actions (add a tag,
// notify), run by the background workers of one or more instances. Baselines measured in the
// same run, on the same database:
//   - bare: the same change (an amount update through updateRecord) with no automation;
//   - direct: the change plus the very writes the 3 automations make (3 tag updates through
//     updateRecord, 3 notifications emitted), done directly by the writers.
// Reports actions per second (automations against direct) and the p50 / p99 from a change's
// commit to the commit of its last automation run.
//
//   npm run bench:automation -- [--changes 2000] [--writers 8] [--pg postgresql://…] [--instances 2] [--profile]
//
// It also prints SQL statements and Node CPU per action (the change's own share taken off), and
// with --profile the automation phase's statements grouped by their start.
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
import { events } from '../src/kernel/events.js';
import { createAutomation } from '../src/modules/automations/automations.service.js';
import type { ServiceCtx } from '../src/context.js';

const { values } = parseArgs({
  options: {
    changes: { type: 'string', default: '2000' },
    writers: { type: 'string', default: '8' },
    pg: { type: 'string' },
    instances: { type: 'string', default: '2' },
    profile: { type: 'boolean', default: false },
  },
});
const changes = Number(values.changes);
const writers = Number(values.writers);

const scratch = values.pg ? await scratchDatabase(values.pg) : undefined;
const url = scratch?.url;
const instances = url ? Number(values.instances) : 1;

/** SQL statements sent by every instance (writers and workers alike), for the per-action profile. */
let statements = 0;
/** With --profile: the automation phase's statements by their first 90 characters. */
let profiling = false;
const shapes = new Map<string, number>();
/** Statements and Node CPU milliseconds (this process: writers and workers) since `since`. */
const mark = () => ({ statements, cpu: process.cpuUsage() });
const spent = (since: ReturnType<typeof mark>) => {
  const c = process.cpuUsage(since.cpu);
  return { statements: statements - since.statements, cpuMs: (c.user + c.system) / 1000 };
};
const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', SEED_DEMO: 'false', ...(url ? { DATABASE_URL: url } : {}) });
const apps: App[] = [];
for (let i = 0; i < instances; i++) {
  const database = await openDatabase(url ? { kind: 'postgres', url, poolSize: 20 } : { kind: 'pglite' }, (sql) => {
    statements++;
    if (profiling) {
      const key = sql.replace(/\s+/g, ' ').slice(0, 90);
      shapes.set(key, (shapes.get(key) ?? 0) + 1);
    }
  });
  apps.push(await buildApp(config, { database, logger: createLogger('silent'), outboxPollMs: 50 }));
}
const app = apps[0];
const db = app.deps.db;
const session = await benchWorkspace(app.deps);
const owner = await db.user.findFirstOrThrow({ where: { workspaceId: session.workspaceId } });
const ctx: ServiceCtx = { db, deps: app.deps, viewer: (await viewerOfUser(db, owner.id))! };

console.log(`seeding ${3 * changes} deals on ${url ? `PostgreSQL, ${instances} instances` : 'PGlite'}; ${writers} writers…`);
// One deal through the write path, then copies of its row (the benchmark measures changes, not creation).
const template = await createRecord(ctx, 'DEAL', { fields: { name: 'Template', amount: '1' } });
const cols = (
  await db.$queryRaw<{ c: string }[]>`select column_name as c from information_schema.columns where table_name = 'Deal' and table_schema = current_schema()`
)
  .map((r) => r.c)
  .filter((c) => c !== 'id');
const list = cols.map((c) => `"${c}"`).join(', ');
await db.$executeRawUnsafe(
  `insert into "Deal" ("id", ${list}) select gen_random_uuid(), ${list} from "Deal", generate_series(1, ${3 * changes}) where "id" = $1::uuid`,
  template.id,
);
const all = await db.deal.findMany({
  where: { workspaceId: session.workspaceId, id: { not: template.id } },
  select: { id: true, version: true },
  orderBy: { id: 'asc' },
});
const bare = all.slice(0, changes);
const direct = all.slice(changes, 2 * changes);
const auto = all.slice(2 * changes, 3 * changes);

let retries = 0;
/**
 * The change, tried again (with the version read again) when its transaction outlived Prisma's
 * 5 s limit on a loaded machine; the retries are counted and printed.
 */
async function change(id: string, version: number, input: Parameters<typeof updateRecord>[4]) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await updateRecord(ctx, 'DEAL', id, version, input);
    } catch (err) {
      if (attempt >= 5) throw err;
      retries++;
      version = (await db.deal.findUniqueOrThrow({ where: { id }, select: { version: true } })).version;
    }
  }
}

/** Runs `fn` over the deals with `writers` at once; answers the milliseconds it took. */
async function concurrently(deals: { id: string; version: number }[], fn: (d: { id: string; version: number }) => Promise<void>) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < deals.length) await fn(deals[next++]);
    }),
  );
  return performance.now() - t0;
}

// Baseline 1: the change alone.
const bareMark = mark();
const bareMs = await concurrently(bare, async (d) => {
  await change(d.id, d.version, { fields: { amount: '2' } });
});

const bareCost = spent(bareMark);
// Baseline 2: the change and the automations' writes, done directly.
const directMark = mark();
const directMs = await concurrently(direct, async (d) => {
  let card = await change(d.id, d.version, { fields: { amount: '2' } });
  for (const k of [1, 2, 3]) {
    const tags = (await db.dealTag.findMany({ where: { dealId: d.id }, select: { tag: { select: { name: true } } } })).map((t) => t.tag.name);
    card = await change(d.id, card.version, { tags: [...tags, `auto-${k}`] });
    await db.$transaction((tx) =>
      events.emit(tx, ctx, 'notification', [
        {
          workspaceId: ctx.viewer.workspaceId,
          userId: owner.id,
          kind: 'AUTOMATION',
          text: `Amount of ${card.name} changed`,
          occurredAt: new Date().toISOString(),
        },
      ]),
    );
  }
});

const directCost = spent(directMark);
for (const k of [1, 2, 3]) {
  await createAutomation(ctx, {
    name: `Auto ${k}`,
    trigger: { type: 'FIELD_CHANGED', cardKind: 'DEAL', field: 'amount' },
    actions: [{ addTag: { tag: `auto-${k}` } }, { notify: { text: 'Amount of [name] changed' } }],
  });
}
for (const a of apps) await a.start();

const autoMark = mark();
profiling = !!values.profile;
const committed = new Map<string, number>();
const startWall = Date.now();
const writesMs = await concurrently(auto, async (d) => {
  await change(d.id, d.version, { fields: { amount: '2' } });
  committed.set(d.id, Date.now());
});
for (;;) {
  const [{ n }] = await db.$queryRaw<{ n: number }[]>`select count(*)::int as n from "AutomationJob" where "doneAt" is null`;
  if (!n) break;
  await new Promise((r) => setTimeout(r, 100));
}
const autoCost = spent(autoMark);
profiling = false;
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
const autoSeconds = (lastRun - startWall) / 1000;
const directActionsPerS = (6 * changes) / (directMs / 1000);
const autoActionsPerS = actions / autoSeconds;

const row = (k: string, v: string) => console.log(`${k.padEnd(60)} ${v}`);
row('changes / writers / instances', `${changes} / ${writers} / ${instances}`);
row('bare: changes/s, no automation (baseline 1)', (changes / (bareMs / 1000)).toFixed(0));
row('direct: the same 6 action writes per change, actions/s (baseline 2)', directActionsPerS.toFixed(0));
row('automations: changes/s while the workers run', (changes / (writesMs / 1000)).toFixed(0));
row('automations: runs / actions / failed runs', `${runs.length} / ${actions} / ${failed}`);
row('automations: actions/s (first change → last run commit)', autoActionsPerS.toFixed(0));
row('automations actions/s ÷ direct actions/s', (autoActionsPerS / directActionsPerS).toFixed(2));
row('commit → last action of the change, p50 / p99 (ms)', `${q(0.5)} / ${q(0.99)}`);
row('writes retried after a 5 s transaction time-out (load)', String(retries));
// Where an action's time goes: round trips and Node CPU, the change's own share taken off.
const per = (cost: { statements: number; cpuMs: number }, n: number) =>
  `${((cost.statements - (bareCost.statements / changes) * changes) / n).toFixed(1)} statements, ${((cost.cpuMs - (bareCost.cpuMs / changes) * changes) / n).toFixed(1)} ms CPU`;
row('bare change: SQL statements, Node CPU ms', `${(bareCost.statements / changes).toFixed(1)}, ${(bareCost.cpuMs / changes).toFixed(1)}`);
row('direct: per action (change taken off)', per(directCost, 6 * changes));
row('automations: per action (change taken off; claims, runs, logs incl.)', per(autoCost, actions));
if (values.profile) {
  console.log('\nautomation phase, statements per action by kind (the changes themselves included):');
  for (const [k, c] of [...shapes].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${(c / actions).toFixed(2).padStart(7)}  ${k}`);
}

for (const a of apps) await a.stop();
await scratch?.drop();
