// An XLSX import file's cells as a spreadsheet shows them (src/modules/imports/read-xlsx.ts):
// from a workbook exceljs writes, and from sheets as other programs write them (inline rich
// text with phonetic guides, cells and rows without their reference, prefixed element names,
// ISO date cells, built-in date formats, the 1904 date system, an inline string in a <v>), the
// first tab whatever the zip's order, and the file's copy that leaves nothing behind.
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { describe, expect, test } from 'vitest';
import { readRows, type FileRow } from '../../src/modules/imports/read.js';
import { SharedStrings } from '../../src/modules/imports/read-xlsx.js';
import { openFiles } from '../kit/open-files.js';

async function rowsOf(bytes: Buffer | Uint8Array, from = 1) {
  // Small chunks: a cell, a character or a tag cut across two is read whole.
  const chunks = Array.from({ length: Math.ceil(bytes.length / 512) }, (_, i) => Buffer.from(bytes.subarray(i * 512, (i + 1) * 512)));
  const out: FileRow[] = [];
  for await (const r of readRows(Readable.from(chunks), 'XLSX', from)) out.push(r);
  return out;
}

const utc = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d));

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
/** A workbook's relationships part (`xl/_rels/workbook.xml.rels`): [id, type, target] each. */
const relationships = (...rels: [id: string, type: string, target: string][]) =>
  `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
  rels.map(([id, type, target]) => `<Relationship Id="${id}" Type="${REL}/${type}" Target="${target}"/>`).join('') +
  `</Relationships>`;

describe('an XLSX sheet read into cells', () => {
  test('written by exceljs: shared and rich text, numbers, dates by their format, booleans, formulas by their result, errors and links', async () => {
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('Сделки');
    sheet.getCell('A1').value = 'Сделки & <заметки>';
    sheet.mergeCells('A1:D1');
    sheet.addRow(['Название', 'Дата', 'Сумма', 'Оплачено', 'Итого', 'Срок', 'Код', 'Ошибка', 'Сайт', 'Текст']);
    const r = sheet.addRow([
      { richText: [{ text: 'Поставка ' }, { font: { bold: true }, text: '№1' }] },
      utc(2026, 12, 31),
      1234.56,
      true,
      { formula: 'C3*2', result: 2469.12 },
      { formula: 'B3+30', result: utc(2027, 1, 30) },
      { formula: 'A3&"-x"', result: 'Поставка №1-x' },
      { error: '#DIV/0!' },
      { text: 'site', hyperlink: 'https://example.com' },
      '"кавычки" & амперсанд',
    ]);
    r.getCell(2).numFmt = 'dd.mm.yyyy';
    r.getCell(3).numFmt = '#,##0.00 "₽"';
    r.getCell(6).numFmt = 'dd.mm.yyyy';
    sheet.addRow([]);
    sheet.getCell('C5').value = 0;
    sheet.getCell('F5').value = false;
    const rows = await rowsOf(Buffer.from(await wb.xlsx.writeBuffer()));
    expect(rows).toEqual([
      { row: 1, cells: ['Сделки & <заметки>'] },
      { row: 2, cells: ['Название', 'Дата', 'Сумма', 'Оплачено', 'Итого', 'Срок', 'Код', 'Ошибка', 'Сайт', 'Текст'] },
      {
        row: 3,
        cells: ['Поставка №1', utc(2026, 12, 31), 1234.56, true, 2469.12, utc(2027, 1, 30), 'Поставка №1-x', null, 'site', '"кавычки" & амперсанд'],
      },
      // Up to its last cell with a value; the cells before with none are empty.
      { row: 5, cells: [null, null, 0, null, null, false] },
    ]);
    expect((await rowsOf(Buffer.from(await wb.xlsx.writeBuffer()), 3)).map((x) => x.row)).toEqual([3, 5]);
  });

  test('as other programs write it: inline and phonetic text, no references, prefixed names, ISO and built-in dates, the 1904 system, Latin-1 text beside wider', async () => {
    const zip = new JSZip();
    zip.file('xl/_rels/workbook.xml.rels', relationships(['rId1', 'worksheet', 'worksheets/sheet1.xml']));
    zip.file(
      'xl/workbook.xml',
      `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${MAIN}" xmlns:r="${REL}"><workbookPr date1904="1"/><sheets><sheet name="Лист1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    );
    zip.file(
      'xl/sharedStrings.xml',
      `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="${MAIN}" count="2" uniqueCount="2"><si><t>Имя</t></si><si><r><t>Ива</t></r><r><rPr><b/></rPr><t>нов</t></r><rPh sb="0" eb="1"><t>イ</t></rPh></si></sst>`,
    );
    // Style 1: the built-in short date (numFmtId 14); style 2: a plain number.
    zip.file(
      'xl/styles.xml',
      `<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="${MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>`,
    );
    zip.file(
      'xl/worksheets/sheet1.xml',
      `<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="${MAIN}"><x:sheetData>` +
        `<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="inlineStr"><x:is><x:t>Дата</x:t></x:is></x:c><x:c r="C1" t="inlineStr"><x:is><x:t>Сумма</x:t></x:is></x:c></x:row>` +
        // No references: each cell follows the one before, each row the row before.
        `<x:row><x:c t="s"><x:v>1</x:v></x:c><x:c s="1"><x:v>0</x:v></x:c><x:c s="2"><x:v>1234.5</x:v></x:c></x:row>` +
        `<x:row><x:c t="inlineStr"><x:is><x:r><x:t xml:space="preserve">Пётр </x:t></x:r><x:r><x:t>Иванов</x:t></x:r><x:rPh sb="0" eb="1"><x:t>ペ</x:t></x:rPh></x:is></x:c><x:c t="d"><x:v>2026-12-31T00:00:00Z</x:v></x:c><x:c t="b"><x:v>0</x:v></x:c><x:c t="e"><x:v>#N/A</x:v></x:c></x:row>` +
        `<x:row r="7"><x:c r="D7" t="str"><x:f>A1&amp;"!"</x:f><x:v>Имя!</x:v></x:c><x:c r="E7" t="inlineStr"><x:v>в v</x:v></x:c>` +
        // Latin-1 text in a chunk of XML that also holds wider characters.
        `<x:c r="F7" t="inlineStr"><x:is><x:t>Müller ½ &amp; Söhne</x:t></x:is></x:c><x:c r="G7" t="str"><x:v>café	crème</x:v></x:c><x:c r="H7" t="inlineStr"><x:is><x:t>100 ₽ — ÿ</x:t></x:is></x:c></x:row>` +
        `</x:sheetData></x:worksheet>`,
    );
    const bytes = await zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' });
    expect(await rowsOf(bytes)).toEqual([
      { row: 1, cells: ['Имя', 'Дата', 'Сумма'] },
      // Serial 0 in the 1904 system is 1 January 1904.
      { row: 2, cells: ['Иванов', utc(1904, 1, 1), 1234.5] },
      { row: 3, cells: ['Пётр Иванов', utc(2026, 12, 31), false] },
      // A formula's cached text; an inline string a few writers put in a <v>.
      { row: 7, cells: [null, null, null, 'Имя!', 'в v', 'Müller ½ & Söhne', 'café\tcrème', '100 ₽ — ÿ'] },
    ]);
  });

  test('text as XML may write it: entities and character references beside UTF-8, CDATA, CR LF, characters cut across chunks; XML that does not close fails, naming its part', async () => {
    const zip = new JSZip();
    zip.file('xl/_rels/workbook.xml.rels', relationships(['rId1', 'worksheet', 'worksheets/sheet1.xml']));
    zip.file(
      'xl/sharedStrings.xml',
      `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="${MAIN}"><si><t>&#1046;ук &amp; caf&#233; &#x20BD;</t></si><si><t><![CDATA[Ж &amp; <b>]]></t></si></sst>`,
    );
    // Long runs of two- and three-byte characters: the sheet's XML is inflated in chunks of
    // ~16 KiB, and some of their characters' bytes are cut across two.
    const long = 'жё'.repeat(20_000) + '€₽'.repeat(20_000);
    const sheet = (rows: string) => `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${MAIN}"><sheetData>${rows}</sheetData></worksheet>`;
    const cell = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;
    zip.file(
      'xl/worksheets/sheet1.xml',
      sheet(
        `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>` +
          cell('C1', 'Ж&#233;&#x411; ₽ &lt;&gt;&quot;&apos;') +
          cell('D1', 'строка 1\r\nстрока 2\rстрока 3') +
          cell('E1', 'до <![CDATA[&amp; ₽ ]]>после &amp;') +
          `<c r="F1" t="str"><v>${long}</v></c></row>`,
      ),
    );
    const bytes = await zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' });
    expect(await rowsOf(bytes)).toEqual([
      {
        row: 1,
        cells: ['Жук & café ₽', 'Ж &amp; <b>', 'ЖéБ ₽ <>"\'', 'строка 1\nстрока 2\nстрока 3', 'до &amp; ₽ после &', long],
      },
    ]);
    // An end tag that does not match, a sheet cut short, shared strings that never close.
    const broken = async (part: string, xml: string) => {
      zip.file(part, xml);
      return rowsOf(await zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' }));
    };
    await expect(broken('xl/worksheets/sheet1.xml', sheet(`<row r="1">${cell('A1', 'a')}</c></row>`))).rejects.toThrow(
      'xl/worksheets/sheet1.xml: mismatched end tag </c>, expected </row>',
    );
    await expect(broken('xl/worksheets/sheet1.xml', sheet(`<row r="1">${cell('A1', 'a')}`).slice(0, -24))).rejects.toThrow(
      'xl/worksheets/sheet1.xml: the XML ends inside <row>',
    );
    zip.file('xl/worksheets/sheet1.xml', sheet(''));
    await expect(broken('xl/sharedStrings.xml', `<sst xmlns="${MAIN}"><si><t>a</t></si>`)).rejects.toThrow('xl/sharedStrings.xml: the XML ends inside <sst>');
  });

  test('shared strings as other programs write them: where the relationships say, prefixed names, a phonetic guide on plain text, whitespace between elements, an empty one', async () => {
    const zip = new JSZip();
    zip.file('xl/_rels/workbook.xml.rels', relationships(['rId9', 'sharedStrings', 'strings/SharedStrings.xml']));
    zip.file(
      'xl/strings/SharedStrings.xml',
      `<?xml version="1.0" encoding="UTF-8"?>\n<x:sst xmlns:x="${MAIN}" count="4" uniqueCount="4">\n` +
        `  <x:si>\n    <x:t>東京</x:t>\n    <x:rPh sb="0" eb="2"><x:t>トウキョウ</x:t></x:rPh>\n  </x:si>\n` +
        `  <x:si><x:r><x:t xml:space="preserve">ООО </x:t></x:r>\n<x:r><x:rPr><x:b/></x:rPr><x:t>«Ромашка» &amp; Ко</x:t></x:r></x:si>\n` +
        `  <x:si><x:t/></x:si>\n  <x:si><x:t>последняя</x:t></x:si>\n</x:sst>`,
    );
    zip.file(
      'xl/worksheets/sheet1.xml',
      `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${MAIN}"><sheetData><row r="1">` +
        [0, 1, 2, 3].map((i) => `<c t="s"><v>${i}</v></c>`).join('') +
        `</row></sheetData></worksheet>`,
    );
    const bytes = await zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' });
    expect(await rowsOf(bytes)).toEqual([{ row: 1, cells: ['東京', 'ООО «Ромашка» & Ко', null, 'последняя'] }]);
  });

  test("a workbook's shared strings are kept by number, in blocks, whatever their length and script", () => {
    const shared = new SharedStrings();
    const texts = Array.from({ length: 150_000 }, (_, i) => (i % 3 ? `Контакт ${i}` : i % 5 ? `contact-${i}@example.com` : ''));
    // Longer than a block of its own (1 MiB): a cell of a file no spreadsheet wrote.
    texts[70_000] = 'ж'.repeat(700_000);
    for (const t of texts) shared.add(t);
    expect(shared.size).toBe(texts.length);
    for (let i = 0; i < texts.length; i++) if (shared.get(i) !== (texts[i] || null)) expect([i, shared.get(i)]).toEqual([i, texts[i] || null]);
    expect([shared.get(-1), shared.get(texts.length), shared.get(NaN)]).toEqual([null, null, null]);
    shared.close();
  });

  test("a large workbook's later shared strings go to a file, are read back in any order, and the file goes with them", () => {
    const spills = () => openFiles('crm-shared-strings-').length;
    const before = spills();
    const shared = new SharedStrings();
    // ~21 MB of text and 600,000 places: past what is kept in memory (8 MiB and 2 MiB).
    const text = (i: number) => (i % 7 === 3 ? '' : `${i % 2 ? 'Контакт' : 'contact'} ${i} ${'·'.repeat(i % 23)}`);
    const n = 600_000;
    for (let i = 0; i < n; i++) shared.add(text(i));
    shared.add('ж'.repeat(100_000));
    expect(shared.size).toBe(n + 1);
    expect(spills()).toBe(before + 2);
    // In order, then far apart (more blocks than are kept read back), then the block under way.
    const bad: unknown[] = [];
    const check = (i: number) => {
      if (shared.get(i) !== (text(i) || null)) bad.push([i, shared.get(i)]);
    };
    for (let i = 0; i < n; i++) check(i);
    for (let k = 0; k < 50_000; k++) check((k * 7919 * 13) % n);
    for (let i = n - 1; i >= 0; i -= 997) check(i);
    expect(bad.slice(0, 5)).toEqual([]);
    expect(shared.get(n)).toBe('ж'.repeat(100_000));
    shared.close();
    expect(spills()).toBe(before);
  });

  test("the workbook's first sheet is its first tab, wherever its file is in the zip and whatever its number", async () => {
    const zip = new JSZip();
    const sheet = (text: string) =>
      `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>${text}</t></is></c></row></sheetData></worksheet>`;
    // Written first, numbered first, but the second tab.
    zip.file('xl/worksheets/sheet1.xml', sheet('второй лист'));
    zip.file('xl/worksheets/sheet7.xml', sheet('первый лист'));
    zip.file('xl/_rels/workbook.xml.rels', relationships(['rId1', 'worksheet', 'worksheets/sheet1.xml'], ['rId2', 'worksheet', '/xl/worksheets/sheet7.xml']));
    zip.file(
      'xl/workbook.xml',
      `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets><sheet name="Первый" sheetId="7" r:id="rId2"/><sheet name="Второй" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    );
    expect(await rowsOf(await zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' }))).toEqual([{ row: 1, cells: ['первый лист'] }]);
    // No workbook part to say which comes first: the lowest-numbered sheet.
    zip.remove('xl/workbook.xml');
    expect(await rowsOf(await zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' }))).toEqual([{ row: 1, cells: ['второй лист'] }]);
  });

  test('the file is copied as it came, to a temporary file without a name, closed when the rows are read to the end and when the reading stops early', async () => {
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('Контакты');
    for (let i = 1; i <= 5000; i++) sheet.addRow([`Имя ${i}`, i, `Компания ${i % 10}`]);
    const bytes = Buffer.from(await wb.xlsx.writeBuffer());
    /** The sizes of this process's copies of XLSX files (their names removed). */
    const copies = () => openFiles('crm-xlsx-');
    const dir = await mkdtemp(join(tmpdir(), 'read-xlsx-tmp-'));
    const was = process.env.TMPDIR;
    process.env.TMPDIR = dir;
    try {
      const rows = readRows(Readable.from([bytes.subarray(0, 10_000), bytes.subarray(10_000)]), 'XLSX');
      expect((await rows.next()).value).toEqual({ row: 1, cells: ['Имя 1', 1, 'Компания 1'] });
      // The zip as it came (~90 KB here), not its sheet inflated (~600 KB), and nothing by name.
      expect(copies()).toEqual([bytes.length]);
      expect(readdirSync(dir)).toEqual([]);
      let n = 1;
      for await (const r of rows) n = r.row;
      expect(n).toBe(5000);
      await expect.poll(copies).toEqual([]);
      const early = readRows(Readable.from([bytes]), 'XLSX');
      await early.next();
      expect(copies()).toEqual([bytes.length]);
      await early.return(undefined);
      await expect.poll(copies).toEqual([]);
      // Not a zip, or a part that is not XML: the copy is closed too.
      await expect(readRows(Readable.from([Buffer.from('PK\u0003\u0004 no zip here')]), 'XLSX').next()).rejects.toThrow(/not a zip file/);
      expect(copies()).toEqual([]);
      const zip = new JSZip();
      zip.file('xl/sharedStrings.xml', '<sst><si><t>broken</si></sst>');
      zip.file('xl/worksheets/sheet1.xml', '<worksheet><sheetData/></worksheet>');
      const broken = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
      await expect(readRows(Readable.from([broken]), 'XLSX').next()).rejects.toThrow(/unexpected close tag|mismatched/i);
      // yauzl closes it without waiting.
      await expect.poll(copies).toEqual([]);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      if (was === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = was;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
