// Reading an import file, as an import reads it (readRowsApart: a large XLSX in the reader
// thread, a CSV in this one), the bench:import file's people in CSV, in XLSX with inline text
// (as exceljs writes it by default) and in XLSX with shared strings (as Excel writes it), each
// read whole, the formats alternated run by run. Printed per format: when the first row came,
// the whole read's wall time, and the CPU of this process (all its threads) per 1,000 rows, with
// XLSX's as a ratio to the CSV's of the same run. No database: the reading alone.
//
//   npm run bench:import-read -- [--rows 100000] [--runs 5]
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeCsv, writeXlsx } from './contacts-file.js';
import { median } from './kit.js';
import { endKeptReader, readRowsApart } from '../src/modules/imports/read-apart.js';
import type { FileFormat } from '../src/modules/imports/read.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '100000' }, runs: { type: 'string', default: '5' } } });
const ROWS = Number(values.rows);
const RUNS = Math.max(1, Number(values.runs));

const dir = await mkdtemp(join(tmpdir(), 'crm-import-read-bench-'));
const files: { name: string; path: string; format: FileFormat }[] = [
  { name: 'CSV', path: join(dir, 'contacts.csv'), format: 'CSV' },
  { name: 'XLSX', path: join(dir, 'contacts.xlsx'), format: 'XLSX' },
  { name: 'XLSX, shared strings', path: join(dir, 'contacts-shared.xlsx'), format: 'XLSX' },
];

async function readWhole(path: string, format: FileFormat) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let first = 0;
  let rows = 0;
  for await (const _ of readRowsApart(createReadStream(path), format)) if (rows++ === 0) first = performance.now() - t0;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (rows !== ROWS + 1) throw new Error(`${path}: ${rows} rows read, ${ROWS + 1} expected`);
  return { first, ms, cpuPer1000: ((cpu.user + cpu.system) / 1000 / ROWS) * 1000 };
}

try {
  await writeCsv(files[0].path, ROWS);
  await writeXlsx(files[1].path, ROWS);
  await writeXlsx(files[2].path, ROWS, true);
  const sizes = await Promise.all(files.map(async (f) => `${f.name} ${((await stat(f.path)).size / 1e6).toFixed(1)} MB`));
  console.log(`${ROWS.toLocaleString('en-US')} contacts × 13 columns; ${RUNS} runs, the formats alternated; files: ${sizes.join(', ')}`);
  // A warm-up read of each: the reader thread started and kept, the code compiled.
  for (const f of files) await readWhole(f.path, f.format);
  const results = new Map(files.map((f) => [f.name, [] as Awaited<ReturnType<typeof readWhole>>[]]));
  for (let run = 0; run < RUNS; run++) {
    const order = run % 2 ? [...files].reverse() : files;
    for (const f of order) results.get(f.name)!.push(await readWhole(f.path, f.format));
  }
  const csv = median(results.get('CSV')!.map((r) => r.cpuPer1000));
  console.log('\n| file | first row, ms | whole file, ms | CPU per 1,000 rows, ms | CPU ÷ CSV |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const f of files) {
    const r = results.get(f.name)!;
    const cpu = median(r.map((x) => x.cpuPer1000));
    const fmt = (xs: number[]) => `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
    console.log(`| ${f.name} | ${fmt(r.map((x) => x.first))} | ${fmt(r.map((x) => x.ms))} | ${cpu.toFixed(1)} | ${(cpu / csv).toFixed(2)} |`);
  }
  console.log('(medians of the runs, their range in brackets)');
} finally {
  await endKeptReader();
  await rm(dir, { recursive: true, force: true });
}
