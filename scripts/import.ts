// npm run import -- FILE --entity contacts|companies|deals [--dry-run] [--policy skip|update|create]
//                   [--match id,email,phone,name] [--as user@example.com]
// Imports a CSV or XLSX file as the given user (default: the first administrator), through the
// same service as startImport, showing its progress; the row-by-row report is written beside the
// file as FILE.report.csv.
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
  },
});
const path = positionals[0];
if (!path) {
  console.error('usage: npm run import -- FILE --entity contacts|companies|deals [--dry-run] [--policy skip|update|create] [--as EMAIL]');
  process.exit(2);
}

const app = await buildApp(loadConfig());
try {
  const ctx = await cliContext(app.deps, values.as);
  const kind = kindOf(values.entity!);
  const size = (await stat(path)).size;
  const imp = await createImport(ctx, { name: basename(path), size, stream: createReadStream(path) }, kind, {
    dryRun: values['dry-run'],
    policy: values.policy!.toUpperCase() as DuplicatePolicy,
    matchBy: values.match ? (values.match.toUpperCase().split(',') as MatchBy[]) : undefined,
    batchSize: Number(values.batch),
  });
  const started = Date.now();
  const show = async () => {
    const now = await app.deps.db.import.findUniqueOrThrow({ where: { id: imp.id } });
    const rows = now.created + now.updated + now.skipped + now.failed;
    const secs = (Date.now() - started) / 1000;
    const rate = rows / Math.max(secs, 0.001);
    // A streamed file's row count is not known ahead, so this is a running count and rate, not a bar with an ETA.
    process.stdout.write(
      `\r${rows} rows · created ${now.created} · updated ${now.updated} · skipped ${now.skipped} · failed ${now.failed} · ${rate.toFixed(0)} rows/s · ${secs.toFixed(1)} s   `,
    );
    return now;
  };
  const timer = setInterval(() => void show(), 500);
  await runImport(app.deps, imp.id);
  clearInterval(timer);
  const done = await show();
  process.stdout.write('\n');
  const reportPath = `${path}.report.csv`;
  await pipeline(Readable.from(reportLines(ctx, imp.id)), stringify({ bom: true }), createWriteStream(reportPath));
  console.log(`${done.status}${done.dryRun ? ' (dry run: nothing written)' : ''}; report: ${reportPath}${done.error ? `; ${done.error}` : ''}`);
  process.exitCode = done.status === 'DONE' ? 0 : 1;
} finally {
  await app.stop();
}
