// The import and export scripts as an operator runs them (`npm run import -- FILE …`, `npm run
// export -- …`): child processes on an embedded database in a fresh DATA_DIR (the demo workspace
// seeded on the first start), output piped, so not a terminal. The import prints a progress
// line per batch here (--progress-every 0) with its total, rate and ETA, then the counts, and
// writes the row-by-row report beside the file; the export shows its progress the same way.
import { afterAll, describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { killSpawned, tempDir } from './kit/server.js';
import { ROOT } from '../src/lib/root.js';

afterAll(killSpawned, 30_000);

type Ran = { code: number | null; out: string; err: string };

/** Runs `npm run <name> -- args` (the import bundled and run by node, the export through tsx), on `dataDir`. */
function script(name: string, args: string[], dataDir: string): Promise<Ran> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of ['PORT', 'DATABASE_URL', 'REDIS_URL', 'SEED_DEMO', 'NODE_OPTIONS', 'NODE_ENV']) delete env[k];
  const proc = spawn('npm', ['run', '--silent', name, '--', ...args], {
    cwd: ROOT,
    env: { ...env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  return new Promise((resolve) => proc.on('close', (code) => resolve({ code, out, err })));
}

const PROGRESS = /^\s*(\d+)% (\d+)\/(\d+) rows · \d+ rows\/s · elapsed [^·]+ · ETA ([^·]+?)(?: · |$)/;

/** The progress lines of stderr as { percent, done, total, eta }. */
function progressLines(err: string) {
  return err
    .split('\n')
    .map((l) => l.match(PROGRESS))
    .filter((m): m is RegExpMatchArray => !!m)
    .map((m) => ({ percent: Number(m[1]), done: Number(m[2]), total: Number(m[3]), eta: m[4] }));
}

describe('npm run import / npm run export', () => {
  const dataDir = tempDir();

  test(
    'the import shows its progress with an ETA batch by batch, prints the counts and writes the report beside the file; the export shows its progress and writes every card',
    { timeout: 300_000 },
    async () => {
      const rows = Array.from({ length: 20 }, (_, i) =>
        i === 5 ? 'CLI Broken,not-an-email,' : `CLI Person ${i},cli-person-${i}@example.test,+7 900 100-00-${String(i).padStart(2, '0')}`,
      );
      const file = join(dataDir, 'people.csv');
      writeFileSync(file, ['Name,Email,Phone', ...rows].join('\n'));

      const imp = await script('import', [file, '--entity', 'contacts', '--batch', '4', '--progress-every', '0'], dataDir);
      expect(imp.code, imp.err).toBe(0);
      expect(imp.out).toContain('DONE: 20 rows: created 19, updated 0, skipped 0, failed 1');
      expect(imp.out).toContain(`report: ${file}.report.csv`);
      // Not a terminal: plain lines, no carriage returns redrawing a bar.
      expect(imp.err).not.toContain('\r');
      const lines = progressLines(imp.err);
      // A line per batch of 4 (the first batch's line may show the second's count under load), then the final one.
      expect(lines.length, imp.err).toBeGreaterThanOrEqual(4);
      expect(lines.every((l) => l.total === 20)).toBe(true);
      expect(lines.map((l) => l.done)).toEqual([...lines.map((l) => l.done)].sort((a, b) => a - b));
      expect(
        lines.some((l) => l.done < 20 && /^\d+ (s|min)/.test(l.eta)),
        imp.err,
      ).toBe(true);
      expect(lines.at(-1)).toEqual({ percent: 100, done: 20, total: 20, eta: '0 s' });

      const report = parse(readFileSync(`${file}.report.csv`), { bom: true }) as string[][];
      // The header line (in the administrator's language), then the bad row: row 7 of the file (the header is row 1).
      expect(report).toHaveLength(2);
      expect(report[1].slice(0, 3)).toEqual(['7', 'Email', 'not-an-email']);
      expect(report[1][3]).not.toBe('');

      // A second run of the same file skips the 19 cards now there (matched by e-mail) and fails the bad row again.
      const again = await script('import', [file, '--entity', 'contacts', '--dry-run', '--progress-every', '0'], dataDir);
      expect(again.code, again.err).toBe(0);
      expect(again.out).toContain('DONE (dry run: nothing written): 20 rows: created 0, updated 0, skipped 19, failed 1');

      const xlsx = join(dataDir, 'contacts.xlsx');
      const exp = await script('export', ['--entity', 'contacts', '--format', 'xlsx', '--out', xlsx, '--progress-every', '0'], dataDir);
      expect(exp.code, exp.err).toBe(0);
      const n = Number(exp.out.match(/: (\d+) rows, \d+ bytes/)?.[1]);
      expect(existsSync(xlsx)).toBe(true);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(xlsx);
      const sheet = wb.worksheets[0];
      expect(sheet.actualRowCount - 1).toBe(n);
      const names: string[] = [];
      sheet.eachRow((r, i) => i > 1 && names.push(String(r.getCell(2).value)));
      expect(names.filter((x) => x.startsWith('CLI Person')).sort()).toEqual(
        Array.from({ length: 20 }, (_, i) => `CLI Person ${i}`)
          .filter((_, i) => i !== 5)
          .sort(),
      );
      const shown = progressLines(exp.err);
      expect(shown.length).toBeGreaterThanOrEqual(2);
      expect(shown.at(-1)).toEqual({ percent: 100, done: n, total: n, eta: '0 s' });

      // An XLSX over 1 MiB is counted and read by the bundle's worker thread (dist/cli/read-worker.mjs):
      // 400 people with a column of ~4 KB of random text each, which nothing imports.
      const big = new ExcelJS.Workbook();
      const people = big.addWorksheet('Люди');
      people.addRow(['Имя', 'Email', 'Шум']);
      for (let i = 0; i < 400; i++) people.addRow([`Большой Файл ${i}`, `big-${i}@example.test`, randomBytes(3000).toString('base64')]);
      const bigFile = join(dataDir, 'big.xlsx');
      await big.xlsx.writeFile(bigFile);
      expect(statSync(bigFile).size).toBeGreaterThan(1024 * 1024);
      const bigImp = await script('import', [bigFile, '--entity', 'contacts', '--batch', '100', '--progress-every', '0'], dataDir);
      expect(bigImp.code, bigImp.err).toBe(0);
      expect(bigImp.out).toContain('DONE: 400 rows: created 400, updated 0, skipped 0, failed 0');
      expect(progressLines(bigImp.err).at(-1)).toEqual({ percent: 100, done: 400, total: 400, eta: '0 s' });
    },
  );
});
