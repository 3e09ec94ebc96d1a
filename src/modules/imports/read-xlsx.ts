// An XLSX file's first sheet, row by row, streaming. exceljs's WorkbookReader does the workbook:
// the zip, the shared strings, the styles and the date system. The sheet's XML is read here, by
// the same XML parser (saxes) exceljs uses, straight into each row's cells. exceljs's own sheet
// reader builds a Row and a Cell object, with its style, for every cell, and an event object for
// every XML event, all thrown away at once: in the thread that reads a large import file that
// was ~40 % of its CPU, with its garbage (docs/performance.md, "Import: an XLSX sheet read
// without exceljs's rows"). What a cell gives is what a spreadsheet shows (read.ts's `Cell`):
// - a shared or inline string its text (rich text's runs joined, phonetic guides left out);
// - a number its value, or the Date it shows where its number format is a date's (exceljs's
//   rule, in the workbook's 1900 or 1904 date system);
// - a boolean true or false; an ISO date cell (`t="d"`) its Date;
// - a formula its cached result, typed as above (none cached: empty); an error cell is empty.
import type { Readable } from 'node:stream';
import { loadSheetParts, loadXlsxReader } from '../../lib/exceljs.js';
import type { Cell, FileRow } from './read.js';

type SharedString = string | { richText: { text: string }[] } | null | undefined;
/** What of exceljs's WorkbookReader the sheet's cells need, once it handed the sheet over. */
type SheetSource = {
  iterator: AsyncIterable<Buffer | string>;
  workbook: {
    sharedStrings?: SharedString[];
    styles: { getStyleModel(id: number): { numFmt?: string } | null };
    properties?: { model?: { date1904?: boolean } };
  };
};

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

function sharedText(s: SharedString): string | null {
  if (s === null || s === undefined) return null;
  if (typeof s === 'string') return s || null;
  return s.richText.map((r) => r.text ?? '').join('') || null;
}

/** The rows of the sheet from row `from` on, each with its cells up to its last one with a value. */
async function* sheetRows(sheet: SheetSource, from: number): AsyncGenerator<FileRow> {
  const { SaxesParser, isDateFmt, excelToDate } = loadSheetParts();
  const { sharedStrings, styles, properties } = sheet.workbook;
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
        return sharedText(sharedStrings?.[parseInt(value, 10)]);
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
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'emit',
  });
  for await (const sheet of reader) {
    yield* sheetRows(sheet as unknown as SheetSource, from);
    // Only the first sheet is read.
    break;
  }
}
