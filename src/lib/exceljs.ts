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

type WorkbookReader = ExcelJS['stream']['xlsx']['WorkbookReader'];
let workbookReader: WorkbookReader | undefined;

/**
 * exceljs's streaming XLSX reader alone, with the mended XML decoding: what reading an import
 * file needs, ~9 MB of RSS less than all of exceljs (measured), which matters in the worker
 * thread that reads a large XLSX (modules/imports/read-apart.ts).
 */
export function loadXlsxReader(): WorkbookReader {
  if (!mendExcelJS()) throw new Error('exceljs was loaded before its UTF-8 reader was mended: load it through lib/exceljs.ts');
  return (workbookReader ??= require('exceljs/lib/stream/xlsx/workbook-reader.js') as WorkbookReader);
}
