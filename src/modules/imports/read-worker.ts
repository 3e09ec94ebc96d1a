// A worker thread reading an import file (read-apart.ts starts it for a large XLSX): the bytes
// come from the thread that started it, pulled as the parser wants them, and the rows go back in
// batches, at most two ahead of what that thread has taken. The unzipping and XML parsing, and
// the garbage they make, stay off the event loop that serves requests and writes the rows.
import { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { readRows, type FileFormat, type FileRow } from './read.js';

/** What the starting thread sends: a chunk of the file, its end, a failure to read it, or room for a batch more. */
export type ToReader = { chunk: Uint8Array } | { end: true } | { fail: string } | { more: true };
/** What the worker sends: a wish for the next chunk, rows, the end of the rows, or why reading failed. */
export type FromReader = { pull: true } | { rows: FileRow[] } | { done: true } | { error: string };
/** `tmp`: the directory the worker's temporary files go in (exceljs's copy of a sheet), removed by the thread that started it. */
export type ReaderData = { format: FileFormat; from: number; batch: number; tmp: string };

const port = parentPort!;
const { format, from, batch, tmp } = workerData as ReaderData;
// os.tmpdir() reads TMPDIR on each call, and a worker's process.env is its own copy.
process.env.TMPDIR = tmp;
const send = (m: FromReader) => port.postMessage(m);

const input = new Readable({
  read() {
    send({ pull: true });
  },
});
let room = 2;
let wake: (() => void) | undefined;
port.on('message', (m: ToReader) => {
  if ('chunk' in m) input.push(Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength));
  else if ('end' in m) input.push(null);
  else if ('fail' in m) input.destroy(new Error(m.fail));
  else {
    room++;
    wake?.();
  }
});

async function post(rows: FileRow[]) {
  while (room <= 0) await new Promise<void>((resolve) => (wake = resolve));
  room--;
  send({ rows });
}

try {
  let rows: FileRow[] = [];
  for await (const r of readRows(input, format, from)) {
    rows.push(r);
    if (rows.length >= batch) {
      await post(rows);
      rows = [];
    }
  }
  if (rows.length) await post(rows);
  send({ done: true });
} catch (err) {
  send({ error: err instanceof Error ? err.message : String(err) });
}
