// An XLSX file's first sheet, row by row, streaming. The file's bytes are copied to a temporary
// file first (`copyOf`: a zip's directory is at its end, and a sheet's parts are not in the order
// they are needed), and read from there by yauzl, a part at a time: the workbook's relationships
// and its sheet list, its styles and date system (through exceljs's readers of those parts), its
// shared strings, then the first sheet's XML, inflated as it is read. The shared strings' and
// the sheet's XML are read here, by htmlparser2's tokenizer (`readXml`), straight into each row's
// cells. exceljs's own sheet reader builds a Row and a Cell object, with its style, for every
// cell, and an event object for every XML event, all thrown away at once: in the thread that
// reads a large import file that was ~40 % of its CPU, with its garbage (docs/performance.md,
// "Import: an XLSX sheet read without exceljs's rows"). exceljs's WorkbookReader, reading the zip
// as a stream, also inflated the whole sheet into a temporary file before its first row (its
// styles come after it in the zip): ~600 bytes of XML per row on disk, and no row for the import
// until then (docs/performance.md, "Import: an XLSX read from a copy of its zip").
// What a cell gives is what a spreadsheet shows (read.ts's `Cell`):
// - a shared or inline string its text (rich text's runs joined, phonetic guides left out);
// - a number its value, or the Date it shows where its number format is a date's (exceljs's
//   rule, in the workbook's 1900 or 1904 date system);
// - a boolean true or false; an ISO date cell (`t="d"`) its Date;
// - a formula its cached result, typed as above (none cached: empty); an error cell is empty.
//
// The shared strings (Excel keeps each distinct text of a workbook once, and its cells point at
// them by number) are all needed until the sheet's last row. Kept as exceljs keeps them, a JS
// string each, an Excel-written file of 300,000 rows made the import's process peak at 443 MB;
// here they are UTF-8 in blocks, with 8 bytes of place per string, and a large workbook's later
// blocks wait in a temporary file (`SharedStrings`), so that what the reader holds no longer
// grows with the workbook's distinct texts. Every temporary file here has its name removed as
// it is opened: it goes when it is closed, or with the process.
import { randomUUID } from 'node:crypto';
import { close, closeSync, openSync, readSync, rmSync, write, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { decodeXML } from 'entities/decode';
import { Tokenizer } from 'htmlparser2';
import { loadSheetParts, loadWorkbookParts, type Relationship, type Styles } from '../../lib/exceljs.js';
import type { Cell, FileRow } from './read.js';

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
    if (this.fd === undefined) this.fd = openSpill('crm-shared-strings-');
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

/** A file of the reader's in the temporary directory, its name removed at once (the file goes when it is closed). */
function openSpill(prefix: string): number {
  const path = join(tmpdir(), `${prefix}${process.pid}-${randomUUID()}`);
  const fd = openSync(path, 'wx+', 0o600);
  rmSync(path, { force: true });
  return fd;
}
const writeFd = promisify(write);
const closeFd = promisify(close);

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
  /** Appends a string: its text, or (`latin1`) its UTF-8 bytes one character each, as `XmlText` gives them. */
  add(text: string, encoding: 'utf8' | 'latin1' = 'utf8') {
    const bytes = encoding === 'latin1' ? text.length : Buffer.byteLength(text);
    // An empty string takes no bytes: length 0 says so.
    let at = 0;
    if (bytes) {
      if (this.used + bytes > BLOCK) this.nextBlock(bytes);
      if (this.blocks.count >= 65536) throw new Error('the workbook holds more than 4 GiB of shared strings');
      at = this.blocks.count * BLOCK + this.used;
      this.used += this.block.write(text, this.used, encoding);
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

/** A byte of a multi-byte UTF-8 character, in text read as Latin-1 (one character a byte). */
const HIGH = /[\u0080-\u00ff]/;
/** What `textOf` has to decode: such a byte, a CR, an entity or character reference. */
const DECODE = /[\r&\u0080-\u00ff]/;

/**
 * Text from a part's XML as it was read, one character a byte (Latin-1, see `readXml`), decoded:
 * its UTF-8 where it has a byte past ASCII, its line ends as XML reads them (a CR LF or a lone
 * CR, a LF), then (unless it is a CDATA section's) its entities and character references.
 * Text with none of these stays the piece of the chunk it was cut from, one byte a character
 * like that chunk, and so does every string later made of it (the batch's JSON: a chunk decoded
 * as UTF-8 with one "₽" in it is two bytes a character, and so was all text cut from it).
 */
function textOf(raw: string, cdata = false): string {
  if (!DECODE.test(raw)) return raw;
  let text = HIGH.test(raw) ? Buffer.from(raw, 'latin1').toString('utf8') : raw;
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
  return !cdata && text.includes('&') ? decodeXML(text) : text;
}

/**
 * An element's text read in pieces (a chunk of the XML may end inside it): kept as read, and
 * decoded whole when taken. Markup is ASCII, so a character's bytes never span a CDATA
 * section's edge: the text before one is decoded there.
 */
class XmlText {
  private raw = '';
  private done = '';
  add(raw: string, cdata: boolean) {
    if (!cdata) this.raw += raw;
    else {
      this.done += textOf(this.raw) + textOf(raw, true);
      this.raw = '';
    }
  }
  /** The text, decoded (and forgotten here). */
  take(): string {
    const text = this.done ? this.done + textOf(this.raw) : textOf(this.raw);
    this.raw = this.done = '';
    return text;
  }
  /** The text as UTF-8 bytes one character each where nothing in it needs decoding but them, else decoded. */
  takeBytes(): [string, 'latin1' | 'utf8'] {
    const raw = this.raw;
    if (this.done || raw.includes('&') || raw.includes('\r')) return [this.take(), 'utf8'];
    this.raw = '';
    return [raw, 'latin1'];
  }
}

/** The attributes of an element that the parts' readers look at. */
type Attributes = { r?: string; s?: string; t?: string };
/** What a part's reader is told of its XML, in order: each element's start and end (local names), and text. */
type XmlEvents = {
  open(name: string, attributes: Attributes): void;
  close(name: string): void;
  /** Text as read (see `readXml`), in pieces: one in a CDATA section (`cdata`) is not to have its entities decoded. */
  text(raw: string, cdata: boolean): void;
};

/**
 * An XML part of the workbook read into `events`, giving a turn after each chunk (for what they
 * gathered from it). The XML is read by htmlparser2's tokenizer in its XML mode, from the
 * chunks' bytes as Latin-1 (one character a byte, copied as they are: markup is ASCII, so it reads
 * the same). The tokenizer gives each name, attribute value and text as where it starts and
 * ends, and leaves entities to the reader, so that only what is kept is made a string, and only
 * text that has a byte past ASCII or an entity is decoded (`XmlText`). Against saxes reading the
 * chunks decoded as UTF-8 (exceljs's parser), with each cell's text then copied to one byte a
 * character where it could be, this took a sheet's reading from ~21 to ~14 ms of CPU per 1,000
 * of the bench's rows (docs/performance.md, "Import: an XLSX's XML read by htmlparser2's
 * tokenizer"). The tokenizer forgives much that saxes did not; an end tag that does not match
 * its start, XML that ends inside an element, or holds none, fails here, with the part's path.
 */
async function* readXml(part: string, xml: AsyncIterable<Buffer | string>, events: XmlEvents): AsyncGenerator<void> {
  // The chunks a name, value or text under way may start in (as htmlparser2's Parser keeps them).
  const buffers: string[] = [];
  let bufferOffset = 0;
  const slice = (start: number, end: number) => {
    while (start - bufferOffset >= buffers[0].length) bufferOffset += buffers.shift()!.length;
    let text = buffers[0].slice(start - bufferOffset, end - bufferOffset);
    while (end - bufferOffset > buffers[0].length) {
      bufferOffset += buffers.shift()!.length;
      text += buffers[0].slice(0, end - bufferOffset);
    }
    return text;
  };
  /** The elements open, by their names as written; and whether there was one. */
  const open: string[] = [];
  let root = false;
  let tag = '';
  let attributes: Attributes = {};
  let attribute: keyof Attributes | '' = '';
  let value = '';
  const tokenizer = new Tokenizer(
    { xmlMode: true, decodeEntities: false },
    {
      onopentagname(start, end) {
        tag = slice(start, end);
        attributes = {};
      },
      onattribname(start, end) {
        // Only one-letter names are read: the others are not made strings.
        const name = end - start === 1 ? slice(start, end) : '';
        attribute = name === 'r' || name === 's' || name === 't' ? name : '';
        value = '';
      },
      onattribdata(start, end) {
        if (attribute) value += slice(start, end);
      },
      onattribentity() {},
      onattribend() {
        // A cell's reference, style and type are ASCII: only an entity would need decoding.
        if (attribute) attributes[attribute] = value.includes('&') ? decodeXML(value) : value;
        attribute = '';
      },
      onopentagend() {
        open.push(tag);
        root = true;
        events.open(local(tag), attributes);
      },
      onselfclosingtag() {
        root = true;
        const name = local(tag);
        events.open(name, attributes);
        events.close(name);
      },
      onclosetag(start, end) {
        const name = slice(start, end);
        const expected = open.pop();
        if (name !== expected) throw new Error(`${part}: mismatched end tag </${name}>, ${expected ? `expected </${expected}>` : 'no element is open'}`);
        events.close(local(name));
      },
      ontext(start, end) {
        events.text(slice(start, end), false);
      },
      ontextentity() {},
      oncdata(start, end, offset) {
        events.text(slice(start, end - offset), true);
      },
      oncomment() {},
      ondeclaration() {},
      onprocessinginstruction() {},
      onend() {},
    },
  );
  for await (const chunk of xml) {
    const text = (typeof chunk === 'string' ? Buffer.from(chunk) : chunk).toString('latin1');
    buffers.push(text);
    tokenizer.write(text);
    yield;
  }
  tokenizer.end();
  if (!root) throw new Error(`${part}: no element`);
  if (open.length) throw new Error(`${part}: the XML ends inside <${open.at(-1)}>`);
}

/**
 * The workbook's shared strings part read into `shared`, each string (`<si>`) as the text of its
 * `<t>`s: a plain one's, or its rich text's runs joined; phonetic guides (`<rPh>`) left out.
 * Text that needs no decoding goes to `shared` as the bytes it was read as.
 * (exceljs's reader of the part made an object per XML event, kept a phonetic guide's text in
 * place of a plain string's, and read no prefixed names.)
 */
async function readSharedStrings(part: string, xml: AsyncIterable<Buffer | string>, shared: SharedStrings) {
  const text = new XmlText();
  let inString = false;
  let into = false;
  let phonetic = false;
  const events: XmlEvents = {
    open(name) {
      if (name === 'si') inString = true;
      else if (name === 'rPh') phonetic = true;
      else if (name === 't' && inString && !phonetic) into = true;
    },
    close(name) {
      if (name === 't') into = false;
      else if (name === 'rPh') phonetic = false;
      else if (name === 'si') {
        shared.add(...text.takeBytes());
        inString = false;
      }
    },
    text(raw, cdata) {
      if (into) text.add(raw, cdata);
    },
  };
  for await (const _ of readXml(part, xml, events));
}

/**
 * The rows of the sheet from row `from` on, each with its cells up to its last one with a value:
 * those of each chunk of its XML together. A row at a time, through three nested async
 * generators to the reader thread's loop, its reading (then through saxes) cost 2.8–3.2× the
 * CPU of the CSV's, and 2.3–2.7× this way (`npm run bench:import-read`, alternated;
 * docs/performance.md).
 */
async function* sheetRows(
  part: string,
  xml: AsyncIterable<Buffer | string>,
  book: { styles: Styles; date1904: boolean },
  shared: SharedStrings,
  from: number,
): AsyncGenerator<FileRow[]> {
  const { isDateFmt, excelToDate } = loadSheetParts();
  const { styles, date1904 } = book;
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
  const text = new XmlText();

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

  const events: XmlEvents = {
    open(name, a) {
      switch (name) {
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
    },
    close(name) {
      switch (name) {
        case 'v':
          if (into === 1) value = text.take();
          into = 0;
          break;
        case 't':
          if (into === 2) inline += text.take();
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
    },
    text(raw, cdata) {
      if (into) text.add(raw, cdata);
    },
  };

  for await (const _ of readXml(part, xml, events)) {
    if (out.length) {
      const rows = out;
      out = [];
      yield rows;
    }
  }
}

/**
 * The file's bytes in a temporary file of its own (its name removed at once), for yauzl to read
 * its directory and then its parts in any order. A file that is not a zip fails here, with
 * yauzl's message, before anything is read of it.
 */
async function copyOf(input: Readable): Promise<ZipFile> {
  // A plain descriptor, not a FileHandle: yauzl closes it when the zip and its streams are done.
  const fd = openSpill('crm-xlsx-');
  try {
    let at = 0;
    for await (const chunk of input) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      for (let done = 0; done < bytes.length;) done += (await writeFd(fd, bytes, done, bytes.length - done, at + done)).bytesWritten;
      at += bytes.length;
    }
    return await yauzl.fromFdPromise(fd, { lazyEntries: true });
  } catch (err) {
    await closeFd(fd);
    throw err;
  }
}

/** Where a relationship of the workbook points in the zip: relative to the workbook's folder, or absolute from the root. */
const targetPath = (rel: Relationship) => (rel.Target.startsWith('/') ? rel.Target.slice(1) : posix.normalize(`xl/${rel.Target}`));

/** The path of the workbook's part of a type (`styles`, `sharedStrings`), as its relationships give it. */
function partPath(rels: Relationship[], type: string): string | undefined {
  const rel = rels.find((r) => r.Type?.endsWith(`/${type}`) && r.TargetMode !== 'External');
  return rel && targetPath(rel);
}

/** The path in the zip of the workbook's first sheet (its first tab), else of its lowest-numbered sheet file. */
function firstSheet(sheets: { rId: string }[], rels: Relationship[], entries: Map<string, Entry>): string | undefined {
  for (const sheet of sheets) {
    const rel = rels.find((r) => r.Id === sheet.rId);
    if (!rel || rel.TargetMode === 'External') continue;
    const path = targetPath(rel);
    if (/^xl\/worksheets\/[^/]+\.xml$/.test(path) && entries.has(path)) return path;
  }
  const numbered = [...entries.keys()].map((path) => ({ path, n: /^xl\/worksheets\/sheet(\d+)\.xml$/.exec(path)?.[1] })).filter((e) => e.n);
  return numbered.sort((a, b) => Number(a.n) - Number(b.n))[0]?.path;
}

/** The rows of an XLSX file's first sheet from row `from` on (rows before it are read past). */
export async function* readXlsx(input: Readable, from: number): AsyncGenerator<FileRow> {
  for await (const rows of readXlsxBatches(input, from)) yield* rows;
}

/** readXlsx's rows a few at a time, as the sheet's XML gives them (the reader thread's way: read-worker.ts). */
export async function* readXlsxBatches(input: Readable, from: number): AsyncGenerator<FileRow[]> {
  const parts = loadWorkbookParts();
  const zip = await copyOf(input);
  const shared = new SharedStrings();
  try {
    const entries = new Map<string, Entry>();
    for await (const entry of zip.eachEntry()) entries.set(entry.fileName, entry);
    /** A part read whole by `read`; its stream ended also when `read` fails (it holds the file open). */
    const readPart = async <T>(path: string, read: (xml: Readable) => Promise<T>): Promise<T | undefined> => {
      const entry = entries.get(path);
      if (!entry) return undefined;
      const xml = await zip.openReadStreamPromise(entry);
      try {
        return await read(xml);
      } finally {
        xml.destroy();
      }
    };
    const rels = (await readPart('xl/_rels/workbook.xml.rels', parts.rels)) ?? [];
    const { date1904, sheets } = (await readPart('xl/workbook.xml', parts.workbook)) ?? { date1904: false, sheets: [] };
    // The styles and the shared strings where the workbook's relationships say, else where Excel puts them.
    const styles = (await readPart(partPath(rels, 'styles') ?? 'xl/styles.xml', parts.styles)) ?? (await parts.styles(undefined));
    const strings = partPath(rels, 'sharedStrings') ?? 'xl/sharedStrings.xml';
    await readPart(strings, (xml) => readSharedStrings(strings, xml, shared));
    const sheet = firstSheet(sheets, rels, entries);
    if (!sheet) return;
    const xml = await zip.openReadStreamPromise(entries.get(sheet)!);
    try {
      yield* sheetRows(sheet, xml, { styles, date1904 }, shared, from);
    } finally {
      xml.destroy();
    }
  } finally {
    shared.close();
    zip.close();
  }
}
