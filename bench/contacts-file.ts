// The import benches' file (bench:import, bench:import-read): people as a CRM export or a
// spreadsheet would hold them, a name, a phone, an e-mail and ten custom fields, as CSV or XLSX.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { loadExcelJS } from '../src/lib/exceljs.js';

export const FIELDS = [
  { name: 'Source', type: 'TEXT' },
  { name: 'Reference', type: 'TEXT' },
  { name: 'City', type: 'TEXT' },
  { name: 'Score', type: 'NUMBER' },
  { name: 'Weight', type: 'NUMBER' },
  { name: 'Budget', type: 'MONEY' },
  { name: 'Birthday', type: 'DATE' },
  { name: 'Segment', type: 'SELECT', options: ['Retail', 'SMB', 'Enterprise', 'Partner', 'Other'] },
  { name: 'Subscribed', type: 'BOOLEAN' },
  { name: 'Notes', type: 'TEXTAREA' },
] as const;
const HEADER = ['Имя', 'Телефон', 'Email', ...FIELDS.map((f) => f.name)];
const pad = (n: number, w: number) => String(n).padStart(w, '0');

function row(i: number): string[] {
  return [
    `Person ${i}`,
    `+7 91${pad(i, 8)}`,
    `person${i}@example.com`,
    `Source ${i % 30}`,
    `REF-${i}`,
    `City ${i % 500}`,
    String(i % 1000),
    `${i % 100},5`,
    `${1000 + (i % 90000)} ₽`,
    `${pad((i % 28) + 1, 2)}.${pad((i % 12) + 1, 2)}.${1960 + (i % 50)}`,
    FIELDS[7].options[i % 5],
    i % 2 ? 'да' : 'нет',
    `Met at the fair, row ${i}`,
  ];
}

export async function writeCsv(path: string, rows: number) {
  const out = createWriteStream(path);
  const line = (cells: string[]) => cells.map((c) => (/[;"\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(';') + '\n';
  if (!out.write('\uFEFF' + line(HEADER))) await once(out, 'drain');
  for (let i = 1; i <= rows; i++) if (!out.write(line(row(i)))) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

/** `shared`: text in the workbook's shared strings, as Excel writes it (each distinct text once, cells by index), not inline. */
export async function writeXlsx(path: string, rows: number, shared = false) {
  const ExcelJS = await loadExcelJS();
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: shared, useStyles: false });
  const ws = wb.addWorksheet('Contacts');
  ws.addRow(HEADER).commit();
  for (let i = 1; i <= rows; i++) ws.addRow(row(i)).commit();
  ws.commit();
  await wb.commit();
}
