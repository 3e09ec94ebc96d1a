// moveDeal against a plain update: a deal moved to another stage (the stage's requirement check,
// the stage-change timeline entry, the stay's history, the outbox events) against updateDeal
// renaming a deal, both through the GraphQL API of one server, interleaved one for one so the
// ratio holds on a noisy machine. Issue 10's goal: moveDeal's p99 ≤ 2× the plain update's.
//
//   npm run bench:move-deal -- [--deals 200] [--iterations 1000] [--pg postgresql://…] [--latency 1]
//
// Without --pg it runs on an in-memory PGlite; with --pg on a scratch database there (dropped
// after). The server dispatches its outbox as a running server does. --latency MS puts a proxy
// between the server and PostgreSQL that holds each answer back MS ms (a database on another
// host), so the mutations' round trips show.
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { benchWorkspace, latencyProxy, scratchDatabase } from './kit.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db.js';
import { createLogger } from '../src/lib/logger.js';

const { values } = parseArgs({
  options: {
    deals: { type: 'string', default: '200' },
    iterations: { type: 'string', default: '1000' },
    pg: { type: 'string' },
    latency: { type: 'string' },
  },
});
const DEALS = Number(values.deals);
const ITERATIONS = Number(values.iterations);

const scratch = values.pg ? await scratchDatabase(values.pg, 'crm_bench_move') : undefined;
const proxy = scratch && values.latency ? await latencyProxy(scratch.url, Number(values.latency)) : undefined;
const url = proxy?.url ?? scratch?.url;
const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'silent',
  SEED_DEMO: 'false',
  DATA_DIR: '/nonexistent',
  ...(url ? { DATABASE_URL: url } : {}),
  // PG_PREPARED_STATEMENTS=false in the environment: every statement sent unnamed, as before they were kept prepared.
  PG_PREPARED_STATEMENTS: process.env.PG_PREPARED_STATEMENTS,
});
const database = await openDatabase(url ? { kind: 'postgres', url, preparedStatements: config.preparedStatements } : { kind: 'pglite' });
const app = await buildApp(config, { database, logger: createLogger('silent') });
await app.start();

try {
  const session = await benchWorkspace(app.deps);
  const gql = async (query: string, variables: object) => {
    const res = await app.yoga.fetch('http://bench/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: Record<string, Record<string, unknown>>; errors?: unknown[] };
    if (body.errors?.length || !body.data) throw new Error(JSON.stringify(body));
    return body.data;
  };
  const ok = <T>(r: Record<string, unknown>, type: string): T => {
    if (r.__typename !== type) throw new Error(JSON.stringify(r));
    return r as T;
  };

  const { pipelines } = (await gql(`{ pipelines { id stages { id kind } } }`, {})) as unknown as {
    pipelines: { id: string; stages: { id: string; kind: string }[] }[];
  };
  const open = pipelines[0].stages.filter((s) => s.kind === 'OPEN');
  const [from, to] = [open[0].id, open[1].id];
  // The second stage requires a field, so every move into it runs the requirement check.
  ok(
    (
      await gql(`mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) { __typename } }`, {
        input: { entityType: 'DEAL', type: 'TEXT', name: 'Contract', requiredStageIds: [to] },
      })
    ).createCustomField,
    'CreateCustomFieldSuccess',
  );
  const { customFields } = (await gql(`{ customFields(entityType: DEAL) { id } }`, {})) as unknown as { customFields: { id: string }[] };

  const deals: { id: string; version: number; at: string }[] = [];
  for (let i = 0; i < DEALS; i++) {
    const r = ok<{ deal: { id: string; version: number } }>(
      (
        await gql(`mutation($input: CreateDealInput!) { createDeal(input: $input) { __typename ... on CreateDealSuccess { deal { id version } } } }`, {
          input: { name: `Deal ${i}`, amount: '1000', stageId: from, customFields: [{ fieldId: customFields[0].id, value: { text: `C-${i}` } }] },
        })
      ).createDeal,
      'CreateDealSuccess',
    );
    deals.push({ ...r.deal, at: from });
  }

  const MOVE = `mutation($input: MoveDealInput!) { moveDeal(input: $input) { __typename ... on MoveDealSuccess { deal { id version stage { id } } } } }`;
  const UPDATE = `mutation($input: UpdateDealInput!) { updateDeal(input: $input) { __typename ... on UpdateDealSuccess { deal { id version name } } } }`;
  const move = async (d: (typeof deals)[number]) => {
    const stageId = d.at === from ? to : from;
    const r = ok<{ deal: { version: number } }>((await gql(MOVE, { input: { id: d.id, version: d.version, stageId } })).moveDeal, 'MoveDealSuccess');
    d.version = r.deal.version;
    d.at = stageId;
  };
  const update = async (d: (typeof deals)[number], n: number) => {
    const r = ok<{ deal: { version: number } }>(
      (await gql(UPDATE, { input: { id: d.id, version: d.version, name: `Deal ${n}` } })).updateDeal,
      'UpdateDealSuccess',
    );
    d.version = r.deal.version;
  };

  const times = { move: [] as number[], update: [] as number[] };
  const timed = async (list: number[], fn: () => Promise<void>) => {
    const s = performance.now();
    await fn();
    list.push(performance.now() - s);
  };
  // Warm-up, then the two interleaved, each on a different deal than the other's last.
  for (let i = 0; i < 20; i++) {
    await move(deals[i % DEALS]);
    await update(deals[(i + 1) % DEALS], i);
  }
  const load0 = loadavg()[0];
  for (let i = 0; i < ITERATIONS; i++) {
    const order = i % 2 ? (['move', 'update'] as const) : (['update', 'move'] as const);
    for (const k of order) {
      if (k === 'move') await timed(times.move, () => move(deals[i % DEALS]));
      else await timed(times.update, () => update(deals[(i + DEALS / 2) % DEALS], i));
    }
  }
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
  const row = (name: string, xs: number[]) => `| ${name} | ${q(xs, 0.5).toFixed(1)} | ${q(xs, 0.95).toFixed(1)} | ${q(xs, 0.99).toFixed(1)} |`;
  console.log(
    `\n${ITERATIONS} of each, ${DEALS} deals, ${url ? 'PostgreSQL' : 'PGlite'}${proxy ? `, answers held ${values.latency} ms` : ''}, load ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}`,
  );
  console.log('| mutation | p50 ms | p95 ms | p99 ms |\n| --- | --- | --- | --- |');
  console.log(row('moveDeal (requirement check, timeline, history, outbox)', times.move));
  console.log(row('updateDeal (name)', times.update));
  console.log(
    `moveDeal ÷ updateDeal: p50 ${(q(times.move, 0.5) / q(times.update, 0.5)).toFixed(2)}×, p99 ${(q(times.move, 0.99) / q(times.update, 0.99)).toFixed(2)}× (goal ≤ 2×)`,
  );
} finally {
  await app.stop();
  await proxy?.close();
  await scratch?.drop();
}
