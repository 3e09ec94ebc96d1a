// npm run import -- FILE --entity contacts|companies|deals [--dry-run] [--policy skip|update|create]
//                   [--match id,email,phone,name] [--as user@example.com]
// Imports a CSV or XLSX file as the given user (default: the first administrator), through the
// same service as startImport. The file's rows are counted first (a quick streaming read), so
// stderr shows a bar with an ETA on a terminal and a progress line every --progress-every seconds
// (10 by default) otherwise; the counts are printed at the end, and the row-by-row report is
// written beside the file as FILE.report.csv.
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { stringify } from 'csv-stringify';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createImport, reportLines, runImport, type DuplicatePolicy, type MatchBy } from '../src/modules/imports/imports.service.js';
import { countRows, formatOf } from '../src/modules/imports/read.js';
import { progress } from './progress.js';
import { cliContext, kindOf } from './cli.js';

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
  },
});
const path = positionals[0];
const policy = values.policy!.toUpperCase();
if (!path || !['SKIP', 'UPDATE', 'CREATE'].includes(policy)) {
  console.error(
    'usage: npm run import -- FILE --entity contacts|companies|deals [--dry-run] [--policy skip|update|create] [--match id,email,phone,name] [--as EMAIL] [--progress-every SECONDS]',
  );
  process.exit(2);
}

const app = await buildApp(loadConfig());
try {
  const ctx = await cliContext(app.deps, values.as);
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
  const bar = progress({ total, unit: 'rows', everyMs: Number(values['progress-every']) * 1000 });
  const counts = (i: { created: number; updated: number; skipped: number; failed: number }) =>
    `created ${i.created} · updated ${i.updated} · skipped ${i.skipped} · failed ${i.failed}`;
  await runImport(app.deps, imp.id, { onProgress: (i) => bar.update(i.created + i.updated + i.skipped + i.failed, counts(i)) });
  const done = await app.deps.db.import.findUniqueOrThrow({ where: { id: imp.id } });
  const rows = done.created + done.updated + done.skipped + done.failed;
  bar.update(rows, counts(done));
  bar.end();
  const reportPath = `${path}.report.csv`;
  await pipeline(Readable.from(reportLines(ctx, imp.id)), stringify({ bom: true }), createWriteStream(reportPath));
  console.log(`${done.status}${done.dryRun ? ' (dry run: nothing written)' : ''}: ${rows} rows: ${counts(done).replaceAll(' ·', ',')}`);
  console.log(`report: ${reportPath}${done.error ? `; ${done.error}` : ''}`);
  process.exitCode = done.status === 'DONE' ? 0 : 1;
} finally {
  await app.stop();
}
