// Custom field storage benchmark: the same generated deals and custom field values stored four
// ways, queried in the same run so the ratios to the real-column baseline hold on a noisy machine.
//
//   npm run bench:custom-fields -- [--rows 1000000] [--workspaces 20] [--iterations 200]
//                                  [--budget 20] [--explain] [--keep] [--pg postgresql://…]
//
// Raw SQL through `pg` (no Prisma, no app code) on a scratch database created on --pg and
// dropped at the end (--keep leaves it for poking at).
//
// The model is a multi-tenant CRM: deals belong to workspaces (the first holds 60% of the rows,
// the rest share the other 40%); every workspace defines its own 20 custom fields (field ids
// are global and owned by one workspace, so JSONB keys, EAV field ids and option ids never
// collide between tenants). All workspaces use the same mix of types and fill rates so that
// one 20-column table (design A) can hold the same data; queries run on the big workspace,
// the hard case.
//
// A. real columns: 20 typed columns; (workspace_id, col, id) btree per column, partial
//    (WHERE col IS NOT NULL) for filter-only types and full for sortable ones so ORDER BY col
//    NULLS LAST reads the index in order; GIN for multiselect arrays; no index on booleans.
// B. typed value table (EAV): one row per value (per option for multiselect) with
//    (field_id, value, deal_id) indexes per type, shared by every field of every tenant.
// C. JSONB column keyed by field id: one GIN (jsonb_path_ops) for equality and containment,
//    plus, per NUMBER, MONEY, DATE and DATETIME field of every workspace (9 per workspace), one
//    partial btree expression index (WHERE cf ? 'key') and one expression statistics object.
// D. typed slot columns ("flex columns"): a fixed pool of generic typed columns (6 text,
//    4 select, 3 multiselect, 6 numeric, 5 date, 3 datetime, 3 boolean); each workspace maps
//    its fields onto free slots of the right type (rotated per workspace here, so a slot holds
//    different fields for different tenants) and every slot has one partial index shared by
//    all tenants. Adding a field needs no DDL while a slot of its type is free.
//
// Times are end to end through `pg` (plan, execute, transfer and parse the 50 rows; B also
// loads the page's values in a second statement, as a DataLoader would). Findings and the
// 1M-row table: README.md, "Custom field storage".
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    workspaces: { type: 'string', default: '20' },
    iterations: { type: 'string', default: '200' },
    budget: { type: 'string', default: '20' },
    explain: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    pg: { type: 'string', default: 'postgresql://postgres@127.0.0.1:5432/postgres' },
  },
});
const ROWS = Number(values.rows);
const WORKSPACES = Number(values.workspaces);
const ITERATIONS = Number(values.iterations);
// A design stops being sampled for a query once it has spent this many seconds on it (and has
// at least 20 samples), so a pathological plan cannot eat the run.
const BUDGET_MS = Number(values.budget) * 1000;
const EXTRA = 1000; // generated alongside, inserted at the end to time writes
if (!(ROWS >= 1000) || !(WORKSPACES >= 2) || !(ITERATIONS >= 1)) throw new Error('--rows ≥ 1000, --workspaces ≥ 2, --iterations ≥ 1');

// ---------------------------------------------------------------------------------------------
// Field layout: every workspace has these 20 fields (with its own field and option ids).

type FieldType = 'TEXT' | 'SELECT' | 'MULTISELECT' | 'NUMBER' | 'MONEY' | 'DATE' | 'DATETIME' | 'BOOLEAN';
type Field = { n: number; type: FieldType; fill: number; gen: string };
const option = (n: number, count: number) => `((w * 20 + ${n}) * 100 + floor(random() * ${count}))::int`;
const options = (n: number, count: number, p: number) =>
  `nullif(array(select (w * 20 + ${n}) * 100 + o from generate_series(0, ${count - 1}) o where random() < ${p} and i > 0), '{}')::int[]`;
const FIELDS: Field[] = [
  { n: 1, type: 'TEXT', fill: 0.9, gen: `'REF-' || (i::bigint * 7919 % 10000000)` },
  { n: 2, type: 'TEXT', fill: 0.6, gen: `'Source ' || floor(random() * 30)` },
  { n: 3, type: 'TEXT', fill: 0.1, gen: `substr(md5(random()::text), 1, 16)` },
  { n: 4, type: 'TEXT', fill: 0.3, gen: `'City ' || floor(random() * 500)` },
  { n: 5, type: 'SELECT', fill: 0.9, gen: option(5, 10) },
  { n: 6, type: 'SELECT', fill: 0.5, gen: option(6, 5) },
  { n: 7, type: 'SELECT', fill: 0.1, gen: option(7, 20) },
  { n: 8, type: 'MULTISELECT', fill: 0.4, gen: options(8, 12, 0.17) },
  { n: 9, type: 'MULTISELECT', fill: 0.1, gen: options(9, 8, 0.25) },
  { n: 10, type: 'NUMBER', fill: 0.7, gen: `floor(random() * 1001)::numeric` },
  { n: 11, type: 'NUMBER', fill: 0.2, gen: `round((random() * 100)::numeric, 3)` },
  { n: 12, type: 'MONEY', fill: 0.9, gen: `round((random() ^ 2 * 1000000)::numeric, 2)` },
  { n: 13, type: 'MONEY', fill: 0.1, gen: `round((random() * 50000)::numeric, 2)` },
  { n: 14, type: 'DATE', fill: 0.7, gen: `date '2020-01-01' + floor(random() * 2000)::int` },
  { n: 15, type: 'DATE', fill: 0.3, gen: `date '2020-01-01' + floor(random() * 2000)::int` },
  { n: 16, type: 'DATE', fill: 0.1, gen: `date '2020-01-01' + floor(random() * 2000)::int` },
  { n: 17, type: 'DATETIME', fill: 0.6, gen: `date_trunc('milliseconds', timestamptz '2020-01-01 00:00:00+00' + random() * interval '2000 days')` },
  { n: 18, type: 'DATETIME', fill: 0.1, gen: `date_trunc('milliseconds', timestamptz '2020-01-01 00:00:00+00' + random() * interval '2000 days')` },
  { n: 19, type: 'BOOLEAN', fill: 0.8, gen: `random() < 0.5` },
  { n: 20, type: 'BOOLEAN', fill: 0.2, gen: `random() < 0.5` },
];
const SQL_TYPE: Record<FieldType, string> = {
  TEXT: 'text',
  SELECT: 'int',
  MULTISELECT: 'int[]',
  NUMBER: 'numeric',
  MONEY: 'numeric(18,2)',
  DATE: 'date',
  DATETIME: 'timestamptz',
  BOOLEAN: 'boolean',
};
const SORTABLE = new Set<FieldType>(['NUMBER', 'MONEY', 'DATE', 'DATETIME']);
const fieldId = (w: number, n: number) => w * 20 + n;
const optionId = (w: number, n: number, j: number) => fieldId(w, n) * 100 + j;
const wsId = (w: number) => `00000000-0000-7000-8000-${String(w).padStart(12, '0')}`;
const f = (n: number) => FIELDS[n - 1];

// Slot pools for design D (NUMBER and MONEY share the numeric pool).
type Pool = { prefix: string; sqlType: string; size: number; fields: number[]; gin?: boolean };
const POOLS: Pool[] = [
  { prefix: 't', sqlType: 'text', size: 6, fields: [1, 2, 3, 4] },
  { prefix: 's', sqlType: 'int', size: 4, fields: [5, 6, 7] },
  { prefix: 'm', sqlType: 'int[]', size: 3, fields: [8, 9], gin: true },
  { prefix: 'n', sqlType: 'numeric', size: 6, fields: [10, 11, 12, 13] },
  { prefix: 'd', sqlType: 'date', size: 5, fields: [14, 15, 16] },
  { prefix: 'ts', sqlType: 'timestamptz', size: 3, fields: [17, 18] },
  { prefix: 'b', sqlType: 'boolean', size: 3, fields: [19, 20] },
];
function slotOf(w: number, n: number): string {
  const pool = POOLS.find((p) => p.fields.includes(n))!;
  return `${pool.prefix}${((pool.fields.indexOf(n) + w) % pool.size) + 1}`;
}

// ---------------------------------------------------------------------------------------------
// Scratch database.

const dbName = `crm_cf_bench_${Date.now()}`;
const admin = new pg.Client({ connectionString: values.pg });
await admin.connect();
await admin.query(`create database "${dbName}"`);
await admin.end();
const url = new URL(values.pg!);
url.pathname = `/${dbName}`;
const db = new pg.Client({ connectionString: url.toString() });
await db.connect();
async function dropDb() {
  await db.end().catch(() => {});
  if (values.keep) return console.log(`kept database ${dbName}`);
  const c = new pg.Client({ connectionString: values.pg });
  await c.connect();
  await c.query(`drop database if exists "${dbName}" with (force)`);
  await c.end();
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
async function timed(sql: string, params: unknown[] = []) {
  const s = performance.now();
  await db.query(sql, params);
  return performance.now() - s;
}

type Design = 'A' | 'B' | 'C' | 'D';
const DESIGNS: Design[] = ['A', 'B', 'C', 'D'];
const DESIGN_NAME: Record<Design, string> = {
  A: 'A. real columns (baseline)',
  B: 'B. typed value table (EAV)',
  C: 'C. JSONB + GIN + partial expr. indexes',
  D: 'D. typed slot columns',
};
const TABLES: Record<Design, string[]> = { A: ['deals_a'], B: ['deals_b', 'deal_field_values'], C: ['deals_c'], D: ['deals_d'] };

try {
  const settings = await db.query(`select version() v, current_setting('shared_buffers') sb, current_setting('work_mem') wm,
    current_setting('jit') jit, current_setting('random_page_cost') rpc, current_setting('max_parallel_workers_per_gather') par`);
  const st = settings.rows[0];
  await db.query(`set maintenance_work_mem = '256MB'`);

  // -------------------------------------------------------------------------------------------
  // Generate once into an unlogged staging table, then build every design from it, so they
  // hold exactly the same values and their load times are comparable.
  console.log(`generating ${ROWS.toLocaleString('en')} deals in ${WORKSPACES} workspaces, 20 custom fields each…`);
  const tGen = performance.now();
  await db.query(`select setseed(0.42)`);
  await db.query(`create unlogged table src as
    select i, w,
      (lpad(to_hex(1700000000000 + i::bigint * 1000), 12, '0') || '7' || substr(md5(i::text), 1, 3) || '8' || substr(md5(i::text), 4, 15))::uuid as id,
      ('00000000-0000-7000-8000-' || lpad(w::text, 12, '0'))::uuid as workspace_id,
      'Deal ' || i as name,
      round((random() * 100000)::numeric, 2) as amount,
      timestamptz '2023-01-01 00:00:00+00' + i * interval '1 second' as created_at,
      ${FIELDS.map((x) => `case when random() < ${x.fill} then ${x.gen} end::${SQL_TYPE[x.type]} as f${x.n}`).join(',\n      ')}
    from (select i, case when random() < 0.6 then 0 else 1 + floor(random() * ${WORKSPACES - 1})::int end as w
          from generate_series(1, ${ROWS + EXTRA}) i offset 0) g`);
  await db.query(`create table custom_fields (id int primary key, workspace_id uuid not null, type text not null)`);
  await db.query(
    `insert into custom_fields select w * 20 + n, ('00000000-0000-7000-8000-' || lpad(w::text, 12, '0'))::uuid, t
    from generate_series(0, ${WORKSPACES - 1}) w, unnest($1::int[], $2::text[]) as x(n, t)`,
    [FIELDS.map((x) => x.n), FIELDS.map((x) => x.type)],
  );
  const bigRows = Number((await db.query(`select count(*) from src where w = 0 and i <= ${ROWS}`)).rows[0].count);
  console.log(`generated in ${seconds(performance.now() - tGen)} s; workspace 0 holds ${bigRows.toLocaleString('en')} deals`);

  const core = `id uuid primary key, workspace_id uuid not null, name text not null, amount numeric(18,2) not null, created_at timestamptz not null`;
  const coreCols = 'id, workspace_id, name, amount, created_at';

  // Per design: DDL, the INSERT … SELECT for a range of src rows, and the index statements.
  const schema: Record<Design, { ddl: string[]; insert: (lo: number, hi: number) => string[]; indexes: string[] }> = {
    A: {
      ddl: [`create table deals_a (${core}, ${FIELDS.map((x) => `f${x.n} ${SQL_TYPE[x.type]}`).join(', ')})`],
      insert: (lo, hi) => [`insert into deals_a select ${coreCols}, ${FIELDS.map((x) => `f${x.n}`).join(', ')} from src where i between ${lo} and ${hi}`],
      indexes: [
        `create index on deals_a (workspace_id, id)`,
        ...FIELDS.filter((x) => x.type !== 'BOOLEAN').map((x) =>
          x.type === 'MULTISELECT'
            ? `create index on deals_a using gin (f${x.n}) where f${x.n} is not null`
            : SORTABLE.has(x.type)
              ? `create index on deals_a (workspace_id, f${x.n}, id)`
              : `create index on deals_a (workspace_id, f${x.n}, id) where f${x.n} is not null`,
        ),
      ],
    },
    B: {
      ddl: [
        `create table deals_b (${core})`,
        // Column order keeps alignment padding out; one of the value columns is set per row.
        `create table deal_field_values (deal_id uuid not null references deals_b (id) on delete cascade, workspace_id uuid not null,
          field_id int not null, option_id int, bool_value boolean, num_value numeric, date_value timestamptz, text_value text)`,
      ],
      insert: (lo, hi) => {
        const cell = (x: Field): string => {
          const v = `s.f${x.n}`;
          const nul = { o: 'null::int', t: 'null::text', num: 'null::numeric', d: 'null::timestamptz', b: 'null::boolean' };
          const row = { ...nul };
          if (x.type === 'TEXT') row.t = v;
          else if (x.type === 'SELECT') row.o = v;
          else if (x.type === 'NUMBER' || x.type === 'MONEY') row.num = v;
          else if (x.type === 'DATE') row.d = `(${v}::timestamp at time zone 'UTC')`;
          else if (x.type === 'DATETIME') row.d = v;
          else if (x.type === 'BOOLEAN') row.b = v;
          return `(${x.n}, ${row.o}, ${row.t}, ${row.num}, ${row.d}, ${row.b})`;
        };
        const scalars = FIELDS.filter((x) => x.type !== 'MULTISELECT');
        const multis = FIELDS.filter((x) => x.type === 'MULTISELECT');
        return [
          `insert into deals_b select ${coreCols} from src where i between ${lo} and ${hi}`,
          // A deal's values are inserted together, as the app would write them.
          `insert into deal_field_values (deal_id, workspace_id, field_id, option_id, bool_value, num_value, date_value, text_value)
           select s.id, s.workspace_id, s.w * 20 + v.n, v.o, v.b, v.num, v.d, v.t
           from src s cross join lateral (
             select * from (values ${scalars.map(cell).join(', ')}) as x(n, o, t, num, d, b)
             where not (o is null and t is null and num is null and d is null and b is null)
             ${multis.map((x) => `union all select ${x.n}, o, null, null, null, null from unnest(s.f${x.n}) o`).join('\n             ')}
           ) v
           where s.i between ${lo} and ${hi}`,
        ];
      },
      indexes: [
        `create index on deals_b (workspace_id, id)`,
        `create unique index dfv_key on deal_field_values (deal_id, field_id, option_id) nulls not distinct`,
        `create index dfv_text on deal_field_values (field_id, text_value, deal_id) where text_value is not null`,
        `create index dfv_option on deal_field_values (field_id, option_id, deal_id) where option_id is not null`,
        `create index dfv_num on deal_field_values (field_id, num_value, deal_id) where num_value is not null`,
        `create index dfv_date on deal_field_values (field_id, date_value, deal_id) where date_value is not null`,
      ],
    },
    C: {
      ddl: [`create table deals_c (${core}, cf jsonb not null default '{}')`],
      insert: (lo, hi) => {
        // Compact keys (the field id); MONEY as a string so no client parses it into a float;
        // DATE and DATETIME as fixed-width ISO strings, which sort correctly as text.
        const val = (x: Field) =>
          x.type === 'MONEY'
            ? `f${x.n}::text`
            : x.type === 'DATE'
              ? `to_char(f${x.n}, 'YYYY-MM-DD')`
              : x.type === 'DATETIME'
                ? `to_char(f${x.n} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
                : `f${x.n}`;
        return [
          `insert into deals_c select ${coreCols}, jsonb_strip_nulls(jsonb_build_object(${FIELDS.map((x) => `(w * 20 + ${x.n})::text, ${val(x)}`).join(', ')}))
          from src where i between ${lo} and ${hi}`,
        ];
      },
      indexes: [
        `create index on deals_c (workspace_id, id)`,
        `create index on deals_c using gin (cf jsonb_path_ops)`,
        ...Array.from({ length: WORKSPACES }, (_, w) => FIELDS.filter((x) => SORTABLE.has(x.type)).map((x) => cIndex(w, x.n))).flat(),
        // The planner ignores statistics of partial indexes, so without these it guesses a range
        // on (cf->>'k')::numeric at 0.5% and sorts a bitmap scan instead of walking the sort index.
        ...Array.from({ length: WORKSPACES }, (_, w) =>
          FIELDS.filter((x) => SORTABLE.has(x.type)).map(
            (x) => `create statistics deals_c_s${fieldId(w, x.n)} on ((${cExpr(fieldId(w, x.n), x.type)})) from deals_c`,
          ),
        ).flat(),
      ],
    },
    D: {
      ddl: [`create table deals_d (${core}, ${POOLS.flatMap((p) => Array.from({ length: p.size }, (_, s) => `${p.prefix}${s + 1} ${p.sqlType}`)).join(', ')})`],
      insert: (lo, hi) => {
        const slots = POOLS.flatMap((p) =>
          Array.from(
            { length: p.size },
            (_, s) => `case ((${s} - w) % ${p.size} + ${p.size}) % ${p.size} ${p.fields.map((n, j) => `when ${j} then f${n}`).join(' ')} end`,
          ),
        );
        return [`insert into deals_d select ${coreCols}, ${slots.join(', ')} from src where i between ${lo} and ${hi}`];
      },
      indexes: [
        `create index on deals_d (workspace_id, id)`,
        ...POOLS.filter((p) => p.prefix !== 'b').flatMap((p) =>
          Array.from({ length: p.size }, (_, s) => {
            const c = `${p.prefix}${s + 1}`;
            return p.gin
              ? `create index on deals_d using gin (${c}) where ${c} is not null`
              : `create index on deals_d (workspace_id, ${c}, id) where ${c} is not null`;
          }),
        ),
      ],
    },
  };
  function cIndex(w: number, n: number, name?: string) {
    const key = fieldId(w, n);
    const expr = cExpr(key, f(n).type);
    return `create index ${name ?? `deals_c_f${key}`} on deals_c ((${expr}), id) where cf ? '${key}'`;
  }
  function cExpr(key: number, type: FieldType) {
    return type === 'DATE' || type === 'DATETIME' ? `(cf->>'${key}') collate "C"` : `(cf->>'${key}')::numeric`;
  }

  // -------------------------------------------------------------------------------------------
  // Load, index, vacuum + analyze.
  const load: Record<Design, { rows: number; indexes: number; vacuum: number; indexCount: number }> = {} as never;
  for (const d of DESIGNS) {
    const s = schema[d];
    for (const sql of s.ddl) await db.query(sql);
    let rowsMs = 0;
    for (const sql of s.insert(1, ROWS)) rowsMs += await timed(sql);
    let idxMs = 0;
    for (const sql of s.indexes) idxMs += await timed(sql);
    const vacuum = await timed(`vacuum (analyze) ${TABLES[d].join(', ')}`);
    const indexCount = Number((await db.query(`select count(*) from pg_index where indrelid = any($1::regclass[])`, [TABLES[d]])).rows[0].count);
    load[d] = { rows: rowsMs, indexes: idxMs, vacuum, indexCount };
    console.log(
      `${DESIGN_NAME[d]}: rows ${seconds(rowsMs)} s, ${indexCount} indexes${d === 'C' ? ' + statistics' : ''} ${seconds(idxMs)} s, vacuum+analyze ${seconds(vacuum)} s`,
    );
  }
  await db.query(`vacuum analyze custom_fields`);

  const sizes = {} as Record<Design, { table: number; index: number; total: number }>;
  for (const d of DESIGNS) {
    const r = await db.query(`select sum(pg_table_size(c))::bigint t, sum(pg_indexes_size(c))::bigint i from unnest($1::regclass[]) c`, [TABLES[d]]);
    sizes[d] = { table: Number(r.rows[0].t), index: Number(r.rows[0].i), total: Number(r.rows[0].t) + Number(r.rows[0].i) };
  }
  // deals_b carries no custom fields: its size is the core every design shares.
  const coreSize = Number((await db.query(`select pg_total_relation_size('deals_b')::bigint s`)).rows[0].s);

  // -------------------------------------------------------------------------------------------
  // Queries. Each is one statement (Q2 may need a second phase, see there; B also fetches the
  // page's values, as a loader would); the result's signature (ids in order, or the count)
  // must be the same for every design.
  type Params = { option5: number; city: string; lo: string; hi: string; multi: [number, number] };
  type Stmt = { text: string; values: unknown[]; page: boolean; rest?: { text: string; values: unknown[] } };
  const W0 = wsId(0);
  const k = (n: number) => fieldId(0, n);
  const aCols = `id, name, ${FIELDS.map((x) => `f${x.n}`).join(', ')}`;
  const dCols = `id, name, ${FIELDS.map((x) => slotOf(0, x.n)).join(', ')}`;
  const cNum12 = cExpr(k(12), 'MONEY');
  const cDate14 = cExpr(k(14), 'DATE');
  const slot = (n: number) => slotOf(0, n);

  const QUERIES: { id: string; label: string; impl: Record<Design, (p: Params) => Stmt> }[] = [
    {
      id: 'Q1a',
      label: 'Q1a equality, SELECT (90% filled, 10 options), ORDER BY id LIMIT 50',
      impl: {
        A: (p) => ({ page: true, text: `select ${aCols} from deals_a where workspace_id = $1 and f5 = $2 order by id limit 50`, values: [W0, p.option5] }),
        B: (p) => ({
          page: true,
          text: `select d.id, d.name from deal_field_values v join deals_b d on d.id = v.deal_id
          where d.workspace_id = $1 and v.field_id = $2 and v.option_id = $3 order by v.deal_id limit 50`,
          values: [W0, k(5), p.option5],
        }),
        C: (p) => ({
          page: true,
          text: `select id, name, cf from deals_c where workspace_id = $1 and cf @> $2::jsonb order by id limit 50`,
          values: [W0, JSON.stringify({ [k(5)]: p.option5 })],
        }),
        D: (p) => ({
          page: true,
          text: `select ${dCols} from deals_d where workspace_id = $1 and ${slot(5)} = $2 order by id limit 50`,
          values: [W0, p.option5],
        }),
      },
    },
    {
      id: 'Q1b',
      label: 'Q1b equality, TEXT (30% filled, 500 values), ORDER BY id LIMIT 50',
      impl: {
        A: (p) => ({ page: true, text: `select ${aCols} from deals_a where workspace_id = $1 and f4 = $2 order by id limit 50`, values: [W0, p.city] }),
        B: (p) => ({
          page: true,
          text: `select d.id, d.name from deal_field_values v join deals_b d on d.id = v.deal_id
          where d.workspace_id = $1 and v.field_id = $2 and v.text_value = $3 order by v.deal_id limit 50`,
          values: [W0, k(4), p.city],
        }),
        C: (p) => ({
          page: true,
          text: `select id, name, cf from deals_c where workspace_id = $1 and cf @> $2::jsonb order by id limit 50`,
          values: [W0, JSON.stringify({ [k(4)]: p.city })],
        }),
        D: (p) => ({ page: true, text: `select ${dCols} from deals_d where workspace_id = $1 and ${slot(4)} = $2 order by id limit 50`, values: [W0, p.city] }),
      },
    },
    {
      // Partial indexes leave out rows without the sort field, so B, C and D page through
      // NULLS LAST in two phases, as a keyset paginator over a nullable sort key does anyway:
      // rows that have the field in index order, then (only when those run out before 50) the
      // rest by id. A's full index holds the NULLs and answers in one statement.
      id: 'Q2',
      label: 'Q2 MONEY range + ORDER BY DATE NULLS LAST, id LIMIT 50',
      impl: {
        A: (p) => ({
          page: true,
          text: `select ${aCols} from deals_a where workspace_id = $1 and f12 between $2 and $3
          order by f14 nulls last, id limit 50`,
          values: [W0, p.lo, p.hi],
        }),
        B: (p) => ({
          page: true,
          text: `select d.id, d.name from deal_field_values s join deals_b d on d.id = s.deal_id
            where s.field_id = $4 and s.date_value is not null and d.workspace_id = $1
              and exists (select 1 from deal_field_values m where m.deal_id = s.deal_id and m.field_id = $5 and m.num_value between $2 and $3)
            order by s.date_value, s.deal_id limit 50`,
          values: [W0, p.lo, p.hi, k(14), k(12)],
          rest: {
            text: `select d.id, d.name from deals_b d where d.workspace_id = $1
              and exists (select 1 from deal_field_values m where m.deal_id = d.id and m.field_id = $5 and m.num_value between $2 and $3)
              and not exists (select 1 from deal_field_values s where s.deal_id = d.id and s.field_id = $4)
            order by d.id limit $6`,
            values: [W0, p.lo, p.hi, k(14), k(12)],
          },
        }),
        C: (p) => ({
          page: true,
          text: `select id, name, cf from deals_c where workspace_id = $1 and cf ? '${k(14)}' and cf ? '${k(12)}' and ${cNum12} between $2 and $3
            order by ${cDate14}, id limit 50`,
          values: [W0, p.lo, p.hi],
          rest: {
            text: `select id, name, cf from deals_c where workspace_id = $1 and not cf ? '${k(14)}' and cf ? '${k(12)}' and ${cNum12} between $2 and $3
            order by id limit $4`,
            values: [W0, p.lo, p.hi],
          },
        }),
        D: (p) => ({
          page: true,
          text: `select ${dCols} from deals_d where workspace_id = $1 and ${slot(14)} is not null and ${slot(12)} between $2 and $3
            order by ${slot(14)}, id limit 50`,
          values: [W0, p.lo, p.hi],
          rest: {
            text: `select ${dCols} from deals_d where workspace_id = $1 and ${slot(14)} is null and ${slot(12)} between $2 and $3
            order by id limit $4`,
            values: [W0, p.lo, p.hi],
          },
        }),
      },
    },
    {
      id: 'Q3',
      label: 'Q3 MULTISELECT contains any of 2 options, ORDER BY id LIMIT 50',
      impl: {
        A: (p) => ({
          page: true,
          text: `select ${aCols} from deals_a where workspace_id = $1 and f8 && $2::int[] order by id limit 50`,
          values: [W0, p.multi],
        }),
        B: (p) => ({
          page: true,
          text: `select d.id, d.name from deals_b d where d.workspace_id = $1
          and exists (select 1 from deal_field_values v where v.deal_id = d.id and v.field_id = $2 and v.option_id = any($3::int[]))
          order by d.id limit 50`,
          values: [W0, k(8), p.multi],
        }),
        C: (p) => ({
          page: true,
          text: `select id, name, cf from deals_c where workspace_id = $1 and (cf @> $2::jsonb or cf @> $3::jsonb) order by id limit 50`,
          values: [W0, JSON.stringify({ [k(8)]: [p.multi[0]] }), JSON.stringify({ [k(8)]: [p.multi[1]] })],
        }),
        D: (p) => ({
          page: true,
          text: `select ${dCols} from deals_d where workspace_id = $1 and ${slot(8)} && $2::int[] order by id limit 50`,
          values: [W0, p.multi],
        }),
      },
    },
    {
      id: 'Q4',
      label: 'Q4 count(*) with equality on SELECT (90% filled, 10 options)',
      impl: {
        A: (p) => ({ page: false, text: `select count(*) from deals_a where workspace_id = $1 and f5 = $2`, values: [W0, p.option5] }),
        // The field's owner is checked once (an InitPlan), not per value row.
        B: (p) => ({
          page: false,
          text: `select count(*) from deal_field_values where field_id = $2 and option_id = $3
          and exists (select 1 from custom_fields where id = $2 and workspace_id = $1)`,
          values: [W0, k(5), p.option5],
        }),
        C: (p) => ({
          page: false,
          text: `select count(*) from deals_c where workspace_id = $1 and cf @> $2::jsonb`,
          values: [W0, JSON.stringify({ [k(5)]: p.option5 })],
        }),
        D: (p) => ({ page: false, text: `select count(*) from deals_d where workspace_id = $1 and ${slot(5)} = $2`, values: [W0, p.option5] }),
      },
    },
  ];

  async function run(d: Design, stmt: Stmt): Promise<string> {
    const r = await db.query(stmt.text, stmt.values);
    if (!stmt.page) return String(r.rows[0].count);
    let rows = r.rows;
    if (stmt.rest && rows.length < 50) rows = rows.concat((await db.query(stmt.rest.text, [...stmt.rest.values, 50 - rows.length])).rows);
    const ids = rows.map((x) => x.id as string);
    if (d === 'B' && ids.length) {
      await db.query(
        `select deal_id, field_id, option_id, bool_value, num_value, date_value, text_value
        from deal_field_values where deal_id = any($1::uuid[])`,
        [ids],
      );
    }
    return ids.join(',');
  }

  // Deterministic, varied parameters.
  let seed = 20240601;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const params = (): Params => {
    const q = rand() * 0.8;
    const width = 0.05 + rand() * 0.15; // 5–20% of the money values
    const a = Math.floor(rand() * 12);
    const b = (a + 1 + Math.floor(rand() * 11)) % 12;
    return {
      option5: optionId(0, 5, Math.floor(rand() * 10)),
      city: `City ${Math.floor(rand() * 500)}`,
      lo: (q * q * 1e6).toFixed(2),
      hi: ((q + width) ** 2 * 1e6).toFixed(2),
      multi: [optionId(0, 8, a), optionId(0, 8, b)],
    };
  };

  // Same answers everywhere, or the comparison means nothing.
  // The last set has a range narrow enough (~40 matches) that the NULLS LAST second phase runs.
  const du = 40 / (bigRows * 0.9) / (2 * 0.7);
  for (let i = 0; i < 6; i++) {
    const p = i < 5 ? params() : { ...params(), lo: (0.49e6).toFixed(2), hi: ((0.7 + du) ** 2 * 1e6).toFixed(2) };
    for (const q of QUERIES) {
      const base = await run('A', q.impl.A(p));
      if (q.id !== 'Q4' && base.split(',').length < 50 && i === 0) console.log(`note: ${q.id} returned fewer than 50 rows for ${JSON.stringify(p)}`);
      for (const d of DESIGNS.slice(1)) {
        const got = await run(d, q.impl[d](p));
        if (got !== base)
          throw new Error(`${q.id}: design ${d} disagrees with A for ${JSON.stringify(p)}\nA: ${base.slice(0, 300)}\n${d}: ${got.slice(0, 300)}`);
      }
    }
  }
  console.log('all designs return the same rows');

  if (values.explain) {
    const p = params();
    for (const q of QUERIES)
      for (const d of DESIGNS) {
        const stmt = q.impl[d](p);
        const r = await db.query(`explain (analyze, buffers) ${stmt.text}`, stmt.values);
        console.log(`\n--- ${q.id} ${DESIGN_NAME[d]}\n${r.rows.map((x) => x['QUERY PLAN']).join('\n')}`);
        if (stmt.rest) {
          const r2 = await db.query(`explain (analyze, buffers) ${stmt.rest.text}`, [...stmt.rest.values, 50]);
          console.log(`\n--- ${q.id} ${DESIGN_NAME[d]}, second phase (rows without the sort field)\n${r2.rows.map((x) => x['QUERY PLAN']).join('\n')}`);
        }
      }
  }

  // Interleaved: every iteration runs each query on every design (rotating which goes first)
  // with the same parameters.
  const times = new Map<string, number[]>();
  const spent = new Map<string, number>();
  const key = (q: string, d: Design) => `${q}/${d}`;
  const WARMUP = 5;
  const tQueries = performance.now();
  for (let it = -WARMUP; it < ITERATIONS; it++) {
    const p = params();
    for (const q of QUERIES) {
      for (let j = 0; j < DESIGNS.length; j++) {
        const d = DESIGNS[(j + Math.max(it, 0)) % DESIGNS.length];
        const kk = key(q.id, d);
        const list = times.get(kk) ?? [];
        if ((spent.get(kk) ?? 0) > BUDGET_MS && list.length >= 20) continue;
        const s = performance.now();
        await run(d, q.impl[d](p));
        const ms = performance.now() - s;
        if (it < 0) continue;
        list.push(ms);
        times.set(kk, list);
        spent.set(kk, (spent.get(kk) ?? 0) + ms);
      }
    }
  }
  console.log(`queries measured in ${seconds(performance.now() - tQueries)} s`);
  const stats = (q: string, d: Design) => {
    const t = [...(times.get(key(q, d)) ?? [])].sort((a, b) => a - b);
    return { p50: t[Math.floor(t.length * 0.5)], p95: t[Math.min(t.length - 1, Math.floor(t.length * 0.95))], n: t.length };
  };

  // Planning time alone: C's planner looks at every partial index on deals_c.
  const planMs = {} as Record<Design, number>;
  for (const d of DESIGNS) {
    const list: number[] = [];
    for (let i = 0; i < 30; i++) {
      const stmt = QUERIES[2].impl[d](params());
      const r = await db.query(`explain (summary) ${stmt.text}`, stmt.values);
      const line = r.rows.map((x) => x['QUERY PLAN'] as string).find((x) => x.startsWith('Planning Time'))!;
      list.push(Number(/([\d.]+) ms/.exec(line)![1]));
    }
    list.sort((a, b) => a - b);
    planMs[d] = list[15];
  }

  // C without its per-field expression indexes and statistics: JSONB with one GIN index only.
  // They are dropped in a transaction that is rolled back, so the planner truly does without.
  const ginOnly = { p50: 0, p95: 0, n: 0, size: 0 };
  {
    const keys = Array.from({ length: WORKSPACES }, (_, w) => FIELDS.filter((x) => SORTABLE.has(x.type)).map((x) => fieldId(w, x.n))).flat();
    const r = await db.query(`select sum(pg_relation_size(format('deals_c_f%s', k)::regclass))::bigint s from unnest($1::int[]) k`, [keys]);
    ginOnly.size = sizes.C.total - Number(r.rows[0].s);
    await db.query('begin');
    await db.query(keys.map((key) => `drop index deals_c_f${key}; drop statistics deals_c_s${key}`).join('; '));
    if (values.explain) {
      const stmt = QUERIES[2].impl.C(params());
      const e = await db.query(`explain (analyze, buffers) ${stmt.text}`, stmt.values);
      console.log(`\n--- Q2 C with GIN only\n${e.rows.map((x) => x['QUERY PLAN']).join('\n')}`);
    }
    const list: number[] = [];
    let spentMs = 0;
    for (let i = -3; i < ITERATIONS && (list.length < 20 || spentMs < BUDGET_MS); i++) {
      const stmt = QUERIES[2].impl.C(params());
      const t0 = performance.now();
      await run('C', stmt);
      const t = performance.now() - t0;
      if (i < 0) continue;
      list.push(t);
      spentMs += t;
    }
    await db.query('rollback');
    list.sort((a, b) => a - b);
    Object.assign(ginOnly, { p50: list[Math.floor(list.length * 0.5)], p95: list[Math.min(list.length - 1, Math.floor(list.length * 0.95))], n: list.length });
  }

  // -------------------------------------------------------------------------------------------
  // Partial or not. A's sortable columns have full indexes (NULLs included, so ORDER BY col
  // NULLS LAST reads them in order): what would A weigh with every index partial? And what
  // would C's per-field expression indexes weigh without the WHERE cf ? 'key' predicate?
  const relSize = async (name: string) => Number((await db.query(`select pg_relation_size($1::regclass) s`, [name])).rows[0].s);
  let aPartialDelta = 0;
  for (const x of FIELDS.filter((x) => SORTABLE.has(x.type))) {
    const full = Number(
      (
        await db.query(
          `select pg_relation_size(indexrelid) s from pg_index i join pg_class c on c.oid = i.indexrelid
      where indrelid = 'deals_a'::regclass and c.relname = $1`,
          [`deals_a_workspace_id_f${x.n}_id_idx`],
        )
      ).rows[0].s,
    );
    await db.query(`create index deals_a_partial on deals_a (workspace_id, f${x.n}, id) where f${x.n} is not null`);
    aPartialDelta += (await relSize('deals_a_partial')) - full;
    await db.query(`drop index deals_a_partial`);
  }
  const aLean = sizes.A.total + aPartialDelta;
  const cFull: string[] = [];
  for (const w of [0, 1]) {
    const key = fieldId(w, 12);
    await db.query(`create index deals_c_full on deals_c ((${cExpr(key, 'MONEY')}), id)`);
    cFull.push(
      `workspace ${w}'s MONEY field: ${mb(await relSize(`deals_c_f${key}`))} MB partial, ${mb(await relSize('deals_c_full'))} MB without the predicate`,
    );
    await db.query(`drop index deals_c_full`);
  }

  // -------------------------------------------------------------------------------------------
  // Writes: 1,000 new deals with their values, 10 transactions of 100, all indexes in place.
  const writeMs = {} as Record<Design, number>;
  for (const d of DESIGNS) {
    let ms = 0;
    for (let b = 0; b < 10; b++) {
      const lo = ROWS + 1 + b * 100;
      const s = performance.now();
      await db.query('begin');
      for (const sql of schema[d].insert(lo, lo + 99)) await db.query(sql);
      await db.query('commit');
      ms += performance.now() - s;
    }
    writeMs[d] = ms;
  }

  // What a new field costs in DDL on this table (no values yet, like a freshly defined field).
  const ddl = {} as Record<Design, string>;
  {
    const add = await timed(`alter table deals_a add column f21 numeric`);
    const idx = await timed(`create index deals_a_f21 on deals_a (workspace_id, f21, id)`);
    const size = Number((await db.query(`select pg_relation_size('deals_a_f21') s`)).rows[0].s);
    await db.query(`alter table deals_a drop column f21`);
    ddl.A = `ADD COLUMN ${add.toFixed(0)} ms + CREATE INDEX ${idx < 1000 ? `${idx.toFixed(0)} ms` : `${seconds(idx)} s`} (${mb(size)} MB of NULL entries)`;
  }
  ddl.B = 'none';
  {
    const idx = await timed(cIndex(WORKSPACES + 5, 12, 'deals_c_new'));
    await db.query(`drop index deals_c_new`);
    ddl.C = `CREATE INDEX ${idx < 1000 ? `${idx.toFixed(0)} ms` : `${seconds(idx)} s`} per sortable field (a full scan of every tenant's deals) + CREATE STATISTICS and ANALYZE`;
  }
  ddl.D = 'none while a slot of its type is free';

  // -------------------------------------------------------------------------------------------
  // Report.
  function mb(bytes: number) {
    return (bytes / 1024 / 1024).toFixed(1);
  }
  const ms = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
  console.log(
    `\ncustom field storage, ${ROWS.toLocaleString('en')} deals (${bigRows.toLocaleString('en')} in the queried workspace), ${WORKSPACES} workspaces × 20 fields, ` +
      `${ITERATIONS} iterations interleaved, warm cache`,
  );
  console.log(
    `${String(st.v).split(' on ')[0]}; shared_buffers ${st.sb}, work_mem ${st.wm}, jit ${st.jit}, random_page_cost ${st.rpc}, max_parallel_workers_per_gather ${st.par}`,
  );
  console.log(
    `\np50 / p95 ms (p50 ÷ A); runs per cell: ${
      QUERIES.map((q) => DESIGNS.map((d) => stats(q.id, d).n))
        .flat()
        .every((n) => n === ITERATIONS)
        ? ITERATIONS
        : 'see [n]'
    }`,
  );
  console.log(`| query | ${DESIGNS.map((d) => DESIGN_NAME[d]).join(' | ')} |`);
  console.log(`| --- | ${DESIGNS.map(() => '---').join(' | ')} |`);
  for (const q of QUERIES) {
    const a = stats(q.id, 'A');
    console.log(
      `| ${q.label} | ${DESIGNS.map((d) => {
        const s = stats(q.id, d);
        return `${ms(s.p50)} / ${ms(s.p95)} (${(s.p50 / a.p50).toFixed(2)}×)${s.n === ITERATIONS ? '' : ` [n=${s.n}]`}`;
      }).join(' | ')} |`,
    );
  }
  console.log(`| Q2 planning only (EXPLAIN, median of 30) | ${DESIGNS.map((d) => `${planMs[d].toFixed(2)}`).join(' | ')} |`);

  console.log(`\nstorage and load (core deals columns + their 2 indexes = ${mb(coreSize)} MB in every design)`);
  console.log(
    '| design | tables MB | indexes MB | total MB | total ÷ A | custom fields MB (total − core) | ÷ A | indexes | load rows s | build indexes (C: + statistics) s | vacuum+analyze s | insert 1,000 deals ms |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const d of DESIGNS) {
    const s = sizes[d];
    const l = load[d];
    console.log(
      `| ${DESIGN_NAME[d]} | ${mb(s.table)} | ${mb(s.index)} | ${mb(s.total)} | ${(s.total / sizes.A.total).toFixed(2)} | ${mb(s.total - coreSize)} | ${((s.total - coreSize) / (sizes.A.total - coreSize)).toFixed(2)} | ${l.indexCount} | ${seconds(l.rows)} | ${seconds(l.indexes)} | ${seconds(l.vacuum)} | ${writeMs[d].toFixed(0)} |`,
    );
  }

  console.log(
    `\nA with its 9 sortable-column indexes partial too would total ${mb(aLean)} MB; against that: ` +
      DESIGNS.slice(1)
        .map((d) => `${d} ${(sizes[d].total / aLean).toFixed(2)}×`)
        .join(', ') +
      '.',
  );
  console.log(`C's expression indexes: ${cFull.join('; ')}.`);
  console.log(
    `C with its GIN index only (no per-field expression indexes or statistics): Q2 ${ms(ginOnly.p50)} / ${ms(ginOnly.p95)} ms ` +
      `(${(ginOnly.p50 / stats('Q2', 'A').p50).toFixed(0)}× A, ${ginOnly.n} runs); ${mb(ginOnly.size)} MB (${(ginOnly.size / sizes.A.total).toFixed(2)}× A).`,
  );

  console.log('\ntargets (p50, same run)');
  console.log('| design | equality LIMIT 50 ≤ 5 ms (worst of Q1a, Q1b) | range + sort ≤ 1.5× A (Q2) | table + indexes ≤ 1.5× A | all three |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const d of DESIGNS) {
    const eq = Math.max(stats('Q1a', d).p50, stats('Q1b', d).p50);
    const r2 = stats('Q2', d).p50 / stats('Q2', 'A').p50;
    const sz = sizes[d].total / sizes.A.total;
    const ok = [eq <= 5, r2 <= 1.5, sz <= 1.5];
    const mark = (b: boolean) => (b ? 'yes' : 'NO');
    console.log(
      `| ${DESIGN_NAME[d]} | ${mark(ok[0])}: ${ms(eq)} ms | ${mark(ok[1])}: ${r2.toFixed(2)}× | ${mark(ok[2])}: ${sz.toFixed(2)}× | ${ok.every(Boolean) ? 'yes' : 'no'} |`,
    );
  }

  console.log('\nadding a field (DDL on this table)');
  console.log('| design | cost |');
  console.log('| --- | --- |');
  for (const d of DESIGNS) console.log(`| ${DESIGN_NAME[d]} | ${ddl[d]} |`);
} finally {
  await dropDb();
}
