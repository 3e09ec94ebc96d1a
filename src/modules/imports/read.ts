// Reading an import file row by row, streaming: CSV through csv-parse (the delimiter guessed
// among , ; and tab from the first line; UTF-8 with or without a BOM, or Windows-1251 as
// Russian Excel saves it, decoded by iconv-lite when the bytes are not valid UTF-8) and XLSX
// through read-xlsx.ts (the first sheet, as a spreadsheet shows it). Only a small head of the
// file is ever held at once.
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { readXlsx, readXlsxBatches } from './read-xlsx.js';

/** A cell as read: text from CSV; text, number, boolean or date from XLSX; null when empty. */
export type Cell = string | number | boolean | Date | null;
/** A row with its number in the file (1-based, as a spreadsheet shows it). */
export type FileRow = { row: number; cells: Cell[] };

export type FileFormat = 'CSV' | 'XLSX';

const HEAD = 64 * 1024;

/** The format a file name or MIME type names, or null. */
export function formatOf(name: string, type?: string | null): FileFormat | null {
  const n = name.toLowerCase();
  if (n.endsWith('.xlsx') || type === 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet') return 'XLSX';
  if (n.endsWith('.csv') || n.endsWith('.txt') || n.endsWith('.tsv') || type === 'text/csv') return 'CSV';
  return null;
}

/**
 * The first bytes of a stream (at least `size`, unless it ends before: `ended`), and a stream of
 * the whole (those bytes, then the rest).
 */
export async function peek(input: Readable, size: number): Promise<{ head: Buffer; whole: Readable; ended: boolean }> {
  const it = input[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let got = 0;
  let done = false;
  while (got < size) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array);
    chunks.push(b);
    got += b.length;
  }
  const head = Buffer.concat(chunks);
  async function* all() {
    yield head;
    if (done) return;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value as Buffer;
  }
  return { head, whole: Readable.from(all(), { objectMode: false }), ended: done };
}

/** Whether bytes are UTF-8 (a sequence cut at the end of the sample is allowed). */
export function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/** The delimiter of the first line: the most frequent of , ; and tab outside quotes. */
export function guessDelimiter(text: string): string {
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch in counts) counts[ch]++;
  }
  return Object.entries(counts).sort((a, b) => b[1] - a[1])[0][1] > 0 ? Object.entries(counts).sort((a, b) => b[1] - a[1])[0][0] : ',';
}

async function* readCsv(input: Readable, from: number): AsyncGenerator<FileRow> {
  const { head, whole } = await peek(input, HEAD);
  const utf8 = isUtf8(head);
  const text = utf8 ? head.toString('utf8').replace(/^\uFEFF/, '') : iconv.decode(head, 'win1251');
  const delimiter = guessDelimiter(text);
  const decoded = utf8 ? whole : whole.pipe(iconv.decodeStream('win1251'));
  const parser = decoded.pipe(
    parse({
      delimiter,
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      // The rows before `from` are parsed (a CSV row may span lines) but not handed on.
    }),
  );
  let row = 0;
  for await (const record of parser as AsyncIterable<string[]>) {
    row++;
    if (row < from) continue;
    yield { row, cells: record.map((c) => (c === '' ? null : c)) };
  }
}

/** The rows of a file from row `from` on (rows before it are read past, not handed on). */
export function readRows(input: Readable, format: FileFormat, from = 1): AsyncGenerator<FileRow> {
  return format === 'XLSX' ? readXlsx(input, from) : readCsv(input, from);
}

/** readRows's rows a few at a time: an XLSX's as its XML gives them, a CSV's one by one. */
export async function* readRowBatches(input: Readable, format: FileFormat, from = 1): AsyncGenerator<FileRow[]> {
  if (format === 'XLSX') yield* readXlsxBatches(input, from);
  else for await (const row of readCsv(input, from)) yield [row];
}

/** A row with no value in any cell. */
export const emptyRow = (cells: Cell[]) => cells.every((c) => c === null || (typeof c === 'string' && c.trim() === ''));
