// npm run import -- FILE --entity contacts|companies|deals [--dry-run] [--policy skip|update|create]
//                   [--match id,email,phone,name] [--as user@example.com]
// Imports a CSV or XLSX file as the given user (default: the first administrator), through the
// same service as startImport. The file's rows are counted first (a quick streaming read), so
// stderr shows a bar with an ETA on a terminal and a progress line every --progress-every seconds
// (10 by default) otherwise; the counts are printed at the end, and the row-by-row report is
// written beside the file as FILE.report.csv. --memory adds the process's memory per batch
// (stderr) and its peaks as JSON (stdout, the last line).
//
// `npm run import` bundles this script with esbuild (dist/cli/import.mjs, ~1 s) and runs it with
// plain node (no tsx loader thread) and the heap's growth bounded: see docs/performance.md,
// "Import: the process's memory". It opens the services alone (src/deps.ts), not the HTTP app.
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { stringify } from 'csv-stringify';
import { loadConfig } from '../src/config.js';
import { createImport, reportLines, runImport, type DuplicatePolicy, type MatchBy } from '../src/modules/imports/imports.service.js';
import { formatOf } from '../src/modules/imports/read.js';
import { countRows } from '../src/modules/imports/read-apart.js';
import { progress } from './progress.js';
import { cliContext, openServices, kindOf } from './cli.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    entity: { type: 'string', default: 'contacts' },
    'dry-run': { type: 'boolean', default: false },
    policy: { type: 'string', default: 'skip' },
    match: { type: 'string' },
    as: { type: 'string' },
    batch: { type: 'string', default: '500' },
    'progress-every': { type: 'string', default: '10' },
    // The process's memory: a line per batch on stderr (RSS, JS heap, external, array buffers) and
    // the peaks as JSON at the end on stdout (bench/import.bench.ts reads them).
    memory: { type: 'boolean', default: false },
  },
});
const path = positionals[0];
const policy = values.policy!.toUpperCase();
if (!path || !['SKIP', 'UPDATE', 'CREATE'].includes(policy)) {
  console.error(
    'usage: npm run import -- FILE --entity contacts|companies|deals [--dry-run] [--policy skip|update|create] [--match id,email,phone,name] [--as EMAIL] [--progress-every SECONDS] [--memory]',
  );
  process.exit(2);
}

const MB = 2 ** 20;
const mb = (n: number) => Math.round(n / MB);
const peak = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
function sample(): NodeJS.MemoryUsage {
  const m = process.memoryUsage();
  for (const k of ['rss', 'heapUsed', 'external', 'arrayBuffers'] as const) peak[k] = Math.max(peak[k], m[k]);
  return m;
}
const sampler = values.memory ? setInterval(sample, 50) : undefined;
sampler?.unref();

// Prisma's query compiler (WebAssembly) on V8's baseline compiler only: optimizing it kept ~35-50 MB
// more resident (measured in docs/performance.md, "Import: the process's memory"), and an import
// asks Prisma for a few statements a batch (its rows are written with raw SQL). Set before the
// first query compiles it. (src/main.ts does the same for the embedded database.)
setFlagsFromString('--liftoff-only');
const config = loadConfig();
const app = await openServices(config);
try {
  const ctx = await cliContext(app.deps, values.as);
  if (values.memory) console.error(`memory once started: rss ${mb(sample().rss)} MB, heap ${mb(process.memoryUsage().heapUsed)} MB`);
  const kind = kindOf(values.entity!);
  const size = (await stat(path)).size;
  const format = formatOf(basename(path));
  // The header is not a row (a title above it is counted too, so the total may be one or two over until the end).
  const total = format ? Math.max(0, (await countRows(createReadStream(path), format)) - 1) : null;
  const imp = await createImport(ctx, { name: basename(path), size, stream: createReadStream(path) }, kind, {
    dryRun: values['dry-run'],
    policy: policy as DuplicatePolicy,
    matchBy: values.match ? (values.match.toUpperCase().split(',') as MatchBy[]) : undefined,
    batchSize: Number(values.batch),
  });
  const before = sample();
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  if (values.memory) console.error(`memory before the first row (the file counted): rss ${mb(before.rss)} MB, heap ${mb(before.heapUsed)} MB`);
  const bar = progress({ total, unit: 'rows', everyMs: Number(values['progress-every']) * 1000 });
  const counts = (i: { created: number; updated: number; skipped: number; failed: number }) =>
    `created ${i.created} · updated ${i.updated} · skipped ${i.skipped} · failed ${i.failed}`;
  await runImport(app.deps, imp.id, {
    onProgress: (i) => {
      const rows = i.created + i.updated + i.skipped + i.failed;
      bar.update(rows, counts(i));
      if (!values.memory) return;
      const m = sample();
      console.error(
        `memory at ${rows} rows: rss ${mb(m.rss)} MB, heap ${mb(m.heapUsed)} MB, external ${mb(m.external)} MB, arrayBuffers ${mb(m.arrayBuffers)} MB`,
      );
    },
  });
  const done = await app.deps.db.import.findUniqueOrThrow({ where: { id: imp.id } });
  const rows = done.created + done.updated + done.skipped + done.failed;
  bar.update(rows, counts(done));
  bar.end();
  const reportPath = `${path}.report.csv`;
  await pipeline(Readable.from(reportLines(ctx, imp.id)), stringify({ bom: true }), createWriteStream(reportPath));
  console.log(`${done.status}${done.dryRun ? ' (dry run: nothing written)' : ''}: ${rows} rows: ${counts(done).replaceAll(' ·', ',')}`);
  console.log(`report: ${reportPath}${done.error ? `; ${done.error}` : ''}`);
  if (values.memory) {
    clearInterval(sampler);
    sample();
    const peaks = Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, mb(v)]));
    const cpu = process.cpuUsage(cpu0);
    const ms = Math.round(performance.now() - started);
    console.log(
      JSON.stringify({
        memory: { beforeRows: mb(before.rss), ...peaks, maxRss: mb(process.resourceUsage().maxRSS * 1024) },
        ms,
        cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      }),
    );
  }
  process.exitCode = done.status === 'DONE' ? 0 : 1;
} finally {
  await app.close();
}
