// Pipeline report benchmark: the GraphQL `pipelineReport` over a pipeline of many deals (1,000,000
// by default) with their stage history, against the bare SQL aggregate of the same deals (count
// and sum per stage, one statement), measured in the same run so the ratio holds on a noisy
// machine. The data is generated in SQL (generate_series) on PostgreSQL.
//
//   npm run bench:reports -- [--rows 1000000] [--iterations 20] [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--reuse] [--rebuild]
//
// --reuse keeps the seeded data in a database named by the row count (crm_bench_reports_<rows>)
// and, when a finished seed is there, measures it again without seeding (pending migrations still
// run on it); --rebuild then derives the aggregates again, as the migration does.
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { randomUUID } from 'node:crypto';
import { measure, scratchDatabase, keptDatabase, benchWorkspace } from './kit.js';
import { login } from '../src/modules/auth/auth.service.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db.js';
import { createLogger } from '../src/lib/logger.js';
import { encodeGlobalId } from '../src/lib/ids.js';
import { rebuildReportData } from '../src/modules/reports/reports.aggregates.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    iterations: { type: 'string', default: '20' },
    pg: { type: 'string', default: 'postgresql://postgres@127.0.0.1:5432/postgres' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
    rebuild: { type: 'boolean', default: false },
  },
});
const rows = Number(values.rows);
const iterations = Number(values.iterations);

const {
  url,
  drop: dropDb,
  reused,
} = values.reuse ? await keptDatabase(values.pg!, `crm_bench_reports_${rows}`, 'bench_seed') : { ...(await scratchDatabase(values.pg!)), reused: false };

const database = await openDatabase({ kind: 'postgres', url });
const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', SEED_DEMO: 'false', DATABASE_URL: url });
const app = await buildApp(config, { database, logger: createLogger('silent') });
const db = database.prisma;

try {
  // A kept seed names its workspace's administrator (bench_seed); a fresh one is seeded below.
  const kept = reused ? await db.$queryRawUnsafe<{ email: string }[]>('select email from bench_seed') : [];
  const session = kept.length
    ? await login(app.deps, { email: kept[0].email, password: 'benchmark-password' }, `bench-${Date.now()}`)
    : await benchWorkspace(app.deps);
  const ws = session.workspaceId;
  const owner = await db.user.findFirstOrThrow({ where: { id: session.userId } });
  const pipeline = await db.pipeline.findFirstOrThrow({ where: { workspaceId: ws }, include: { stages: { orderBy: { sortOrder: 'asc' } } } });
  const open = pipeline.stages.filter((s) => s.kind === 'OPEN').map((s) => s.id);
  const won = pipeline.stages.find((s) => s.kind === 'WON')!.id;
  const lost = pipeline.stages.find((s) => s.kind === 'LOST')!.id;
  if (!kept.length) await seed();
  else console.log(`reusing the ${rows} deals seeded in ${url}`);
  const sellers = (await db.user.findMany({ where: { workspaceId: ws, id: { not: owner.id } }, select: { id: true }, orderBy: { email: 'asc' } })).map(
    (s) => s.id,
  );
  const transitions = await db.stageTransition.count();
  if (!kept.length || values.rebuild) {
    // Written in SQL, not through the write path: the report's aggregates are derived as the
    // migration that created them derives them.
    const t1 = performance.now();
    await rebuildReportData(db, ws);
    for (const t of ['ReportDeals', 'ReportConversions', 'ReportStays']) await db.$executeRawUnsafe(`vacuum analyze "${t}"`);
    const aggregates = await db.$queryRawUnsafe<{ n: number }[]>(
      `select ((select count(*) from "ReportDeals") + (select count(*) from "ReportConversions") + (select count(*) from "ReportStays"))::int as n`,
    );
    console.log(`derived ${aggregates[0].n} aggregate rows in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  }
  if (values.reuse && !kept.length) {
    await db.$executeRawUnsafe('create table bench_seed (email text not null)');
    await db.$executeRawUnsafe('insert into bench_seed values ($1)', owner.email);
  }

  async function seed() {
    console.log(`seeding ${rows} deals and their stage history on PostgreSQL…`);
    const t0 = performance.now();
    // 20 sellers in 4 teams.
    await db.$executeRawUnsafe(
      `insert into "User" (id, "workspaceId", email, name, "passwordHash", "roleId", "updatedAt")
       select gen_random_uuid(), $1::uuid, 'seller' || i || '.' || $2 || '@example.com', 'Seller ' || i, 'x', $3::uuid, now() from generate_series(1, 20) i`,
      ws,
      randomUUID().slice(0, 8),
      owner.roleId,
    );
    const sellers = (await db.user.findMany({ where: { workspaceId: ws, id: { not: owner.id } }, select: { id: true } })).map((s) => s.id);
    for (let t = 0; t < 4; t++) {
      const team = await db.team.create({ data: { workspaceId: ws, name: `Team ${t}` } });
      await db.teamMember.createMany({ data: sellers.filter((_, i) => i % 4 === t).map((userId) => ({ teamId: team.id, userId })) });
    }
    // Each deal: created 0–364 days ago (at any time of the day) into the first open stage; 6 in 10 then moved forward through
    // (i % open) open stages, 2 in 10 won and 2 in 10 lost after the first three; every step 5 days.
    const nOpen = open.length;
    await db.$executeRawUnsafe(`create unlogged table bench_deal as
      select i, gen_random_uuid() as id, now() - ((i % 365) || ' days')::interval - (((i::bigint * 7919) % 86400) || ' seconds')::interval as created,
        case when i % 10 < 6 then i % ${nOpen} else least(3, ${nOpen} - 1) end as k,
        case when i % 10 in (6, 7) then 'WON' when i % 10 in (8, 9) then 'LOST' else 'OPEN' end as fin
      from generate_series(1, ${rows}) i`);
    await db.$executeRawUnsafe(
      `insert into "Deal" (id, "workspaceId", name, amount, currency, "pipelineId", "stageId", "stageEnteredAt", "responsibleId", "closedAt", "createdAt", "updatedAt", "lastActivityAt")
       select b.id, $1::uuid, 'Deal ' || b.i, (b.i::bigint * 7919) % 1000000, case when b.i % 50 = 0 then 'USD' else 'RUB' end, $2::uuid,
         case b.fin when 'WON' then $4::uuid when 'LOST' then $5::uuid else ($3::uuid[])[b.k + 1] end,
         b.created + ((b.k + (b.fin <> 'OPEN')::int) * 5 || ' days')::interval,
         ($6::uuid[])[b.i % 20 + 1],
         case when b.fin <> 'OPEN' then b.created + ((b.k + 1) * 5 || ' days')::interval end,
         b.created, b.created, b.created
       from bench_deal b`,
      ws,
      pipeline.id,
      open,
      won,
      lost,
      sellers,
    );
    await db.$executeRawUnsafe(
      `insert into "StageTransition" (id, "workspaceId", "dealId", "pipelineId", "fromStageId", "toStageId", at, "sinceAt", "byId")
       select gen_random_uuid(), $1::uuid, b.id, $2::uuid, case when j > 0 then ($3::uuid[])[j] end, ($3::uuid[])[j + 1],
         b.created + (j * 5 || ' days')::interval, case when j > 0 then b.created + ((j - 1) * 5 || ' days')::interval end, null::uuid
       from bench_deal b, generate_series(0, b.k) j
       union all
       select gen_random_uuid(), $1::uuid, b.id, $2::uuid, ($3::uuid[])[b.k + 1], case b.fin when 'WON' then $4::uuid else $5::uuid end,
         b.created + ((b.k + 1) * 5 || ' days')::interval, b.created + (b.k * 5 || ' days')::interval, null
       from bench_deal b where b.fin <> 'OPEN'`,
      ws,
      pipeline.id,
      open,
      won,
      lost,
    );
    await db.$executeRawUnsafe('drop table bench_deal');
    await db.$executeRawUnsafe('vacuum analyze "Deal"');
    await db.$executeRawUnsafe('vacuum analyze "StageTransition"');
    console.log(`seeded ${rows} deals and ${await db.stageTransition.count()} transitions in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }

  const to = new Date();
  const from = new Date(to.getTime() - 90 * 86_400_000);
  const query = `query R($p: ID!, $period: ReportPeriod!, $filter: DealFilter) { pipelineReport(pipelineId: $p, period: $period, filter: $filter) {
    __typename ... on PipelineReportSuccess { report { winRate stages { stage { id } deals { count sum } entered conversions { deals rate } averageSeconds medianSeconds }
      byResponsible { responsible { id } won { count sum } lost open { count sum } } byTeam { team { id } won { count } lost } } } } }`;
  const variables = (filter?: object) => ({ p: encodeGlobalId('Pipeline', pipeline.id), period: { from: from.toISOString(), to: to.toISOString() }, filter });

  const viaGraphql = (filter?: object) => async () => {
    const res = await app.yoga.fetch('http://bench/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
      body: JSON.stringify({ query, variables: variables(filter) }),
    });
    const body = (await res.json()) as { data?: { pipelineReport: { __typename: string; report?: { stages: unknown[] } } }; errors?: unknown };
    if (body.data?.pipelineReport.__typename !== 'PipelineReportSuccess') throw new Error(JSON.stringify(body));
  };
  const bare = async () => {
    await db.$queryRawUnsafe(
      `select "stageId", currency, count(*)::int, sum(amount)::text from "Deal" where "workspaceId" = $1::uuid and "pipelineId" = $2::uuid and "deletedAt" is null group by 1, 2`,
      ws,
      pipeline.id,
    );
  };

  type Figures = { p50: number; p95: number; p99: number };
  const min = (a: Figures, b: Figures) => ({ p50: Math.min(a.p50, b.p50), p95: Math.min(a.p95, b.p95), p99: Math.min(a.p99, b.p99) });
  const load0 = loadavg()[0];
  // Interleaved so drift on a busy machine hits each alike.
  const oneSeller = { responsibleIds: [encodeGlobalId('User', sellers[0])] };
  const b1 = await measure(bare, iterations, 2);
  const r1 = await measure(viaGraphql(), iterations, 2);
  const f1 = await measure(viaGraphql(oneSeller), iterations, 2);
  const b2 = await measure(bare, iterations, 2);
  const r2 = await measure(viaGraphql(), iterations, 2);
  const f2 = await measure(viaGraphql(oneSeller), iterations, 2);
  const b = min(b1, b2);
  const r = min(r1, r2);
  const f = min(f1, f2);

  const load = `load average ${load0.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after`;
  console.log(`\npipelineReport over ${rows} deals (${transitions} transitions), period 90 days, ${iterations} iterations × 2, PostgreSQL, ${load}`);
  console.log('| path | p50 ms | p95 ms | p99 ms | p50 ratio |');
  console.log('| --- | --- | --- | --- | --- |');
  const line = (name: string, x: Figures) => `| ${name} | ${x.p50.toFixed(1)} | ${x.p95.toFixed(1)} | ${x.p99.toFixed(1)} | ${(x.p50 / b.p50).toFixed(2)} |`;
  console.log(line('bare SQL: count and sum per stage (baseline)', b));
  console.log(line('GraphQL pipelineReport, administrator, no filter', r));
  console.log(line('GraphQL pipelineReport, filter: one responsible', f));
} finally {
  await app.stop();
  // --keep leaves the data for EXPLAIN (the database is named above).
  if (values.keep || values.reuse) console.log(`kept database ${url}`);
  else await dropDb();
}
