// An XLSX file's rows read in a worker thread (read-worker.ts) when the file is large: its unzipping
// and XML parsing (read-xlsx.ts) were ~30 % of an XLSX import's work in the process with
// exceljs's own sheet reader, and are still ~6–10 %; they run on another core beside the import's
// own work, and off the event loop that serves requests (back in the import's thread they gave
// no better rates: docs/performance.md). A CSV is read here: csv-parse is ~3 % of the work, and moving
// its rows between threads cost about as much as it saved (alternated runs of 50,000 rows). A
// small file is read here too. Rows come as readRows gives them (structured clone keeps dates,
// numbers and booleans); a reading error is thrown with its message.
//
// A reader thread is kept for the next file a while after it read one to its end (`KEPT_MS`):
// a new one loads the reader's code into a fresh isolate, ~0.3 s more to its first row and ~0.5 s
// more CPU than a kept one bundled, ~0.7 s and ~1 s under tsx, where a 20,000-row sheet takes
// ~0.6 s of CPU in all from a kept thread (docs/performance.md); the import CLI reads its file
// twice (the count for its progress bar, then the rows). A thread left early (a stop), or
// failed, is ended. Kept idle, it holds ~45 MB of RSS.
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { emptyRow, peek, readRows, type FileFormat, type FileRow } from './read.js';
import type { FromReader, ToReader } from './read-worker.js';

/** XLSX files from this size on are read in a worker thread. */
export const APART_FROM = 1024 * 1024;
/** Rows per message from the worker. */
const BATCH = 250;
/** How long a reader thread that read its file to the end is kept for the next one. */
export const KEPT_MS = 60_000;

/**
 * The worker: the bundled `.mjs` beside this code (the server's bundle, dist/server; the CLI's,
 * dist/cli), else the `.ts` source through tsx's loader, registered in the worker first (a
 * worker's `--import tsx` is not applied to its entry point on Node 20).
 */
function start(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./read-worker.mjs', here));
  const entry = JSON.stringify(new URL('./read-worker.ts', here).href);
  // tsx found from this file, not from the working directory an eval'd worker resolves from.
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return new Worker(`import(${tsx}).then((tsx) => { tsx.register(); return import(${entry}); })`, { eval: true });
}

/**
 * The reader thread kept for the next file, idle, and the timer that ends it. A reader thread's
 * temporary files (a copy of the file's zip, shared strings past their first 8 MiB: read-xlsx.ts)
 * have their names removed as they are opened, so a thread ended, or a process killed, leaves
 * none behind.
 */
let kept: { worker: Worker; timer: NodeJS.Timeout } | undefined;
/** Reader threads started so far, and those not ended yet (a kept one is idle and unref'd: the process's active handles do not show it). */
const threads = { started: 0, alive: 0 };
export const readerThreads = () => ({ ...threads });
let nextFile = 0;

function takeReader(): Worker {
  if (kept) {
    const { worker, timer } = kept;
    kept = undefined;
    clearTimeout(timer);
    worker.ref();
    return worker;
  }
  const worker = start();
  threads.started++;
  threads.alive++;
  // A kept thread that fails or exits while idle is forgotten (an 'error' with no listener would end the process).
  const forget = () => {
    if (kept?.worker !== worker) return;
    clearTimeout(kept.timer);
    kept = undefined;
    void worker.terminate();
  };
  worker.on('error', forget);
  worker.on('exit', () => {
    threads.alive--;
    forget();
  });
  return worker;
}

/** Keeps a reader thread for the next file (one is enough: another is ended). */
async function keepReader(worker: Worker) {
  if (kept) return void (await worker.terminate());
  worker.unref();
  kept = { worker, timer: setTimeout(() => void endKeptReader(), KEPT_MS).unref() };
}

/** Ends the reader thread kept for the next file, if one is (a server's stop; the CLI's end). */
export async function endKeptReader() {
  const k = kept;
  if (!k) return;
  kept = undefined;
  clearTimeout(k.timer);
  await k.worker.terminate();
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
  const worker = takeReader();
  const file = nextFile++;
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
      if (r.done) send({ file, end: true });
      else {
        // A copy of the chunk's own bytes, moved to the worker (a chunk may view a larger buffer).
        const chunk = new Uint8Array(r.value as Buffer);
        worker.postMessage({ file, chunk } satisfies ToReader, [chunk.buffer]);
      }
    } catch (err) {
      send({ file, fail: err instanceof Error ? err.message : String(err) });
    }
  };
  const onMessage = (m: FromReader) => {
    if (m.file !== file) return;
    if ('pull' in m) return void pull();
    if ('rows' in m) queue.push(m.rows);
    else if ('done' in m) done = true;
    else failure = new Error(m.error);
    woken();
  };
  const onError = (err: Error) => {
    failure = err;
    woken();
  };
  const onExit = () => {
    if (!done) failure ??= new Error('the file reader stopped');
    woken();
  };
  worker.on('message', onMessage);
  worker.on('error', onError);
  worker.on('exit', onExit);
  send({ read: file, format, from, batch: BATCH });
  try {
    for (;;) {
      const rows = queue.shift();
      if (rows) {
        send({ file, more: true });
        yield* rows;
      } else if (failure) throw failure;
      else if (done) return;
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    // Done: the thread is kept for the next file. Failed, or left early (a stop): it is ended. The
    // file is closed either way.
    worker.off('message', onMessage);
    worker.off('error', onError);
    worker.off('exit', onExit);
    whole.destroy();
    input.destroy();
    if (done && !failure) await keepReader(worker);
    else await worker.terminate();
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
