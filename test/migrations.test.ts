// Proves that the hand-written migrations build exactly the database schema.prisma describes,
// and that the migration runner behaves like `prisma migrate deploy`: one _prisma_migrations
// row per migration with its sha256 checksum, nothing re-applied, edited migrations refused,
// and one application even when several instances start at once. Runs on an in-memory PGlite
// always, and on scratch PostgreSQL databases when TEST_DATABASE_URL is set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase, type Database } from '../src/db.js';
import { listMigrations, MIGRATIONS_DIR } from '../src/lib/migrate.js';

// ---------------------------------------------------------------------------------------------
// The schema as Prisma sees it: the DMMF written by scripts/dmmf-generator.mjs.

type DmmfField = {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object' | 'unsupported';
  type: string;
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  isUpdatedAt: boolean;
  hasDefaultValue: boolean;
  default?: unknown;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
};
type DmmfModel = {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { fields: string[] } | null;
};
type DmmfIndex = {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  algorithm?: string;
  fields: { name: string }[];
  /** A partial index's predicate, as written in schema.prisma (added by scripts/dmmf-generator.mjs). */
  where?: string;
};
type Dmmf = {
  models: DmmfModel[];
  enums: { name: string; dbName?: string | null; values: { name: string; dbName: string | null }[] }[];
  indexes: DmmfIndex[];
};

/** Indexes on expressions, which schema.prisma cannot declare: made by migrations, listed in prisma/sql-only-indexes.json. */
const SQL_ONLY_INDEXES: { table: string; definition: string }[] = JSON.parse(
  readFileSync(new URL('../prisma/sql-only-indexes.json', import.meta.url), 'utf8'),
).indexes;
const dmmf: Dmmf = JSON.parse(readFileSync(new URL('../src/generated/dmmf.json', import.meta.url), 'utf8'));
const MIGRATIONS_TABLE = '_prisma_migrations';

const tableOf = (m: DmmfModel) => m.dbName ?? m.name;
const columnOf = (m: DmmfModel, fieldName: string) => {
  const f = m.fields.find((x) => x.name === fieldName);
  if (!f) throw new Error(`DMMF: ${m.name} has no field ${fieldName}`);
  return f.dbName ?? f.name;
};
const enumDbName = (name: string) => dmmf.enums.find((e) => e.name === name)?.dbName ?? name;

/** format_type() spelling of a field's column type (without quotes around enum names). */
function expectedType(f: DmmfField): string {
  const [native, args = []] = f.nativeType ?? [undefined, []];
  let t: string;
  if (f.kind === 'enum') t = enumDbName(f.type);
  else {
    switch (native ?? f.type) {
      case 'String':
      case 'Text':
        t = 'text';
        break;
      case 'Char':
        t = `character(${args[0] ?? 1})`;
        break;
      case 'VarChar':
        t = args.length ? `character varying(${args[0]})` : 'character varying';
        break;
      case 'Uuid':
        t = 'uuid';
        break;
      case 'Int':
      case 'Integer':
        t = 'integer';
        break;
      case 'SmallInt':
        t = 'smallint';
        break;
      case 'BigInt':
        t = 'bigint';
        break;
      case 'Boolean':
        t = 'boolean';
        break;
      case 'Float':
      case 'DoublePrecision':
        t = 'double precision';
        break;
      case 'Decimal':
        t = `numeric(${args[0] ?? 65},${args[1] ?? 30})`;
        break;
      case 'DateTime':
        t = 'timestamp(3) without time zone';
        break;
      case 'Timestamptz':
        t = `timestamp(${args[0] ?? 6}) with time zone`;
        break;
      case 'Timestamp':
        t = `timestamp(${args[0] ?? 6}) without time zone`;
        break;
      case 'Date':
        t = 'date';
        break;
      // Prisma's Json is jsonb unless the field says @db.Json.
      case 'Json':
        t = native ? 'json' : 'jsonb';
        break;
      case 'JsonB':
        t = 'jsonb';
        break;
      case 'Bytes':
      case 'ByteA':
        t = 'bytea';
        break;
      default:
        throw new Error(`test does not know how Prisma maps ${f.type} ${native ?? ''} on PostgreSQL`);
    }
  }
  return f.isList ? `${t}[]` : t;
}

/**
 * The database-level default Prisma creates for a field, normalized like normalizeDefault()
 * normalizes the catalog's; undefined when the column has none (no @default, @updatedAt, or a
 * default Prisma computes in the client: uuid(), cuid(), nanoid(), ulid()).
 */
function expectedDefault(f: DmmfField): string | undefined {
  if (!f.hasDefaultValue || f.default === undefined) return undefined;
  const d = f.default;
  if (Array.isArray(d)) return JSON.stringify(d.map(String));
  if (d !== null && typeof d === 'object') {
    const { name, args = [] } = d as { name: string; args?: unknown[] };
    if (name === 'now') return 'now()';
    if (name === 'autoincrement') return 'autoincrement()';
    if (name === 'dbgenerated') return String(args[0]);
    if (['uuid', 'cuid', 'nanoid', 'ulid'].includes(name)) return undefined;
    throw new Error(`test does not know the default ${name}()`);
  }
  return String(d);
}

/** Reduces pg_get_expr() of a column default to the form expectedDefault() gives. */
function normalizeDefault(expr: string): string {
  const e = expr.trim();
  if (/^nextval\(/i.test(e)) return 'autoincrement()';
  if (/^(now\(\)|CURRENT_TIMESTAMP)$/i.test(e)) return 'now()';
  const stripCast = (s: string) => s.replace(/^\((.*)\)$/, '$1').replace(/::[\w". ]+(\(\d+(,\s*\d+)?\))?(\[\])?$/, '');
  const literal = (s: string) => {
    const x = stripCast(s.trim());
    const q = /^'((?:[^']|'')*)'$/.exec(x);
    return q ? q[1].replace(/''/g, "'") : x;
  };
  const arr = /^ARRAY\[(.*?)\](::[\w". ]+\[\])?$/is.exec(e);
  if (arr) return JSON.stringify(arr[1].trim() ? arr[1].split(',').map(literal) : []);
  const arrLit = /^'\{(.*)\}'::.*\[\]$/s.exec(e);
  if (arrLit) return JSON.stringify(arrLit[1] ? arrLit[1].split(',').map((s) => s.replace(/^"(.*)"$/, '$1')) : []);
  return literal(e);
}

const FK_ACTION: Record<string, string> = {
  Cascade: 'CASCADE',
  Restrict: 'RESTRICT',
  NoAction: 'NO ACTION',
  SetNull: 'SET NULL',
  SetDefault: 'SET DEFAULT',
};
const PG_FK_ACTION: Record<string, string> = { c: 'CASCADE', r: 'RESTRICT', a: 'NO ACTION', n: 'SET NULL', d: 'SET DEFAULT' };

// ---------------------------------------------------------------------------------------------
// The database as its catalog sees it.

type Query = (sql: string) => Promise<Record<string, string | null>[]>;
type Catalog = Awaited<ReturnType<typeof readCatalog>>;

async function readCatalog(q: Query) {
  const schema = `(select current_schema())`;
  const relations = await q(`
    select c.relname as name, c.relkind::text as kind
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${schema} and c.relkind in ('r', 'p', 'v', 'm', 'f')`);
  const columns = await q(`
    select c.relname as "table", a.attname as "column",
           replace(format_type(a.atttypid, a.atttypmod), '"', '') as "type",
           a.attnotnull as "notNull",
           pg_get_expr(d.adbin, d.adrelid) as "default",
           a.attidentity::text as "identity", a.attgenerated::text as "generated",
           coalesce(et.typtype, t.typtype)::text as "typtype"
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    join pg_type t on t.oid = a.atttypid
    left join pg_type et on et.oid = t.typelem and t.typcategory = 'A'
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where n.nspname = ${schema} and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
    order by c.relname, a.attnum`);
  const indexes = await q(`
    select t.relname as "table", i.relname as "name", ix.indisunique as "unique", ix.indisprimary as "primary",
           am.amname as "method", pg_get_indexdef(ix.indexrelid) as "definition", ix.indpred is not null as "partial", pg_get_expr(ix.indpred, ix.indrelid) as "predicate", ix.indnatts <> ix.indnkeyatts as "including",
           (select json_agg(coalesce(a.attname, '(expression)') order by k.ord)::text
              from unnest(ix.indkey::int2[]) with ordinality k(attnum, ord)
              left join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
             where k.ord <= ix.indnkeyatts) as "columns"
    from pg_index ix
    join pg_class i on i.oid = ix.indexrelid
    join pg_class t on t.oid = ix.indrelid
    join pg_namespace n on n.oid = t.relnamespace
    join pg_am am on am.oid = i.relam
    where n.nspname = ${schema}`);
  const constraints = await q(`
    select t.relname as "table", con.conname as "name", con.contype::text as "type",
           (select json_agg(a.attname order by k.ord)::text
              from unnest(con.conkey) with ordinality k(attnum, ord)
              join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum) as "columns",
           rt.relname as "refTable",
           (select json_agg(a.attname order by k.ord)::text
              from unnest(con.confkey) with ordinality k(attnum, ord)
              join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum) as "refColumns",
           con.confdeltype::text as "onDelete", con.confupdtype::text as "onUpdate"
    from pg_constraint con
    join pg_class t on t.oid = con.conrelid
    join pg_namespace n on n.oid = t.relnamespace
    left join pg_class rt on rt.oid = con.confrelid
    where n.nspname = ${schema} and con.contype not in ('p', 'u', 'n')`);
  const sequences = await q(`
    select s.relname as "name", t.relname as "ownerTable", a.attname as "ownerColumn"
    from pg_class s
    join pg_namespace n on n.oid = s.relnamespace
    left join pg_depend d on d.objid = s.oid and d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i')
    left join pg_class t on t.oid = d.refobjid
    left join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
    where n.nspname = ${schema} and s.relkind = 'S'`);
  const triggers = await q(`
    select t.relname as "table", tg.tgname as "name"
    from pg_trigger tg
    join pg_class t on t.oid = tg.tgrelid
    join pg_namespace n on n.oid = t.relnamespace
    where n.nspname = ${schema} and not tg.tgisinternal`);
  const enums = await q(`
    select t.typname as "name", json_agg(e.enumlabel order by e.enumsortorder)::text as "values"
    from pg_type t
    join pg_enum e on e.enumtypid = t.oid
    join pg_namespace n on n.oid = t.typnamespace
    where n.nspname = ${schema}
    group by t.typname`);
  const parse = (s: string | null) => (s ? (JSON.parse(s) as string[]) : []);
  return {
    relations: relations as unknown as { name: string; kind: string }[],
    columns: columns as unknown as {
      table: string;
      column: string;
      type: string;
      notNull: boolean;
      default: string | null;
      identity: string;
      generated: string;
      typtype: string;
    }[],
    indexes: indexes.map((i) => ({ ...i, columns: parse(i.columns) })) as unknown as {
      table: string;
      name: string;
      unique: boolean;
      primary: boolean;
      method: string;
      definition: string;
      partial: boolean;
      predicate: string | null;
      including: boolean;
      columns: string[];
    }[],
    constraints: constraints.map((c) => ({ ...c, columns: parse(c.columns), refColumns: parse(c.refColumns) })) as unknown as {
      table: string;
      name: string;
      type: string;
      columns: string[];
      refTable: string | null;
      refColumns: string[];
      onDelete: string;
      onUpdate: string;
    }[],
    enums: enums.map((e) => ({ name: e.name as string, values: parse(e.values) })),
    sequences: sequences as unknown as { name: string; ownerTable: string | null; ownerColumn: string | null }[],
    triggers: triggers as unknown as { table: string; name: string }[],
  };
}

// ---------------------------------------------------------------------------------------------
// The comparison. Every difference is one readable line; `model` is null for differences that
// belong to no model (enums, tables the schema does not declare).

type Difference = { model: string | null; message: string };

/** PostgreSQL prints a predicate wrapped in parentheses: `("cfText1" IS NOT NULL)`. */
const predicateOf = (i: { predicate: string | null }) => i.predicate?.replace(/^\((.*)\)$/s, '$1') ?? null;
const cols = (c: string[]) => `(${c.map((x) => `"${x}"`).join(', ')})`;

/** Removes and returns the first item of `pool` matching `pred`. */
function take<T>(pool: T[], pred: (t: T) => boolean): T | undefined {
  const i = pool.findIndex(pred);
  return i < 0 ? undefined : pool.splice(i, 1)[0];
}

function compareSchema(cat: Catalog): Difference[] {
  const diffs: Difference[] = [];
  const add = (model: string | null, message: string) => diffs.push({ model, message });

  // Enums: same names, same values in the same order, nothing extra.
  const dbEnums = new Map(cat.enums.map((e) => [e.name, e.values]));
  for (const e of dmmf.enums) {
    const name = e.dbName ?? e.name;
    const want = e.values.map((v) => v.dbName ?? v.name);
    const have = dbEnums.get(name);
    if (!have) add(null, `missing enum type "${name}"`);
    else if (JSON.stringify(have) !== JSON.stringify(want)) add(null, `enum "${name}" has values ${JSON.stringify(have)}, schema says ${JSON.stringify(want)}`);
    dbEnums.delete(name);
  }
  for (const name of dbEnums.keys()) add(null, `extra enum type "${name}"`);

  // Tables: one per model, plus Prisma's migrations table.
  const declared = new Set(dmmf.models.map(tableOf));
  for (const r of cat.relations) {
    if (r.name === MIGRATIONS_TABLE) continue;
    if (!declared.has(r.name)) add(null, `extra ${r.kind === 'r' || r.kind === 'p' ? 'table' : `relation (relkind ${r.kind})`} "${r.name}"`);
  }

  // Sequences: one per autoincrement column, owned by it; triggers: the schema declares none.
  const sequences = [...cat.sequences];
  for (const m of dmmf.models)
    for (const f of m.fields.filter((x) => (x.default as { name?: string } | undefined)?.name === 'autoincrement')) {
      const [table, column] = [tableOf(m), f.dbName ?? f.name];
      if (!take(sequences, (q) => q.ownerTable === table && q.ownerColumn === column))
        add(m.name, `${table}: missing sequence owned by "${column}" (autoincrement)`);
    }
  for (const q of sequences) add(null, `extra sequence "${q.name}"`);
  for (const t of cat.triggers.filter((x) => x.table !== MIGRATIONS_TABLE)) add(null, `extra trigger "${t.name}" on "${t.table}"`);

  for (const m of dmmf.models) {
    const table = tableOf(m);
    const here = (msg: string) => add(m.name, `${table}: ${msg}`);
    if (!cat.relations.some((r) => r.name === table && (r.kind === 'r' || r.kind === 'p'))) {
      here('table is missing');
      continue;
    }

    // Columns.
    const dbCols = cat.columns.filter((c) => c.table === table);
    const scalars = m.fields.filter((f) => f.kind !== 'object');
    for (const f of scalars) {
      const name = f.dbName ?? f.name;
      const c = take(dbCols, (x) => x.column === name);
      if (!c) {
        here(`missing column "${name}"`);
        continue;
      }
      const type = expectedType(f);
      if (c.type !== type) here(`column "${name}" is ${c.type}, schema says ${type}`);
      if (f.kind === 'enum' && c.typtype !== 'e') here(`column "${name}" is not of an enum type`);
      if (c.notNull !== f.isRequired) here(`column "${name}" is ${c.notNull ? 'NOT NULL' : 'nullable'}, schema says ${f.isRequired ? 'required' : 'optional'}`);
      const want = expectedDefault(f);
      const have = c.default === null ? undefined : normalizeDefault(c.default);
      if (want !== have)
        here(`column "${name}" has ${have === undefined ? 'no default' : `default ${c.default}`}, schema says ${want === undefined ? 'none' : want}`);
      if (c.generated) here(`column "${name}" is a generated column`);
      if (c.identity) here(`column "${name}" is an identity column`);
    }
    for (const c of dbCols) here(`extra column "${c.column}" (${c.type})`);

    // Primary key, unique indexes, plain indexes: each declared one exactly once, nothing else.
    const dbIndexes = cat.indexes.filter((i) => i.table === table);
    const wantPk = (m.primaryKey?.fields ?? m.fields.filter((f) => f.isId).map((f) => f.name)).map((n) => columnOf(m, n));
    const pk = take(dbIndexes, (i) => i.primary);
    if (!wantPk.length) {
      if (pk) here(`has a primary key ${cols(pk.columns)} the schema does not declare`);
    } else if (!pk) here(`missing primary key ${cols(wantPk)}`);
    else if (JSON.stringify(pk.columns) !== JSON.stringify(wantPk)) here(`primary key is ${cols(pk.columns)}, schema says ${cols(wantPk)}`);

    for (const idx of dmmf.indexes.filter((i) => i.model === m.name && i.type !== 'id')) {
      const columns = idx.fields.map((f) => columnOf(m, f.name));
      const unique = idx.type === 'unique';
      const method = (idx.algorithm ?? 'BTree').toLowerCase();
      const what = `${unique ? 'unique index' : 'index'} on ${cols(columns)} using ${method}${idx.where ? ` where ${idx.where}` : ''}`;
      const found = take(
        dbIndexes,
        (i) =>
          !i.primary &&
          i.unique === unique &&
          i.method === method &&
          predicateOf(i) === (idx.where ?? null) &&
          !i.including &&
          JSON.stringify(i.columns) === JSON.stringify(columns),
      );
      if (!found) here(`missing ${what}`);
    }
    // Indexes the schema language cannot declare (expressions), listed with their definitions.
    for (const x of SQL_ONLY_INDEXES.filter((i) => i.table === table)) {
      const name = x.definition.match(/^CREATE (?:UNIQUE )?INDEX "([^"]+)"/)![1];
      const found = take(dbIndexes, (i) => i.name === name);
      if (!found) here(`missing SQL-only index "${name}" (prisma/sql-only-indexes.json)`);
      else if (found.definition.replace(/ ON (?:ONLY )?[\w"]+\./, ' ON ') !== x.definition)
        here(`SQL-only index "${name}" is ${found.definition}, prisma/sql-only-indexes.json says ${x.definition}`);
    }
    for (const i of dbIndexes)
      here(
        `extra ${i.unique ? 'unique index' : 'index'} "${i.name}" on ${cols(i.columns)} using ${i.method}${i.partial ? ` where ${predicateOf(i)}` : ''}${i.including ? ' (with INCLUDE columns)' : ''}`,
      );

    // Foreign keys, with their ON DELETE / ON UPDATE actions (Prisma's defaults when unset:
    // RESTRICT for required relations, SET NULL for optional ones; ON UPDATE CASCADE).
    const dbFks = cat.constraints.filter((c) => c.table === table && c.type === 'f');
    for (const f of m.fields.filter((x) => x.kind === 'object' && x.relationFromFields?.length)) {
      const target = dmmf.models.find((x) => x.name === f.type)!;
      const from = f.relationFromFields!.map((n) => columnOf(m, n));
      const to = f.relationToFields!.map((n) => columnOf(target, n));
      const onDelete = FK_ACTION[f.relationOnDelete ?? (f.isRequired ? 'Restrict' : 'SetNull')];
      const onUpdate = FK_ACTION[f.relationOnUpdate ?? 'Cascade'];
      const what = `foreign key ${cols(from)} -> "${tableOf(target)}"${cols(to)} ON DELETE ${onDelete} ON UPDATE ${onUpdate}`;
      const fk = take(
        dbFks,
        (c) => JSON.stringify(c.columns) === JSON.stringify(from) && c.refTable === tableOf(target) && JSON.stringify(c.refColumns) === JSON.stringify(to),
      );
      if (!fk) here(`missing ${what}`);
      else if (PG_FK_ACTION[fk.onDelete] !== onDelete || PG_FK_ACTION[fk.onUpdate] !== onUpdate)
        here(
          `${what.replace(/ ON DELETE.*/, '')} is ON DELETE ${PG_FK_ACTION[fk.onDelete]} ON UPDATE ${PG_FK_ACTION[fk.onUpdate]}, schema says ON DELETE ${onDelete} ON UPDATE ${onUpdate}`,
        );
    }
    for (const c of dbFks) here(`extra foreign key "${c.name}" ${cols(c.columns)} -> "${c.refTable}"${cols(c.refColumns)}`);
    for (const c of cat.constraints.filter((x) => x.table === table && x.type !== 'f'))
      here(`extra constraint "${c.name}" (type ${c.type}) the schema cannot declare`);
  }
  return diffs;
}

// ---------------------------------------------------------------------------------------------
// Fresh databases: in-memory PGlite, or scratch databases on the TEST_DATABASE_URL server.

type Fresh = { db: Database; url?: string; close(): Promise<void> };
type Target = { name: string; fresh(): Promise<Fresh>; second?(url: string): Promise<Database> };

const serverUrl = process.env.TEST_DATABASE_URL;
let scratchSeq = 0;

async function adminQuery(sql: string) {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

const targets: Target[] = [
  {
    name: 'PGlite',
    async fresh() {
      const db = await openDatabase({ kind: 'pglite' });
      return { db, close: () => db.close() };
    },
  },
];
if (serverUrl) {
  targets.push({
    name: 'PostgreSQL',
    async fresh() {
      const name = `crm_migtest_${process.pid}_${Date.now()}_${++scratchSeq}`;
      await adminQuery(`create database "${name}"`);
      const url = new URL(serverUrl);
      url.pathname = `/${name}`;
      const db = await openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 3 });
      return {
        db,
        url: url.toString(),
        async close() {
          await db.close();
          await adminQuery(`drop database if exists "${name}" with (force)`);
        },
      };
    },
    second: (url) => openDatabase({ kind: 'postgres', url, poolSize: 3 }),
  });
}

const query =
  (db: Database): Query =>
  (sql) =>
    db.prisma.$queryRawUnsafe(sql);
const migrationNames = listMigrations().map((m) => m.name);

// Most tests migrate a fresh database of their own: slow on a loaded machine.
describe.each(targets)('migrations on $name', { timeout: 120_000 }, (target) => {
  const opened: Fresh[] = [];
  const fresh = async () => {
    const f = await target.fresh();
    opened.push(f);
    return f;
  };
  afterAll(async () => {
    for (const f of opened) await f.close().catch(() => {});
  }, 60_000);

  describe('the migrated database matches schema.prisma', () => {
    let db: Database;
    let applied: string[];
    let diffs: Difference[];
    beforeAll(async () => {
      ({ db } = await fresh());
      applied = await db.migrate();
      diffs = compareSchema(await readCatalog(query(db)));
    }, 60_000);

    it('applies every migration on an empty database', () => {
      expect(applied).toEqual(migrationNames);
      expect(migrationNames.length).toBeGreaterThan(0);
    });

    it('has the enum types of the schema with the same values, and no others', () => {
      expect(diffs.filter((d) => d.model === null && /enum/.test(d.message)).map((d) => d.message)).toEqual([]);
    });

    it('has no table, sequence or trigger the schema does not declare (besides _prisma_migrations)', () => {
      expect(diffs.filter((d) => d.model === null && !/enum/.test(d.message)).map((d) => d.message)).toEqual([]);
    });

    it.each(dmmf.models.map((m) => [m.name]))('%s: table, columns (type, nullability, default), keys, indexes and foreign keys', (model) => {
      expect(diffs.filter((d) => d.model === model).map((d) => d.message)).toEqual([]);
    });

    it('records each migration in _prisma_migrations with its sha256 checksum and finished_at', async () => {
      type Applied = {
        migration_name: string;
        checksum: string;
        started_at: Date;
        finished_at: Date;
        rolled_back_at: Date | null;
        applied_steps_count: number;
        logs: string | null;
      };
      const rows = await db.prisma.$queryRawUnsafe<Applied[]>(
        `select migration_name, checksum, finished_at, started_at, rolled_back_at, applied_steps_count, logs
         from "_prisma_migrations" order by migration_name`,
      );
      expect(rows.map((r) => r.migration_name)).toEqual(migrationNames);
      for (const r of rows) {
        const file = readFileSync(join(MIGRATIONS_DIR, r.migration_name, 'migration.sql'));
        expect(r.checksum).toBe(createHash('sha256').update(file).digest('hex'));
        expect(r.finished_at).toBeInstanceOf(Date);
        expect(r.finished_at.getTime()).toBeGreaterThanOrEqual(r.started_at.getTime());
        expect(r.rolled_back_at).toBeNull();
        expect(r.applied_steps_count).toBe(1);
        expect(r.logs).toBeNull();
      }
    });

    it('applies nothing when run a second time', async () => {
      const before = await db.prisma.$queryRawUnsafe<{ id: string }[]>(`select id from "_prisma_migrations" order by id`);
      expect(await db.migrate()).toEqual([]);
      const after = await db.prisma.$queryRawUnsafe<{ id: string }[]>(`select id from "_prisma_migrations" order by id`);
      expect(after).toEqual(before);
      expect(compareSchema(await readCatalog(query(db)))).toEqual([]);
    });
  });

  it('failing: the comparison reports drift (extra column, table and sequence; dropped index; changed type, nullability, default, index method, partial index predicate, foreign key action; a SQL-only index dropped or changed)', async () => {
    const { db } = await fresh();
    await db.migrate();
    expect(compareSchema(await readCatalog(query(db)))).toEqual([]);
    await db.prisma.$executeRawUnsafe(`ALTER TABLE "Deal" ADD COLUMN "x" int`);
    await db.prisma.$executeRawUnsafe(`DROP INDEX "Deal_companyId_idx"`);
    await db.prisma.$executeRawUnsafe(`ALTER TABLE "Contact" ALTER COLUMN "name" DROP NOT NULL`);
    await db.prisma.$executeRawUnsafe(`ALTER TABLE "Deal" DROP CONSTRAINT "Deal_stageId_fkey"`);
    await db.prisma.$executeRawUnsafe(
      `ALTER TABLE "Deal" ADD CONSTRAINT "Deal_stageId_fkey" FOREIGN KEY ("stageId") REFERENCES "Stage"("id") ON DELETE CASCADE ON UPDATE CASCADE`,
    );
    await db.prisma.$executeRawUnsafe(`ALTER TABLE "Deal" ALTER COLUMN "amount" TYPE numeric(18,3)`);
    await db.prisma.$executeRawUnsafe(`ALTER TABLE "Deal" ALTER COLUMN "version" DROP DEFAULT`);
    await db.prisma.$executeRawUnsafe(`DROP INDEX "Company_phones_idx"`);
    await db.prisma.$executeRawUnsafe(`CREATE INDEX "Company_phones_idx" ON "Company" ("phones")`);
    await db.prisma.$executeRawUnsafe(`DROP INDEX "Deal_workspaceId_cfNumber2_id_idx"`);
    await db.prisma.$executeRawUnsafe(`CREATE INDEX "Deal_workspaceId_cfNumber2_id_idx" ON "Deal" ("workspaceId", "cfNumber2", "id")`);
    await db.prisma.$executeRawUnsafe(`DROP INDEX "Company_workspaceId_lower_name_idx"`);
    await db.prisma.$executeRawUnsafe(`DROP INDEX "Deal_workspaceId_lower_name_idx"`);
    await db.prisma.$executeRawUnsafe(`CREATE INDEX "Deal_workspaceId_lower_name_idx" ON "Deal" ("workspaceId", upper("name"))`);
    await db.prisma.$executeRawUnsafe(`CREATE TABLE "Stray" (id int)`);
    await db.prisma.$executeRawUnsafe(`CREATE SEQUENCE "stray_seq"`);
    const messages = compareSchema(await readCatalog(query(db))).map((d) => d.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        'Deal: extra column "x" (integer)',
        'Deal: missing index on ("companyId") using btree',
        'Contact: column "name" is nullable, schema says required',
        'Deal: foreign key ("stageId") -> "Stage"("id") is ON DELETE CASCADE ON UPDATE CASCADE, schema says ON DELETE RESTRICT ON UPDATE CASCADE',
        'Deal: column "amount" is numeric(18,3), schema says numeric(18,2)',
        'Deal: column "version" has no default, schema says 1',
        'Company: missing index on ("phones") using gin',
        'Company: extra index "Company_phones_idx" on ("phones") using btree',
        'Deal: missing index on ("workspaceId", "cfNumber2", "id") using btree where "cfNumber2" IS NOT NULL',
        'Deal: extra index "Deal_workspaceId_cfNumber2_id_idx" on ("workspaceId", "cfNumber2", "id") using btree',
        'Company: missing SQL-only index "Company_workspaceId_lower_name_idx" (prisma/sql-only-indexes.json)',
        'Deal: SQL-only index "Deal_workspaceId_lower_name_idx" is CREATE INDEX "Deal_workspaceId_lower_name_idx" ON public."Deal" USING btree ("workspaceId", upper(name)), prisma/sql-only-indexes.json says CREATE INDEX "Deal_workspaceId_lower_name_idx" ON "Deal" USING btree ("workspaceId", lower(name))',
        'extra table "Stray"',
        'extra sequence "stray_seq"',
      ]),
    );
    expect(messages).toHaveLength(14);
  });

  it('failing: a migration edited after it was applied makes the runner refuse (a CRLF checkout of it does not)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-migrations-'));
    try {
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      const { db } = await fresh();
      expect(await db.migrate(dir)).toEqual(migrationNames);

      // A new migration is applied on the next run; the old ones are not run again.
      const added = '29991231000000_add_note';
      mkdirSync(join(dir, added));
      writeFileSync(join(dir, added, 'migration.sql'), 'CREATE TABLE "Note" ("id" INTEGER NOT NULL PRIMARY KEY);\n');
      expect(await db.migrate(dir)).toEqual([added]);

      // A checkout whose line endings git turned into CRLF is the same migration, as for Prisma.
      const first = migrationNames[0];
      const file = join(dir, first, 'migration.sql');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/\r?\n/g, '\r\n'));
      expect(await db.migrate(dir)).toEqual([]);

      appendFileSync(join(dir, first, 'migration.sql'), '\n-- edited after deployment\n');
      await expect(db.migrate(dir)).rejects.toThrow(`Migration ${first} was changed after it was applied (checksum differs)`);
      const rows = await db.prisma.$queryRawUnsafe<{ migration_name: string }[]>(`select migration_name from "_prisma_migrations" order by migration_name`);
      expect(rows.map((r) => r.migration_name)).toEqual([...migrationNames, added]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives existing roles rights on incoming leads equal to their rights on deals (20261123240000_lead_rights)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-migrations-'));
    try {
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      const later = migrationNames.filter((n) => n >= '20261123240000');
      for (const n of later) rmSync(join(dir, n), { recursive: true });
      const { db } = await fresh();
      await db.migrate(dir);
      // Roles as an earlier version left them.
      await db.prisma.$executeRawUnsafe(`insert into "Workspace" ("id", "name", "updatedAt") values ('01900000-0000-7000-8000-000000000001', 'Old', now())`);
      await db.prisma.$executeRawUnsafe(
        `insert into "Role" ("id", "workspaceId", "name", "isAdmin", "rights") values
           ('01900000-0000-7000-8000-000000000002', '01900000-0000-7000-8000-000000000001', 'Sales', false, '{"DEAL":{"VIEW":"TEAM","EDIT":"OWN"},"TASK":{"VIEW":"ALL"}}'),
           ('01900000-0000-7000-8000-000000000003', '01900000-0000-7000-8000-000000000001', 'Admin', true, '{}'),
           ('01900000-0000-7000-8000-000000000004', '01900000-0000-7000-8000-000000000001', 'Empty', false, '{}')`,
      );
      expect(await db.migrate()).toEqual(later);
      const rows = await db.prisma.$queryRawUnsafe<{ name: string; rights: unknown }[]>(`select "name", "rights" from "Role" order by "name"`);
      expect(rows).toEqual([
        { name: 'Admin', rights: {} },
        { name: 'Empty', rights: {} },
        { name: 'Sales', rights: { DEAL: { VIEW: 'TEAM', EDIT: 'OWN' }, LEAD: { VIEW: 'TEAM', EDIT: 'OWN' }, TASK: { VIEW: 'ALL' } } },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives existing mailboxes an inbound key each, and no SMTP server (20261202233000_mail)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-migrations-'));
    try {
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      const later = migrationNames.filter((n) => n >= '20261202233000');
      for (const n of later) rmSync(join(dir, n), { recursive: true });
      const { db } = await fresh();
      await db.migrate(dir);
      // Mailboxes as an earlier version left them.
      await db.prisma.$executeRawUnsafe(`insert into "Workspace" ("id", "name", "updatedAt") values ('01900000-0000-7000-8000-000000000001', 'Old', now())`);
      await db.prisma.$executeRawUnsafe(
        `insert into "Mailbox" ("id", "workspaceId", "address") values
           ('01900000-0000-7000-8000-000000000002', '01900000-0000-7000-8000-000000000001', 'a@old.example'),
           ('01900000-0000-7000-8000-000000000003', '01900000-0000-7000-8000-000000000001', 'b@old.example')`,
      );
      expect(await db.migrate()).toEqual(later);
      const rows = await db.prisma.$queryRawUnsafe<{ key: string; smtpUrl: string | null }[]>(`select "key", "smtpUrl" from "Mailbox" order by "address"`);
      expect(rows.map((r) => r.smtpUrl)).toEqual([null, null]);
      expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.key))).toBe(true);
      expect(rows[0].key).not.toBe(rows[1].key);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // On PostgreSQL two connections race for the advisory lock; on PGlite two runners in one
  // process share the database and queue behind each other.
  it('two runners started at once apply each migration exactly once', async () => {
    const { db: a, url } = await fresh();
    const b = target.second ? await target.second(url!) : a;
    try {
      const results = await Promise.all([a.migrate(), b.migrate()]);
      expect(results.flat().sort()).toEqual(migrationNames);
      expect(results.some((r) => r.length === 0)).toBe(true);
      const rows = await a.prisma.$queryRawUnsafe<{ migration_name: string; n: number }[]>(
        `select migration_name, count(*)::int as n from "_prisma_migrations" group by migration_name order by migration_name`,
      );
      expect(rows).toEqual(migrationNames.map((migration_name) => ({ migration_name, n: 1 })));
      expect(compareSchema(await readCatalog(query(a)))).toEqual([]);
    } finally {
      if (b !== a) await b.close();
    }
  });
});
