// Exports at scale: 100,000 contacts go out as CSV and as XLSX with every row, while the memory
// of the exporting process stays flat, which shows the file is streamed (cards read 1,000 at a
// time, csv-stringify or exceljs's streaming writer, straight into storage) and never built whole
// in memory: the CSV is ~15 MB and the XLSX sheet's XML several times that, and a workbook built
// in memory by exceljs would cost hundreds of MB (a million cells).
//
// Each export is `npm run export` as an operator runs it (a child process on the run's
// PostgreSQL database, the same service as exportCards), which prints its resident memory when
// the export starts and how much more it took at its peak. A process of its own measures the
// export alone: the test worker's process holds every other file's garbage.
//
// The rows are made by the database (one INSERT … SELECT over generate_series, which is also how
// bulk-insert.ts inserts). Runs in the PostgreSQL pass (TEST_DATABASE_URL).
import { spawn } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import { describe, expect, test } from '../kit/fixtures.js';
import { defineField } from '../kit/cards.js';
import { rawId } from '../kit/results.js';
import { testDatabaseUrl } from '../kit/app.js';
import { killSpawned, tempDir } from '../kit/server.js';
import { ROOT } from '../../src/lib/root.js';

afterAll(killSpawned, 30_000);

const ROWS = 100_000;
/**
 * How much the export may add to the process's resident memory at its peak. With the flags of
 * `npm run export` (a small young generation, the old one grown 20 % at a time, as the import's
 * CLI runs): CSV +20 MB, XLSX +13 MB (2026-12-04). Without them V8 let the garbage of the rows
 * pile up before collecting it: +85 to +226 MB for the CSV in CI runs, past this bound once.
 */
const MAX_GROWTH_MB = 150;

/** The node flags of `npm run export` (package.json), read from there so the test runs what an operator runs. */
const EXPORT_NODE_FLAGS = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.export
  .split(' ')
  .filter((w) => w.startsWith('--') && w !== '--import');

/** `npm run export` (node with its flags and tsx's loader, as npm runs it) into `out`; answers the rows and the memory it printed. */
function runExport(format: 'csv' | 'xlsx', email: string, out: string): Promise<{ rows: number; startMb: number; growthMb: number }> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of ['PORT', 'REDIS_URL', 'SEED_DEMO', 'NODE_OPTIONS', 'NODE_ENV']) delete env[k];
  const proc = spawn(
    process.execPath,
    [...EXPORT_NODE_FLAGS, '--import', 'tsx', 'scripts/export.ts', '--entity', 'contacts', '--format', format, '--as', email, '--out', out],
    {
      cwd: ROOT,
      env: { ...env, DATABASE_URL: testDatabaseUrl()!, DATA_DIR: tempDir(), LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) =>
    proc.on('close', (code) => {
      const m = stdout.match(/: (\d+) rows, \d+ bytes, memory (\d+) MB at the start, \+(\d+) MB at the peak/);
      if (code !== 0 || !m) reject(new Error(`export ${format} exited ${code}: ${stdout}\n${stderr}`));
      else resolve({ rows: Number(m[1]), startMb: Number(m[2]), growthMb: Number(m[3]) });
    }),
  );
}

describe('exports at scale (PostgreSQL)', () => {
  test(
    `${ROWS.toLocaleString('en')} contacts export as CSV and XLSX with every row, the export adding less than ${MAX_GROWTH_MB} MB to its process's memory`,
    { timeout: 600_000 },
    async ({ app, workspace: ws }) => {
      const field = await defineField(ws, { entityType: 'CONTACT', name: 'Source', type: 'TEXT' });
      const { key } = await app.deps.db.customField.findUniqueOrThrow({ where: { id: rawId(field.id) }, select: { key: true } });
      const userId = rawId(ws.admin.id);
      const { workspaceId, email } = await app.deps.db.user.findUniqueOrThrow({ where: { id: userId }, select: { workspaceId: true, email: true } });
      await app.deps.db.$executeRawUnsafe(
        `insert into "Contact" (id, "workspaceId", name, emails, phones, "searchText", "responsibleId", "customFields")
         select gen_random_uuid(), $1::uuid, 'Exported ' || i, array['exported' || i || '@example.test'], array['+7900' || lpad(i::text, 7, '0')],
                'exported ' || i, $2::uuid, jsonb_build_object($3::text, 'source ' || (i % 10))
         from generate_series(1, ${ROWS}) i`,
        workspaceId,
        userId,
        key,
      );
      const dir = tempDir();
      for (const format of ['csv', 'xlsx'] as const) {
        const started = performance.now();
        const r = await runExport(format, email, join(dir, `contacts.${format}`));
        const secs = (performance.now() - started) / 1000;
        console.log(
          `export ${format}: ${r.rows} rows in ${secs.toFixed(1)} s (the process's start included), ${r.startMb} MB at the start, +${r.growthMb} MB at the peak`,
        );
        expect(r.rows).toBe(ROWS);
        expect(r.growthMb, format).toBeLessThan(MAX_GROWTH_MB);
      }

      // The files, read back streaming: a header and every contact once, with its custom value.
      for (const format of ['csv', 'xlsx'] as const) {
        const body = createReadStream(join(dir, `contacts.${format}`));
        let header: string[] = [];
        let rows = 0;
        const names = new Set<string>();
        const take = (cells: string[]) => {
          if (!header.length) header = cells;
          else {
            rows++;
            names.add(cells[1]);
            if (rows === ROWS) expect(cells[header.indexOf('Source')]).toMatch(/^source \d$/);
          }
        };
        if (format === 'csv') {
          for await (const rec of body.pipe(parse({ bom: true })) as AsyncIterable<string[]>) take(rec);
        } else {
          const reader = new ExcelJS.stream.xlsx.WorkbookReader(body, { worksheets: 'emit', sharedStrings: 'ignore', styles: 'ignore', hyperlinks: 'ignore' });
          for await (const sheet of reader) {
            for await (const row of sheet as AsyncIterable<ExcelJS.Row>) take((row.values as unknown[]).slice(1).map((x) => String(x ?? '')));
          }
        }
        expect(rows).toBe(ROWS);
        expect(names.size).toBe(ROWS);
      }
    },
  );
});
