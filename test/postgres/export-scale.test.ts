// Exports at scale: 100,000 contacts go out as CSV and as XLSX with every row, while the
// process's memory stays flat, which shows the file is streamed (cards read 1,000 at a time,
// csv-stringify or exceljs's streaming writer, straight into storage) and never built whole in
// memory: the CSV is ~12 MB and the XLSX sheet's XML several times that, and a workbook built in
// memory by exceljs would cost hundreds of MB.
//
// The rows are made by the database (one INSERT … SELECT over generate_series, which is also how
// bulk-insert.ts inserts), so seeding them costs this process no memory that the export could
// then reuse unseen. Runs in the PostgreSQL pass (TEST_DATABASE_URL): the database is another
// process there, so the RSS measured is this process's alone.
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import { describe, expect, test } from '../kit/fixtures.js';
import { defineField } from '../kit/cards.js';
import { rawId } from '../kit/results.js';
import { ExportCards } from '../kit/documents/imports.js';

const ROWS = 100_000;
// A collection before each export, so the growth measured is the export's and not garbage left
// by what ran before it in this worker; and after, to see that nothing of it is kept.
setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;
/** The RSS growth allowed during one export: generous (a busy garbage collector lets garbage pile up), far below a file built in memory. */
const MAX_GROWTH_MB = 150;

describe('exports at scale (PostgreSQL)', () => {
  test(
    `${ROWS.toLocaleString('en')} contacts export as CSV and XLSX with every row, the process's RSS growing by less than ${MAX_GROWTH_MB} MB`,
    { timeout: 600_000 },
    async ({ app, url, workspace: ws }) => {
      const field = await defineField(ws, { entityType: 'CONTACT', name: 'Source', type: 'TEXT' });
      const { key } = await app.deps.db.customField.findUniqueOrThrow({ where: { id: rawId(field.id) }, select: { key: true } });
      const userId = rawId(ws.admin.id);
      const { workspaceId } = await app.deps.db.user.findUniqueOrThrow({ where: { id: userId }, select: { workspaceId: true } });
      const seeded = performance.now();
      await app.deps.db.$executeRawUnsafe(
        `insert into "Contact" (id, "workspaceId", name, emails, phones, "searchText", "responsibleId", "customFields")
         select gen_random_uuid(), $1::uuid, 'Exported ' || i, array['exported' || i || '@example.test'], array['+7900' || lpad(i::text, 7, '0')],
                'exported ' || i, $2::uuid, jsonb_build_object($3::text, 'source ' || (i % 10))
         from generate_series(1, ${ROWS}) i`,
        workspaceId,
        userId,
        key,
      );
      console.log(`seeded ${ROWS} contacts in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);

      for (const format of ['CSV', 'XLSX'] as const) {
        gc();
        const before = process.memoryUsage.rss();
        const heapBefore = process.memoryUsage().heapUsed;
        let peak = before;
        let peakHeap = 0;
        const sampler = setInterval(() => {
          peak = Math.max(peak, process.memoryUsage.rss());
          peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
        }, 20);
        const started = performance.now();
        const r = (await ws.gql(ExportCards, { entityType: 'CONTACT', format })).exportCards;
        const secs = (performance.now() - started) / 1000;
        clearInterval(sampler);
        peak = Math.max(peak, process.memoryUsage.rss());
        if (r.__typename !== 'ExportCardsSuccess') throw new Error(JSON.stringify(r));
        const growthMb = (peak - before) / 2 ** 20;
        console.log(
          `export ${format}: ${ROWS} rows, ${(r.file.size / 2 ** 20).toFixed(1)} MB in ${secs.toFixed(1)} s (${Math.round(ROWS / secs)} rows/s); RSS ${(before / 2 ** 20).toFixed(0)} MB before, peak +${growthMb.toFixed(0)} MB`,
        );
        gc();
        const heapAfter = process.memoryUsage().heapUsed;
        console.log(
          `  heap used ${(heapBefore / 2 ** 20).toFixed(0)} MB before, peak ${(peakHeap / 2 ** 20).toFixed(0)} MB (garbage not yet collected), ${(heapAfter / 2 ** 20).toFixed(0)} MB after a collection`,
        );
        expect(growthMb).toBeLessThan(MAX_GROWTH_MB);
        // Nothing of the export is kept once it is done.
        expect((heapAfter - heapBefore) / 2 ** 20).toBeLessThan(20);

        // The file, read back streaming: a header and every contact once, with its custom value.
        const res = await fetch(new URL(r.file.url, url), { headers: { authorization: `Bearer ${ws.token}` } });
        expect(res.status).toBe(200);
        const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
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
        if (format === 'CSV') {
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
