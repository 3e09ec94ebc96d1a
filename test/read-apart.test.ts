// A large XLSX import file is read in a worker thread (src/modules/imports/read-apart.ts): the
// rows it hands on are the rows the in-thread reader gives, a broken file fails with the same
// message, and an import that stops early ends the worker and closes the file. A worker that read
// its file to the end is kept a minute for the next file. The threshold is set to 0 here, so these
// small files go through the worker.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { readRows, type FileRow } from '../src/modules/imports/read.js';
import { APART_FROM, endKeptReader, KEPT_MS, readerThreads, readRowsApart } from '../src/modules/imports/read-apart.js';
import { openFiles } from './kit/open-files.js';

/** A sheet as a CRM export or a person would make it: a merged title, Cyrillic, formulas, dates, numbers, booleans, empty rows. */
async function workbook(rows: number): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet('Контакты');
  sheet.getCell('A1').value = 'Контакты на 01.12.2026';
  sheet.mergeCells('A1:E1');
  sheet.addRow(['Имя', 'Сумма', 'Дата', 'Подписан', 'Заметка']);
  for (let i = 1; i <= rows; i++) {
    if (i % 100 === 0) sheet.addRow([]);
    else
      sheet.addRow([`Иванов Пётр ${i}`, { formula: `${i}*2`, result: i * 2 }, new Date(Date.UTC(2000, 0, 1 + i)), i % 2 === 0, i % 7 ? `заметка ${i}` : null]);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const chunked = (bytes: Buffer) => Readable.from(Array.from({ length: Math.ceil(bytes.length / 4096) }, (_, i) => bytes.subarray(i * 4096, (i + 1) * 4096)));

/** The worker threads alive (each holds a MessagePort and a Worker handle). */
const workers = () => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort' || r === 'Worker').length;
/** The copies of XLSX files open in this process, in any of its threads (their names removed: read-xlsx.ts). */
const copies = () => openFiles('crm-xlsx-').length;

async function all(rows: AsyncIterable<FileRow>) {
  const out: FileRow[] = [];
  for await (const r of rows) out.push(r);
  return out;
}

describe('an XLSX read in a worker thread', () => {
  // Each test starts with no thread kept from the one before.
  beforeEach(() => endKeptReader());

  test('gives the rows the in-thread reader gives, with their numbers, dates, numbers and booleans, from any row on', { timeout: 60_000 }, async () => {
    const bytes = await workbook(700);
    const here = await all(readRows(chunked(bytes), 'XLSX'));
    // The title, the header, and 700 rows less the 7 empty ones (exceljs gives no empty row).
    expect(here.length).toBe(695);
    expect(here[2]).toEqual({ row: 3, cells: ['Иванов Пётр 1', 2, new Date(Date.UTC(2000, 0, 2)), false, 'заметка 1'] });
    const apart = await all(readRowsApart(chunked(bytes), 'XLSX', { apartFrom: 0 }));
    expect(apart).toEqual(here);
    expect(apart[2].cells[2]).toBeInstanceOf(Date);
    const later = await all(readRowsApart(chunked(bytes), 'XLSX', { apartFrom: 0, from: 500 }));
    expect(later).toEqual(here.filter((r) => r.row >= 500));
  });

  test('a file that is not an XLSX fails with the message the in-thread reader gives', { timeout: 60_000 }, async () => {
    const broken = Buffer.from('PK\u0003\u0004 this is not a workbook '.repeat(200));
    const message = await all(readRows(chunked(broken), 'XLSX')).then(
      () => null,
      (err: Error) => err.message,
    );
    expect(message).toEqual(expect.any(String));
    const { started } = readerThreads();
    await expect(all(readRowsApart(chunked(broken), 'XLSX', { apartFrom: 0 }))).rejects.toThrow(message!);
    // The thread that failed is not kept: the next file gets a new one.
    expect(await all(readRowsApart(chunked(await workbook(10)), 'XLSX', { apartFrom: 0 }))).toHaveLength(12);
    expect(readerThreads().started).toBe(started + 2);
  });

  test('a thread that read its file to the end reads the next one, and ends once idle for a minute', { timeout: 60_000 }, async () => {
    const bytes = await workbook(700);
    const { started, alive } = readerThreads();
    const first = await all(readRowsApart(chunked(bytes), 'XLSX', { apartFrom: 0 }));
    expect(first).toHaveLength(695);
    // Kept, idle.
    expect(readerThreads()).toEqual({ started: started + 1, alive: alive + 1 });
    expect(await all(readRowsApart(chunked(bytes), 'XLSX', { apartFrom: 0, from: 500 }))).toEqual(first.filter((r) => r.row >= 500));
    expect(await all(readRowsApart(chunked(await workbook(10)), 'XLSX', { apartFrom: 0 }))).toHaveLength(12);
    expect(readerThreads().started).toBe(started + 1);
    // Two files at once: the second gets a thread of its own, and only one is kept after.
    const a = readRowsApart(chunked(bytes), 'XLSX', { apartFrom: 0 });
    const b = readRowsApart(chunked(bytes), 'XLSX', { apartFrom: 0 });
    await a.next();
    await b.next();
    expect(readerThreads().started).toBe(started + 2);
    await Promise.all([all(a), all(b)]);
    await vi.waitFor(() => expect(readerThreads().alive).toBe(alive + 1));
    await all(readRowsApart(chunked(bytes), 'XLSX', { apartFrom: 0 }));
    expect(readerThreads().started).toBe(started + 2);
    // Idle for KEPT_MS: ended.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await all(readRowsApart(chunked(bytes), 'XLSX', { apartFrom: 0 }));
      vi.advanceTimersByTime(KEPT_MS - 1);
      expect(readerThreads().alive).toBe(alive + 1);
      vi.advanceTimersByTime(1);
    } finally {
      vi.useRealTimers();
    }
    await vi.waitFor(() => expect(readerThreads().alive).toBe(alive));
    await all(readRowsApart(chunked(bytes), 'XLSX', { apartFrom: 0 }));
    expect(readerThreads().started).toBe(started + 3);
  });

  test('leaving early ends the worker and closes the file', { timeout: 60_000 }, async () => {
    const bytes = await workbook(1000);
    const before = workers();
    const input = chunked(bytes);
    const rows = readRowsApart(input, 'XLSX', { apartFrom: 0 });
    const first = await rows.next();
    expect(first.value).toEqual({ row: 1, cells: ['Контакты на 01.12.2026'] });
    expect(workers()).toBeGreaterThan(before);
    await rows.return(undefined);
    expect(workers()).toBe(before);
    expect(input.destroyed).toBe(true);
  });

  test(
    'the worker writes nothing by name in the temporary directory; its copy of the file is closed once read to the end or left',
    { timeout: 60_000 },
    async () => {
      const bytes = await workbook(1000);
      const root = await mkdtemp(join(tmpdir(), 'read-apart-tmp-'));
      const was = process.env.TMPDIR;
      process.env.TMPDIR = root;
      try {
        // (tsx, which runs the worker under test, keeps its cache there too.)
        const named = () => readdirSync(root).filter((d) => d.startsWith('crm-'));
        expect(await all(readRowsApart(chunked(bytes), 'XLSX', { apartFrom: 0 }))).toHaveLength(992);
        expect(named()).toEqual([]);
        await vi.waitFor(() => expect(copies()).toBe(0));
        // Left with most of its rows unread (more than the worker reads ahead): the worker is
        // ended in the middle of the file.
        const rows = readRowsApart(chunked(await workbook(10_000)), 'XLSX', { apartFrom: 0 });
        await rows.next();
        expect(copies()).toBe(1);
        expect(named()).toEqual([]);
        await rows.return(undefined);
        await vi.waitFor(() => expect(copies()).toBe(0));
      } finally {
        if (was === undefined) delete process.env.TMPDIR;
        else process.env.TMPDIR = was;
        await rm(root, { recursive: true, force: true });
      }
    },
  );

  test('a CSV, and an XLSX smaller than the threshold, are read in this thread', { timeout: 60_000 }, async () => {
    const bytes = await workbook(50);
    expect(bytes.length).toBeLessThan(APART_FROM);
    const before = workers();
    for (const [input, format] of [
      [chunked(bytes), 'XLSX'],
      [Readable.from([Buffer.from('Name;Phone\nAnna;+7 900 000-00-01\n'.repeat(40_000))]), 'CSV'],
    ] as const) {
      const rows = readRowsApart(input, format);
      await rows.next();
      expect(workers()).toBe(before);
      await rows.return(undefined);
    }
  });

  test(
    "a server started from another directory than the project's starts the worker too, and leaves nothing in the temporary directory",
    { timeout: 60_000 },
    async () => {
      const file = join(tmpdir(), `read-apart-${process.pid}.xlsx`);
      await writeFile(file, await workbook(300));
      // The process ends without stopping anything: its thread was kept for a next file.
      const root = await mkdtemp(join(tmpdir(), 'read-apart-exit-'));
      const script = `
      import { createReadStream } from 'node:fs';
      const { readRowsApart } = await import(${JSON.stringify(import.meta.resolve('../src/modules/imports/read-apart.ts'))});
      let n = 0;
      for await (const r of readRowsApart(createReadStream(${JSON.stringify(file)}), 'XLSX', { apartFrom: 0 })) n++;
      console.log('rows', n);`;
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], {
        cwd: tmpdir(),
        env: { ...process.env, TMPDIR: root },
      });
      await rm(file);
      expect(stdout.trim()).toBe('rows 299');
      const left = readdirSync(root).filter((d) => d.startsWith('crm-'));
      await rm(root, { recursive: true, force: true });
      expect(left).toEqual([]);
    },
  );

  test('a process killed with SIGKILL in the middle of a file leaves nothing in the temporary directory', { timeout: 60_000 }, async () => {
    const root = await mkdtemp(join(tmpdir(), 'read-apart-kill-'));
    const file = join(root, 'contacts.xlsx');
    // Past its first 8 MiB of shared strings, the reader keeps the rest in a file as well.
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true });
    const sheet = wb.addWorksheet('Контакты');
    for (let i = 1; i <= 200_000; i++) sheet.addRow([`Контакт ${i} ${'·'.repeat(i % 40)}`, i]).commit();
    sheet.commit();
    await wb.commit();
    let child: ChildProcess | undefined;
    try {
      // The process reads the file's first rows and waits there, until killed.
      const script = `
        import { createReadStream, readdirSync, readlinkSync } from 'node:fs';
        const { readRowsApart } = await import(${JSON.stringify(import.meta.resolve('../src/modules/imports/read-apart.ts'))});
        const rows = readRowsApart(createReadStream(${JSON.stringify(file)}), 'XLSX', { apartFrom: 0 });
        const first = await rows.next();
        const open = readdirSync('/proc/self/fd').map((fd) => { try { return readlinkSync('/proc/self/fd/' + fd); } catch { return ''; } });
        console.log(JSON.stringify({ first: first.value, xlsx: open.filter((l) => l.includes('crm-xlsx-')).length, strings: open.filter((l) => l.includes('crm-shared-strings-')).length }));
        setInterval(() => {}, 1000);`;
      const proc = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], {
        env: { ...process.env, TMPDIR: root },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      child = proc;
      let out = '';
      proc.stdout.setEncoding('utf8');
      for await (const chunk of proc.stdout) if ((out += chunk).includes('\n')) break;
      expect(JSON.parse(out)).toEqual({ first: { row: 1, cells: [`Контакт 1 ·`, 1] }, xlsx: 1, strings: 1 });
      proc.kill('SIGKILL');
      await once(proc, 'exit');
      expect(readdirSync(root).filter((d) => d.startsWith('crm-'))).toEqual([]);
    } finally {
      // Not left running if an expectation failed before its kill.
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await rm(root, { recursive: true, force: true });
    }
  });
});
