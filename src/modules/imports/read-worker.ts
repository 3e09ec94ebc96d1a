// A worker thread reading import files (read-apart.ts starts it for a large XLSX, and keeps it a
// while for the next file), one at a time: the bytes come from the thread that started it,
// pulled as the parser wants them (up to 256 KiB held ahead of it), and the rows go back in
// batches of 250, at most eight ahead of what that thread has taken (two of an import's batches
// of 1,000, the default: with two, the import's thread waited on this one ~35–45 ms per 1,000
// rows, docs/performance.md).
// The unzipping and XML parsing, and the garbage they make, stay off the event loop that serves
// requests and writes the rows. Every message names its file, so one meant for a file already
// done (a chunk answering a pull its parser no longer needed) is dropped.
import { Readable } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import { readRowBatches, type FileFormat, type FileRow } from './read.js';

/** What the starting thread sends: a file to read, a chunk of it, its end, a failure to read it, or room for a batch more. */
export type ToReader =
  | { read: number; format: FileFormat; from: number; batch: number }
  | { file: number; chunk: Uint8Array }
  | { file: number; end: true }
  | { file: number; fail: string }
  | { file: number; more: true };
/** What the worker sends of a file: a wish for its next chunk, rows, the end of its rows, or why reading it failed. */
export type FromReader = { file: number } & ({ pull: true } | { rows: FileRow[] } | { done: true } | { error: string });

const port = parentPort!;
const send = (m: FromReader) => port.postMessage(m);
/** Batches of rows the worker reads ahead of what the starting thread has taken. */
const BATCHES_AHEAD = 8;
/** Bytes of the file it holds ahead of its parser. */
const BYTES_AHEAD = 256 * 1024;

/** The file being read. */
let current: { file: number; input: Readable; room: number; wake?: () => void } | undefined;

port.on('message', (m: ToReader) => {
  if ('read' in m) return void read(m);
  const f = current;
  if (!f || m.file !== f.file) return;
  if ('chunk' in m) f.input.push(Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength));
  else if ('end' in m) f.input.push(null);
  else if ('fail' in m) f.input.destroy(new Error(m.fail));
  else {
    f.room++;
    f.wake?.();
  }
});

async function read({ read: file, format, from, batch }: Extract<ToReader, { read: number }>) {
  const input = new Readable({
    highWaterMark: BYTES_AHEAD,
    read() {
      send({ file, pull: true });
    },
  });
  const f: NonNullable<typeof current> = { file, input, room: BATCHES_AHEAD };
  current = f;
  const post = async (rows: FileRow[]) => {
    while (f.room <= 0) await new Promise<void>((resolve) => (f.wake = resolve));
    f.room--;
    send({ file, rows });
  };
  try {
    let rows: FileRow[] = [];
    for await (const got of readRowBatches(input, format, from)) {
      for (const r of got) {
        rows.push(r);
        if (rows.length >= batch) {
          await post(rows);
          rows = [];
        }
      }
    }
    if (rows.length) await post(rows);
    send({ file, done: true });
  } catch (err) {
    send({ file, error: err instanceof Error ? err.message : String(err) });
  } finally {
    if (current === f) current = undefined;
    input.destroy();
  }
}
