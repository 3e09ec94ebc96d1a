// Custom field filters through the real GraphQL path, on the storage the app uses (typed slot
// columns, see bench/custom-fields.bench.ts for how it was chosen). Builds deals in several
// workspaces with 20 custom fields each (defined through the API, so they get real slots), then
// measures, interleaved in the same run:
//
//   A       hand-written SQL on a real-column copy of the same values (one index per column);
//   D SQL   hand-written SQL on the Deal table's slot columns, as the service's queries read them;
//   D API   the `deals` GraphQL query (HTTP handler, auth, Prisma, the two-range sort pagination).
//
//   npm run bench:custom-field-filters -- [--rows 1000000] [--iterations 200] [--pg postgresql://…]
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { scratchDatabase } from './kit.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db.js';
import { createLogger } from '../src/lib/logger.js';
import { signUp } from '../src/modules/auth/auth.service.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    iterations: { type: 'string', default: '200' },
    workspaces: { type: 'string', default: '5' },
    pg: { type: 'string', default: 'postgresql://postgres@127.0.0.1:5432/postgres' },
  },
});
const rows = Number(values.rows);
const iterations = Number(values.iterations);
const workspaces = Number(values.workspaces);

const { url, drop: dropDb } = await scratchDatabase(values.pg!, 'crm_cff_bench');

const database = await openDatabase({ kind: 'postgres', url });
const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', SEED_DEMO: 'false', DATABASE_URL: url });
const app = await buildApp(config, { database, logger: createLogger('silent') });
const sql = new pg.Client({ connectionString: url });
await sql.connect();

async function gql<T>(token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await app.yoga.fetch('http://bench/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

// The storage benchmark's field mix: 4 TEXT, 3 SELECT, 2 MULTISELECT, 2 NUMBER, 2 MONEY, 3 DATE,
// 2 DATETIME, 2 BOOLEAN; filled from 10% to 90%.
const TYPES = [
  'TEXT',
  'TEXT',
  'TEXT',
  'TEXT',
  'SELECT',
  'SELECT',
  'SELECT',
  'MULTISELECT',
  'MULTISELECT',
  'NUMBER',
  'NUMBER',
  'MONEY',
  'MONEY',
  'DATE',
  'DATE',
  'DATE',
  'DATETIME',
  'DATETIME',
  'BOOLEAN',
  'BOOLEAN',
] as const;
type Field = { id: string; uuid: string; key: number; slot: string; type: string; fill: number; options: string[]; optionIds: string[] };

const CREATE = `mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) {
  __typename ... on CreateCustomFieldSuccess { field { id options { id } } } ... on Error { message } } }`;

type Ws = { id: string; token: string; share: number; fields: Field[]; pipelineId: string; stageIds: string[]; userId: string };
const wss: Ws[] = [];
for (let w = 0; w < workspaces; w++) {
  const s = await signUp(
    app.deps,
    {
      workspaceName: `Bench ${w}`,
      name: 'Bench',
      email: `bench.${randomUUID().slice(0, 8)}@example.com`,
      password: 'benchmark-password',
    },
    'bench',
  );
  const fields: Field[] = [];
  for (const [n, type] of TYPES.entries()) {
    const input: Record<string, unknown> = { entityType: 'DEAL', type, name: `F${n + 1} ${type}`, code: `f${n + 1}` };
    if (type === 'SELECT' || type === 'MULTISELECT') input.options = Array.from({ length: 10 }, (_, j) => `Option ${j + 1}`);
    const r = await gql<{ createCustomField: { __typename: string; field?: { id: string; options: { id: string }[] }; message?: string } }>(s.token, CREATE, {
      input,
    });
    if (!r.createCustomField.field) throw new Error(r.createCustomField.message);
    const raw = Buffer.from(r.createCustomField.field.id, 'base64').toString().split(':')[1];
    const row = (await sql.query(`select key, slot from "CustomField" where id = $1`, [raw])).rows[0];
    const optionIds = r.createCustomField.field.options.map((o) => o.id);
    fields.push({
      id: r.createCustomField.field.id,
      uuid: raw,
      key: row.key,
      slot: row.slot,
      type,
      fill: 10 + Math.round((80 * n) / (TYPES.length - 1)),
      options: optionIds.map((o) => Buffer.from(o, 'base64').toString().split(':')[1]),
      optionIds,
    });
  }
  const stages = (await sql.query(`select id, "pipelineId" from "Stage" where "workspaceId" = $1 and kind = 'OPEN' order by "sortOrder"`, [s.workspaceId]))
    .rows;
  wss.push({
    id: s.workspaceId,
    token: s.token,
    share: w === 0 ? 0.6 : 0.4 / (workspaces - 1),
    fields,
    pipelineId: stages[0].pipelineId,
    stageIds: stages.map((x) => x.id),
    userId: s.userId,
  });
}
const W0 = wss[0];

// Values are a function of the row number, written to the JSONB document and the slots at once.
function valueSql(f: Field, n: number) {
  const filled = `((i * ${31 + n * 2} + ${n * 7}) % 100) < ${f.fill}`;
  const opt = (e: string) => `(array[${f.options.map((o) => `'${o}'`).join(',')}]::uuid[])[1 + (${e})]`;
  let json: string, slot: string;
  switch (f.type) {
    case 'TEXT':
      json = `to_jsonb('City ' || ((i * 13 + ${n}) % 500))`;
      slot = `'city ' || ((i * 13 + ${n}) % 500)`;
      break;
    case 'SELECT':
      json = `to_jsonb(${opt(`(i * 7 + ${n}) % 10`)}::text)`;
      slot = `((i * 7 + ${n}) % 10)`;
      break;
    case 'MULTISELECT': {
      const a = `(i % 10)`,
        b = `((i / 10 + ${n}) % 10)`;
      slot = `array(select distinct unnest(array[${opt(a)}, ${opt(b)}]))`;
      json = `to_jsonb(array(select distinct unnest(array[${opt(a)}, ${opt(b)}])::text))`;
      break;
    }
    case 'NUMBER':
      json = `to_jsonb(((i * 13 + ${n}) % 100000)::text)`;
      slot = `((i * 13 + ${n}) % 100000)`;
      break;
    case 'MONEY':
      json = `jsonb_build_object('a', (((i * 17 + ${n}) % 1000000) / 100.0)::numeric(12,2)::text, 'c', 'RUB')`;
      slot = `(((i * 17 + ${n}) % 1000000) / 100.0)::numeric(12,2)`;
      break;
    case 'DATE':
      json = `to_jsonb(to_char(date '2024-01-01' + ((i * 11 + ${n}) % 1000), 'YYYY-MM-DD'))`;
      slot = `date '2024-01-01' + ((i * 11 + ${n}) % 1000)`;
      break;
    case 'DATETIME': {
      const ts = `(timestamptz '2024-01-01 00:00Z' + ((i * 19 + ${n}) % 1000000) * interval '1 minute')`;
      json = `to_jsonb(to_char(${ts} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`;
      slot = ts;
      break;
    }
    default:
      json = `to_jsonb((i + ${n}) % 2 = 0)`;
      slot = `((i + ${n}) % 2 = 0)`;
  }
  return {
    json: `case when ${filled} then ${json} end`,
    slot: f.type === 'MULTISELECT' ? `case when ${filled} then ${slot} else '{}' end` : `case when ${filled} then ${slot} end`,
    filled,
  };
}

console.log(`seeding ${rows} deals over ${workspaces} workspaces (60% in the measured one) on PostgreSQL…`);
const t0 = performance.now();
for (const ws of wss) {
  const count = Math.round(rows * ws.share);
  const vs = ws.fields.map((f, n) => ({ f, ...valueSql(f, n) }));
  const doc = `jsonb_strip_nulls(jsonb_build_object(${vs.map((v) => `'${v.f.key}', ${v.json}`).join(', ')}))`;
  const stages = `(array[${ws.stageIds.map((s) => `'${s}'`).join(',')}]::uuid[])[1 + i % ${ws.stageIds.length}]`;
  for (let lo = 0; lo < count; lo += 100_000) {
    const hi = Math.min(count, lo + 100_000) - 1;
    await sql.query(`insert into "Deal" (id, "workspaceId", name, amount, currency, "pipelineId", "stageId", "responsibleId", "createdAt", "updatedAt", "customFields", ${vs.map((v) => `"${v.f.slot}"`).join(', ')})
      select gen_random_uuid(), '${ws.id}', 'Deal ' || i, (i::bigint * 7919) % 1000000, 'RUB', '${ws.pipelineId}', ${stages}, '${ws.userId}',
             timestamptz '2025-01-01' + i * interval '1 second', timestamptz '2025-01-01' + i * interval '1 second', ${doc}, ${vs.map((v) => v.slot).join(', ')}
      from generate_series(${lo}, ${hi}) as i`);
  }
}
// A: the measured fields as real columns with an index each, as a schema per tenant would have.
const F = (n: number) => W0.fields[n - 1];
const [SEL, MULTI, MONEY, DATE] = [F(5), F(8), F(12), F(14)];
await sql.query(`create table deals_a as select id, "workspaceId", name, amount, "createdAt", "deletedAt",
  "${SEL.slot}" as sel, "${MULTI.slot}" as multi, "${MONEY.slot}" as money, "${DATE.slot}" as due from "Deal"`);
await sql.query(`alter table deals_a add primary key (id)`);
for (const c of ['"createdAt"', 'sel', 'money', 'due']) await sql.query(`create index on deals_a ("workspaceId", ${c}, id)`);
await sql.query(`create index on deals_a using gin (multi)`);
await sql.query(`analyze`);
console.log(`seeded and indexed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// Queries. Each takes a round number and varies its values.
const PAGE = `id name amount`;
type Q = { label: string; api: (r: number) => [string, Record<string, unknown>]; a: (r: number) => [string, unknown[]]; d: (r: number) => [string, unknown[]] };
const ws0 = W0.id;
const range = (r: number) => {
  const lo = (r * 37) % 9000;
  return [String(lo), String(lo + 50)] as const;
};
const stageGid = (id: string) => Buffer.from(`Stage:${id}`).toString('base64');
const day = (r: number) => new Date(Date.UTC(2024, 0, 1) + ((r * 13) % 900) * 86_400_000).toISOString().slice(0, 10);
const QUERIES: Q[] = [
  {
    label: `equality, SELECT (${SEL.fill}% filled, 10 options), newest first, 50`,
    api: (r) => [
      `query($f: DealFilter) { deals(first: 50, filter: $f) { edges { node { ${PAGE} } } } }`,
      { f: { customFields: [{ fieldId: SEL.id, eq: SEL.optionIds[r % 10] }] } },
    ],
    a: (r) => [
      `select id, name, amount from deals_a where "workspaceId" = $1 and "deletedAt" is null and sel = $2 order by "createdAt" desc, id desc limit 51`,
      [ws0, r % 10],
    ],
    d: (r) => [
      `select id, name, amount from "Deal" where "workspaceId" = $1 and "deletedAt" is null and "${SEL.slot}" = $2 order by "createdAt" desc, id desc limit 51`,
      [ws0, r % 10],
    ],
  },
  {
    label: 'MONEY range + sort by DATE (empties last), 50',
    api: (r) => {
      const [from, to] = range(r);
      return [
        `query($f: DealFilter, $o: [DealOrder!]) { deals(first: 50, filter: $f, orderBy: $o) { edges { node { ${PAGE} } } } }`,
        { f: { customFields: [{ fieldId: MONEY.id, between: { from, to } }] }, o: [{ customFieldId: DATE.id }] },
      ];
    },
    a: (r) => [
      `select id, name, amount from deals_a where "workspaceId" = $1 and "deletedAt" is null and money between $2 and $3 order by due asc nulls last, id limit 51`,
      [ws0, ...range(r)],
    ],
    d: (r) => [
      `select id, name, amount from "Deal" where "workspaceId" = $1 and "deletedAt" is null and "${MONEY.slot}" between $2 and $3 and "${DATE.slot}" is not null order by "${DATE.slot}", id limit 51`,
      [ws0, ...range(r)],
    ],
  },
  {
    label: 'DATE range + sort by MONEY descending, 50',
    api: (r) => [
      `query($f: DealFilter, $o: [DealOrder!]) { deals(first: 50, filter: $f, orderBy: $o) { edges { node { ${PAGE} } } } }`,
      { f: { customFields: [{ fieldId: DATE.id, gte: day(r) }] }, o: [{ customFieldId: MONEY.id, direction: 'DESC' }] },
    ],
    a: (r) => [
      `select id, name, amount from deals_a where "workspaceId" = $1 and "deletedAt" is null and due >= $2 order by money desc nulls last, id desc limit 51`,
      [ws0, day(r)],
    ],
    d: (r) => [
      `select id, name, amount from "Deal" where "workspaceId" = $1 and "deletedAt" is null and "${DATE.slot}" >= $2 and "${MONEY.slot}" is not null order by "${MONEY.slot}" desc, id desc limit 51`,
      [ws0, day(r)],
    ],
  },
  {
    label: 'MULTISELECT has any of 2 options, newest first, 50',
    api: (r) => [
      `query($f: DealFilter) { deals(first: 50, filter: $f) { edges { node { ${PAGE} } } } }`,
      { f: { customFields: [{ fieldId: MULTI.id, anyOf: [MULTI.optionIds[r % 10], MULTI.optionIds[(r + 3) % 10]] }] } },
    ],
    a: (r) => [
      `select id, name, amount from deals_a where "workspaceId" = $1 and "deletedAt" is null and multi && $2::uuid[] order by "createdAt" desc, id desc limit 51`,
      [ws0, [MULTI.options[r % 10], MULTI.options[(r + 3) % 10]]],
    ],
    d: (r) => [
      `select id, name, amount from "Deal" where "workspaceId" = $1 and "deletedAt" is null and "${MULTI.slot}" && $2::uuid[] order by "createdAt" desc, id desc limit 51`,
      [ws0, [MULTI.options[r % 10], MULTI.options[(r + 3) % 10]]],
    ],
  },
  {
    // The same GraphQL page filtered by a system column instead, to show the API's own cost.
    label: 'for comparison: equality on the system column stageId, newest first, 50',
    api: (r) => [
      `query($f: DealFilter) { deals(first: 50, filter: $f) { edges { node { ${PAGE} } } } }`,
      { f: { stageIds: [stageGid(W0.stageIds[r % W0.stageIds.length])] } },
    ],
    a: (r) => [
      `select id, name, amount from "Deal" where "workspaceId" = $1 and "deletedAt" is null and "stageId" = $2 order by "createdAt" desc, id desc limit 51`,
      [ws0, W0.stageIds[r % W0.stageIds.length]],
    ],
    d: (r) => [
      `select id, name, amount from "Deal" where "workspaceId" = $1 and "deletedAt" is null and "stageId" = $2 order by "createdAt" desc, id desc limit 51`,
      [ws0, W0.stageIds[r % W0.stageIds.length]],
    ],
  },
  {
    label: 'totalCount with equality on SELECT',
    api: (r) => [
      `query($f: DealFilter) { deals(first: 0, filter: $f) { totalCount } }`,
      { f: { customFields: [{ fieldId: SEL.id, eq: SEL.optionIds[r % 10] }] } },
    ],
    a: (r) => [`select count(*) from deals_a where "workspaceId" = $1 and "deletedAt" is null and sel = $2`, [ws0, r % 10]],
    d: (r) => [`select count(*) from "Deal" where "workspaceId" = $1 and "deletedAt" is null and "${SEL.slot}" = $2`, [ws0, r % 10]],
  },
];

// Every design must answer the same rows.
for (const q of QUERIES.slice(0, 4)) {
  const [text, params] = q.a(1);
  const [dText, dParams] = q.d(1);
  const a = (await sql.query(text, params)).rows.map((x) => x.id);
  const d = (await sql.query(dText, dParams)).rows.map((x) => x.id);
  const [query, variables] = q.api(1);
  const api = (await gql<{ deals: { edges: { node: { id: string } }[] } }>(W0.token, query, variables)).deals.edges.map(
    (e) => Buffer.from(e.node.id, 'base64').toString().split(':')[1],
  );
  if (JSON.stringify(a.slice(0, 50)) !== JSON.stringify(d.slice(0, 50)) || JSON.stringify(a.slice(0, 50)) !== JSON.stringify(api)) {
    throw new Error(`designs disagree on "${q.label}": A ${a.length}, D ${d.length}, API ${api.length}`);
  }
}

async function time(fn: () => Promise<unknown>) {
  const s = performance.now();
  await fn();
  return performance.now() - s;
}
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * p)];

console.log(
  `\n${rows.toLocaleString('en')} deals, ${Math.round(rows * 0.6).toLocaleString('en')} in the measured workspace; ${iterations} runs each, interleaved; p50 / p95 ms (p50 ÷ A)`,
);
console.log('| query | A. real columns, SQL | D. slot columns, SQL | D. through GraphQL |');
console.log('| --- | --- | --- | --- |');
for (const q of QUERIES) {
  const t = { a: [] as number[], d: [] as number[], api: [] as number[] };
  for (let r = 0; r < iterations + 10; r++) {
    const [at, ap] = q.a(r);
    const [dt, dp] = q.d(r);
    const [query, variables] = q.api(r);
    const ta = await time(() => sql.query(at, ap));
    const td = await time(() => sql.query(dt, dp));
    const tg = await time(() => gql(W0.token, query, variables));
    if (r < 10) continue; // warm-up
    t.a.push(ta);
    t.d.push(td);
    t.api.push(tg);
  }
  const a50 = pct(t.a, 0.5);
  const cell = (xs: number[], base = true) => `${pct(xs, 0.5).toFixed(2)} / ${pct(xs, 0.95).toFixed(2)}${base ? ` (${(pct(xs, 0.5) / a50).toFixed(2)}×)` : ''}`;
  console.log(`| ${q.label} | ${cell(t.a, false)} | ${cell(t.d)} | ${cell(t.api)} |`);
}
const size = async (table: string) => Number((await sql.query(`select pg_total_relation_size($1) as n`, [table])).rows[0].n) / 1024 / 1024;
const mb = async (q: string) => Number((await sql.query(q)).rows[0].n) / 1024 / 1024;
const jsonb = await mb(`select coalesce(sum(pg_column_size("customFields")), 0) as n from "Deal"`);
const slotData = await mb(`select coalesce(sum(${W0.fields.map((f) => `coalesce(pg_column_size("${f.slot}"), 0)`).join(' + ')}), 0) as n from "Deal"`);
const slotIndexes = await mb(`select coalesce(sum(pg_relation_size(i.indexrelid)), 0) as n from pg_index i join pg_class c on c.oid = i.indexrelid
  where i.indrelid = '"Deal"'::regclass and c.relname ~ '_cf[A-Za-z]+[0-9]+'`);
console.log(
  `\nDeal table with all its indexes: ${(await size('"Deal"')).toFixed(0)} MB; of it the JSONB documents ${jsonb.toFixed(0)} MB, the slot values ${slotData.toFixed(0)} MB, the slot indexes ${slotIndexes.toFixed(0)} MB (deals_a, 4 fields as real columns: ${(await size('deals_a')).toFixed(0)} MB)`,
);

await sql.end();
await app.stop();
await dropDb();
