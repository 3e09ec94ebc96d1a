// The board page over HTTP, side by side in one run: this server (src/main.ts), PostGraphile v5
// (Amber preset) on the same database, and a raw `pg` handler answering the same JSON with one
// json_agg statement. Checks that the three answer the same deals with the same values, then runs
// interleaved autocannon rounds and prints req/s, p50, p99, CPU per page of each server and of its
// PostgreSQL backends, SQL statements per page, and the ratios.
//
//   npm run bench:api -- [--deals 10000] [--fields 10] [--page 50] [--duration 10] [--rounds 2]
//                        [--connections 8] [--reuse] [--keep] [--pg postgresql://…]
//
// The workspace (a signed-up administrator, 10 custom fields on deals made through the API,
// deals with a stage, responsible, company, two contacts, a tag and every field filled, written
// with createMany) lives in a scratch database `board_bench_*`, dropped at the end. With
// --reuse it lives in `board_bench_api_<deals>_<fields>` and is kept for the next --reuse run.
import { parseArgs } from 'node:util';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import pg from 'pg';
import { keptDatabase, scratchDatabase, benchWorkspace, median } from './kit.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db.js';
import { createLogger } from '../src/lib/logger.js';
import { decodeGlobalId } from '../src/lib/ids.js';
import { slotColumnsWith } from '../src/kernel/fields/slots.js';
import type { FieldDef } from '../src/kernel/fields/values.js';
import type { ServiceCtx } from '../src/context.js';
import { boardQuery } from './api/board.js';

const { values: args } = parseArgs({
  options: {
    deals: { type: 'string', default: '10000' },
    fields: { type: 'string', default: '10' },
    page: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '8' },
    reuse: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    only: { type: 'string', description: 'comma-separated: ours,general,postgraphile,raw' },
    pg: { type: 'string', default: 'postgresql://postgres@127.0.0.1:5432/postgres' },
  },
});
const DEALS = Number(args.deals);
const FIELDS = Number(args.fields);
const PAGE = Number(args.page);
const DURATION = Number(args.duration);
const ROUNDS = Number(args.rounds);
const CONNECTIONS = Number(args.connections);
if (!(DEALS >= 100) || !(FIELDS >= 1) || !(PAGE >= 1 && PAGE <= 200)) throw new Error('--deals ≥ 100, --fields ≥ 1, 1 ≤ --page ≤ 200');

const MARKER = 'bench_board_done';
const db = args.reuse ? await keptDatabase(args.pg!, `board_bench_api_${DEALS}_${FIELDS}`, MARKER) : await scratchDatabase(args.pg!, 'board_bench');
const withApp = (url: string, name: string) => {
  const u = new URL(url);
  u.searchParams.set('application_name', name);
  return u.toString();
};

// ---------------------------------------------------------------------------------------------
// The workspace.

type Setup = { workspaceId: string; email: string; password: string };
const PASSWORD = 'benchmark-password';

async function seed(): Promise<Setup> {
  const database = await openDatabase({ kind: 'postgres', url: db.url });
  const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', SEED_DEMO: 'false', DATABASE_URL: db.url, OUTBOX_DISPATCH: 'false' });
  const app = await buildApp(config, { database, logger: createLogger('silent') });
  const prisma = database.prisma;
  const session = await benchWorkspace(app.deps);
  const ws = session.workspaceId;
  const gql = async (query: string, variables: object) => {
    const res = await app.yoga.fetch('http://bench/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data!;
  };
  // Custom fields through the API: text, number and select in turn.
  const types = ['TEXT', 'NUMBER', 'SELECT'] as const;
  for (let f = 0; f < FIELDS; f++) {
    const type = types[f % 3];
    const r = await gql(
      `mutation F($input: CreateCustomFieldInput!) { createCustomField(input: $input) { __typename ... on CreateCustomFieldSuccess { field { id } } } }`,
      {
        input: {
          entityType: 'DEAL',
          type,
          name: `Field ${f}`,
          code: `field_${f}`,
          ...(type === 'SELECT' ? { options: ['Low', 'Medium', 'High', 'Urgent'] } : {}),
        },
      },
    );
    if ((r.createCustomField as { __typename: string }).__typename !== 'CreateCustomFieldSuccess') throw new Error(JSON.stringify(r));
  }
  const defs = (await prisma.customField.findMany({
    where: { workspaceId: ws, entityType: 'DEAL' },
    include: { options: { orderBy: { sortOrder: 'asc' } } },
    orderBy: { sortOrder: 'asc' },
  })) as FieldDef[];
  const positions = new Map(defs.flatMap((d) => d.options.map((o) => [o.id, o.sortOrder] as const)));
  const user = await prisma.user.findFirstOrThrow({ where: { workspaceId: ws } });
  const stages = await prisma.stage.findMany({ where: { workspaceId: ws } });
  const tags = await Promise.all(['VIP', 'Hot', 'Tender', 'Partner'].map((name) => prisma.tag.create({ data: { workspaceId: ws, name } })));

  console.log(`seeding ${DEALS} deals (${DEALS / 2} contacts, ${DEALS / 10} companies, ${FIELDS} custom fields each)…`);
  const t0 = performance.now();
  const companies = Array.from({ length: Math.ceil(DEALS / 10) }, (_, i) => ({
    id: randomUUID(),
    workspaceId: ws,
    name: `Company ${i}`,
    responsibleId: user.id,
    phones: ['+74951234567'],
    searchText: `company ${i}`,
  }));
  const contacts = Array.from({ length: Math.ceil(DEALS / 2) }, (_, i) => ({
    id: randomUUID(),
    workspaceId: ws,
    name: `Person ${i}`,
    responsibleId: user.id,
    companyId: companies[i % companies.length].id,
    phones: ['+79123456789'],
    emails: [`p${i}@example.com`],
    searchText: `person ${i}`,
  }));
  for (let i = 0; i < companies.length; i += 5000) await prisma.company.createMany({ data: companies.slice(i, i + 5000) });
  for (let i = 0; i < contacts.length; i += 5000) await prisma.contact.createMany({ data: contacts.slice(i, i + 5000) });
  const noCtx = { viewer: { workspaceId: ws } } as ServiceCtx;
  const deals = Array.from({ length: DEALS }, (_, i) => {
    const values: Record<string, string> = {};
    for (const d of defs) {
      values[d.key] =
        d.type === 'TEXT'
          ? `Ref ${(i * 31 + d.key) % 997}`
          : d.type === 'NUMBER'
            ? String(((i * 13 + d.key) % 1000) / 4)
            : d.options[(i + d.key) % d.options.length].id;
    }
    return {
      id: randomUUID(),
      workspaceId: ws,
      name: `Deal ${i}`,
      amount: String((i * 7919) % 1_000_000),
      currency: 'RUB',
      pipelineId: stages[0].pipelineId,
      stageId: stages[i % stages.length].id,
      responsibleId: user.id,
      companyId: companies[i % companies.length].id,
      searchText: `deal ${i}`,
      customFields: values,
      ...slotColumnsWith(noCtx, 'DEAL', defs, values, positions),
    };
  });
  for (let i = 0; i < deals.length; i += 2000) await prisma.deal.createMany({ data: deals.slice(i, i + 2000) as never });
  const links = deals.flatMap((d, i) => [
    { dealId: d.id, contactId: contacts[i % contacts.length].id, position: 0 },
    { dealId: d.id, contactId: contacts[(i + 1) % contacts.length].id, position: 1 },
  ]);
  for (let i = 0; i < links.length; i += 5000) await prisma.dealContact.createMany({ data: links.slice(i, i + 5000) });
  const tagLinks = deals.map((d, i) => ({ dealId: d.id, tagId: tags[i % tags.length].id }));
  for (let i = 0; i < tagLinks.length; i += 5000) await prisma.dealTag.createMany({ data: tagLinks.slice(i, i + 5000) });
  await prisma.$executeRawUnsafe('analyze');
  const setup: Setup = { workspaceId: ws, email: user.email, password: PASSWORD };
  await prisma.$executeRawUnsafe(`create table ${MARKER} (setup jsonb not null)`);
  await prisma.$executeRawUnsafe(`insert into ${MARKER} values ($1::jsonb)`, JSON.stringify(setup));
  console.log(`seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await app.stop();
  return setup;
}

async function readSetup(): Promise<Setup> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  const r = await c.query(`select setup from ${MARKER}`);
  await c.end();
  return r.rows[0].setup as Setup;
}

const setup = 'reused' in db && db.reused ? await readSetup() : await seed();
if ('reused' in db && db.reused) console.log(`reusing ${new URL(db.url).pathname.slice(1)}`);

// ---------------------------------------------------------------------------------------------
// The three servers, each a child process with the probe (CPU time and statement count).

type Server = {
  name: string;
  label: string;
  port: number;
  probe: number;
  child: ChildProcess;
  request: () => { path: string; headers: Record<string, string>; body: string };
};
const children: ChildProcess[] = [];

function start(name: string, script: string[], env: Record<string, string>, port: number, probe: number) {
  const child = spawn(process.execPath, ['--import', './bench/api/probe.mjs', '--import', 'tsx', ...script], {
    env: { ...process.env, ...env, PORT: String(port), BENCH_PROBE_PORT: String(probe), NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  child.on('exit', (code) => {
    if (code !== null && code !== 0 && !stopping) console.error(`${name} exited with ${code}`);
  });
  return child;
}

async function waitFor(port: number, path: string, init: RequestInit = {}) {
  for (let i = 0; i < 600; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, init);
      if (r.status < 500) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`nothing answered on port ${port}`);
}

let stopping = false;
async function stopAll() {
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  await sleep(500);
}

const basePort = 18000 + Math.floor(Math.random() * 1000) * 10;
const OURS_QUERY = boardQuery();
const PG_QUERY = `query Board($ws: UUID!, $first: Int!) { allDeals(first: $first, orderBy: [AMOUNT_DESC, ROW_ID_DESC], condition: { workspaceId: $ws, deletedAt: null }) {
  nodes { rowId name amount currency customFields
    stageByStageId { rowId name kind } userByResponsibleId { rowId name } companyByCompanyId { rowId name deletedAt }
    dealContactsByDealId(orderBy: POSITION_ASC) { nodes { contactByContactId { rowId name deletedAt } } }
    dealTagsByDealId { nodes { tagByTagId { rowId name } } } } } }`;

const json = (query: string, variables: object) => JSON.stringify({ query, variables });
const only = new Set((args.only ?? 'ours,general,postgraphile,raw').split(','));

// Our server: signs in like a client, then sends the token.
const oursPort = basePort;
start(
  'ours',
  ['src/main.ts'],
  { DATABASE_URL: withApp(db.url, 'bench_ours'), LOG_LEVEL: 'silent', SEED_DEMO: 'false', OUTBOX_DISPATCH: 'false' },
  oursPort,
  oursPort + 1,
);
// The same server with the board's planned path off (BOARD_PLAN=false): the general path,
// graphql-js resolving every field, measured in the same run as the before of the plan.
const generalPort = basePort + 6;
if (only.has('general'))
  start(
    'general',
    ['src/main.ts'],
    { DATABASE_URL: withApp(db.url, 'bench_general'), LOG_LEVEL: 'silent', SEED_DEMO: 'false', OUTBOX_DISPATCH: 'false', BOARD_PLAN: 'false' },
    generalPort,
    generalPort + 1,
  );
const pglPort = basePort + 2;
if (only.has('postgraphile'))
  start('postgraphile', ['bench/api/postgraphile.mjs'], { BENCH_DATABASE_URL: withApp(db.url, 'bench_postgraphile') }, pglPort, pglPort + 1);
const rawPort = basePort + 4;
start('raw', ['bench/api/raw.ts'], { BENCH_DATABASE_URL: withApp(db.url, 'bench_raw'), BENCH_WORKSPACE_ID: setup.workspaceId }, rawPort, rawPort + 1);

process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));

try {
  await waitFor(oursPort, '/health');
  const login = await fetch(`http://127.0.0.1:${oursPort}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: json(`mutation L($email: String!, $password: String!) { login(input: { email: $email, password: $password }) { token } }`, {
      email: setup.email,
      password: setup.password,
    }),
  });
  const loginBody = (await login.json()) as { data?: { login: { token: string } } };
  const token = loginBody.data?.login.token;
  if (!token) throw new Error(`login failed: ${JSON.stringify(loginBody)}`);

  const servers: Server[] = [];
  const mk = (name: string, label: string, port: number, headers: Record<string, string>, body: string): Server => ({
    name,
    label,
    port,
    probe: port + 1,
    child: children[0],
    request: () => ({ path: '/graphql', headers: { 'content-type': 'application/json', ...headers }, body }),
  });
  if (only.has('ours')) servers.push(mk('ours', 'this project', oursPort, { authorization: `Bearer ${token}` }, json(OURS_QUERY, { first: PAGE })));
  if (only.has('general')) {
    await waitFor(generalPort, '/health');
    servers.push(
      mk('general', 'this project, general path (BOARD_PLAN=false)', generalPort, { authorization: `Bearer ${token}` }, json(OURS_QUERY, { first: PAGE })),
    );
  }
  if (only.has('postgraphile')) {
    await waitFor(pglPort, '/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: json('{ __typename }', {}) });
    servers.push(mk('postgraphile', 'PostGraphile v5 (Amber)', pglPort, {}, json(PG_QUERY, { ws: setup.workspaceId, first: PAGE })));
  }
  if (only.has('raw')) {
    await waitFor(rawPort, '/graphql', { method: 'POST', body: '{}' });
    servers.push(mk('raw', 'raw pg, one json_agg', rawPort, {}, json('', { first: PAGE })));
  }

  // ---------------------------------------------------------------------------------------------
  // Same answers: every server's page reduced to the same plain form.

  const defsClient = new pg.Client({ connectionString: db.url });
  await defsClient.connect();
  const defRows = (
    await defsClient.query(
      `select f.key::text as key, f.code, f.type, coalesce(json_object_agg(o.id, o.label) filter (where o.id is not null), '{}') as options
       from "CustomField" f left join "CustomFieldOption" o on o."fieldId" = f.id
       where f."workspaceId" = $1 and f."entityType" = 'DEAL' group by f.id order by f."sortOrder", f."createdAt"`,
      [setup.workspaceId],
    )
  ).rows as { key: string; code: string; type: string; options: Record<string, string> }[];
  await defsClient.end();

  type Plain = {
    id: string;
    name: string;
    amount: number;
    stage: string;
    responsible: string;
    company: string | null;
    contacts: string[];
    tags: string[];
    fields: Record<string, string>;
  };
  const uuid = (id: string) => decodeGlobalId(id).id;
  type OurNode = {
    id: string;
    name: string;
    amount: string;
    stage: { name: string };
    responsible: { name: string } | null;
    company: { name: string } | null;
    contacts: { name: string }[];
    tags: { name: string }[];
    customFields: { field: { code: string }; text?: string; number?: string; option?: { label: string } }[];
  };
  const fromOurs = (body: { data: { deals: { edges: { node: OurNode }[] } } }): Plain[] =>
    body.data.deals.edges.map(({ node: n }) => ({
      id: uuid(n.id),
      name: n.name,
      amount: Number(n.amount),
      stage: n.stage.name,
      responsible: n.responsible?.name ?? '',
      company: n.company?.name ?? null,
      contacts: n.contacts.map((c) => c.name),
      tags: n.tags.map((t) => t.name).sort(),
      fields: Object.fromEntries(n.customFields.map((v) => [v.field.code, String(v.text ?? (v.number !== undefined ? Number(v.number) : v.option?.label))])),
    }));
  type PglNode = {
    rowId: string;
    name: string;
    amount: string;
    customFields: Record<string, string>;
    stageByStageId: { name: string };
    userByResponsibleId: { name: string };
    companyByCompanyId: { name: string; deletedAt: string | null } | null;
    dealContactsByDealId: { nodes: { contactByContactId: { name: string; deletedAt: string | null } }[] };
    dealTagsByDealId: { nodes: { tagByTagId: { name: string } }[] };
  };
  const fromPostgraphile = (body: { data: { allDeals: { nodes: PglNode[] } } }): Plain[] =>
    body.data.allDeals.nodes.map((n) => ({
      id: n.rowId,
      name: n.name,
      amount: Number(n.amount),
      stage: n.stageByStageId.name,
      responsible: n.userByResponsibleId.name,
      company: n.companyByCompanyId && !n.companyByCompanyId.deletedAt ? n.companyByCompanyId.name : null,
      contacts: n.dealContactsByDealId.nodes.filter((x) => !x.contactByContactId.deletedAt).map((x) => x.contactByContactId.name),
      tags: n.dealTagsByDealId.nodes.map((x) => x.tagByTagId.name).sort(),
      fields: Object.fromEntries(
        defRows
          .filter((d) => n.customFields[d.key] !== undefined)
          .map((d) => {
            const v = n.customFields[d.key];
            return [d.code, d.type === 'SELECT' ? d.options[v] : d.type === 'NUMBER' ? String(Number(v)) : v];
          }),
      ),
    }));

  const answers = new Map<string, Plain[]>();
  const raws = new Map<string, string>();
  for (const s of servers) {
    const r = s.request();
    const res = await fetch(`http://127.0.0.1:${s.port}${r.path}`, { method: 'POST', headers: r.headers, body: r.body });
    const text = await res.text();
    const body = JSON.parse(text) as { errors?: unknown };
    if (!res.ok || body.errors) throw new Error(`${s.name} answered ${res.status}: ${text.slice(0, 2000)}`);
    raws.set(s.name, text);
    answers.set(s.name, s.name === 'postgraphile' ? fromPostgraphile(body as never) : fromOurs(body as never));
    if (s.name === 'general' && raws.has('ours') && text !== raws.get('ours'))
      throw new Error('the planned path does not answer the same JSON as the general path');
  }
  const reference = answers.get(servers[0].name)!;
  if (reference.length !== PAGE) throw new Error(`${servers[0].name} answered ${reference.length} deals, not ${PAGE}`);
  if (Object.keys(reference[0].fields).length !== FIELDS) throw new Error(`${FIELDS} custom fields expected, got ${JSON.stringify(reference[0].fields)}`);
  for (const [name, plain] of answers) {
    const a = JSON.stringify(plain);
    const b = JSON.stringify(reference);
    if (a !== b) {
      const i = plain.findIndex((p, k) => JSON.stringify(p) !== JSON.stringify(reference[k]));
      throw new Error(`${name} differs from ${servers[0].name} at deal ${i}:\n${JSON.stringify(plain[i])}\n${JSON.stringify(reference[i])}`);
    }
  }
  if (raws.has('ours') && raws.has('raw') && JSON.stringify(JSON.parse(raws.get('ours')!)) !== JSON.stringify(JSON.parse(raws.get('raw')!))) {
    throw new Error('the raw handler does not answer the same JSON as this server');
  }
  console.log(
    `same ${PAGE} deals and values from ${[...answers.keys()].join(', ')}${raws.has('ours') && raws.has('raw') ? ' (raw: byte-identical JSON)' : ''}${raws.has('ours') && raws.has('general') ? ' (general path: byte-identical JSON)' : ''}`,
  );

  // ---------------------------------------------------------------------------------------------
  // Rounds.

  const TICK_US = 1e6 / 100; // /proc times are in clock ticks (USER_HZ = 100 on Linux)
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  async function backendTicks(name: string) {
    const pids = (await admin.query(`select pid from pg_stat_activity where application_name = $1`, [`bench_${name}`])).rows.map((r) => r.pid as number);
    const out = new Map<number, number>();
    for (const pid of pids) {
      try {
        const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
        out.set(pid, Number(f[11]) + Number(f[12]));
      } catch {
        // gone
      }
    }
    return out;
  }
  async function probe(s: Server) {
    return (await (await fetch(`http://127.0.0.1:${s.probe}/`)).json()) as { cpuMicros: number; statements: number };
  }

  type Sample = { rps: number; p50: number; p99: number; requests: number; cpuMs: number; pgCpuMs: number; statements: number; errors: number };
  const samples = new Map<string, Sample[]>(servers.map((s) => [s.name, []]));
  async function round(s: Server, seconds: number) {
    const r = s.request();
    const before = await probe(s);
    const pgBefore = await backendTicks(s.name);
    const result = await autocannon({
      url: `http://127.0.0.1:${s.port}${r.path}`,
      method: 'POST',
      headers: r.headers,
      body: r.body,
      connections: CONNECTIONS,
      duration: seconds,
    });
    const after = await probe(s);
    const pgAfter = await backendTicks(s.name);
    let ticks = 0;
    for (const [pid, t] of pgAfter) ticks += t - (pgBefore.get(pid) ?? 0);
    const requests = result.requests.total;
    return {
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      requests,
      cpuMs: (after.cpuMicros - before.cpuMicros) / 1000 / requests,
      pgCpuMs: (ticks * TICK_US) / 1000 / requests,
      statements: (after.statements - before.statements) / requests,
      errors: result.errors + result.non2xx,
    };
  }

  console.log(`warming up (${Math.min(5, DURATION)} s each)…`);
  for (const s of servers) await round(s, Math.min(5, DURATION));
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate the order so drift on a busy machine hits every server alike.
    const order = i % 2 ? [...servers].reverse() : servers;
    for (const s of order) {
      const x = await round(s, DURATION);
      samples.get(s.name)!.push(x);
      console.log(
        `round ${i + 1} ${s.name}: ${x.rps.toFixed(1)} req/s, p50 ${x.p50} ms, p99 ${x.p99} ms, ${x.cpuMs.toFixed(2)} + ${x.pgCpuMs.toFixed(2)} ms CPU, ${x.statements.toFixed(2)} statements${x.errors ? `, ${x.errors} errors` : ''}`,
      );
    }
  }
  await admin.end();

  // ---------------------------------------------------------------------------------------------
  // The table: the median round of each server.

  const summary = new Map(
    servers.map((s) => {
      const xs = samples.get(s.name)!;
      const pick = (k: keyof Sample) => median(xs.map((x) => x[k]));
      return [
        s.name,
        {
          rps: pick('rps'),
          p50: pick('p50'),
          p99: pick('p99'),
          cpuMs: pick('cpuMs'),
          pgCpuMs: pick('pgCpuMs'),
          statements: pick('statements'),
          errors: xs.reduce((n, x) => n + x.errors, 0),
        },
      ];
    }),
  );
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(
    `\nboard page: ${PAGE} of ${DEALS} deals with stage, responsible, company, contacts, tags and ${FIELDS} custom fields; HTTP, ${CONNECTIONS} connections, ${ROUNDS} rounds × ${DURATION} s interleaved (median round); load average ${load}`,
  );
  console.log('| server | req/s | p50 ms | p99 ms | CPU per page, server + PostgreSQL ms | SQL statements per page | req/s ratio: this ÷ it |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  const ours = summary.get('ours');
  for (const s of servers) {
    const x = summary.get(s.name)!;
    const ratio = ours && s.name !== 'ours' ? `${(ours.rps / x.rps).toFixed(2)}×` : '';
    console.log(
      `| ${s.label} | ${x.rps.toFixed(1)} | ${x.p50} | ${x.p99} | ${x.cpuMs.toFixed(2)} + ${x.pgCpuMs.toFixed(2)} | ${x.statements.toFixed(2)} | ${ratio} |${x.errors ? ` ${x.errors} errors` : ''}`,
    );
  }
} finally {
  await stopAll();
  if (args.keep || args.reuse) console.log(`kept ${new URL(db.url).pathname.slice(1)}`);
  else await db.drop();
}
