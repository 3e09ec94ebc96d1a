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
//   443 MB; here they are UTF-8 in blocks of 1 MiB, with 8 bytes of place per string.
// - Where the sheet comes before the shared strings in the zip (as Excel and exceljs write it),
//   exceljs copies it to a temporary file first and deletes that file only when its reader is
//   read to the end: the reader is always read to its end here, also when the rows are not.
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

const BLOCK = 1 << 20;
/** Strings per array of places (2 numbers each): 512 KB arrays, none copied as the workbook grows. */
const PLACES = 1 << 16;

/**
 * A workbook's shared strings by number, as UTF-8 in blocks of 1 MiB (a longer string gets a
 * block of its own), each string's place in two numbers: its block and start, and its length.
 */
export class SharedStrings {
  private readonly blocks: Buffer[] = [];
  private used = BLOCK;
  /** Per string: block × 2^20 + start, then its length in bytes; PLACES strings an array. */
  private readonly places: Uint32Array[] = [];
  size = 0;
  add(text: string) {
    const bytes = Buffer.byteLength(text);
    // An empty string takes no bytes: length 0 says so.
    let at = 0;
    if (bytes) {
      if (this.used + bytes > BLOCK) {
        if (this.blocks.length >= 4096) throw new Error('the workbook holds more than 4 GiB of shared strings');
        this.blocks.push(Buffer.allocUnsafeSlow(Math.max(BLOCK, bytes)));
        this.used = 0;
      }
      at = (this.blocks.length - 1) * BLOCK + this.used;
      this.used += this.blocks[this.blocks.length - 1].write(text, this.used, 'utf8');
    }
    const j = this.size % PLACES;
    if (j === 0) this.places.push(new Uint32Array(2 * PLACES));
    const places = this.places[this.places.length - 1];
    places[2 * j] = at;
    places[2 * j + 1] = bytes;
    this.size++;
  }
  /** The text of string `i`, or null (an empty one, or no such string). */
  get(i: number): string | null {
    if (!(i >= 0 && i < this.size)) return null;
    const places = this.places[Math.floor(i / PLACES)];
    const j = i % PLACES;
    const length = places[2 * j + 1];
    if (!length) return null;
    const at = places[2 * j];
    const start = at % BLOCK;
    return this.blocks[(at - start) / BLOCK].toString('utf8', start, start + length);
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
  }
}

async function readToEnd(items: AsyncGenerator<WorkbookItem>) {
  try {
    while (!(await items.next()).done);
  } catch {
    // The file broke off or its stream was closed: nothing more to read.
  }
}
