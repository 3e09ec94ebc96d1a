// Values as people write them in spreadsheets, turned into what the API takes: dates as
// 31.12.2026, 2026-12-31 or a spreadsheet's serial day; money and numbers as "1 234,56",
// "1234.56", "$1,234.56" or "1 234 ₽"; yes/no in Russian and English; lists split on ; or ,.
import type { Cell } from './read.js';

/** A cell as text, trimmed; null when empty. */
export function text(c: Cell): string | null {
  if (c === null) return null;
  if (c instanceof Date) return c.toISOString();
  const s = String(c).trim();
  return s === '' ? null : s;
}

const CURRENCIES: [RegExp, string][] = [
  [/₽|\bруб\.?|\bр\.(?=\s|$)|\bRUR\b/i, 'RUB'],
  [/\$|\bUSD\b|\bдолл?\.?/i, 'USD'],
  [/€|\bEUR\b|\bевро\b/i, 'EUR'],
  [/£|\bGBP\b/i, 'GBP'],
  [/₸|\bKZT\b|\bтг\.?/i, 'KZT'],
  [/₴|\bUAH\b|\bгрн\.?/i, 'UAH'],
  [/\bBYN\b/i, 'BYN'],
  [/¥|\bCNY\b|\bюань/i, 'CNY'],
];

/** The currency a money text names (a symbol, a code or a Russian abbreviation), if any. */
export function currencyIn(s: string): string | null {
  for (const [re, code] of CURRENCIES) if (re.test(s)) return code;
  const code = /\b([A-Z]{3})\b/.exec(s);
  return code ? code[1] : null;
}

/**
 * A number as people write it, as a plain decimal string: spaces (also non-breaking) group
 * thousands; of "," and "." the last one is the decimal separator when both appear; a lone ","
 * is decimal ("1234,56") unless it groups thousands more than once ("1,234,567").
 */
export function decimal(c: Cell): string | null {
  if (typeof c === 'number') return Number.isFinite(c) ? String(c) : null;
  const t = text(c);
  if (t === null) return null;
  let s = t.replace(/[\s\u00a0\u202f']/g, '').replace(/[^\d.,+-]/g, '');
  if (!/\d/.test(s)) return null;
  const lastComma = s.lastIndexOf(',');
  const lastDot = s.lastIndexOf('.');
  if (lastComma >= 0 && lastDot >= 0) {
    s = lastComma > lastDot ? s.replace(/\./g, '').replace(',', '.') : s.replace(/,/g, '');
  } else if (lastComma >= 0) {
    s = /^[+-]?\d{1,3}(,\d{3}){2,}$/.test(s) ? s.replace(/,/g, '') : s.replace(',', '.');
  } else if (/^[+-]?\d{1,3}(\.\d{3}){2,}$/.test(s)) {
    s = s.replace(/\./g, '');
  }
  if (!/^[+-]?\d+(\.\d+)?$/.test(s)) return null;
  return s.replace(/^\+/, '');
}

/** Money: its amount and the currency it names (null: the caller's default). */
export function money(c: Cell): { amount: string; currency: string | null } | null {
  const amount = decimal(c);
  if (amount === null) return null;
  return { amount, currency: typeof c === 'string' ? currencyIn(c) : null };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A spreadsheet's serial day (1900 date system: day 1 is 1900-01-01, with Excel's 1900-02-29). */
export function fromSerial(n: number): Date {
  return new Date(Date.UTC(1899, 11, 30) + Math.round(n * 86_400_000));
}

/** A date and time: a spreadsheet date, a serial day, DD.MM.YYYY[ HH:MM[:SS]], or ISO. Times are read as UTC. */
export function dateTime(c: Cell): Date | null {
  if (c instanceof Date) return Number.isNaN(c.getTime()) ? null : c;
  if (typeof c === 'number') return c > 0 && c < 2_958_466 ? fromSerial(c) : null;
  const s = text(c);
  if (s === null) return null;
  let m = /^(\d{1,2})[./](\d{1,2})[./](\d{4}|\d{2})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  if (m) {
    const [d, mo, y, h = '0', mi = '0', sec = '0'] = m.slice(1);
    const year = y.length === 2 ? 2000 + Number(y) : Number(y);
    return valid(year, Number(mo), Number(d), Number(h), Number(mi), Number(sec));
  }
  m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(s);
  if (m) {
    const [y, mo, d, h = '0', mi = '0', sec = '0', zone] = m.slice(1);
    const local = valid(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(sec));
    if (!local || !zone || zone === 'Z') return local;
    const sign = zone.startsWith('-') ? -1 : 1;
    const [oh, om] = zone.slice(1).replace(':', '').match(/\d{2}/g)!.map(Number);
    return new Date(local.getTime() - sign * (oh * 60 + om) * 60_000);
  }
  if (/^\d{5}(\.\d+)?$/.test(s)) return fromSerial(Number(s));
  return null;
}

function valid(y: number, mo: number, d: number, h: number, mi: number, s: number): Date | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return t.getUTCDate() === d && t.getUTCMonth() === mo - 1 ? t : null;
}

/** A calendar date, YYYY-MM-DD. */
export function date(c: Cell): string | null {
  const d = dateTime(c);
  return d ? `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` : null;
}

const YES = new Set(['да', 'д', 'yes', 'y', 'true', '1', '+', 'истина', 'вкл', 'on', 'x', '✓', 'v']);
const NO = new Set(['нет', 'н', 'no', 'n', 'false', '0', '-', 'ложь', 'выкл', 'off']);

/** Yes or no, in Russian or English, as 1/0 or true/false. */
export function boolean(c: Cell): boolean | null {
  if (typeof c === 'boolean') return c;
  const s = text(c)?.toLowerCase();
  if (s === undefined || s === null) return null;
  if (YES.has(s)) return true;
  if (NO.has(s)) return false;
  return null;
}

/** A list: split on ; (and on , when `commas`), blanks dropped. */
export function list(c: Cell, commas = false): string[] {
  const s = text(c);
  if (s === null) return [];
  return s
    .split(commas ? /[;,\n]/ : /[;\n]/)
    .map((x) => x.trim())
    .filter(Boolean);
}

/** A header or a name as matched: lower case, spacing and punctuation ignored, ё as е. */
export function key(s: string): string {
  return s
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[\s_\-.:()/\\]+/g, '');
}
