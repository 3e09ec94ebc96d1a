// Many rows into one table in one statement, the whole batch as one JSON parameter that
// PostgreSQL expands into rows (jsonb_populate_recordset against the table's own row type; the
// json one for the outbox, `BulkOptions.json`).
//
// Why not Prisma's createMany: with the query compiler of Prisma 7 the client builds and
// interprets a plan holding every value of every row; for a batch of 500 cards of ~80 columns
// that is seconds of CPU (bench/import.bench.ts measured createMany at ~90 rows/s while the
// database itself took ~0.6 s per 1,000 rows). Here the client's work is one JSON.stringify.
//
// Values travel as JSON does: dates as ISO strings, decimals as strings (Prisma's Decimal
// serializes so), string arrays as arrays, JSON columns as their document; PostgreSQL converts
// each to the column's type. A key left out (or undefined) takes the column's default, as with
// createMany: rows are grouped by the columns they give, one INSERT per group (a batch from
// one write path has one or two shapes).
import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';
import type { Tx } from './outbox.js';
import { byReference, DEFERRED, RESOLVES_REFERENCES } from './pg-pipelined.js';
import { columnTypes, writtenRows } from './written-rows.js';

export type BulkOptions = {
  /** Gives each row without an id a new UUIDv7 (the tables' `@default(uuid(7))`). */
  ids?: boolean;
  /** Columns set to the same instant when a row leaves them out (the tables' `@default(now())`). */
  now?: readonly string[];
  /**
   * Leaves out the rows whose `column` names no row of `table` (its parent, deleted since the
   * rows were made from a list read earlier), instead of failing on the foreign key; the others
   * are inserted in the order given.
   */
  parent?: { column: string; table: string };
  /** Leaves out the rows a unique constraint already holds (createMany's skipDuplicates). */
  skipDuplicates?: boolean;
  /**
   * The rows were made for this call and nothing else holds them: one with no undefined value
   * gets its id and instants set in place instead of on a copy (a batch of imported cards makes
   * thousands of rows of ~30 columns).
   */
  fresh?: boolean;
  /**
   * The table's json columns (the outbox's payload): the batch is read as json, not jsonb, so a
   * value goes into its column as the text sent, where jsonb would parse it into its binary form
   * and the json column print it back; and when one of them is the only column whose value
   * differs from row to row (each event's payload), the rows are the JSON array of its values.
   * Not for tables of many columns: json's per-row record costs more there than jsonb's parse
   * (1,000 cards: 70 against 40 ms).
   */
  json?: readonly string[];
};

// UUIDv7 ids as the uuid package makes them (its byte layout and string form; ordered as they are
// made: a random counter each millisecond, counting up within it, so rows of one batch, which
// share their createdAt, are ordered by id), with the random bytes taken from a pool refilled 4 KB
// at a time: by itself the package asks webcrypto for 16 bytes per id, ~3 µs an id (a batch of
// imported cards takes one per card and per timeline entry). The package keeps that counter only
// when it draws its own bytes, so it is kept here. The package writes the bytes into one buffer
// kept for the purpose and the text is made from it here, as one string: its own text is some
// twenty strings joined and then lower-cased, ~1 KB allocated per id (2 KB per imported row).
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
let lastMs = -1;
let seq = 0;
const bytes = new Uint8Array(16);
const text = Buffer.alloc(36);
const HEX = Buffer.from('0123456789abcdef', 'latin1');
export function uuidv7(): string {
  if (poolAt > pool.length - 16) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const random = pool.subarray(poolAt, (poolAt += 16));
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    seq = random.readUInt32BE(6) & 0x7fffffff;
  } else if (++seq > 0xffffffff) {
    lastMs++;
    seq = 0;
  }
  v7({ random, msecs: lastMs, seq }, bytes);
  return uuidText(bytes);
}

/** 16 bytes as a UUID's text (lower-case hex, dashes after the 4th, 6th, 8th and 10th byte). */
export function uuidText(b: Uint8Array): string {
  let t = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) text[t++] = 0x2d;
    text[t++] = HEX[b[i] >> 4];
    text[t++] = HEX[b[i] & 15];
  }
  return text.toString('latin1', 0, 36);
}

const ident = (name: string) => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`bulk insert: bad identifier ${name}`);
  return `"${name}"`;
};

/** Inserts `rows` into `table` (the model's table name); answers each row's id in order when `ids` is set. */
export async function insertRows(tx: Tx, table: string, rows: Record<string, unknown>[], opts: BulkOptions = {}): Promise<string[]> {
  const { ids, insert } = prepareInsert(table, rows, opts);
  await runInserts(tx, [insert]);
  return ids;
}

/** An insert made ready (its rows' ids and instants filled in) to run later with others (`runInserts`). */
export type PreparedInsert = { table: string; groups: Map<string, Record<string, unknown>[]>; opts: BulkOptions };

export function prepareInsert(table: string, rows: Record<string, unknown>[], opts: BulkOptions = {}): { ids: string[]; insert: PreparedInsert } {
  const { ids, groups } = grouped(rows, opts);
  return { ids, insert: { table, groups, opts } };
}

/**
 * Runs prepared inserts, of one or several tables, as one statement: all but the last as
 * data-modifying WITH queries, each its own JSON parameter (PostgreSQL runs every one of them,
 * whether or not the statement reads it). One round trip where each would be one.
 */
export async function runInserts(tx: Tx, inserts: PreparedInsert[], deferred = false) {
  const parts = inserts.flatMap((i) => [...i.groups].map(([shape, list]) => ({ table: i.table, opts: i.opts, ...encoded(shape, list, i.opts) })));
  if (!parts.length) return;
  const params: string[] = [];
  const sql = parts.map((x) => {
    const q = statement(x.table, x, params.length + 1, x.opts);
    params.push(...x.params);
    return q;
  });
  const last = sql.pop()!;
  const text = sql.length ? `with ${sql.map((q, i) => `"w${i}" as (${q})`).join(', ')} ${last}` : last;
  await withJson(tx, params, (refs) => tx.$executeRawUnsafe(deferred ? DEFERRED + text : text, ...refs));
}

/** A column's value the same in two rows (an instant given as one Date per batch or as equal ones). */
const same = (a: unknown, b: unknown) => a === b || (a instanceof Date && b instanceof Date && a.getTime() === b.getTime());

/**
 * A group of rows as its statement's parameters: the columns whose value every row shares, once
 * (one record: the batch's workspace, author, instants, an import's entry text), and the others
 * row by row. An imported batch's JSON is about a third smaller (its timeline entries' three
 * quarters), which the process serializes and sends, and PostgreSQL parses, once less.
 */
function encoded(shape: string, list: Record<string, unknown>[], opts: BulkOptions = {}): Encoded {
  const cols = shape.split(',');
  const first = list[0];
  const shared = new Set(list.length > 1 ? cols.filter((c) => list.every((r) => same(r[c], first[c]))) : []);
  if (!shared.size) return { cols, shared, params: [JSON.stringify(list)] };
  const varying = cols.filter((c) => !shared.has(c));
  const one: Record<string, unknown> = {};
  for (const c of shared) one[c] = first[c];
  // One json column varies (each event's payload): its values alone, 1,000 outbox rows 17 → 12 ms
  // of PostgreSQL's CPU (no record built per row). Not with a null among them: an element of the
  // array would be JSON's null, where a record's field is SQL's NULL.
  const [only] = varying;
  if (varying.length === 1 && opts.json?.includes(only) && !opts.parent && list.every((r) => r[only] !== null)) {
    return { cols, shared, only, params: [JSON.stringify(list.map((r) => r[only])), JSON.stringify(one)] };
  }
  const rows = list.map((r) => {
    const o: Record<string, unknown> = {};
    for (const c of varying) o[c] = r[c];
    return o;
  });
  return { cols, shared, params: [JSON.stringify(rows), JSON.stringify(one)] };
}
/** A group's columns, those every row shares, and the statement's parameters; `only`: the one json column that varies, its values alone. */
type Encoded = { cols: string[]; shared: Set<string>; params: string[]; only?: string };

/**
 * Runs a statement whose parameters are JSON documents of a batch: on PostgreSQL passed by
 * reference (lib/pg-pipelined.ts), so Prisma's raw path carries a short token instead of
 * serializing and parsing a few MB again; as they are on PGlite.
 */
async function withJson<T>(tx: Tx, json: string[], run: (params: string[]) => Promise<T>): Promise<T> {
  if (!(tx as unknown as Record<symbol, unknown>)[RESOLVES_REFERENCES]) return run(json);
  const refs = json.map(byReference);
  try {
    return await run(refs.map((r) => r.token));
  } finally {
    for (const r of refs) r.release();
  }
}

/**
 * insertRows answering the rows as written, in the order given: the columns `returning` names,
 * as a read of them right after would answer them with Prisma's raw values (dates as Date,
 * decimals as Decimal), without that read (for a batch of cards, Prisma's findMany of ~90
 * columns cost more CPU than the INSERT itself). Most are made from what was sent
 * (lib/written-rows.ts); the statement answers the ids, which rows went in, and the rest.
 */
export async function insertRowsReturning<T extends { id: string }>(
  tx: Tx,
  table: string,
  rows: Record<string, unknown>[],
  opts: BulkOptions & { ids: true; returning: readonly string[]; readBack?: boolean },
) {
  const { ids, groups } = grouped(rows, opts);
  const byId = new Map<string, T>();
  const types = await columnTypes(tx, table);
  for (const [shape, list] of groups) {
    const group = encoded(shape, list, opts);
    const written = writtenRows(table, types, list, opts.returning, opts.readBack);
    const answered = await withJson(tx, group.params, (refs) =>
      tx.$queryRawUnsafe<Record<string, unknown>[]>(`${statement(table, group, 1, opts)} returning ${written.asked.map(ident).join(', ')}`, ...refs),
    );
    for (const a of answered) byId.set(a.id as string, written.row(a) as T);
  }
  return ids.map((id) => {
    const row = byId.get(id);
    if (!row) throw new Error('bulk insert: a row written is missing');
    return row;
  });
}

/** The INSERT of a group (`encoded`): its rows from parameter `param`, the values they share from the one after. */
function statement(table: string, group: Omit<Encoded, 'params'>, param = 1, opts: BulkOptions = {}) {
  const t = ident(table);
  const col = (c: string) => `${group.shared.has(c) ? 's' : 'x'}.${ident(c)}`;
  const { parent, skipDuplicates, json } = opts;
  const j = json ? 'json' : 'jsonb';
  const rows = `${j}_populate_recordset(null::${t}, $${param}::${j})`;
  const shared = group.shared.size ? `, ${j}_populate_record(null::${t}, $${param + 1}::${j}) s` : '';
  // With a parent check, the rows keep their order by their place in the batch (a serial id
  // given by the default follows it).
  const from = group.only
    ? `json_array_elements($${param}::json) as x(${ident(group.only)})${shared}`
    : parent
      ? `${rows} with ordinality x${shared} where exists (select 1 from ${ident(parent.table)} p where p."id" = ${col(parent.column)}) order by x.ordinality`
      : `${rows} x${shared}`;
  return `insert into ${t} (${group.cols.map(ident).join(', ')}) select ${group.cols.map(col).join(', ')} from ${from}${skipDuplicates ? ' on conflict do nothing' : ''}`;
}

/** The rows by the columns they give (undefined left out, ids and instants filled in). */
function grouped(rows: Record<string, unknown>[], opts: BulkOptions) {
  const at = new Date();
  const ids: string[] = [];
  const groups = new Map<string, Record<string, unknown>[]>();
  let last: { keys: string[]; list: Record<string, unknown>[] } | undefined;
  for (const r of rows) {
    const row = opts.fresh && allDefined(r) ? r : definedOf(r);
    if (opts.ids) row.id ??= uuidv7();
    for (const c of opts.now ?? []) row[c] ??= at;
    if (opts.ids) ids.push(row.id as string);
    // Rows from one write path give their keys in one order: the shape is their list as given
    // (two orders of the same keys are two statements, each still right). A row with the keys
    // of the one before joins its group without its list being made again.
    if (!last || !sameKeys(row, last.keys)) {
      const keys = Object.keys(row);
      const shape = keys.join(',');
      last = { keys, list: groups.get(shape) ?? [] };
      groups.set(shape, last.list);
    }
    last.list.push(row);
  }
  return { ids, groups };
}

const allDefined = (r: Record<string, unknown>) => {
  for (const k in r) if (r[k] === undefined) return false;
  return true;
};
/** A copy of the row without its undefined values (a column left to its default). */
function definedOf(r: Record<string, unknown>) {
  const row: Record<string, unknown> = {};
  for (const k in r) if (r[k] !== undefined) row[k] = r[k];
  return row;
}

/** Whether the row's keys are `keys`, in that order. */
function sameKeys(row: Record<string, unknown>, keys: string[]) {
  let i = 0;
  for (const k in row) if (keys[i++] !== k) return false;
  return i === keys.length;
}

/**
 * Updates many rows of `table` by id in one statement per shape (the columns given), each only if
 * its `version` is still the one given (the compare-and-set of a write read before), bumping it;
 * the batch as one JSON parameter read against the table's row type, as insertRows does. Answers
 * the rows written (`returning`), by id: a row missing from the answer was changed meanwhile (or
 * is gone) and was not written. Rows are not locked in any order here: a caller whose batches
 * may meet another's locks them first (`lockRows`).
 */
export async function updateRowsReturning<T extends { id: string }>(
  tx: Tx,
  table: string,
  rows: { id: string; version: number; data: Record<string, unknown> }[],
  returning: readonly string[],
): Promise<Map<string, T>> {
  const groups = new Map<string, Record<string, unknown>[]>();
  for (const r of rows) {
    const row: Record<string, unknown> = {};
    for (const k in r.data) if (r.data[k] !== undefined && k !== 'id' && k !== 'version') row[k] = r.data[k];
    const shape = Object.keys(row).join(',');
    row.id = r.id;
    row.version = r.version;
    const list = groups.get(shape) ?? [];
    list.push(row);
    groups.set(shape, list);
  }
  const out = new Map<string, T>();
  const t = ident(table);
  const cols = returning.map((c) => `t.${ident(c)}`).join(', ');
  for (const [shape, list] of groups) {
    const sets = [...(shape ? shape.split(',').map((c) => `${ident(c)} = x.${ident(c)}`) : []), `"version" = t."version" + 1`].join(', ');
    const sql = `update ${t} t set ${sets} from jsonb_populate_recordset(null::${t}, $1::jsonb) x
                  where t."id" = x."id" and t."version" = x."version" returning ${cols}`;
    for (const r of await withJson(tx, [JSON.stringify(list)], ([json]) => tx.$queryRawUnsafe<T[]>(sql, json))) out.set(r.id, r);
  }
  return out;
}

/**
 * Locks rows of `table` by id in id order (one statement), so two transactions locking some of the same rows never deadlock. FOR NO KEY UPDATE,
 * the lock an UPDATE of non-key columns takes: FOR UPDATE would also wait on the KEY SHARE locks that inserting a row that references one
 * (a timeline entry, a run) takes, so two transactions that had each inserted such a row deadlocked on the order lock itself.
 */
export async function lockRows(tx: Tx, table: string, ids: string[]) {
  await tx.$queryRawUnsafe(`select 1 from ${ident(table)} where "id" = any($1::uuid[]) order by "id" for no key update`, ids);
}

/**
 * Locks, in id order, the rows of `table` whose `column` references the row `parentId`, as deleting that row would through
 * its cascade: called before the delete. A worker that updates such a row and then writes its parent (a delivery, then its
 * webhook's failure streak; a job closed, then its automation's run logged) takes the two in that order, and a delete that
 * locked the parent first and reached the worker's row through the cascade deadlocked with it.
 */
export async function lockReferencing(tx: Tx, table: string, column: string, parentId: string) {
  await tx.$queryRawUnsafe(`select 1 from ${ident(table)} where ${ident(column)} = $1::uuid order by "id" for update`, parentId);
}
