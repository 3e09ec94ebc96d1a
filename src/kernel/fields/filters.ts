// Filtering and sorting cards by custom fields. Conditions go to the field's typed slot column
// (slots.ts), where the shared partial indexes serve them; TEXTAREA and FILE fields, which have no
// slot, are matched in the JSONB document. Every problem is reported at its input path.
import { Prisma } from '../../generated/prisma/client.js';
import type { FieldType } from '../../generated/prisma/enums.js';
import { IssueList } from '../../lib/errors.js';
import { tryDecodeId } from '../../lib/ids.js';
import * as v from '../../lib/validate.js';
import { likeLiteral, normalizePhone } from '../../lib/validate.js';
import { POOL_OF, POOL_SIZE, textKey } from './slots.js';
import type { FieldDef } from './values.js';
import type { Message } from '../../lib/i18n.js';
import { FIELDS } from './messages.js';

export type CustomFieldFilterInput = {
  fieldId: string;
  eq?: string | null;
  neq?: string | null;
  in?: string[] | null;
  contains?: string | null;
  startsWith?: string | null;
  gt?: string | null;
  gte?: string | null;
  lt?: string | null;
  lte?: string | null;
  between?: { from?: string | null; to?: string | null } | null;
  isEmpty?: boolean | null;
  anyOf?: string[] | null;
  allOf?: string[] | null;
};

type Op = Exclude<keyof CustomFieldFilterInput, 'fieldId'>;

const TEXT_OPS: Op[] = ['eq', 'neq', 'in', 'contains', 'startsWith', 'isEmpty'];
const RANGE_OPS: Op[] = ['eq', 'neq', 'in', 'gt', 'gte', 'lt', 'lte', 'between', 'isEmpty'];

/** The operators that fit each type. */
export const OPERATORS: Record<FieldType, Op[]> = {
  TEXT: TEXT_OPS,
  URL: TEXT_OPS,
  EMAIL: TEXT_OPS,
  PHONE: TEXT_OPS,
  TEXTAREA: ['contains', 'isEmpty'],
  NUMBER: RANGE_OPS,
  MONEY: RANGE_OPS,
  FORMULA: RANGE_OPS,
  DATE: RANGE_OPS,
  DATETIME: RANGE_OPS,
  BOOLEAN: ['eq', 'isEmpty'],
  SELECT: ['eq', 'neq', 'in', 'anyOf', 'isEmpty'],
  MULTISELECT: ['anyOf', 'allOf', 'isEmpty'],
  FILE: ['isEmpty'],
};

/** Types that have no single value to order by. */
const UNSORTABLE: FieldType[] = ['TEXTAREA', 'MULTISELECT', 'FILE'];

export const isFilterable = (d: FieldDef) => !POOL_OF[d.type] || !!d.slot;
export const isSortable = (d: FieldDef) => !UNSORTABLE.includes(d.type) && !!d.slot;

const DECIMAL = /^-?\d{1,20}(\.\d{1,10})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
// A DATETIME bound names its offset, so it means one instant whatever the server's zone.
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

function noSlot(d: FieldDef) {
  const pool = POOL_OF[d.type]!;
  return FIELDS.noSlot({ name: d.name, slots: POOL_SIZE[pool] });
}

/** Finds the field a filter or sort names, or reports why it cannot be used. */
function fieldFor(defs: FieldDef[], issues: IssueList, fieldId: string, path: string): FieldDef | null {
  // An empty id is one that did not decode; its issue is already listed.
  if (!fieldId) return null;
  const d = defs.find((x) => x.id === fieldId);
  if (!d) issues.add(path, FIELDS.notOfKind());
  else if (d.archived) issues.add(path, FIELDS.named({ name: d.name, problem: FIELDS.archived() }));
  else return d;
  return null;
}

/** The order of a custom field sort: its slot column, or null with the problem reported. */
export function sortSlot(defs: FieldDef[], issues: IssueList, fieldId: string, path: string): string | null {
  const d = fieldFor(defs, issues, fieldId, path);
  if (!d) return null;
  if (UNSORTABLE.includes(d.type)) {
    issues.add(path, FIELDS.unsortable({ type: d.type }));
    return null;
  }
  if (!d.slot) {
    issues.add(path, noSlot(d));
    return null;
  }
  return d.slot;
}

/**
 * Turns the `customFields` conditions of one card filter into Prisma conditions (all must hold).
 * `region` reads phone numbers written without a country code.
 */
export function customFieldConditions(defs: FieldDef[], region: string, issues: IssueList) {
  return (filters: CustomFieldFilterInput[] | null | undefined, path: string): object[] => {
    const out: object[] = [];
    (filters ?? []).forEach((f, i) => {
      const at = `${path}customFields[${i}]`;
      const d = fieldFor(defs, issues, f.fieldId, `${at}.fieldId`);
      if (!d) return;
      if (!isFilterable(d)) return issues.add(`${at}.fieldId`, noSlot(d));
      const given = (Object.keys(f) as (keyof CustomFieldFilterInput)[]).filter((k) => k !== 'fieldId' && f[k] !== undefined && f[k] !== null) as Op[];
      if (!given.length) return issues.add(at, FIELDS.giveOperator());
      const allowed = OPERATORS[d.type];
      const wrong = given.filter((op) => !allowed.includes(op));
      for (const op of wrong) issues.add(`${at}.${op}`, FIELDS.operators({ type: d.type, allowed }));
      if (wrong.length) return;
      for (const op of given) {
        const c = condition(d, op, f, `${at}.${op}`, region, issues);
        if (c) out.push(c);
      }
    });
    return out;
  };
}

function condition(d: FieldDef, op: Op, f: CustomFieldFilterInput, path: string, region: string, issues: IssueList): object | null {
  if (!d.slot) return jsonCondition(d, op, f);
  const col = d.slot;
  const value = (s: string, p = path) => parse(d, s, p, region, issues);
  switch (op) {
    case 'isEmpty':
      if (d.type === 'MULTISELECT') return { [col]: { isEmpty: f.isEmpty } };
      return f.isEmpty ? { [col]: null } : { [col]: { not: null } };
    case 'eq': {
      const v = value(f.eq!);
      return v === undefined ? null : { [col]: v };
    }
    case 'neq': {
      // "Not X" includes the cards where the field is empty.
      const v = value(f.neq!);
      return v === undefined ? null : { OR: [{ [col]: { not: v } }, { [col]: null }] };
    }
    case 'in':
    case 'anyOf': {
      const list = (op === 'in' ? f.in : f.anyOf)!;
      const vs = list.map((s, i) => value(s, `${path}[${i}]`));
      if (vs.some((v) => v === undefined)) return null;
      return d.type === 'MULTISELECT' ? { [col]: { hasSome: vs } } : { [col]: { in: vs } };
    }
    case 'allOf': {
      const vs = f.allOf!.map((s, i) => value(s, `${path}[${i}]`));
      return vs.some((v) => v === undefined) ? null : { [col]: { hasEvery: vs } };
    }
    case 'contains':
    case 'startsWith': {
      const s = textKey(f[op]!);
      if (d.type === 'PHONE') {
        // Slots hold E.164 ("+79123456789"): match the digits the user typed, and in Russia and
        // Kazakhstan a leading 8 also as the +7 it stands for, as card search does.
        const digits = s.replace(/\D/g, '');
        if (!digits) return (issues.add(path, FIELDS.giveDigits()), null);
        const forms = [digits];
        if ((region === 'RU' || region === 'KZ') && digits.startsWith('8') && digits.length >= 2) forms.push(`7${digits.slice(1)}`);
        return { OR: forms.map((x) => ({ [col]: { [op]: likeLiteral(op === 'startsWith' ? `+${x}` : x) } })) };
      }
      if (d.type === 'URL' && op === 'startsWith' && !/^[a-z][a-z0-9+.-]*:/.test(s)) {
        // "example.org" starts a stored "https://example.org/…" after its scheme.
        return { OR: ['https://', 'http://', ''].map((p) => ({ [col]: { startsWith: likeLiteral(p + s) } })) };
      }
      return { [col]: { [op]: likeLiteral(s) } };
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const v = value(f[op]!);
      return v === undefined ? null : { [col]: { [op]: v } };
    }
    case 'between': {
      const { from, to } = f.between!;
      if ((from === null || from === undefined) && (to === null || to === undefined)) return (issues.add(path, FIELDS.giveBounds()), null);
      const lo = from != null ? value(from, `${path}.from`) : null;
      const hi = to != null ? value(to, `${path}.to`) : null;
      if (lo === undefined || hi === undefined) return null;
      return { [col]: { ...(lo !== null ? { gte: lo } : {}), ...(hi !== null ? { lte: hi } : {}) } };
    }
  }
}

/** TEXTAREA and FILE values live in the JSONB document only. */
function jsonCondition(d: FieldDef, op: Op, f: CustomFieldFilterInput): object | null {
  const path = [String(d.key)];
  if (op === 'isEmpty') {
    const held = { customFields: { path, not: Prisma.AnyNull } };
    return f.isEmpty ? { NOT: held } : held;
  }
  // contains (TEXTAREA). Prisma matches string_contains with (I)LIKE and passes the text as is:
  // the user's % and _ are meant literally, as in the slot conditions.
  return { customFields: { path, string_contains: likeLiteral(f.contains!), mode: 'insensitive' } };
}

/** Reads a comparison value as the field's slot holds it; undefined (and an issue) when it is not one. */
function parse(d: FieldDef, s: string, path: string, region: string, issues: IssueList): unknown {
  const bad = (msg: Message) => (issues.add(path, msg), undefined);
  switch (d.type) {
    case 'NUMBER':
    case 'MONEY':
    case 'FORMULA':
      return DECIMAL.test(s.trim()) ? s.trim() : bad(FIELDS.notNumber());
    case 'DATE': {
      const t = s.trim();
      const at = new Date(`${t}T00:00:00Z`);
      return DATE.test(t) && !Number.isNaN(at.getTime()) && at.toISOString().startsWith(t) ? at : bad(FIELDS.notDate());
    }
    case 'DATETIME': {
      const t = s.trim();
      const at = new Date(t);
      return DATETIME.test(t) && !Number.isNaN(at.getTime()) ? at : bad(FIELDS.notDateTime());
    }
    case 'BOOLEAN':
      return s === 'true' ? true : s === 'false' ? false : bad(FIELDS.notBoolean());
    case 'SELECT':
    case 'MULTISELECT': {
      const id = tryDecodeId('CustomFieldOption', s);
      const o = id ? d.options.find((x) => x.id === id) : undefined;
      if (!o) return bad(FIELDS.notOption({ name: d.name }));
      // SELECT slots hold the option's position; MULTISELECT ones the option ids.
      return d.type === 'SELECT' ? o.sortOrder : o.id;
    }
    case 'PHONE': {
      const e164 = normalizePhone(s, region);
      return e164 ? textKey(e164) : bad(FIELDS.notPhone());
    }
    case 'URL': {
      // Compared as stored: "example.org" is kept as "https://example.org".
      const r = v.url.safeParse(s);
      return r.success && r.data ? textKey(r.data) : bad(v.VALIDATE.url());
    }
    default:
      return textKey(d.type === 'TEXT' ? s : s.trim());
  }
}
