// Automation benchmark: deal changes that each match 3 automations of 2 actions (add a tag,
// notify), run by the background workers of one or more instances. Baselines measured in the
// same run, on the same database:
//   - bare: the same change (an amount update through updateRecord) with no automation;
//   - direct: the change plus the very writes the 3 automations make (3 tag updates through
//     updateRecord, 3 notifications emitted), done directly by the writers one at a time;
//   - direct, batched: the same action writes done directly through the kernel's batch write
//     path (`writeRecords`, --chunk cards a transaction, notifications in one transaction a
//     chunk), the changes written beforehand: the best the write path itself does.
// Two automation phases:
//   - live: the writers change deals one at a time while the workers run; reports actions per
//     second (first change → last run's commit) and the p50 / p99 from a change's commit to the
//     commit of its change's last automation run. If the writers are slower than the workers,
//     this rate is the writers' (their offered actions/s is printed beside it);
//   - live, in batches (with --live-batch N): the same, but each writer sends its changes N
//     deals at a time through the kernel's batch write path (`writeRecords`, the path of a list's
//     mass edit: each card with the same checks, hooks and events as one update), optionally
//     paced at --rate changes/s, so the writers can offer more than the single-card path allows;
//   - backlog: changes written (in --chunk batches) with the workers stopped, then the workers
//     started: actions per second from their start to the last run's commit, what the workers
//     alone can do, against the direct batched writes.
//
//   npm run bench:automation -- [--changes 2000] [--writers 8] [--chunk 50] [--pg postgresql://…] [--instances 2] [--profile]
//                                [--live-batch 5] [--rate 170] [--skip-baselines] [--warmup 100] [--analyze]
//
// Before the live phases, --warmup changes (100) run through the automations untimed: the
// instances' first runs (JIT, each query's first plan) are not what a long-running instance does.
// It also prints SQL statements and Node CPU per action (the live phase with the change's own
// share taken off; the backlog phase the workers' alone), and with --profile the backlog
// phase's statements grouped by their start.
//
// Without --pg it runs on an in-memory PGlite (one instance, in this process); with --pg it
// creates a scratch database there and starts --instances instances on it, each a process of its
// own (bench/automation-instance.ts: the services, the outbox dispatcher and the worker), as they
// are deployed; the writers stay in this process, and each writer's commit kicks the outbox of
// one instance (writer i: instance i mod --instances), as a request served there would. The
// statements and Node CPU printed are every process's (this one's and the instances').
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { scratchDatabase, benchWorkspace, automationBenchConfig } from './kit.js';
import { openDeps } from '../src/deps.js';
import { openDatabase } from '../src/db.js';
import { createLogger } from '../src/lib/logger.js';
import { viewerOfUser } from '../src/modules/auth/auth.service.js';
import { createRecord, updateRecord, writeRecords } from '../src/kernel/records.js';
import { events } from '../src/kernel/events.js';
import { createAutomation } from '../src/modules/automations/automations.service.js';
import { JOBS_NOT_DONE } from '../src/modules/automations/automations.runner.js';
import type { ServiceCtx } from '../src/context.js';

const { values } = parseArgs({
  options: {
    changes: { type: 'string', default: '2000' },
    writers: { type: 'string', default: '8' },
    pg: { type: 'string' },
    instances: { type: 'string', default: '2' },
    chunk: { type: 'string', default: '50' },
    profile: { type: 'boolean', default: false },
    'live-batch': { type: 'string', default: '0' },
    rate: { type: 'string' },
    'skip-baselines': { type: 'boolean', default: false },
    // ANALYZE before each timed phase, with the checkpoint: the statistics a server running
    // autovacuum (the default) keeps current. Printed; off by default, so a server without
    // autovacuum measures what it has.
    analyze: { type: 'boolean', default: false },
    warmup: { type: 'string', default: '100' },
  },
});
const liveBatch = Number(values['live-batch']);
const rate = values.rate ? Number(values.rate) : undefined;
const skipBaselines = values['skip-baselines'];
const changes = Number(values.changes);
const writers = Number(values.writers);
const chunk = Number(values.chunk);

const scratch = values.pg ? await scratchDatabase(values.pg, 'crm_bench_automation') : undefined;
const url = scratch?.url;
const instances = url ? Number(values.instances) : 1;

/** SQL statements sent by this process (the writers; with PGlite, the worker too), for the per-action profile. */
let statements = 0;
/** With --profile: the automation phase's statements by their first 90 characters. */
let profiling = false;
const shapes = new Map<string, number>();
const config = automationBenchConfig(url);
// This process's services: the writers' (and, on PGlite, the one instance's, started below).
const database = await openDatabase(url ? { kind: 'postgres', url, poolSize: 20 } : { kind: 'pglite' }, (sql) => {
  statements++;
  if (profiling) {
    const key = sql.replace(/\s+/g, ' ').slice(0, 90);
    shapes.set(key, (shapes.get(key) ?? 0) + 1);
  }
});
const local = await openDeps(config, { database, logger: createLogger('silent'), outboxPollMs: 50 });

type Stats = { statements: number; cpuMs: number; idle: number; active: number; shapes: [string, number][] };
/** An instance the bench drives: its dispatcher and worker, and what it spent. */
type Instance = {
  start(): Promise<void>;
  /** A change this instance "served" committed: its outbox is kicked, as the request's commit would. */
  kick(): void;
  stopWorker(): Promise<void>;
  startWorker(): void;
  profile(on: boolean): void;
  stats(): Promise<Stats>;
  close(): Promise<void>;
};

/** The one instance of a PGlite run: this process's services (one connection, writers and worker alike). */
function inProcess(): Instance {
  const { outbox, worker } = local.deps;
  return {
    async start() {
      outbox.start();
      worker.start();
    },
    kick: () => {},
    stopWorker: () => worker.stop(),
    startWorker: () => worker.start(),
    profile: (on) => {
      profiling = on;
      if (on) shapes.clear();
    },
    stats: async () => ({ statements: 0, cpuMs: 0, idle: 0, active: 0, shapes: [] }),
    close: async () => {},
  };
}

/** An instance in a child process (bench/automation-instance.ts), driven over IPC. */
async function child(i: number): Promise<Instance> {
  const proc: ChildProcess = fork(fileURLToPath(new URL('./automation-instance.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, DATABASE_URL: url!, ...(process.env.AUTOMATION_BATCH ? { AUTOMATION_BATCH: process.env.AUTOMATION_BATCH } : {}) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<string, ((m: Stats) => void)[]>();
  proc.on('message', (m: { reply: string } & Stats) => waiting.get(m.reply)?.shift()?.(m));
  let closing = false;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.once('exit', (code) => {
    if (code && !closing) {
      console.error(`instance ${i} exited with ${code}`);
      process.exit(1);
    }
  });
  const ask = (cmd: object, reply: string) =>
    new Promise<Stats>((resolve) => {
      waiting.set(reply, [...(waiting.get(reply) ?? []), resolve]);
      proc.send(cmd);
    });
  await new Promise<void>((resolve) => waiting.set('ready', [() => resolve()]));
  return {
    start: async () => void (await ask({ cmd: 'start' }, 'started')),
    kick: () => proc.send({ cmd: 'kick' }),
    stopWorker: async () => void (await ask({ cmd: 'stop-worker' }, 'worker-stopped')),
    startWorker: () => proc.send({ cmd: 'start-worker' }),
    profile: (on) => proc.send({ cmd: 'profile', on }),
    stats: () => ask({ cmd: 'stats' }, 'stats'),
    close: async () => {
      closing = true;
      proc.send({ cmd: 'close' });
      await exited;
    },
  };
}

const db = local.deps.db;
const session = await benchWorkspace(local.deps);
// The instances start after the scratch database was migrated by this process.
const apps: Instance[] = url ? await Promise.all(Array.from({ length: instances }, (_, i) => child(i))) : [inProcess()];
/** Kicks the instance that "served" writer w's change. */
const kick = (w: number) => apps[w % apps.length].kick();

/** Statements and Node CPU milliseconds of every process (the writers' and the instances'), and each one's event loop, so far. */
async function mark() {
  const c = process.cpuUsage();
  const { idle, active } = performance.eventLoopUtilization();
  return { statements, cpuMs: (c.user + c.system) / 1000, idle, active, instances: await Promise.all(apps.map((a) => a.stats())), server: await serverState() };
}
/**
 * PostgreSQL's checkpoints so far and the WAL written (bytes): a checkpoint during a phase (every
 * page's first change after it is logged whole) slows its writes, so each phase prints how many
 * it had. PostgreSQL 17 moved the counters to pg_stat_checkpointer.
 */
async function serverState() {
  if (!url) return { checkpoints: 0, wal: 0 };
  const wal = async () => (await db.$queryRaw<{ w: number }[]>`select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 as w`)[0].w;
  const counters = await db
    .$queryRawUnsafe<{ n: number }[]>('select (checkpoints_timed + checkpoints_req)::int as n from pg_stat_bgwriter')
    .catch(() => db.$queryRawUnsafe<{ n: number }[]>('select (num_timed + num_requested)::int as n from pg_stat_checkpointer'));
  return { checkpoints: counters[0].n, wal: await wal() };
}
/**
 * Before a timed phase: a checkpoint, so the WAL the seeding and the baselines wrote does not
 * force one in the middle of the phase (a phase whose own WAL passes max_wal_size still has one;
 * the count is printed); with --analyze, fresh statistics first.
 */
async function checkpoint() {
  if (url && values.analyze) await db.$executeRawUnsafe('analyze');
  if (url) await db.$executeRawUnsafe('checkpoint');
}
type Mark = Awaited<ReturnType<typeof mark>>;
/** What every process spent since `since`: statements, Node CPU, and how busy each event loop was (this one first). */
async function spent(since: Mark) {
  const now = await mark();
  const busy = (a: { idle: number; active: number }, b: { idle: number; active: number }) =>
    (b.active - a.active) / (b.active - a.active + b.idle - a.idle || 1);
  return {
    statements: now.statements - since.statements + now.instances.reduce((s, x, i) => s + x.statements - since.instances[i].statements, 0),
    cpuMs: now.cpuMs - since.cpuMs + now.instances.reduce((s, x, i) => s + x.cpuMs - since.instances[i].cpuMs, 0),
    busy: [busy(since, now), ...(url ? now.instances.map((x, i) => busy(since.instances[i], x)) : [])],
    shapes: now.instances.map((x) => x.shapes),
    checkpoints: now.server.checkpoints - since.server.checkpoints,
    walMb: (now.server.wal - since.server.wal) / 2 ** 20,
  };
}
const owner = await db.user.findFirstOrThrow({ where: { workspaceId: session.workspaceId } });
const ctx: ServiceCtx = { db, deps: local.deps, viewer: (await viewerOfUser(db, owner.id))! };

const slices = liveBatch > 0 ? 6 : 5;
const warmup = Number(values.warmup);
console.log(`seeding ${slices * changes + warmup} deals on ${url ? `PostgreSQL, ${instances} instances` : 'PGlite'}; ${writers} writers…`);
// One deal through the write path, then copies of its row (the benchmark measures changes, not creation).
const template = await createRecord(ctx, 'DEAL', { fields: { name: 'Template', amount: '1' } });
const cols = (
  await db.$queryRaw<{ c: string }[]>`select column_name as c from information_schema.columns where table_name = 'Deal' and table_schema = current_schema()`
)
  .map((r) => r.c)
  .filter((c) => c !== 'id');
const list = cols.map((c) => `"${c}"`).join(', ');
await db.$executeRawUnsafe(
  `insert into "Deal" ("id", ${list}) select gen_random_uuid(), ${list} from "Deal", generate_series(1, ${slices * changes + warmup}) where "id" = $1::uuid`,
  template.id,
);
const all = await db.deal.findMany({
  where: { workspaceId: session.workspaceId, id: { not: template.id } },
  select: { id: true, version: true },
  orderBy: { id: 'asc' },
});
const bare = all.slice(0, changes);
const direct = all.slice(changes, 2 * changes);
const batched = all.slice(2 * changes, 3 * changes);
const auto = all.slice(3 * changes, 4 * changes);
const backlog = all.slice(4 * changes, 5 * changes);
const liveBatched = all.slice(5 * changes, 6 * changes);
const warm = all.slice(slices * changes);

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

/** Runs `fn` over the items with `writers` at once (`fn` is told which writer runs it); answers the milliseconds it took. */
async function concurrently<T>(items: T[], fn: (d: T, writer: number) => Promise<void>) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      while (next < items.length) await fn(items[next++], w);
    }),
  );
  return performance.now() - t0;
}

type Deal = { id: string; version: number };
const chunks = <T>(list: T[]) => Array.from({ length: Math.ceil(list.length / chunk) }, (_, i) => list.slice(i * chunk, (i + 1) * chunk));

/** The change, --chunk deals a transaction through the kernel's batch write path; answers the deals at their new versions. */
async function changeInChunks(deals: Deal[]): Promise<Deal[]> {
  const out: Deal[] = [];
  await concurrently(chunks(deals), async (c, w) => {
    const results = await writeRecords(
      ctx,
      'DEAL',
      c.map((d) => ({ id: d.id, version: d.version, write: { fields: { amount: '2' } } })),
    );
    kick(w);
    for (const r of results) {
      if (!r.ok) throw r.error;
      out.push({ id: r.row.id, version: r.row.version });
    }
  });
  return out;
}

// Baseline 1: the change alone (with --skip-baselines, 20 changes only, for the per-action cost).
const bareMark = await mark();
const bareMs = await concurrently(skipBaselines ? bare.slice(0, 20) : bare, async (d) => {
  await change(d.id, d.version, { fields: { amount: '2' } });
});

const bareCost = await spent(bareMark);
const bareN = skipBaselines ? Math.min(20, changes) : changes;
// Baseline 2: the change and the automations' writes, done directly.
const directMark = await mark();
const directMs = await concurrently(skipBaselines ? [] : direct, async (d) => {
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

const directCost = await spent(directMark);

// Baseline 3: the same action writes, batched through writeRecords (the changes written first, untimed).
const batchedChanged = await changeInChunks(skipBaselines ? [] : batched);
const batchedMs = await concurrently(chunks(batchedChanged), async (c) => {
  let deals = c;
  for (const k of [1, 2, 3]) {
    const tags = await db.dealTag.findMany({ where: { dealId: { in: deals.map((d) => d.id) } }, select: { dealId: true, tag: { select: { name: true } } } });
    const results = await writeRecords(
      ctx,
      'DEAL',
      deals.map((d) => ({ id: d.id, version: d.version, write: { tags: [...tags.filter((t) => t.dealId === d.id).map((t) => t.tag.name), `auto-${k}`] } })),
    );
    const rows = results.map((r) => {
      if (!r.ok) throw r.error;
      return r.row;
    });
    deals = rows.map((r) => ({ id: r.id, version: r.version }));
    await db.$transaction((tx) =>
      events.emit(
        tx,
        ctx,
        'notification',
        rows.map((r) => ({
          workspaceId: ctx.viewer.workspaceId,
          userId: owner.id,
          kind: 'AUTOMATION' as const,
          text: `Amount of ${String(r.name)} changed`,
          occurredAt: new Date().toISOString(),
        })),
      ),
    );
  }
});
for (const k of [1, 2, 3]) {
  await createAutomation(ctx, {
    name: `Auto ${k}`,
    trigger: { type: 'FIELD_CHANGED', cardKind: 'DEAL', field: 'amount' },
    actions: [{ addTag: { tag: `auto-${k}` } }, { notify: { text: 'Amount of [name] changed' } }],
  });
}
for (const a of apps) await a.start();

/** Outbox events not yet published (realtime, the worker's kicks): how far the dispatcher is behind. */
async function unpublished() {
  const [{ n }] = await db.$queryRaw<{ n: number }[]>`select coalesce(sum("events"), 0)::int as n from "OutboxEvent" where "publishedAt" is null`;
  return n;
}

async function drained() {
  for (;;) {
    // Whether any job is left, not how many: a count of 90,000 jobs every 100 ms took ~45 ms of a
    // PostgreSQL backend each time, beside the workers it waits for.
    const [{ left }] = await db.$queryRawUnsafe<{ left: boolean }[]>(`select exists (select 1 from "AutomationJob" where ${JOBS_NOT_DONE}) as "left"`);
    if (!left) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A live phase: the writers send the deals' changes (one at a time, or `batch` deals a
 * `writeRecords` transaction, paced at `perSecond` changes/s if given) while the workers run;
 * answers the rates and the latency from each change's commit to its last run's commit.
 */
async function live(deals: Deal[], batch: number, perSecond?: number) {
  await checkpoint();
  const liveMark = await mark();
  const committed = new Map<string, number>();
  const startWall = Date.now();
  let writesMs: number;
  if (batch <= 1)
    writesMs = await concurrently(deals, async (d, w) => {
      await change(d.id, d.version, { fields: { amount: '2' } });
      committed.set(d.id, Date.now());
      kick(w);
    });
  else {
    const groups = Array.from({ length: Math.ceil(deals.length / batch) }, (_, i) => ({ i, deals: deals.slice(i * batch, (i + 1) * batch) }));
    writesMs = await concurrently(groups, async (g, w) => {
      // Paced: a group is sent when the rate reaches its first change.
      if (perSecond) {
        const due = startWall + ((g.i * batch) / perSecond) * 1000;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      }
      const results = await writeRecords(
        ctx,
        'DEAL',
        g.deals.map((d) => ({ id: d.id, version: d.version, write: { fields: { amount: '2' } } })),
      );
      const t = Date.now();
      kick(w);
      for (const r of results) {
        if (!r.ok) throw r.error;
        committed.set(r.row.id, t);
      }
    });
  }
  await drained();
  const outboxBehind = await unpublished();
  const cost = await spent(liveMark);
  const lastChange = Math.max(...committed.values());
  const runs = await db.automationRun.findMany({
    where: { workspaceId: session.workspaceId, cardId: { in: deals.map((d) => d.id) } },
    select: { cardId: true, jobId: true, startedAt: true, finishedAt: true, status: true, actions: true },
  });
  // A card's runs must start in event order (job id order): count those that started before an earlier job's run.
  const cardRuns = new Map<string, typeof runs>();
  for (const r of runs) cardRuns.set(r.cardId, [...(cardRuns.get(r.cardId) ?? []), r]);
  const byCard = [...cardRuns.values()];
  const outOfOrder = byCard.reduce((n, list) => {
    list.sort((a, b) => (a.jobId < b.jobId ? -1 : 1));
    return n + list.filter((r, i) => i > 0 && r.startedAt < list[i - 1].startedAt).length;
  }, 0);
  const lastRun = Math.max(...runs.map((r) => r.finishedAt.getTime()));
  const actions = runs.reduce((s, r) => s + (r.actions as unknown[]).length, 0);
  const failed = runs.filter((r) => r.status !== 'SUCCEEDED').length;
  const lastPerCard = new Map<string, number>();
  for (const r of runs) lastPerCard.set(r.cardId, Math.max(lastPerCard.get(r.cardId) ?? 0, r.finishedAt.getTime()));
  const lat = [...lastPerCard].map(([id, t]) => t - committed.get(id)!).sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  return {
    cost,
    runs: runs.length,
    actions,
    failed,
    writesPerS: deals.length / (writesMs / 1000),
    actionsPerS: actions / ((lastRun - startWall) / 1000),
    p50: q(0.5),
    p99: q(0.99),
    tail: lastRun - lastChange,
    outOfOrder,
    outboxBehind,
  };
}

// The baselines' events (their writes' record.updated, timeline notices, notifications: ~270,000
// at 10,000 changes) waited in the outbox while no instance dispatched. Drained first, so the live
// phases measure the automations' own work from a steady state, not a burst left by a baseline.
const outboxBacklog = await unpublished();
const outboxDrainStart = Date.now();
while ((await unpublished()) > 0) {
  if (Date.now() - outboxDrainStart > 600_000) throw new Error(`the outbox did not drain in 10 minutes (${await unpublished()} events left)`);
  await new Promise((r) => setTimeout(r, 200));
}
const outboxDrainMs = Date.now() - outboxDrainStart;

// Untimed: the instances' first runs (JIT, each query shape's first plan) are not the phases'.
if (warm.length) await live(warm, 1);
const one = await live(auto, 1);
const autoCost = one.cost;
const many = liveBatch > 1 ? await live(liveBatched, liveBatch, rate) : undefined;

const directActionsPerS = (6 * changes) / (directMs / 1000);
const batchedActionsPerS = (6 * changes) / (batchedMs / 1000);

// Backlog: the changes queued with the workers stopped, then the workers alone.
for (const a of apps) await a.stopWorker();
await changeInChunks(backlog);
await checkpoint();
if (values.profile) for (const a of apps) a.profile(true);
const backlogMark = await mark();
const backlogStart = Date.now();
for (const a of apps) a.startWorker();
await drained();
const backlogOutboxBehind = await unpublished();
const backlogCost = await spent(backlogMark);
for (const a of apps) a.profile(false);
const backlogRuns = await db.automationRun.findMany({
  where: { workspaceId: session.workspaceId, cardId: { in: backlog.map((d) => d.id) } },
  select: { finishedAt: true, status: true, actions: true },
});
const backlogActions = backlogRuns.reduce((s, r) => s + (r.actions as unknown[]).length, 0);
const backlogFailed = backlogRuns.filter((r) => r.status !== 'SUCCEEDED').length;
const backlogSeconds = (Math.max(...backlogRuns.map((r) => r.finishedAt.getTime())) - backlogStart) / 1000;
const backlogActionsPerS = backlogActions / backlogSeconds;

const row = (k: string, v: string) => console.log(`${k.padEnd(60)} ${v}`);
row('changes / writers / instances / chunk / jobs claimed at once', `${changes} / ${writers} / ${instances} / ${chunk} / ${config.automations.batch}`);
if (url) {
  const [{ autovacuum }] = await db.$queryRaw<{ autovacuum: string }[]>`select current_setting('autovacuum') as autovacuum`;
  row('PostgreSQL: autovacuum / ANALYZE before each phase (--analyze)', `${autovacuum} / ${values.analyze ? 'yes' : 'no'}`);
}
row('bare: changes/s, no automation (baseline 1)', `${(bareN / (bareMs / 1000)).toFixed(0)}${skipBaselines ? ` (${bareN} changes only)` : ''}`);
const skipped = (v: string) => (skipBaselines ? 'skipped' : v);
row('direct: the same 6 action writes per change, actions/s (baseline 2)', skipped(directActionsPerS.toFixed(0)));
row('direct, batched through writeRecords: actions/s (baseline 3)', skipped(batchedActionsPerS.toFixed(0)));
row(
  "outbox: the baselines' events, drained before the live phases (events/s)",
  `${outboxBacklog} in ${(outboxDrainMs / 1000).toFixed(1)} s${outboxBacklog ? ` (${(outboxBacklog / (outboxDrainMs / 1000)).toFixed(0)}/s)` : ''}`,
);
for (const [name, r] of [
  ['live', one],
  [`live, ${liveBatch} deals a write${rate ? `, paced at ${rate}/s` : ''}`, many],
] as const) {
  if (!r) continue;
  row(`${name}: changes/s while the workers run (offered actions/s)`, `${r.writesPerS.toFixed(0)} (${(6 * r.writesPerS).toFixed(0)})`);
  row(`${name}: runs / actions / failed runs`, `${r.runs} / ${r.actions} / ${r.failed}`);
  row(`${name}: runs started before an earlier run of their card`, String(r.outOfOrder));
  row(`${name}: outbox events unpublished when the last run committed`, String(r.outboxBehind));
  row(`${name}: actions/s (first change → last run commit)`, r.actionsPerS.toFixed(0));
  if (!skipBaselines) row(`${name}: actions/s ÷ direct actions/s`, (r.actionsPerS / directActionsPerS).toFixed(2));
  row(`${name}: commit → last action of the change, p50 / p99 (ms)`, `${r.p50} / ${r.p99}`);
  row(`${name}: last change → last action (ms)`, String(r.tail));
  row(`${name}: event loop busy, writers${url ? ' / each instance' : ''} (%)`, r.cost.busy.map((b) => (100 * b).toFixed(0)).join(' / '));
  if (url) row(`${name}: PostgreSQL checkpoints during the phase, WAL written`, `${r.cost.checkpoints}, ${r.cost.walMb.toFixed(0)} MB`);
}
row('backlog: runs / actions / failed runs', `${backlogRuns.length} / ${backlogActions} / ${backlogFailed}`);
row('backlog: actions/s (workers start → last run commit)', backlogActionsPerS.toFixed(0));
row('backlog: outbox events unpublished when the last run committed', String(backlogOutboxBehind));
row(`backlog: event loop busy, writers${url ? ' / each instance' : ''} (%)`, backlogCost.busy.map((b) => (100 * b).toFixed(0)).join(' / '));
if (url) row('backlog: PostgreSQL checkpoints during the phase, WAL written', `${backlogCost.checkpoints}, ${backlogCost.walMb.toFixed(0)} MB`);
row(
  'backlog: actions/s ÷ direct batched / ÷ direct',
  skipped(`${(backlogActionsPerS / batchedActionsPerS).toFixed(2)} / ${(backlogActionsPerS / directActionsPerS).toFixed(2)}`),
);
row('writes retried after a 5 s transaction time-out (load)', String(retries));
// Where an action's time goes: round trips and Node CPU, the change's own share taken off.
const per = (cost: { statements: number; cpuMs: number }, n: number) =>
  `${((cost.statements - (bareCost.statements / bareN) * changes) / n).toFixed(1)} statements, ${((cost.cpuMs - (bareCost.cpuMs / bareN) * changes) / n).toFixed(1)} ms CPU`;
row('bare change: SQL statements, Node CPU ms', `${(bareCost.statements / bareN).toFixed(1)}, ${(bareCost.cpuMs / bareN).toFixed(1)}`);
row('direct: per action (change taken off)', skipped(per(directCost, 6 * changes)));
row('live: per action (change taken off; claims, runs, logs incl.)', per(autoCost, one.actions));
row(
  'backlog: per action (the workers alone)',
  `${(backlogCost.statements / backlogActions).toFixed(1)} statements, ${(backlogCost.cpuMs / backlogActions).toFixed(1)} ms CPU`,
);
if (values.profile) {
  console.log('\nbacklog phase, statements per action by kind:');
  for (const [k, c] of backlogCost.shapes.flat()) shapes.set(k, (shapes.get(k) ?? 0) + c);
  for (const [k, c] of [...shapes].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${(c / backlogActions).toFixed(2).padStart(7)}  ${k}`);
}

for (const a of apps) await a.close();
await local.close();
await scratch?.drop();
