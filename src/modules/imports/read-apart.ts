// An XLSX file's rows read in a worker thread (read-worker.ts) when the file is large: its unzipping
// and XML parsing (read-xlsx.ts) were ~30 % of an XLSX import's work in the process with
// exceljs's own sheet reader, and are still ~6–10 %; they run on another core beside the import's
// own work, and off the event loop that serves requests (back in the import's thread they gave
// no better rates: docs/performance.md). A CSV is read here: csv-parse is ~3 % of the work, and moving
// its rows between threads cost about as much as it saved (alternated runs of 50,000 rows). A
// small file is read here too: starting a worker costs ~0.3 s under tsx. Rows come as readRows
// gives them (structured clone keeps dates, numbers and booleans); a reading error is thrown
// with its message.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { emptyRow, peek, readRows, type FileFormat, type FileRow } from './read.js';
import type { FromReader, ReaderData, ToReader } from './read-worker.js';

/** XLSX files from this size on are read in a worker thread. */
export const APART_FROM = 1024 * 1024;
/** Rows per message from the worker. */
const BATCH = 250;

/**
 * The worker: the bundled `.mjs` beside this code (the CLI's bundle, dist/cli), else the `.ts`
 * source through tsx's loader, registered in the worker first (a worker's `--import tsx` is not
 * applied to its entry point on Node 20).
 */
function start(data: ReaderData): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./read-worker.mjs', here), { workerData: data });
  const entry = JSON.stringify(new URL('./read-worker.ts', here).href);
  // tsx found from this file, not from the working directory an eval'd worker resolves from.
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return new Worker(`import(${tsx}).then((tsx) => { tsx.register(); return import(${entry}); })`, { eval: true, workerData: data });
}

/** The rows of a file from row `from` on; an XLSX file of `apartFrom` bytes or more is read in a worker thread. */
export async function* readRowsApart(input: Readable, format: FileFormat, opts: { from?: number; apartFrom?: number } = {}): AsyncGenerator<FileRow> {
  const from = opts.from ?? 1;
  const apartFrom = opts.apartFrom ?? APART_FROM;
  if (format !== 'XLSX') {
    yield* readRows(input, format, from);
    return;
  }
  const { head, whole, ended } = await peek(input, apartFrom);
  if (ended && head.length < apartFrom) {
    yield* readRows(whole, format, from);
    return;
  }
  // exceljs may copy the sheet to a temporary file, which a worker ended early never deletes:
  // the worker's temporary files go in a directory of its own, removed once it has ended.
  const tmp = await mkdtemp(join(tmpdir(), 'crm-import-'));
  const worker = start({ format, from, batch: BATCH, tmp });
  const bytes = whole[Symbol.asyncIterator]();
  const send = (m: ToReader) => worker.postMessage(m);
  const queue: FileRow[][] = [];
  let done = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const woken = () => {
    wake?.();
    wake = undefined;
  };
  // The next chunk of the file, when the worker's parser asks for it (one at a time).
  const pull = async () => {
    try {
      const r = await bytes.next();
      if (r.done) send({ end: true });
      else {
        // A copy of the chunk's own bytes, moved to the worker (a chunk may view a larger buffer).
        const chunk = new Uint8Array(r.value as Buffer);
        worker.postMessage({ chunk } satisfies ToReader, [chunk.buffer]);
      }
    } catch (err) {
      send({ fail: err instanceof Error ? err.message : String(err) });
    }
  };
  worker.on('message', (m: FromReader) => {
    if ('pull' in m) return void pull();
    if ('rows' in m) queue.push(m.rows);
    else if ('done' in m) done = true;
    else failure = new Error(m.error);
    woken();
  });
  worker.on('error', (err) => {
    failure = err;
    woken();
  });
  worker.on('exit', () => {
    if (!done) failure ??= new Error('the file reader stopped');
    woken();
  });
  try {
    for (;;) {
      const rows = queue.shift();
      if (rows) {
        send({ more: true });
        yield* rows;
      } else if (failure) throw failure;
      else if (done) return;
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    // Done, failed, or left early (a stop): the worker goes, and the file is closed.
    await worker.terminate();
    whole.destroy();
    input.destroy();
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * The rows with values in a file, header included, read streaming as an import reads them (a
 * large XLSX in a worker thread, so exceljs never loads in this one): a progress bar's total (an
 * import's rows are this less the header and any title above it).
 */
export async function countRows(input: Readable, format: FileFormat): Promise<number> {
  let n = 0;
  for await (const r of readRowsApart(input, format)) if (!emptyRow(r.cells)) n++;
  return n;
}
