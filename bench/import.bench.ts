// Import benchmark: contacts with 10 custom fields imported from CSV and from XLSX through the
// real import (streaming read, header matching, coercion, the kernel's checks and values,
// duplicate matching by e-mail, phone and name, batched writes with timeline entries, events and
// progress), against, in the same run on the same database:
//
//   COPY        the rows exactly as the import stored them, copied back in with PostgreSQL COPY
//               (pg-copy-streams): the floor, no parsing, no checks, no events
//   createMany  rows as the import stored them through Prisma createMany, 1,000 per statement, as
//               ordinary code calls it: null-default columns left out when null, one untimed
//               warm-up call; half timed before the imports, half after
//
// Then the peak RSS of an import of 10k, 100k and 300k rows from each format, each through
// `npm run import` in a process of its own, as an operator runs it (`xlsx-shared`: an XLSX whose
// text is in its shared strings, as Excel writes it; `xlsx` has it inline in each cell).
//
//   npm run bench:import -- [--rows 100000] [--rss 10000,100000,300000] [--rss-formats csv,xlsx[,xlsx-shared]]
//                           [--batch 1000] [--pg postgresql://…] [--keep] [--skip-dry] [--many-rows N]
//                           [--rounds 4] [--cold-reader] [--order alternate|csv|xlsx]
//                           [--server-rss 100000] [--server-rss-formats csv,xlsx] [--server-warm]
//
// On a scratch database created on --pg (default postgresql://postgres@127.0.0.1:5432/postgres)
// and dropped at the end. The outbox's after-commit delivery (realtime, worker wake-ups) is not
// started: the import writes its events and timeline entries (timed), their delivery is not.
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, openAsBlob, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { scratchDatabase, benchWorkspace, median, procKb, cpuMsOf, statCpuMs } from './kit.js';
import { FIELDS, writeCsv, writeXlsx } from './contacts-file.js';
import { envWords, nodeArgsOf, nodeEnvOf } from '../scripts/node-args.js';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db.js';
import { createLogger } from '../src/lib/logger.js';
import { viewerOfUser } from '../src/modules/auth/auth.service.js';
import { createField } from '../src/modules/custom-fields/definitions.service.js';
import { ANALYZE_TARGET, createImport, runImport, type ImportOptions } from '../src/modules/imports/imports.service.js';
import { endKeptReader } from '../src/modules/imports/read-apart.js';
import type { ServiceCtx } from '../src/context.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    rss: { type: 'string', default: '10000,100000,300000' },
    'rss-formats': { type: 'string', default: 'csv,xlsx' },
    batch: { type: 'string', default: '1000' },
    pg: { type: 'string', default: 'postgresql://postgres@127.0.0.1:5432/postgres' },
    keep: { type: 'boolean', default: false },
    // Leaves out the dry run (at 100,000 rows it alone takes ~10 minutes).
    'skip-dry': { type: 'boolean', default: false },
    // createMany of only the first N stored rows (its rate per row is what is compared; at
    // ~100 rows/s on a loaded machine, all 100,000 rows would take a quarter of an hour).
    'many-rows': { type: 'string' },
    // Rounds of the whole measure (imports, COPY, createMany), each on a scratch database of its
    // own: the machine's speed drifts by a fifth from one minute to the next, and one round's
    // ratios move with it; the summary gives each round's and their median (a measured round's:
    // the lower middle one for an even count).
    rounds: { type: 'string', default: '4' },
    // The XLSX import with a reader thread of its own, started for it, as a server's first XLSX
    // import in over a minute has: the reader thread the warm-up's XLSX import left, kept for the
    // next file (modules/imports/read-apart.ts), is ended first.
    'cold-reader': { type: 'boolean', default: false },
    // Which format is imported first in a round, into the smaller table: the second goes into one
    // 100,000 rows larger, whose indexes cost each row more (~10 % of its time on 2026-12-07). By
    // default the first alternates, the CSV first in odd rounds, so that over an even number of
    // rounds each format is measured as often in each place; `csv` or `xlsx` fixes it.
    order: { type: 'string', default: 'alternate' },
    // Row counts to import through the running server (`npm start`, startImport over HTTP, the
    // outbox delivered), printing the server's RSS idle and at its peak; none by default.
    'server-rss': { type: 'string', default: '' },
    'server-rss-formats': { type: 'string', default: 'csv,xlsx' },
    // Before the measured import through the server, one untimed import of the warm-up file
    // (5,000 rows of the same format), as the in-process rounds have: a server that has imported before.
    'server-warm': { type: 'boolean', default: false },
  },
});
const ROWS = Number(values.rows);
const BATCH = Number(values.batch);
const ROUNDS = Math.max(1, Number(values.rounds));
if (!['alternate', 'csv', 'xlsx'].includes(values.order!)) throw new Error(`--order: alternate, csv or xlsx, not ${values.order}`);

// One import, as the server runs it

async function openApp(url: string) {
  // No outbox dispatch: the import's events are written (and timed), not delivered; without this,
  // stop() drained them all (two per card: minutes after a 100,000-row import).
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', SEED_DEMO: 'false', DATABASE_URL: url, OUTBOX_DISPATCH: 'false' });
  const database = await openDatabase({ kind: 'postgres', url });
  return buildApp(config, { database, logger: createLogger('silent') });
}

/** A fresh workspace with the file's custom fields: its administrator's context (and `token`, a session of theirs). */
async function workspaceWithFields(app: App): Promise<ServiceCtx & { token: string }> {
  const session = await benchWorkspace(app.deps);
  const owner = await app.deps.db.user.findFirstOrThrow({ where: { workspaceId: session.workspaceId } });
  const ctx: ServiceCtx = { db: app.deps.db, deps: app.deps, viewer: (await viewerOfUser(app.deps.db, owner.id))! };
  for (const f of FIELDS) await createField(ctx, { entityType: 'CONTACT', name: f.name, type: f.type, options: 'options' in f ? [...f.options] : undefined });
  // A fresh context: definitions are read once per context.
  return { ...ctx, token: session.token };
}

/** ANALYZEs of the card table so far (the import runs its own: imports.service.ts, `analyze`). */
async function analyzeCount(app: App) {
  const [{ n }] = await app.deps.db.$queryRawUnsafe<{ n: number }[]>(`select analyze_count::int as n from pg_stat_user_tables where relname = 'Contact'`);
  return n;
}
const analyzes = new Map<string, number>();

async function importFile(app: App, ctx: ServiceCtx, path: string, options: Partial<ImportOptions> = {}, rows = ROWS) {
  const size = (await stat(path)).size;
  const analyzed = await analyzeCount(app);
  const cpu0 = process.cpuUsage();
  const threads0 = threadCpu();
  const pg0 = postgresCpu();
  const t0 = performance.now();
  const imp = await createImport(ctx, { name: path.split('/').pop()!, size, stream: createReadStream(path) }, 'CONTACT', { batchSize: BATCH, ...options });
  await runImport(app.deps, imp.id);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const key = path + (options.dryRun ? ':dry' : '');
  cpuMs.set(key, (cpu.user + cpu.system) / 1000);
  const threads = threadCpu();
  const byGroup = { main: 0, early: 0, later: 0 };
  for (const [tid, ms] of threads) byGroup[tid === String(process.pid) ? 'main' : earlyThreads.has(tid) ? 'early' : 'later'] += ms - (threads0.get(tid) ?? 0);
  threadMs.set(key, byGroup);
  if (pg0 !== undefined) pgMs.set(key, postgresCpu()! - pg0);
  // PostgreSQL's statistics reach other sessions within a second; the import's last ANALYZE ran well before its end.
  analyzes.set(key, (await analyzeCount(app)) - analyzed);
  const done = await app.deps.db.import.findUniqueOrThrow({ where: { id: imp.id } });
  if (done.status !== 'DONE' || done.created !== rows || done.failed) {
    // What went wrong, before the scratch database is dropped.
    for (const i of await app.deps.db.importIssue.findMany({ where: { importId: imp.id }, take: 10, orderBy: { row: 'asc' } })) {
      console.error(`  row ${i.row} [${i.column}] ${JSON.stringify(i.value)}: ${JSON.stringify(i.message)}`);
    }
    throw new Error(`import of ${path}: ${done.status}, created ${done.created}, failed ${done.failed}, skipped ${done.skipped}: ${done.error ?? ''}`);
  }
  return ms;
}
/** This process's CPU time (user + system, all its threads) per import: less moved by other load than the wall time. */
const cpuMs = new Map<string, number>();

/** CPU time (ms) of each of this process's threads so far, by thread id (Linux's /proc; none elsewhere). */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    const ms = cpuMsOf(`/proc/self/task/${tid}/stat`);
    if (ms !== undefined) out.set(tid, ms);
  }
  return out;
}
/**
 * CPU time (ms) of the machine's PostgreSQL processes so far (their backends, autovacuum, the WAL
 * writer: everything named `postgres`), when this user may read them from /proc; else undefined.
 * Only meaningful when the bench's database server is on this machine and nothing else uses it.
 */
function postgresCpu(): number | undefined {
  let total = 0;
  let seen = 0;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        if (!stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).startsWith('postgres')) continue;
        total += statCpuMs(stat);
        seen++;
      } catch {
        // The process ended meanwhile.
      }
    }
  } catch {
    return undefined;
  }
  return seen ? total : undefined;
}
/** Sends `path` to the server at `url` through startImport and polls its progress until it is DONE with `n` cards created. */
async function importThrough(url: string, token: string, path: string, n: number) {
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({
      query: 'mutation ($file: Upload!) { startImport(file: $file, entityType: CONTACT) { __typename ... on StartImportSuccess { import { id } } } }',
      variables: { file: null },
    }),
  );
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new File([await openAsBlob(path)], path.split('/').pop()!));
  const headers = { authorization: `Bearer ${token}` };
  const started = (await (await fetch(url, { method: 'POST', headers, body: form })).json()) as { data?: { startImport: { import?: { id: string } } } };
  const id = started.data?.startImport.import?.id;
  if (!id) throw new Error(`startImport: ${JSON.stringify(started)}`);
  let status = '';
  while (!/DONE|FAILED|CANCELLED/.test(status)) {
    await new Promise((r) => setTimeout(r, 250));
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query ($id: ID!) { importProgress(id: $id) { status created } }', variables: { id } }),
    });
    const p = ((await res.json()) as { data: { importProgress: { status: string; created: number } } }).data.importProgress;
    status = p.status;
    if (status !== 'RUNNING' && status !== 'PENDING' && (status !== 'DONE' || p.created !== n))
      throw new Error(`import through the server: ${JSON.stringify(p)}`);
  }
}

/** PostgreSQL's CPU per import (ms), when it could be read. */
const pgMs = new Map<string, number>();

/**
 * The threads of the process before any import (after an asynchronous file operation has
 * started libuv's pool): V8's helpers (parallel scavenges, concurrent marking, optimizing
 * compilation) and libuv's. A thread started later is an XLSX reader thread (modules/imports/read-apart.ts).
 */
await stat(tmpdir());
const earlyThreads = new Set(threadCpu().keys());
/** Per import, its CPU by thread: the main thread's, the early threads', the later ones'. */
const threadMs = new Map<string, { main: number; early: number; later: number }>();

const dir = await mkdtemp(join(tmpdir(), 'crm-import-bench-'));
const rate = (rows: number, ms: number) => (rows / ms) * 1000;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const csvPath = join(dir, 'contacts.csv');
const xlsxPath = join(dir, 'contacts.xlsx');
const WARM_ROWS = Math.min(ROWS, 5000);
// The XLSX warm-up goes through a reader thread as the measured import does (a file of 1 MB or more).
const WARM_XLSX_ROWS = Math.min(ROWS, 15_000);
const warmCsvPath = join(dir, 'warm.csv');
const warmXlsxPath = join(dir, 'warm.xlsx');

/** One round on a scratch database of its own: the imports, then COPY and createMany of the rows the CSV's import stored. Answers the rates (rows/s). */
async function round(n: number, dry: boolean) {
  const scratch = await scratchDatabase(values.pg!, 'crm_bench_import');
  try {
    return await measureRound(scratch.url, n, dry);
  } finally {
    if (!values.keep) await scratch.drop();
    else console.log(`kept ${scratch.url}`);
  }
}

async function measureRound(url: string, n: number, dry: boolean) {
  cpuMs.clear();
  const app = await openApp(url);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  console.log(`\nround ${n} of ${ROUNDS} (load average ${loadavg()[0].toFixed(2)})`);

  // One untimed import of each format first, into a workspace of its own, as createMany gets
  // its untimed call below: the process's first import otherwise pays V8's compilation of the
  // whole path and its heap's first growth (measured: ~30 ms more CPU per 1,000 rows over the
  // whole run), which a server that has imported once no longer does.
  const warmCsvCtx = await workspaceWithFields(app);
  await importFile(app, warmCsvCtx, warmCsvPath, {}, WARM_ROWS);
  await importFile(app, await workspaceWithFields(app), warmXlsxPath, {}, WARM_XLSX_ROWS);

  // Prisma createMany, 1,000 rows per statement, of rows as the import stored them, as ordinary
  // code would call it: a column left out where the row's value is null and the column's default
  // is null anyway (a contact fills 10 of the ~50 slot columns: 23 values a row instead of 62),
  // and one untimed call first, into a workspace of its own, so Prisma's first, plan-building
  // call of that shape is not timed. Half its rows are timed before the imports (the warm-up
  // CSV's rows) and half after them (the CSV's), so that a machine whose speed drifts over the
  // round's minutes moves the baseline as it moves the imports between them.
  const nullDefault = new Set(
    (
      await pool.query<{ column_name: string }>(
        `select column_name from information_schema.columns where table_name = 'Contact' and is_nullable = 'YES' and column_default is null`,
      )
    ).rows.map((r) => r.column_name),
  );
  const manyWs = await workspaceWithFields(app);
  /** The first `take` rows `from`'s import stored, as createMany's data into the workspace `into`. */
  const manyData = async (from: ServiceCtx, into: string, take: number) =>
    (await app.deps.db.contact.findMany({ where: { workspaceId: from.viewer.workspaceId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take })).map((r) => {
      const rest: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(r)) if (!(v === null && nullDefault.has(k))) rest[k] = v;
      for (const k of ['id', 'createdAt', 'updatedAt', 'lastActivityAt']) delete rest[k];
      return { ...rest, workspaceId: into, customFields: rest.customFields ?? {} };
    });
  /** Milliseconds to createMany `data`, 1,000 rows a call. */
  const createMany = async (data: object[]) => {
    const t0 = performance.now();
    for (let i = 0; i < data.length; i += 1000) await app.deps.db.contact.createMany({ data: data.slice(i, i + 1000) as never });
    return performance.now() - t0;
  };
  const manyRows = Math.min(Number(values['many-rows'] ?? ROWS), ROWS);
  const manyBefore = await manyData(warmCsvCtx, manyWs.viewer.workspaceId, Math.min(Math.floor(manyRows / 2), WARM_ROWS));
  const warmWs = (await workspaceWithFields(app)).viewer.workspaceId;
  await app.deps.db.contact.createMany({ data: manyBefore.slice(0, 1000).map((d) => ({ ...d, workspaceId: warmWs })) as never });
  const manyBeforeMs = await createMany(manyBefore);

  // The import, from each format, into a workspace of its own (a table growing as it would).
  // The second runs into a table 100,000 rows larger, whose indexes cost each row more (`--order`).
  const csvCtx = await workspaceWithFields(app);
  const xlsxCtx = await workspaceWithFields(app);
  const importCsv = () => importFile(app, csvCtx, csvPath);
  const importXlsx = async () => {
    if (values['cold-reader']) await endKeptReader();
    return importFile(app, xlsxCtx, xlsxPath);
  };
  let csvMs: number;
  let xlsxMs: number;
  const xlsxFirst = values.order === 'xlsx' || (values.order === 'alternate' && n % 2 === 0);
  console.log(`(${xlsxFirst ? 'XLSX' : 'CSV'} imported first)`);
  if (xlsxFirst) {
    xlsxMs = await importXlsx();
    csvMs = await importCsv();
  } else {
    csvMs = await importCsv();
    xlsxMs = await importXlsx();
  }
  // A dry run of the CSV again, policy CREATE, into the workspace that now holds its people: every
  // row would be created and is looked up for the existing cards it likely duplicates (each finds
  // its own person by phone, e-mail and name), one batched search per batch.
  // After VACUUM, as autovacuum would soon run after 20,000 inserts: until then the GIN indexes'
  // pending lists are read through by every lookup (measured: 48 rows/s instead of the figure below).
  let dryMs = NaN;
  if (dry) {
    await app.deps.db.$executeRawUnsafe('vacuum analyze "Contact"');
    dryMs = await importFile(app, csvCtx, csvPath, { dryRun: true, policy: 'CREATE' });
  }
  // The same rows as the import stored them, for the baselines (not timed).
  const cols = (
    await pool.query<{ column_name: string }>(
      `select column_name from information_schema.columns where table_name = 'Contact' and column_name not in ('id', 'workspaceId', 'createdAt', 'updatedAt', 'lastActivityAt') order by ordinal_position`,
    )
  ).rows.map((r) => r.column_name);
  const list = cols.map((c) => `"${c}"`).join(', ');
  const copyWs = await workspaceWithFields(app);
  const dump = join(dir, 'contacts.copy');
  {
    const client = await pool.connect();
    await pipeline(
      client.query(copyTo(`copy (select ${list} from "Contact" where "workspaceId" = '${csvCtx.viewer.workspaceId}' order by "createdAt", id) to stdout`)),
      createWriteStream(dump),
    );
    client.release();
  }
  // COPY: the floor. Each row gets its id and workspace from column defaults and a constant.
  const copyMs = await (async () => {
    const client = await pool.connect();
    await client.query(`alter table "Contact" alter column "workspaceId" set default '${copyWs.viewer.workspaceId}'`);
    await client.query(`alter table "Contact" alter column id set default gen_random_uuid()`);
    const t0 = performance.now();
    await pipeline(createReadStream(dump), client.query(copyFrom(`copy "Contact" (${list}) from stdin`)));
    const ms = performance.now() - t0;
    await client.query(`alter table "Contact" alter column "workspaceId" drop default`);
    await client.query(`alter table "Contact" alter column id drop default`);
    client.release();
    return ms;
  })();
  const copied = await app.deps.db.contact.count({ where: { workspaceId: copyWs.viewer.workspaceId } });
  if (copied !== ROWS) throw new Error(`COPY wrote ${copied} rows`);
  // What one of the import's ANALYZEs costs on this table, at PostgreSQL's default statistics
  // target and at the import's (alternated, twice each; the table is not written meanwhile).
  const analyzeMs: Record<string, number[]> = { default: [], import: [] };
  {
    const client = await pool.connect();
    for (const which of ['default', 'import', 'default', 'import']) {
      await client.query('begin');
      if (which === 'import') await client.query(`set local default_statistics_target = ${ANALYZE_TARGET}`);
      const a0 = performance.now();
      await client.query('analyze "Contact"');
      analyzeMs[which].push(performance.now() - a0);
      await client.query('commit');
    }
    client.release();
  }

  // createMany's second half, the CSV's rows as the import stored them (see above).
  const manyAfter = await manyData(csvCtx, manyWs.viewer.workspaceId, manyRows - manyBefore.length);
  const manyAfterMs = await createMany(manyAfter);
  const manyValues = Object.keys(manyAfter[0]!).length;
  // As the time all the rows would take at the rate measured.
  const manyMs = ((manyBeforeMs + manyAfterMs) / manyRows) * ROWS;

  const floor = rate(ROWS, copyMs);
  const many = rate(ROWS, manyMs);
  const line = (label: string, ms: number) => {
    const r = rate(ROWS, ms);
    console.log(
      `${label.padEnd(34)} ${(ms / 1000).toFixed(2).padStart(7)} s ${fmt(r).padStart(9)} rows/s   ${(r / floor).toFixed(3)}× COPY   ${(r / many).toFixed(2)}× createMany`,
    );
  };
  console.log('');
  line('COPY (floor)', copyMs);
  line(manyRows < ROWS ? `createMany (1,000/call; ${fmt(manyRows)} rows)` : 'Prisma createMany (1,000 per call)', manyMs);
  console.log(
    `  (createMany: ${manyValues} values a row, nulls of null-default columns left out; one untimed warm-up call; ${fmt(manyBefore.length)} rows before the imports at ${fmt(rate(manyBefore.length, manyBeforeMs))} rows/s, ${fmt(manyAfter.length)} after at ${fmt(rate(manyAfter.length, manyAfterMs))})`,
  );
  line('import CSV', csvMs);
  line('import XLSX', xlsxMs);
  if (dry) line('dry run CSV, CREATE, all look alike', dryMs);
  const goal = (label: string, ms: number) => {
    const r = rate(ROWS, ms);
    console.log(
      `  ${label}: ${(r / floor).toFixed(3)}× COPY (goal ≥ 0.5: ${r / floor >= 0.5 ? 'met' : `missed, ${((0.5 * floor) / r).toFixed(1)}× short`}); ${(r / many).toFixed(2)}× createMany (goal ≥ 5: ${r / many >= 5 ? 'met' : `missed, ${((5 * many) / r).toFixed(1)}× short`})`,
    );
  };
  console.log(
    `\nCPU time of this process per 1,000 rows (less moved by other load than the rates): import CSV ${((cpuMs.get(csvPath)! / ROWS) * 1000).toFixed(0)} ms, XLSX ${((cpuMs.get(xlsxPath)! / ROWS) * 1000).toFixed(0)} ms`,
  );
  const perK = (ms: number) => ((ms / ROWS) * 1000).toFixed(0);
  const split = (path: string) => {
    const t = threadMs.get(path);
    return t ? `main ${perK(t.main)}, V8's and libuv's threads ${perK(t.early)}, reader ${perK(t.later)}` : 'not measured';
  };
  if (earlyThreads.size) console.log(`  by thread: CSV ${split(csvPath)}; XLSX ${split(xlsxPath)} ms`);
  if (pgMs.has(csvPath))
    console.log(`  PostgreSQL's processes (all of them, on this machine): CSV ${perK(pgMs.get(csvPath)!)}, XLSX ${perK(pgMs.get(xlsxPath)!)} ms`);
  const tableRows = await app.deps.db.contact.count();
  console.log(
    `ANALYZE "Contact" (${fmt(tableRows)} rows): ${analyzeMs.default.map(fmt).join(', ')} ms at PostgreSQL's default statistics target, ${analyzeMs.import.map(fmt).join(', ')} ms at the import's (${ANALYZE_TARGET}); the CSV import ran ${analyzes.get(csvPath)}, the XLSX's ${analyzes.get(xlsxPath)}`,
  );
  console.log('');
  goal('CSV', csvMs);
  goal('XLSX', xlsxMs);
  await pool.end();
  await app.stop();
  return {
    floor,
    many,
    csv: rate(ROWS, csvMs),
    xlsx: rate(ROWS, xlsxMs),
    cpuCsv: (cpuMs.get(csvPath)! / ROWS) * 1000,
    cpuXlsx: (cpuMs.get(xlsxPath)! / ROWS) * 1000,
    pgCsv: pgMs.has(csvPath) ? (pgMs.get(csvPath)! / ROWS) * 1000 : undefined,
    pgXlsx: pgMs.has(xlsxPath) ? (pgMs.get(xlsxPath)! / ROWS) * 1000 : undefined,
    analyzeDefault: median(analyzeMs.default),
    analyzeImport: median(analyzeMs.import),
    first: xlsxFirst ? 'XLSX' : 'CSV',
  };
}

try {
  console.log(`${fmt(ROWS)} contacts × ${FIELDS.length} custom fields on PostgreSQL; batch ${BATCH}; ${ROUNDS} round(s)`);
  await writeCsv(csvPath, ROWS);
  await writeXlsx(xlsxPath, ROWS);
  await writeCsv(warmCsvPath, WARM_ROWS);
  await writeXlsx(warmXlsxPath, WARM_XLSX_ROWS);
  console.log(`files: CSV ${((await stat(csvPath)).size / 1e6).toFixed(1)} MB, XLSX ${((await stat(xlsxPath)).size / 1e6).toFixed(1)} MB`);
  const rounds = [];
  for (let n = 1; n <= ROUNDS; n++) rounds.push(await round(n, n === 1 && !values['skip-dry']));
  if (ROUNDS > 1) {
    // Each round's ratios against its own baselines, and their median: what the goals are judged on.
    console.log(`\nsummary over ${ROUNDS} rounds (each against its own COPY and createMany):`);
    console.log(
      '| round (first) | COPY rows/s | createMany rows/s | CSV rows/s | CSV × COPY | CSV × createMany | XLSX rows/s | XLSX × COPY | XLSX × createMany | CPU per 1,000 rows CSV / XLSX | PostgreSQL CPU per 1,000 rows CSV / XLSX |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    rounds.forEach((r, i) =>
      console.log(
        `| ${i + 1} (${r.first}) | ${fmt(r.floor)} | ${fmt(r.many)} | ${fmt(r.csv)} | ${(r.csv / r.floor).toFixed(3)} | ${(r.csv / r.many).toFixed(2)} | ${fmt(r.xlsx)} | ${(r.xlsx / r.floor).toFixed(3)} | ${(r.xlsx / r.many).toFixed(2)} | ${r.cpuCsv.toFixed(0)} / ${r.cpuXlsx.toFixed(0)} ms | ${r.pgCsv?.toFixed(0) ?? '–'} / ${r.pgXlsx?.toFixed(0) ?? '–'} ms |`,
      ),
    );
    for (const f of ['csv', 'xlsx'] as const) {
      const copyX = median(rounds.map((r) => r[f] / r.floor));
      const manyX = median(rounds.map((r) => r[f] / r.many));
      console.log(
        `  ${f.toUpperCase()}, median of the rounds: ${copyX.toFixed(3)}× COPY (goal ≥ 0.5: ${copyX >= 0.5 ? 'met' : 'missed'}); ${manyX.toFixed(2)}× createMany (goal ≥ 5: ${manyX >= 5 ? 'met' : 'missed'})`,
      );
    }
    console.log(
      `  ANALYZE "Contact" after the imports, median of the rounds: ${fmt(median(rounds.map((r) => r.analyzeDefault)))} ms at the default statistics target, ${fmt(median(rounds.map((r) => r.analyzeImport)))} ms at the import's (${ANALYZE_TARGET})`,
    );
  }

  // Peak RSS of one import per process, as the rows grow, each into a workspace made here: the
  // import as an operator runs it, `npm run import -- FILE --entity contacts --as …` (the script's
  // own node flags and startup), which reports its memory with --memory. The outbox is not drained
  // at its end (OUTBOX_DISPATCH=false), as above. The workspace, its fields and its user are made
  // here: signing up hashes a password with argon2 (19 MiB a hash, in a thread whose memory the
  // allocator keeps), which is not the import's.
  console.log('\npeak RSS of one import (`npm run import`, a process of its own: the services, Prisma, the pg pool):');
  const scratch = await scratchDatabase(values.pg!, 'crm_bench_import');
  const rssApp = await openApp(scratch.url);
  for (const format of values['rss-formats']!.split(',')) {
    for (const n of values.rss!.split(',').filter(Boolean).map(Number)) {
      const path = join(dir, `rss-${n}.${format === 'csv' ? 'csv' : 'xlsx'}`);
      if (format === 'csv') await writeCsv(path, n);
      else await writeXlsx(path, n, format === 'xlsx-shared');
      const ctx = await workspaceWithFields(rssApp);
      const { email } = await rssApp.deps.db.user.findUniqueOrThrow({ where: { id: ctx.viewer.userId } });
      const child = spawn(
        'npm',
        ['run', '--silent', 'import', '--', path, '--entity', 'contacts', '--as', email, '--batch', String(BATCH), '--memory', '--progress-every', '3600'],
        {
          cwd: fileURLToPath(new URL('..', import.meta.url)),
          // BENCH_CHILD_NODE_OPTIONS: node flags to try on top of the script's own (NODE_OPTIONS).
          env: {
            ...process.env,
            DATABASE_URL: scratch.url,
            OUTBOX_DISPATCH: 'false',
            SEED_DEMO: 'false',
            LOG_LEVEL: 'silent',
            NODE_OPTIONS: process.env.BENCH_CHILD_NODE_OPTIONS ?? '',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      const [code] = (await once(child, 'exit')) as [number];
      if (code !== 0 || !out.includes(`DONE: ${n} rows: created ${n},`))
        throw new Error(`npm run import of ${format} ${n} exited with ${code}:\n${out}\n${err}`);
      const r = JSON.parse(out.trim().split('\n').pop()!) as {
        memory: { beforeRows: number; rss: number; heapUsed: number; external: number; arrayBuffers: number; maxRss: number };
        ms: number;
        cpuMs: number;
      };
      const m = r.memory;
      console.log(
        `  ${format.toUpperCase().padEnd(4)} ${fmt(n).padStart(8)} rows: peak RSS ${String(m.maxRss).padStart(4)} MB (${m.beforeRows} MB before the first row: +${m.maxRss - m.beforeRows} MB; peak JS heap ${m.heapUsed} MB, external ${m.external} MB, array buffers ${m.arrayBuffers} MB)   ${fmt(rate(n, r.ms))} rows/s, CPU ${((r.cpuMs / n) * 1000).toFixed(0)} ms per 1,000 rows`,
      );
      // The memory per batch, every tenth of the run.
      const lines = err.split('\n').filter((l) => l.startsWith('memory at '));
      for (const l of lines.filter((_, i) => (i + 1) % Math.max(1, Math.round(lines.length / 10)) === 0)) console.log(`      ${l}`);
      await rm(path);
      await rm(`${path}.report.csv`, { force: true });
    }
  }
  await rssApp.stop();
  await scratch.drop();
  if (values['server-rss']) await serverRss();
} finally {
  await rm(dir, { recursive: true, force: true });
}

/**
 * The import as a client app runs it: the server started as `npm start` runs it (its bundle, the
 * script's node flags, the outbox delivered) on a scratch database, the file sent to startImport
 * as a multipart upload, progress polled until the run ends; the server's RSS read from /proc
 * every 50 ms, idle (3 s after its start) and at its peak.
 */
async function serverRss() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const built = spawn('npm', ['run', '--silent', 'build:server'], { cwd: root, stdio: 'inherit' });
  if ((await once(built, 'exit'))[0] !== 0) throw new Error('npm run build:server failed');
  console.log(
    `\nthe server's RSS while it imports a file sent to startImport (\`npm start\`: ${[...envWords(nodeEnvOf(root, 'start')), 'node', ...nodeArgsOf(root, 'start')].join(' ')}):`,
  );
  for (const format of values['server-rss-formats']!.split(',')) {
    for (const n of values['server-rss']!.split(',').filter(Boolean).map(Number)) {
      const path = join(dir, `server-rss-${n}.${format === 'csv' ? 'csv' : 'xlsx'}`);
      if (format === 'csv') await writeCsv(path, n);
      else await writeXlsx(path, n, format === 'xlsx-shared');
      const scratch = await scratchDatabase(values.pg!, 'crm_bench_import');
      const app = await openApp(scratch.url);
      const { token } = await workspaceWithFields(app);
      const warm = values['server-warm']
        ? { path: join(dir, `server-warm.${format === 'csv' ? 'csv' : 'xlsx'}`), token: (await workspaceWithFields(app)).token }
        : undefined;
      if (warm && format === 'csv') await writeCsv(warm.path, 5000);
      else if (warm) await writeXlsx(warm.path, 5000, format === 'xlsx-shared');
      await app.stop();
      const server = spawn(process.execPath, nodeArgsOf(root, 'start'), {
        cwd: root,
        env: { ...process.env, ...nodeEnvOf(root, 'start'), DATABASE_URL: scratch.url, PORT: '0', LOG_LEVEL: 'warn', SEED_DEMO: 'false' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      try {
        let out = '';
        server.stdout.on('data', (b: Buffer) => (out += b.toString()));
        let m: RegExpExecArray | null;
        while (!(m = /CRM GraphQL API: (\S+)/.exec(out))) await new Promise((r) => setTimeout(r, 100));
        const url = m[1];
        const rss = async () => (await procKb(server.pid!, 'VmRSS')) / 1024;
        // Into a workspace of its own (the measured rows would match its cards).
        if (warm) await importThrough(url, warm.token, warm.path, 5000);
        await new Promise((r) => setTimeout(r, 3000));
        const idle = await rss();
        let peak = idle;
        const sampler = setInterval(() => void rss().then((mb) => (peak = Math.max(peak, mb))), 50);
        const serverCpu0 = cpuMsOf(`/proc/${server.pid!}/stat`)!;
        const pg0 = postgresCpu();
        const t0 = performance.now();
        await importThrough(url, token, path, n);
        const doneMs = performance.now() - t0;
        const [serverCpu, pgCpu] = [cpuMsOf(`/proc/${server.pid!}/stat`)! - serverCpu0, pg0 === undefined ? undefined : postgresCpu()! - pg0];
        // The server publishes the import's events as it goes (its outbox dispatcher): when the last went out.
        const pool = new pg.Pool({ connectionString: scratch.url, max: 1 });
        while ((await pool.query<{ n: number }>(`select count(*)::int as n from "OutboxEvent" where "publishedAt" is null`)).rows[0].n > 0)
          await new Promise((r) => setTimeout(r, 50));
        const outMs = performance.now() - t0;
        await pool.end();
        clearInterval(sampler);
        const perK = (ms: number) => ((ms / n) * 1000).toFixed(0);
        console.log(
          `  ${format.toUpperCase().padEnd(11)} ${fmt(n).padStart(8)} rows: RSS idle${warm ? ' after a warm-up import' : ''} ${idle.toFixed(0)} MB, peak ${peak.toFixed(0)} MB (+${(peak - idle).toFixed(0)} MB)   ${fmt(rate(n, doneMs))} rows/s; ` +
            `CPU per 1,000 rows to DONE: the server ${perK(serverCpu)} ms, PostgreSQL ${pgCpu === undefined ? '–' : perK(pgCpu)} ms; its events all published ${((outMs - doneMs) / 1000).toFixed(1)} s after`,
        );
      } finally {
        server.kill('SIGTERM');
        await once(server, 'exit');
        await scratch.drop();
        await rm(path);
        if (warm) await rm(warm.path);
      }
    }
  }
}
