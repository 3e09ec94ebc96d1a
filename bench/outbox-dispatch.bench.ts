// The outbox dispatcher alone on PostgreSQL: one outbox row committed (autocommit INSERT), the
// dispatcher kicked as a write does, timed until its consumer is handed the event; a second
// dispatcher (the other instance) polls every 100 ms meanwhile, so some drains find the lock
// held. Rounds alternate between the Prisma transaction (PGlite's path) and the raw connection
// (PostgreSQL's path since the dispatcher sends its lock and claim in one round trip). A round
// not handed over within 5 s counts as a miss. With MAIN_OUTBOX=<another checkout>/src/lib/outbox.ts
// a third and a fourth mode run that file's dispatcher on each path (e.g. the code before a change
// to the claim).
//
//   npx tsx bench/outbox-dispatch.bench.ts [postgresql://postgres@127.0.0.1:5432/postgres] [rounds=200]
import { loadavg } from 'node:os';
import pg from 'pg';
import { openDatabase } from '../src/db.js';
import { OutboxDispatcher } from '../src/lib/outbox.js';
import { createLogger } from '../src/lib/logger.js';

const url = process.argv[2] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const ROUNDS = Number(process.argv[3] ?? 200);
const name = `crm_outbox_dispatch_${Date.now()}`;
const admin = new pg.Client(url);
await admin.connect();
await admin.query(`create database ${name}`);
const dbUrl = url.replace(/\/[^/]*$/, `/${name}`);
const database = await openDatabase({ kind: 'postgres', url: dbUrl });
await database.migrate();
// The rows need no workspace here.
await database.prisma.$executeRawUnsafe(`alter table "OutboxEvent" drop constraint if exists "OutboxEvent_workspaceId_fkey"`);
const writer = new pg.Client(dbUrl);
await writer.connect();
const log = createLogger('error');
const waiting = new Map<number, () => void>();
const delivery = { deliver: (_t: string, p: unknown) => waiting.get((p as { seq: number }).seq)?.(), flush: async () => {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Dispatcher = { start(): void; kick(): void; stop(): Promise<void> };
type Make = new (...a: ConstructorParameters<typeof OutboxDispatcher>) => Dispatcher;
const other = process.env.MAIN_OUTBOX ? ((await import(process.env.MAIN_OUTBOX)) as { OutboxDispatcher: Make }).OutboxDispatcher : null;
const modes = other ? (['prisma', 'raw', 'main', 'main raw'] as const) : (['prisma', 'raw'] as const);
type Mode = (typeof modes)[number];
const times: Record<Mode, number[]> = { prisma: [], raw: [], main: [], 'main raw': [] };
const misses: Record<Mode, number> = { prisma: 0, raw: 0, main: 0, 'main raw': 0 };
const load = [loadavg()[0]];
for (let i = 0; i < ROUNDS; i++) {
  const mode = modes[i % modes.length];
  const connect = mode === 'raw' || mode === 'main raw' ? database.connect : undefined;
  const Kind: Make = mode === 'main' || mode === 'main raw' ? other! : OutboxDispatcher;
  const a = new Kind(database.prisma, delivery, log, 60_000, 200, connect);
  const peer = new Kind(database.prisma, delivery, log, 100, 200, connect);
  a.start();
  peer.start();
  await sleep(20 + Math.random() * 100);
  const handed = new Promise<boolean>((resolve) => {
    waiting.set(i, () => resolve(true));
    setTimeout(() => resolve(false), 5000);
  });
  await writer.query(`insert into "OutboxEvent" ("workspaceId", topic, payload) values (gen_random_uuid(), 'bench', $1)`, [JSON.stringify({ seq: i })]);
  const t0 = performance.now();
  a.kick();
  if (await handed) times[mode].push(performance.now() - t0);
  else misses[mode]++;
  waiting.delete(i);
  await Promise.all([a.stop(), peer.stop()]);
}
load.push(loadavg()[0]);
const at = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.max(0, Math.ceil(p * xs.length) - 1)];
console.log(`outbox hand-over after commit, ${ROUNDS} rounds alternated, load ${load.map((l) => l.toFixed(1)).join(' → ')}`);
console.log('| dispatcher | p50 ms | p95 ms | p99 ms | misses (> 5 s) |');
console.log('| --- | --- | --- | --- | --- |');
for (const m of modes)
  console.log(`| ${m} | ${at(times[m], 0.5).toFixed(2)} | ${at(times[m], 0.95).toFixed(2)} | ${at(times[m], 0.99).toFixed(2)} | ${misses[m]} |`);
await writer.end();
await database.close();
await admin.query(`drop database ${name} with (force)`);
await admin.end();
