// exceljs, loaded on first use (~20 MB of RSS an idle server does not need), with its streaming
// reader's XML decoding mended: exceljs 4 decodes each decompressed chunk of a sheet on its own
// (utils/parse-sax.js), so a multi-byte character (Cyrillic, say) that falls across two chunks
// became two U+FFFD and was imported corrupted, silently (exceljs issue #2084; the fixes proposed
// upstream, #1665 and #2894, are not released). The mended reader decodes the chunks as one
// stream. It is put in Node's module cache in place of exceljs's own before exceljs loads it,
// which is why every use of exceljs in this project goes through `loadExcelJS()` (and the test
// setup imports this module first).
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';

type ExcelJS = typeof import('exceljs');

const require = createRequire(import.meta.url);
const parseSaxPath = require.resolve('exceljs/lib/utils/parse-sax.js');

type SaxEvent = { eventType: string; value: unknown };
type Saxes = { on(ev: string, f: (v: unknown) => void): void; write(s: string): void; close(): void };

function mendedParseSax() {
  const local = createRequire(parseSaxPath);
  const { SaxesParser } = local('saxes') as { SaxesParser: new () => Saxes };
  return async function* parseSax(iterable: AsyncIterable<Buffer | string> & { pipe?: unknown }): AsyncGenerator<SaxEvent[]> {
    const parser = new SaxesParser();
    const decoder = new TextDecoder('utf-8');
    let error: unknown;
    let events: SaxEvent[] = [];
    parser.on('error', (err) => (error = err));
    for (const eventType of ['opentag', 'text', 'closetag']) parser.on(eventType, (value) => events.push({ eventType, value }));
    for await (const chunk of iterable) {
      // `stream: true` keeps a character's first bytes until the chunk that ends it.
      parser.write(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
      if (error) throw error;
      yield events;
      events = [];
    }
    const rest = decoder.decode();
    if (rest) {
      parser.write(rest);
      if (error) throw error;
      yield events;
    }
  };
}

/** Puts the mended reader in the module cache; false when exceljs's own was loaded first. */
export function mendExcelJS(): boolean {
  const cached = require.cache[parseSaxPath];
  if (cached) return (cached.exports as { mended?: boolean }).mended === true;
  const m = new Module(parseSaxPath);
  m.filename = parseSaxPath;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(parseSaxPath));
  m.exports = Object.assign(mendedParseSax(), { mended: true });
  m.loaded = true;
  require.cache[parseSaxPath] = m;
  return true;
}

let loading: Promise<ExcelJS> | undefined;

/** exceljs with the mended reader; throws if exceljs was loaded before the mend could go in. */
export function loadExcelJS(): Promise<ExcelJS> {
  return (loading ??= (async () => {
    if (!mendExcelJS()) throw new Error('exceljs was loaded before its UTF-8 reader was mended: load it through lib/exceljs.ts');
    return (await import('exceljs')).default;
  })());
}

/** A relationship of a package part (`Target` relative to the part's folder, or absolute from the root). */
export type Relationship = { Id: string; Type?: string; Target: string; TargetMode?: string };
/** A workbook's styles as exceljs reads them: a style's number format by its index. */
export type Styles = { getStyleModel(id: number): { numFmt?: string } | null };
export type WorkbookParts = {
  /** The relationships of a part (`xl/_rels/workbook.xml.rels`: the workbook's sheets' files). */
  rels(xml: AsyncIterable<Buffer | string>): Promise<Relationship[]>;
  /** The workbook part: its date system and its sheets in tab order. */
  workbook(xml: AsyncIterable<Buffer | string>): Promise<{ date1904: boolean; sheets: { rId: string }[] }>;
  /** The styles part, or exceljs's default styles where a workbook has none. */
  styles(xml: AsyncIterable<Buffer | string> | undefined): Promise<Styles>;
};
let workbookParts: WorkbookParts | undefined;

/**
 * exceljs's readers of a workbook's parts (its relationships, its sheet list and date system, its
 * styles), with the mended XML decoding: what reading an import file needs of exceljs beside
 * `loadSheetParts()`, without its streaming workbook reader (and unzipper): ~70 ms less to load
 * in a new reader thread, ~2 MB less (modules/imports/read-xlsx.ts).
 */
export function loadWorkbookParts(): WorkbookParts {
  if (workbookParts) return workbookParts;
  if (!mendExcelJS()) throw new Error('exceljs was loaded before its UTF-8 reader was mended: load it through lib/exceljs.ts');
  type Xform = { parseStream(xml: AsyncIterable<Buffer | string>): Promise<unknown> };
  const RelationshipsXform = require('exceljs/lib/xlsx/xform/core/relationships-xform.js') as new () => Xform;
  const WorkbookXform = require('exceljs/lib/xlsx/xform/book/workbook-xform.js') as new () => Xform & {
    model?: { sheets?: { rId: string }[] };
    map: { workbookPr: { model?: { date1904?: boolean } } };
  };
  const StylesXform = require('exceljs/lib/xlsx/xform/style/styles-xform.js') as new () => Xform & Styles & { init(): void };
  return (workbookParts = {
    rels: async (xml) => ((await new RelationshipsXform().parseStream(xml)) as Relationship[] | undefined) ?? [],
    async workbook(xml) {
      const book = new WorkbookXform();
      await book.parseStream(xml);
      return { date1904: !!book.map.workbookPr.model?.date1904, sheets: book.model?.sheets ?? [] };
    },
    async styles(xml) {
      const styles = new StylesXform();
      styles.init();
      if (xml) await styles.parseStream(xml);
      return styles;
    },
  });
}

export type SheetParts = {
  /** Whether a number format shows a date (exceljs' own rule). */
  isDateFmt(fmt: string | undefined): boolean;
  /** A serial date as a Date, in the 1900 or 1904 date system. */
  excelToDate(serial: number, date1904: boolean): Date;
};
let sheetParts: SheetParts | undefined;

/**
 * What reading a worksheet's XML needs beside exceljs's workbook reader: its rules for date
 * formats and serial dates (modules/imports/read-xlsx.ts).
 */
export function loadSheetParts(): SheetParts {
  if (sheetParts) return sheetParts;
  const { isDateFmt, excelToDate } = require('exceljs/lib/utils/utils.js') as SheetParts;
  return (sheetParts = { isDateFmt, excelToDate });
}
