// npm run export -- --entity contacts|companies|deals [--format csv|xlsx] [--as user@example.com] [--out FILE]
// Exports the cards the user may export (default: the first administrator) through the same
// service as exportCards (EXPORT scope, field access, audit log) into a file, showing its progress
// on stderr as the import does (a bar with an ETA on a terminal, a line every --progress-every
// seconds otherwise).
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { exportCards, type ExportFormat } from '../src/modules/imports/exports.service.js';
import { cliContext, kindOf, openServices } from './cli.js';
import { progress, type Progress } from './progress.js';

const { values } = parseArgs({
  options: {
    entity: { type: 'string', default: 'contacts' },
    format: { type: 'string', default: 'csv' },
    as: { type: 'string' },
    out: { type: 'string' },
    'progress-every': { type: 'string', default: '10' },
  },
});

const app = await openServices(loadConfig());
try {
  const ctx = await cliContext(app.deps, values.as);
  const format = values.format!.toUpperCase() as ExportFormat;
  let bar: Progress | undefined;
  let written = 0;
  // The memory the export itself takes: the resident size when it starts, and its peak while it runs.
  const startMb = process.memoryUsage.rss() / 2 ** 20;
  let peakMb = startMb;
  const sample = () => (peakMb = Math.max(peakMb, process.memoryUsage.rss() / 2 ** 20));
  const sampler = setInterval(sample, 50).unref();
  const file = await exportCards(ctx, kindOf(values.entity!), format, null, {
    onProgress: (rows, total) => {
      bar ??= progress({ total, unit: 'rows', everyMs: Number(values['progress-every']) * 1000 });
      bar.update((written = rows));
    },
  });
  clearInterval(sampler);
  sample();
  bar?.end();
  const out = values.out ?? file.name;
  await pipeline(app.deps.storage.open(file.storageKey), createWriteStream(out));
  // Flat as the row count grows: the file is streamed, never built in memory.
  console.log(`${out}: ${written} rows, ${file.size} bytes, memory ${Math.round(startMb)} MB at the start, +${Math.round(peakMb - startMb)} MB at the peak`);
} finally {
  await app.close();
}
