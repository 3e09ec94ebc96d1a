// Job-runner benchmark: the same trivial job load through (a) the project's own mechanism — a
// job table written in the producer's statement, claimed by src/lib/worker.ts sources with
// `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING` and a lease, each job's
// work saved with its done mark in one transaction, exactly as automations.runner.ts does —
// (b) graphile-worker and (c) pg-boss, on one PostgreSQL scratch database, each with two
// runner instances (two connection pools) in this process, 8 jobs at a time per instance.
//
// The load: `--producers` concurrent producers enqueue `--jobs` jobs one statement each, through
// Prisma as a change's transaction would (a: INSERT into the job table; b: `select
// graphile_worker.add_job(…)`; c: pg-boss `send` on a `db` adapter over Prisma), while the
// runners work; each job runs one UPDATE of its own row. Printed: jobs/s from the first enqueue to
// the last job done (and the producers' own rate: enqueue cost bounds a runner that keeps up),
// p50 / p99 enqueue → done, and each against the own runner as a ratio.
// Afterwards a probe of the embedded database: each library pointed at an in-process PGlite.
//
//   npm run bench:job-runner -- [--jobs 10000] [--producers 8] --pg postgresql://…
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { run, Logger, type Runner } from 'graphile-worker';
import PgBoss from 'pg-boss';
import { scratchDatabase } from './kit.js';
import { openDatabase, type Database } from '../src/db.js';
import { Worker } from '../src/lib/worker.js';
import { createLogger } from '../src/lib/logger.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '10000' },
    producers: { type: 'string', default: '8' },
    pg: { type: 'string', default: 'postgresql://postgres@127.0.0.1:5432/postgres' },
  },
});
const jobs = Number(values.jobs);
const producers = Number(values.producers);
const INSTANCES = 2;
/** Jobs run at once per instance, in every system. */
const LANES = 8;
/** Rows claimed per statement (the own runner's BATCH; pg-boss's batchSize). */
const BATCH = 50;

const scratch = await scratchDatabase(values.pg, 'crm_bench_jobs');
const dbs: Database[] = [];
for (let i = 0; i < INSTANCES; i++) dbs.push(await openDatabase({ kind: 'postgres', url: scratch.url, poolSize: 10 }));
const [db] = dbs;
await db.prisma.$executeRawUnsafe(`create table bench_item (id int primary key, n int not null default 0, done_at timestamptz)`);
await db.prisma.$executeRawUnsafe(`create table bench_job (
  id bigserial primary key, payload jsonb not null, run_at timestamptz not null default now(),
  locked_until timestamptz, attempts int not null default 0, done_at timestamptz)`);
await db.prisma.$executeRawUnsafe(`create index on bench_job (done_at, run_at)`);

type Result = { name: string; seconds: number; enqueueSeconds: number; p50: number; p99: number };
type Payload = { i: number; t: number };

/** Runs one system: `enqueue` per job by the producers, `done(i)` told by its handler; answers the figures. */
async function measure(name: string, start: () => Promise<void>, enqueue: (p: Payload, producer: number) => Promise<void>, stop: () => Promise<void>) {
  await db.prisma.$executeRawUnsafe(`truncate bench_item`);
  await db.prisma.$executeRawUnsafe(`insert into bench_item (id) select generate_series(0, ${jobs - 1})`);
  latency.length = 0;
  doneCount = 0;
  await start();
  const t0 = Date.now();
  let next = 0;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  await Promise.all(
    Array.from({ length: producers }, async (_, k) => {
      while (next < jobs) await enqueue({ i: next++, t: Date.now() }, k);
    }),
  );
  const enqueueSeconds = (Date.now() - t0) / 1000;
  await finished;
  const seconds = (Date.now() - t0) / 1000;
  await stop();
  const [{ n }] = await db.prisma.$queryRawUnsafe<{ n: number }[]>(`select count(*)::int as n from bench_item where n = 1`);
  const [{ twice }] = await db.prisma.$queryRawUnsafe<{ twice: number }[]>(`select count(*)::int as twice from bench_item where n > 1`);
  if (n !== jobs || twice) throw new Error(`${name}: ${n} of ${jobs} rows updated once, ${twice} more than once`);
  const sorted = [...latency].sort((a, b) => a - b);
  const r: Result = { name, seconds, enqueueSeconds, p50: sorted[Math.floor(0.5 * sorted.length)], p99: sorted[Math.floor(0.99 * sorted.length)] };
  console.log(`${name}: ${(jobs / seconds).toFixed(0)} jobs/s, p50 ${r.p50} ms, p99 ${r.p99} ms`);
  return r;
}
const latency: number[] = [];
let doneCount = 0;
let allDone: () => void = () => {};
function done(p: Payload) {
  latency.push(Date.now() - p.t);
  if (++doneCount === jobs) allDone();
}
/** The job itself: one UPDATE of its row, on the instance's client. */
const work = (d: Database, p: Payload) => d.prisma.$executeRaw`update bench_item set n = n + 1, done_at = clock_timestamp() where id = ${p.i}`;

const results: Result[] = [];

// (a) The project's own: a job table, SKIP LOCKED claims with a lease, the Worker's kick and poll.
// `perJob`: each job's work and its done mark in one transaction (what the automation runner does,
// so an action is never repeated); otherwise the batch's done marks in one statement after the
// work (at least once, as graphile-worker and pg-boss complete a job after its handler).
async function ownRunner(name: string, perJob: boolean) {
  const workers = dbs.map(
    (d) =>
      new Worker(
        () => [
          async () => {
            const rows = await d.prisma.$queryRaw<{ id: bigint; payload: Payload }[]>`
              update bench_job set locked_until = now() + interval '120 seconds', attempts = attempts + 1
              where id in (select id from bench_job where done_at is null and run_at <= now() and (locked_until is null or locked_until < now())
                           order by id limit ${BATCH} for update skip locked)
              returning id, payload`;
            let k = 0;
            await Promise.all(
              Array.from({ length: Math.min(LANES, rows.length) }, async () => {
                while (k < rows.length) {
                  const row = rows[k++];
                  if (perJob)
                    await d.prisma.$transaction(async (tx) => {
                      await tx.$executeRaw`update bench_item set n = n + 1, done_at = clock_timestamp() where id = ${row.payload.i}`;
                      await tx.$executeRaw`update bench_job set done_at = now(), locked_until = null where id = ${row.id}`;
                    });
                  else await work(d, row.payload);
                  if (perJob) done(row.payload);
                }
              }),
            );
            if (!perJob && rows.length) {
              await d.prisma.$executeRaw`update bench_job set done_at = now(), locked_until = null where id = any(${rows.map((r) => r.id)}::bigint[])`;
              for (const r of rows) done(r.payload);
            }
            return rows.length;
          },
        ],
        createLogger('silent'),
      ),
  );
  return measure(
    name,
    async () => workers.forEach((w) => w.start()),
    async (p, k) => {
      await dbs[k % INSTANCES].prisma.$executeRaw`insert into bench_job (payload) values (${JSON.stringify(p)}::jsonb)`;
      // What the after-commit consumer does once the outbox has the change: wake this instance's worker.
      workers[k % INSTANCES].kick();
    },
    async () => {
      for (const w of workers) await w.stop();
    },
  );
}
results.push(await ownRunner('own: work + done mark per job, 1 tx', true));
results.push(await ownRunner('own: done marks per batch', false));

// (b) graphile-worker: its own pools (LISTEN/NOTIFY wakes the runners), one job fetched per slot.
{
  const silent = new Logger(() => () => {});
  let runners: Runner[] = [];
  results.push(
    await measure(
      'graphile-worker 0.17.3',
      async () => {
        runners = [];
        for (let i = 0; i < INSTANCES; i++) {
          const d = dbs[i];
          runners.push(
            await run({
              connectionString: scratch.url,
              concurrency: LANES,
              noHandleSignals: true,
              logger: silent,
              taskList: {
                bench: async (payload) => {
                  await work(d, payload as Payload);
                  done(payload as Payload);
                },
              },
            }),
          );
        }
      },
      async (p, k) => {
        await dbs[k % INSTANCES].prisma.$executeRaw`select graphile_worker.add_job('bench', ${JSON.stringify(p)}::json)`;
      },
      async () => {
        for (const r of runners) await r.stop();
      },
    ),
  );
}

// (c) pg-boss: its own pools, polling (no NOTIFY in v10); per instance 8 work loops of batches of 50.
{
  let bosses: PgBoss[] = [];
  const viaPrisma = (d: Database) => ({
    executeSql: async (text: string, vals: unknown[]) => ({ rows: await d.prisma.$queryRawUnsafe<unknown[]>(text, ...vals) }),
  });
  results.push(
    await measure(
      'pg-boss 10.4.2',
      async () => {
        bosses = [];
        for (let i = 0; i < INSTANCES; i++) {
          const d = dbs[i];
          const boss = new PgBoss({ connectionString: scratch.url, max: 10, supervise: i === 0, schedule: false });
          boss.on('error', (err) => console.error('pg-boss:', err));
          await boss.start();
          await boss.createQueue('bench');
          for (let l = 0; l < LANES; l++)
            await boss.work<Payload>('bench', { batchSize: BATCH, pollingIntervalSeconds: 0.5 }, async (batch) => {
              for (const job of batch) {
                await work(d, job.data);
                done(job.data);
              }
            });
          bosses.push(boss);
        }
      },
      async (p, k) => {
        await bosses[k % INSTANCES].send('bench', p, { db: viaPrisma(dbs[k % INSTANCES]) });
      },
      async () => {
        for (const b of bosses) await b.stop({ graceful: true, wait: true });
      },
    ),
  );
}

const own = results[0];
const row = (k: string, v: string) => console.log(`${k.padEnd(44)} ${v}`);
console.log(`\n${jobs} jobs, ${producers} producers, ${INSTANCES} instances × ${LANES} at a time, PostgreSQL`);
row('runner', 'jobs/s (÷ own) | enqueued/s | enqueue → done p50 / p99 ms');
for (const r of results)
  row(r.name, `${(jobs / r.seconds).toFixed(0)} (${(own.seconds / r.seconds).toFixed(2)}) | ${(jobs / r.enqueueSeconds).toFixed(0)} | ${r.p50} / ${r.p99}`);

for (const d of dbs) await d.close();
await scratch.drop();

// The embedded database: what happens when each library is pointed at an in-process PGlite.
console.log('\nOn PGlite (in process, one connection):');
{
  const lite = new PGlite();
  const boss = new PgBoss({
    db: {
      executeSql: async (text: string, vals: unknown[]) => (vals?.length ? lite.query(text, vals) : ((await lite.exec(text)).at(-1) ?? { rows: [] })),
    },
    supervise: false,
    schedule: false,
  });
  try {
    await boss.start();
    await boss.createQueue('probe');
    let got = 0;
    const ran = new Promise<void>((resolve) =>
      boss.work('probe', { pollingIntervalSeconds: 0.5, batchSize: 50 }, async (batch) => {
        if ((got += batch.length) === 100) resolve();
      }),
    );
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) await boss.send('probe', { i });
    await Promise.race([ran, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${got} of 100 jobs ran in 30 s`)), 30_000))]);
    row('pg-boss over a `db` adapter', `runs: 100 jobs in ${(performance.now() - t0).toFixed(0)} ms`);
    await boss.stop({ graceful: true, wait: true });
  } catch (err) {
    row('pg-boss over a `db` adapter', `fails: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  await lite.close();
}
{
  const lite = new PGlite();
  try {
    // graphile-worker takes a connection string or a pg.Pool (it checks out clients and holds
    // one for LISTEN); the nearest thing PGlite offers in process is the instance itself.
    const runner = await run({
      pgPool: lite as never,
      concurrency: 1,
      noHandleSignals: true,
      logger: new Logger(() => () => {}),
      taskList: { probe: async () => {} },
    });
    await runner.stop();
    row('graphile-worker with the instance as pgPool', 'runs');
  } catch (err) {
    row('graphile-worker with the instance as pgPool', `fails: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  await lite.close().catch(() => {});
}
process.exit(0);
