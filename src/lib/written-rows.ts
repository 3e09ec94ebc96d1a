// A row as PostgreSQL stored it, made from the values the process sent, without reading it back.
//
// A batch INSERT that answered its rows (`returning` the card columns) had PostgreSQL format and
// the process decode 1,000 rows of ~20 columns a batch (the pg driver's text parsers, Prisma's
// raw-value decoding: dates, decimals, arrays, JSON). Made here instead, a batch of imported
// contacts costs the process 0.68× the CPU and PostgreSQL 0.95× (`npm run bench:written-rows`;
// docs/performance.md, "Import: new cards' rows made from what was sent"). A value the process
// sent in the form PostgreSQL keeps (a lower-case uuid, a decimal within its column's scale, a
// `Date` for a timestamp, a JSON document) is what reading it back would answer, converted as
// Prisma converts what it reads; any other value, and every column a row leaves to a default
// that is not a plain literal, is still answered by the statement. The column types come from the
// database once per table. Under the test suite (`CRM_CHECK_WRITTEN_ROWS`) every insert
// also reads its rows back and fails if a row made here differs from PostgreSQL's in any value,
// type or JSON key order.
import { Prisma } from '../generated/prisma/client.js';
import type { Tx } from './outbox.js';

type DecimalValue = ConstructorParameters<typeof Prisma.Decimal>[0];

/**
 * A column's type as the information schema names it (`udt_name`, a char's length, a numeric's
 * scale), and what a row that leaves it out gets when its default is a plain literal (null, a
 * number, a string, an empty array or JSON document): `undefined` when the statement must say.
 */
type ColumnType = { udt: string; length: number | null; scale: number | null; enumerated: boolean; fallback?: { value: unknown } };

const typesOf = new Map<string, Promise<Map<string, ColumnType>>>();

/** The columns of `table` and their types (read once per process; the schema is migrated before the app starts). */
export function columnTypes(tx: Tx, table: string): Promise<Map<string, ColumnType>> {
  let types = typesOf.get(table);
  if (!types) {
    types = tx
      .$queryRawUnsafe<
        { name: string; udt: string; length: number | null; scale: number | null; dataType: string; nullable: string; default: string | null }[]
      >(
        `select column_name as name, udt_name as udt, character_maximum_length as length, numeric_scale as scale, data_type as "dataType",
                is_nullable as nullable, column_default as default
           from information_schema.columns where table_schema = current_schema() and table_name = $1`,
        table,
      )
      .then(
        (rows) =>
          new Map(
            rows.map((r) => {
              const t: ColumnType = { udt: r.udt, length: r.length, scale: r.scale, enumerated: r.dataType === 'USER-DEFINED' };
              return [r.name, { ...t, fallback: literalDefault(t, r.default, r.nullable === 'YES') }];
            }),
          ),
      );
    // A failed read is not kept: the next insert asks again.
    types.catch(() => typesOf.delete(table));
    typesOf.set(table, types);
  }
  return types;
}

/** A column default that is a plain literal, as PostgreSQL prints it; anything else (now(), a sequence) is read from the statement. */
function literalDefault(t: ColumnType, expr: string | null, nullable: boolean): { value: unknown } | undefined {
  if (expr === null) return nullable ? { value: null } : undefined;
  if (/^-?\d+$/.test(expr) && (t.udt === 'int4' || t.udt === 'int2')) return { value: Number(expr) };
  if (/^-?\d+(\.\d+)?$/.test(expr) && t.udt === 'numeric') return { value: new Prisma.Decimal(expr) };
  const text = /^'((?:[^']|'')*)'::text$/.exec(expr);
  if (text && t.udt === 'text') return { value: text[1].replace(/''/g, "'") };
  if ((expr === 'ARRAY[]::text[]' || expr === "'{}'::text[]") && t.udt === '_text') return { value: [] };
  if ((expr === "'{}'::jsonb" || expr === "'[]'::jsonb") && t.udt === 'jsonb') return { value: JSON.parse(expr.slice(1, 3)) };
  if ((expr === 'true' || expr === 'false') && t.udt === 'bool') return { value: expr === 'true' };
  return undefined;
}

/**
 * The rows of one INSERT statement's group (`list`: the rows as sent, ids given, all with the
 * same columns): `asked`, the columns its RETURNING must answer (the id, and what cannot be made
 * here); `row`, a row of `wanted` from the statement's answer for it. A made row holds the values
 * sent themselves (dates, arrays, JSON documents already in jsonb's order), which nothing
 * changes once they are written.
 */
export function writtenRows(
  table: string,
  types: Map<string, ColumnType>,
  list: Record<string, unknown>[],
  wanted: readonly string[],
  /** Every column read back as PostgreSQL answers it, none made (bench/written-rows.bench.ts's baseline). */
  readBack = false,
) {
  const sent = new Set(Object.keys(list[0] ?? {}));
  const check = checkWrittenRows() && !readBack;
  // Per column: each row's value made from what it sent, a default's value, or nothing (the statement answers it).
  const plan = wanted.map((c) => {
    const t = types.get(c);
    if (c === 'id' || !t || readBack) return { c };
    if (!sent.has(c)) return t.fallback ? { c, fallback: t.fallback.value } : { c };
    const values: unknown[] = [];
    // Many columns hold one value in every row (the workspace, the author, the instant): formed once.
    let last: unknown = NOT_KEPT;
    let formed: unknown;
    for (const r of list) {
      if (r[c] !== last) {
        last = r[c];
        formed = storedForm(t, last);
        if (formed === NOT_KEPT) return { c };
      }
      values.push(formed);
    }
    return { c, values };
  });
  const asked = ['id', ...plan.filter((p) => p.c !== 'id' && (check || !(p.values || 'fallback' in p))).map((p) => p.c)];
  const index = new Map(list.map((r, i) => [r.id as string, i]));
  return {
    asked,
    row(answered: Record<string, unknown>) {
      const i = index.get(answered.id as string)!;
      const row: Record<string, unknown> = {};
      for (const p of plan) row[p.c] = p.values ? p.values[i] : 'fallback' in p ? fresh(p.fallback) : answered[p.c];
      if (check) assertSameRow(table, row, Object.fromEntries(wanted.map((c) => [c, answered[c]])));
      return row;
    },
  };
}

/** A default's value for one row: an empty array or document of its own (a Decimal is immutable). */
const fresh = (v: unknown) => (Array.isArray(v) ? [] : v !== null && Object.getPrototypeOf(v) === Object.prototype ? {} : v);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NOT_KEPT = Symbol('not kept as sent');

/**
 * What reading back `value`, sent for a column of type `t`, answers, as Prisma decodes it; or
 * NOT_KEPT when PostgreSQL would store it in another form (an upper-case uuid, a decimal past its
 * column's scale, a date given as text, a type not handled here).
 */
function storedForm(t: ColumnType, value: unknown): unknown {
  if (value === null) return null;
  if (t.enumerated) return typeof value === 'string' ? value : NOT_KEPT;
  switch (t.udt) {
    case 'uuid':
      return typeof value === 'string' && UUID.test(value) ? value : NOT_KEPT;
    case 'text':
      return typeof value === 'string' ? value : NOT_KEPT;
    case 'varchar':
      return typeof value === 'string' && (t.length === null || value.length <= t.length) ? value : NOT_KEPT;
    case 'bpchar':
      // Counted as PostgreSQL counts characters only in plain ASCII; any other length is padded there.
      return typeof value === 'string' && value.length === t.length && ASCII.test(value) ? value : NOT_KEPT;
    case '_text':
      return Array.isArray(value) && value.every((x) => typeof x === 'string') ? value : NOT_KEPT;
    case '_uuid':
      return Array.isArray(value) && value.every((x) => typeof x === 'string' && UUID.test(x)) ? value : NOT_KEPT;
    case 'timestamptz':
      // Years 1–9999: what JSON writes as a plain ISO date and PostgreSQL reads back as the same instant.
      return value instanceof Date && value.getUTCFullYear() >= 1 && value.getUTCFullYear() <= 9999 ? value : NOT_KEPT;
    case 'int4':
      return Number.isSafeInteger(value) && Math.abs(value as number) <= 2 ** 31 - 1 ? value : NOT_KEPT;
    case 'bool':
      return typeof value === 'boolean' ? value : NOT_KEPT;
    case 'numeric':
      return t.scale !== null ? decimalWithin(value, t.scale) : NOT_KEPT;
    case 'jsonb':
      return jsonbForm(value);
    default:
      return NOT_KEPT;
  }
}

/** A decimal given as a string, number or Decimal with at most `scale` places, as a Decimal (PostgreSQL would round more). */
function decimalWithin(value: unknown, scale: number) {
  if (!(typeof value === 'string' || typeof value === 'number' || Prisma.Decimal.isDecimal(value))) return NOT_KEPT;
  try {
    const d = new Prisma.Decimal(value as DecimalValue);
    return d.isFinite() && d.decimalPlaces() <= scale ? d : NOT_KEPT;
  } catch {
    return NOT_KEPT;
  }
}

/**
 * A JSON document as jsonb answers it and Prisma parses it: an object's keys shortest first (in
 * UTF-8 bytes), then bytewise, at every depth; the document itself when it is in that order
 * already (a card's custom values are keyed by field numbers, which JavaScript keeps in that
 * order). NOT_KEPT for what JSON would change (dates, undefined, -0, NaN, class instances).
 */
function jsonbForm(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0) ? value : NOT_KEPT;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const x = jsonbForm(value[i]);
      if (x === NOT_KEPT) return NOT_KEPT;
      if (x !== value[i]) (out ??= value.slice())[i] = x;
    }
    return out ?? value;
  }
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return NOT_KEPT;
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o);
  const { sorted: order, inOrder, plain } = inJsonbOrder(keys);
  // A `__proto__` key would set the prototype of the document made here, not a property.
  if (!plain) return NOT_KEPT;
  let same = inOrder;
  const formed: Record<string, unknown> = {};
  for (const k of order) {
    const x = jsonbForm(o[k]);
    if (x === NOT_KEPT) return NOT_KEPT;
    if (x !== o[k]) same = false;
    formed[k] = x;
  }
  return same ? value : formed;
}

/**
 * An object's keys in jsonb's order. The documents of a batch mostly share their keys: the last
 * few orders are kept, found by the keys themselves.
 */
function inJsonbOrder(keys: string[]): { sorted: string[]; inOrder: boolean; plain: boolean } {
  for (const known of recentOrders) if (known.given.length === keys.length && known.given.every((k, i) => k === keys[i])) return known;
  const sorted = [...keys].sort(keys.every((k) => ASCII.test(k)) ? byLengthThenCode : byBytes);
  const known = { given: keys, sorted, inOrder: sorted.every((k, i) => k === keys[i]), plain: !keys.includes('__proto__') };
  recentOrders.unshift(known);
  recentOrders.length = Math.min(recentOrders.length, 8);
  return known;
}
const recentOrders: { given: string[]; sorted: string[]; inOrder: boolean; plain: boolean }[] = [];
const ASCII = /^[ -~]*$/;
const byLengthThenCode = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
function byBytes(a: string, b: string) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length - y.length || Buffer.compare(x, y);
}

/** Reads back every row: set by the test suite's configuration (vitest.config.ts). */
const checkWrittenRows = () => process.env.CRM_CHECK_WRITTEN_ROWS === '1';

/** Fails when a row made from what was sent differs from the row PostgreSQL answered, naming the column. */
function assertSameRow(table: string, made: Record<string, unknown>, read: Record<string, unknown>) {
  for (const c of Object.keys(read)) {
    const x = made[c];
    const y = read[c];
    const kind = (v: unknown) =>
      v === null ? 'null' : v instanceof Date ? 'Date' : Prisma.Decimal.isDecimal(v) ? 'Decimal' : Array.isArray(v) ? 'array' : typeof v;
    if (kind(x) !== kind(y) || JSON.stringify(x) !== JSON.stringify(y)) {
      throw new Error(`written rows: ${table}.${c} made as ${kind(x)} ${JSON.stringify(x)}, PostgreSQL answered ${kind(y)} ${JSON.stringify(y)}`);
    }
  }
  if (Object.keys(made).join() !== Object.keys(read).join())
    throw new Error(`written rows: ${table}: columns ${Object.keys(made).join()} against ${Object.keys(read).join()}`);
}
