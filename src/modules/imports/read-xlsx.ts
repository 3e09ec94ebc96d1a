// An XLSX file's first sheet, row by row, streaming. exceljs's WorkbookReader does the workbook:
// the zip, the shared strings' XML, the styles and the date system. The sheet's XML is read here,
// by the same XML parser (saxes) exceljs uses, straight into each row's cells. exceljs's own sheet
// reader builds a Row and a Cell object, with its style, for every cell, and an event object for
// every XML event, all thrown away at once: in the thread that reads a large import file that
// was ~40 % of its CPU, with its garbage (docs/performance.md, "Import: an XLSX sheet read
// without exceljs's rows"). What a cell gives is what a spreadsheet shows (read.ts's `Cell`):
// - a shared or inline string its text (rich text's runs joined, phonetic guides left out);
// - a number its value, or the Date it shows where its number format is a date's (exceljs's
//   rule, in the workbook's 1900 or 1904 date system);
// - a boolean true or false; an ISO date cell (`t="d"`) its Date;
// - a formula its cached result, typed as above (none cached: empty); an error cell is empty.
//
// Two things a whole file's reading must not leave behind or hold:
// - The shared strings (Excel keeps each distinct text of a workbook once, and its cells point
//   at them by number) are all needed until the sheet's last row. Kept as exceljs keeps them, a
//   JS string each, an Excel-written file of 300,000 rows made the import's process peak at
//   443 MB; here they are UTF-8 in blocks, with 8 bytes of place per string, and a large
//   workbook's later blocks wait in a temporary file (`SharedStrings`), so that what the reader
//   holds no longer grows with the workbook's distinct texts.
// - Where the sheet comes before the shared strings in the zip (as Excel and exceljs write it),
//   exceljs copies it to a temporary file first and deletes that file only when its reader is
//   read to the end: the reader is always read to its end here, also when the rows are not.
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { loadSheetParts, loadXlsxReader } from '../../lib/exceljs.js';
import type { Cell, FileRow } from './read.js';

/** A shared string as exceljs emits it: its text, or its rich text's runs. */
type SharedString = string | { richText: { text?: string }[] } | null | undefined;
/** What of exceljs's WorkbookReader the sheet's cells need, once it handed the sheet over. */
type SheetSource = {
  iterator: AsyncIterable<Buffer | string>;
  workbook: {
    styles: { getStyleModel(id: number): { numFmt?: string } | null };
    properties?: { model?: { date1904?: boolean } };
  };
};
/** What WorkbookReader.parse() yields with `sharedStrings: 'emit'`: a sheet (and other parts), or a shared string. */
type WorkbookItem = { eventType: string; value: unknown } | { index: number; text: SharedString };

/** Bytes per block of strings: a string never spans two (a longer one gets a block of its own). */
const BLOCK = 1 << 16;
/** Strings per block of places (8 bytes each): a block's 64 KiB. */
const PLACES = BLOCK / 8;
/** Bytes of a workbook's first blocks of strings kept in memory; later ones go to a file. */
const STRINGS_HELD = 8 << 20;
/** Bytes of its first blocks of places kept in memory (the places of 262,144 strings). */
const PLACES_HELD = 2 << 20;
/** Blocks read back from the file kept at once, per kind (least recently used out first). */
const READ_BACK = 48;

/**
 * Blocks appended in order and read by number: the first `held` bytes of them in memory, the
 * rest written to a file (opened at the first, its name removed at once) and read back, into
 * arrays `make` gives, through a cache of the `cached` last used.
 */
class Blocks<T extends Buffer | Uint32Array> {
  private readonly kept: (T | undefined)[] = [];
  /** Of a block in the file, its place and size. */
  private readonly at: number[] = [];
  private readonly sizes: number[] = [];
  private keptBytes = 0;
  private fd: number | undefined;
  private end = 0;
  /** Blocks read back, each with when it was last used. */
  private readonly cache = new Map<number, { block: T; used: number }>();
  private uses = 0;
  constructor(
    private readonly held: number,
    private readonly cached: number,
    private readonly make: (bytes: number) => T,
  ) {}
  get count() {
    return this.kept.length;
  }
  /** Appends a block; answers whether it was kept in memory (if not, its buffer may be used again). */
  push(block: T): boolean {
    const i = this.kept.length;
    const bytes = block.byteLength;
    if (this.keptBytes + bytes <= this.held) {
      this.kept.push(block);
      this.keptBytes += bytes;
      return true;
    }
    if (this.fd === undefined) this.fd = openSpill();
    for (let done = 0; done < bytes;) done += writeSync(this.fd, block, done, bytes - done, this.end + done);
    this.kept.push(undefined);
    this.at[i] = this.end;
    this.sizes[i] = bytes;
    this.end += bytes;
    return false;
  }
  get(i: number): T {
    const kept = this.kept[i];
    if (kept) return kept;
    const hit = this.cache.get(i);
    // A hit only marks its use (moving it in the map made garbage and cost as much as the reading).
    if (hit) {
      hit.used = ++this.uses;
      return hit.block;
    }
    const size = this.sizes[i];
    let block: T | undefined;
    if (this.cache.size >= this.cached) {
      let oldest = -1;
      let least = Infinity;
      for (const [k, e] of this.cache)
        if (e.used < least) {
          least = e.used;
          oldest = k;
        }
      const old = this.cache.get(oldest)!.block;
      this.cache.delete(oldest);
      if (old.byteLength >= size) block = old;
    }
    // A block read back gets a full block's size at least, for the next one read.
    block ??= this.make(Math.max(size, BLOCK));
    for (let done = 0; done < size;) {
      const n = readSync(this.fd!, block, done, size - done, this.at[i] + done);
      if (n === 0) throw new Error('the shared strings file ended early');
      done += n;
    }
    this.cache.set(i, { block, used: ++this.uses });
    return block;
  }
  close() {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.kept.length = 0;
    this.cache.clear();
  }
}

/** A file for blocks, in the temporary directory, its name removed at once (the file goes when it is closed). */
function openSpill(): number {
  const path = join(tmpdir(), `crm-shared-strings-${process.pid}-${randomUUID()}`);
  const fd = openSync(path, 'wx+', 0o600);
  rmSync(path, { force: true });
  return fd;
}

/**
 * A workbook's shared strings by number, as UTF-8 in blocks, each string's place in 8 bytes: its
 * block × 2^16 + start, then its length in bytes. A large workbook's later blocks (beyond the
 * first 8 MiB of strings and the first 2 MiB of places) are kept in a file and read back as its
 * cells need them: the first strings are the most shared (a city, a source, a label), and the
 * rest are needed mostly near the rows that brought them, as a spreadsheet lists its strings in
 * the order its cells first use them. `close()` removes the file.
 */
export class SharedStrings {
  private readonly blocks = new Blocks(STRINGS_HELD, READ_BACK, (bytes) => Buffer.allocUnsafeSlow(bytes));
  private block = Buffer.allocUnsafeSlow(BLOCK);
  private used = 0;
  private readonly places = new Blocks(PLACES_HELD, READ_BACK, (bytes) => new Uint32Array(bytes / 4));
  private place = new Uint32Array(2 * PLACES);
  size = 0;
  add(text: string) {
    const bytes = Buffer.byteLength(text);
    // An empty string takes no bytes: length 0 says so.
    let at = 0;
    if (bytes) {
      if (this.used + bytes > BLOCK) this.nextBlock(bytes);
      if (this.blocks.count >= 65536) throw new Error('the workbook holds more than 4 GiB of shared strings');
      at = this.blocks.count * BLOCK + this.used;
      this.used += this.block.write(text, this.used, 'utf8');
    }
    const j = this.size++ % PLACES;
    this.place[2 * j] = at;
    this.place[2 * j + 1] = bytes;
    // A full block of places is appended; one written to the file leaves its array for the next.
    if (j === PLACES - 1 && this.places.push(this.place)) this.place = new Uint32Array(2 * PLACES);
  }
  /** The block under way is full: it is appended, and the next string goes in a new one. */
  private nextBlock(bytes: number) {
    if (this.used) {
      const kept = this.blocks.push(this.used < BLOCK ? this.block.subarray(0, this.used) : this.block);
      if (kept) this.block = Buffer.allocUnsafeSlow(BLOCK);
      this.used = 0;
    }
    // A string longer than a block: a block of its own, appended after it.
    if (bytes > BLOCK) this.block = Buffer.allocUnsafeSlow(bytes);
    else if (this.block.length !== BLOCK) this.block = Buffer.allocUnsafeSlow(BLOCK);
  }
  /** The text of string `i`, or null (an empty one, or no such string). */
  get(i: number): string | null {
    if (!(i >= 0 && i < this.size)) return null;
    const p = Math.floor(i / PLACES);
    const places = p < this.places.count ? this.places.get(p) : this.place;
    const j = 2 * (i % PLACES);
    const length = places[j + 1];
    if (!length) return null;
    const at = places[j];
    const start = at % BLOCK;
    const b = (at - start) / BLOCK;
    return (b < this.blocks.count ? this.blocks.get(b) : this.block).toString('utf8', start, start + length);
  }
  /** The strings are no longer needed: their file (if any) is closed and removed. */
  close() {
    this.blocks.close();
    this.places.close();
  }
}

/** A cell reference's column, 0-based ("B7" → 1), or -1 when it has none. */
function columnOf(ref: string | undefined): number {
  if (!ref) return -1;
  let col = 0;
  for (let i = 0; i < ref.length; i++) {
    const c = ref.charCodeAt(i);
    if (c < 65 || c > 90) break;
    col = col * 26 + (c - 64);
  }
  return col - 1;
}

const local = (name: string) => {
  const i = name.indexOf(':');
  return i < 0 ? name : name.slice(i + 1);
};

/** A shared string's plain text: rich text's runs joined. */
function plainText(s: SharedString): string {
  if (s === null || s === undefined) return '';
  if (typeof s === 'string') return s;
  return s.richText.map((r) => r.text ?? '').join('');
}

/** The rows of the sheet from row `from` on, each with its cells up to its last one with a value. */
async function* sheetRows(sheet: SheetSource, shared: SharedStrings, from: number): AsyncGenerator<FileRow> {
  const { SaxesParser, isDateFmt, excelToDate } = loadSheetParts();
  const { styles, properties } = sheet.workbook;
  const date1904 = !!properties?.model?.date1904;
  const dateStyle = new Map<number, boolean>();
  const isDate = (style: number) => {
    let d = dateStyle.get(style);
    if (d === undefined) dateStyle.set(style, (d = isDateFmt(styles.getStyleModel(style)?.numFmt)));
    return d;
  };
  const number = (text: string, style: number): Cell => {
    const n = parseFloat(text);
    if (Number.isNaN(n)) return null;
    return style && isDate(style) ? excelToDate(n, date1904) : n;
  };

  let out: FileRow[] = [];
  let rowNo = 0;
  let rowStyle = 0;
  let cells: Cell[] = [];
  let col = -1;
  // The cell under way: its type, style, its <v> (a formula's cached result too) and inline text.
  let type: string | undefined;
  let style = 0;
  let value: string | null = null;
  let inline: string | null = null;
  /** Where text goes now: nowhere, the cell's <v>, or a <t> of its inline string. */
  let into: 0 | 1 | 2 = 0;
  let phonetic = false;

  const cellValue = (): Cell => {
    // An inline string in its <is> (or, as a few writers put it, in a <v>).
    if (type === 'inlineStr') return inline || value || null;
    if (value === null) return null;
    switch (type) {
      case 's':
        return shared.get(parseInt(value, 10));
      case 'str':
        return value || null;
      case 'b':
        return value === '' ? null : parseInt(value, 10) !== 0;
      case 'e':
        return null;
      case 'd': {
        const d = new Date(value);
        return Number.isNaN(d.getTime()) ? null : d;
      }
      default:
        return number(value, style);
    }
  };

  const parser = new SaxesParser();
  let failure: Error | undefined;
  parser.on('error', (err) => (failure ??= err));
  parser.on('opentag', ({ name, attributes: a }) => {
    switch (local(name)) {
      case 'row':
        rowNo = a.r ? parseInt(a.r, 10) : rowNo + 1;
        rowStyle = a.s ? parseInt(a.s, 10) || 0 : 0;
        cells = [];
        col = -1;
        break;
      case 'c': {
        const at = columnOf(a.r);
        col = at < 0 ? col + 1 : at;
        type = a.t;
        style = a.s ? parseInt(a.s, 10) || 0 : rowStyle;
        value = inline = null;
        break;
      }
      case 'v':
        value = '';
        into = 1;
        break;
      case 'is':
        inline = '';
        break;
      case 'rPh':
        phonetic = true;
        break;
      case 't':
        if (inline !== null && !phonetic) into = 2;
        break;
    }
  });
  parser.on('text', (text) => {
    if (into === 1) value += text;
    else if (into === 2) inline += text;
  });
  parser.on('closetag', ({ name }) => {
    switch (local(name)) {
      case 'v':
      case 't':
        into = 0;
        break;
      case 'rPh':
        phonetic = false;
        break;
      case 'c': {
        const v = cellValue();
        if (v !== null) {
          while (cells.length < col) cells.push(null);
          cells[col] = v;
        }
        break;
      }
      case 'row':
        if (rowNo >= from) out.push({ row: rowNo, cells });
        break;
    }
  });

  const decoder = new TextDecoder('utf-8');
  const write = (text: string) => {
    if (text) parser.write(text);
    if (failure) throw failure;
  };
  for await (const chunk of sheet.iterator) {
    // `stream: true` keeps a character's first bytes until the chunk that ends it.
    write(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    if (out.length) {
      const rows = out;
      out = [];
      yield* rows;
    }
  }
  write(decoder.decode());
  yield* out;
}

/** The rows of an XLSX file's first sheet from row `from` on (rows before it are read past). */
export async function* readXlsx(input: Readable, from: number): AsyncGenerator<FileRow> {
  const WorkbookReader = loadXlsxReader();
  const reader = new WorkbookReader(input, {
    worksheets: 'emit',
    sharedStrings: 'emit',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  const items = (reader as unknown as { parse(): AsyncGenerator<WorkbookItem> }).parse();
  const shared = new SharedStrings();
  let sheetRead = false;
  let ended = false;
  try {
    for (let r = await items.next(); !r.done; r = await items.next()) {
      const item = r.value;
      if (!('eventType' in item)) shared.add(plainText(item.text));
      else if (item.eventType === 'worksheet' && !sheetRead) {
        // Only the first sheet is read; the reader is read on to its end (see above).
        sheetRead = true;
        yield* sheetRows(item.value as SheetSource, shared, from);
      } else if (item.eventType === 'worksheet') {
        // Another sheet, not read: its copy's file is closed (exceljs deletes it next).
        (item.value as { iterator: { destroy?: () => void } }).iterator.destroy?.();
      }
    }
    ended = true;
  } finally {
    // Left early (the rows' reader stopped, or failed): exceljs still deletes its copy of the sheet.
    if (!ended) await readToEnd(items);
    shared.close();
  }
}

async function readToEnd(items: AsyncGenerator<WorkbookItem>) {
  try {
    while (!(await items.next()).done);
  } catch {
    // The file broke off or its stream was closed: nothing more to read.
  }
}
