// Many rows into one table in one statement, the whole batch as one JSON parameter that
// PostgreSQL expands into rows (jsonb_populate_recordset against the table's own row type).
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
import type { Tx } from './outbox.js';

export type BulkOptions = {
  /** Gives each row without an id a new UUIDv7 (the tables' `@default(uuid(7))`). */
  ids?: boolean;
  /** Columns set to the same instant when a row leaves them out (the tables' `@default(now())`). */
  now?: readonly string[];
};

// UUIDv7 (RFC 9562: 48 bits of Unix milliseconds, a 32-bit counter, random bits), as the uuid
// package makes them, ordered as they are made (the counter starts at a random value each
// millisecond and counts up within it; rows of one batch share their createdAt, so their ids
// order them), from a pool of random bytes refilled 4 KB at a time: the uuid package asks
// webcrypto for 16 bytes per id, ~3 µs an id (a batch of imported cards takes one per card and
// per timeline entry).
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
let lastMs = -1;
let seq = 0;
const hex = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
function random(n: number) {
  if (poolAt > pool.length - n) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += n;
  return poolAt - n;
}
export function uuidv7(): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    const o = random(4);
    seq = ((pool[o] & 0x7f) << 24) + (pool[o + 1] << 16) + (pool[o + 2] << 8) + pool[o + 3];
  } else if (++seq > 0xffffffff) {
    lastMs++;
    seq = 0;
  }
  const o = random(6);
  const t = lastMs.toString(16).padStart(12, '0');
  const a = seq >>> 20; // 12 bits
  const b1 = 0x80 | ((seq >>> 14) & 0x3f);
  const b2 = (seq >>> 6) & 0xff;
  const b3 = ((seq & 0x3f) << 2) | (pool[o] & 0x03);
  return (
    `${t.slice(0, 8)}-${t.slice(8, 12)}-7${a.toString(16).padStart(3, '0')}-${hex[b1]}${hex[b2]}-` +
    `${hex[b3]}${hex[pool[o + 1]]}${hex[pool[o + 2]]}${hex[pool[o + 3]]}${hex[pool[o + 4]]}${hex[pool[o + 5]]}`
  );
}

const ident = (name: string) => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`bulk insert: bad identifier ${name}`);
  return `"${name}"`;
};

/** Inserts `rows` into `table` (the model's table name); answers each row's id in order when `ids` is set. */
export async function insertRows(tx: Tx, table: string, rows: Record<string, unknown>[], opts: BulkOptions = {}): Promise<string[]> {
  const { ids, groups } = grouped(rows, opts);
  for (const [shape, list] of groups) await tx.$executeRawUnsafe(statement(table, shape), JSON.stringify(list));
  return ids;
}

/**
 * insertRows answering the rows as written (`returning *`, Prisma's raw values: dates as Date,
 * decimals as Decimal), in the order given: what a read of them right after would answer,
 * without that read (for a batch of cards, Prisma's findMany of ~90 columns cost more CPU than
 * the INSERT itself). Needs `ids`.
 */
export async function insertRowsReturning<T extends { id: string }>(
  tx: Tx,
  table: string,
  rows: Record<string, unknown>[],
  opts: BulkOptions & { ids: true; returning?: readonly string[] },
) {
  const { ids, groups } = grouped(rows, opts);
  const byId = new Map<string, T>();
  const returning = opts.returning ? opts.returning.map(ident).join(', ') : '*';
  for (const [shape, list] of groups) {
    for (const r of await tx.$queryRawUnsafe<T[]>(`${statement(table, shape)} returning ${returning}`, JSON.stringify(list))) byId.set(r.id, r);
  }
  return ids.map((id) => {
    const row = byId.get(id);
    if (!row) throw new Error('bulk insert: a row written is missing');
    return row;
  });
}

function statement(table: string, shape: string) {
  const cols = shape.split(',').map(ident).join(', ');
  return `insert into ${ident(table)} (${cols}) select ${cols} from jsonb_populate_recordset(null::${ident(table)}, $1::jsonb)`;
}

/** The rows by the columns they give (undefined left out, ids and instants filled in). */
function grouped(rows: Record<string, unknown>[], opts: BulkOptions) {
  const at = new Date();
  const ids: string[] = [];
  const groups = new Map<string, Record<string, unknown>[]>();
  for (const r of rows) {
    const row: Record<string, unknown> = {};
    for (const k in r) if (r[k] !== undefined) row[k] = r[k];
    if (opts.ids) row.id ??= uuidv7();
    for (const c of opts.now ?? []) row[c] ??= at;
    if (opts.ids) ids.push(row.id as string);
    // Rows from one write path give their keys in one order: the shape is their list as given
    // (two orders of the same keys are two statements, each still right).
    const shape = Object.keys(row).join(',');
    const list = groups.get(shape) ?? [];
    list.push(row);
    groups.set(shape, list);
  }
  return { ids, groups };
}
