// Realtime fan-out benchmark: N graphql-ws subscribers to `dealChanged`, spread evenly over two
// server instances (child processes running src/main.ts) joined by Redis, and a stream of deal
// changes sent over HTTP, one at a time. Per change it times the mutation leaving the bench
// process until the LAST of the N subscribers has the event, against a plain `ws` server (its own
// child process) broadcasting the same JSON message to N plain `ws` clients, measured in the same
// run and interleaved change by change. A Redis subscriber in the bench splits the GraphQL time
// at the moment the outbox dispatcher publishes. Also reports each server's memory per
// connection and CPU per delivered message (the servers load a small preload, realtime-probe.ts,
// that answers over IPC).
//
//   npm run bench:realtime -- [--subscribers 2000,5000] [--changes 50] [--warmup 5]
//     [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--redis redis://127.0.0.1:6379]
//     [--split-baseline] [--server-script start]
//
// The two instances run with the node flags of the npm script --server-script names (`start` by
// default: `npm start`, the production command, with its small young generation).
// --split-baseline adds a second baseline, interleaved: the same broadcast from two plain ws
// processes of N/2 clients each, the layout of the two instances with none of their work, so
// its ratio to the one-process broadcast is what that layout alone costs on this machine.
//
// With several subscriber counts it runs once per count (each in a process of its own, fresh
// servers and database) and ends with a summary: p50/p95 of update → last subscriber, ours and
// the plain ws broadcast's, the p95 ratio, fan-out CPU per delivery and memory per connection.
// Subscribers with the same operation and rights share one execution per instance
// (src/lib/live-mux.ts): here all N are one user, so each instance runs one group.
//
// --pg names a server where a scratch database is created (and dropped afterwards). All clients
// live in this process, so their receive cost counts on both sides of the comparison.
import { parseArgs } from 'node:util';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { Redis } from 'ioredis';
import { nodeFlagsOf } from './kit.js';
import { envWords, nodeEnvOf } from '../scripts/node-args.js';
import { ROOT } from '../src/lib/root.js';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '2000,5000' },
    changes: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '5' },
    batch: { type: 'string', default: '100' },
    // protocol: each subscriber speaks graphql-transport-ws over a plain \`ws\` socket and parses
    // each message once, as the baseline's clients do, so the comparison is of the servers;
    // graphql-ws: the library's client (its bookkeeping is paid in this process, ~4× a plain
    // client's receive cost, and shows in the spread).
    client: { type: 'string', default: 'protocol' },
    // A second baseline, interleaved with the first: the same broadcast from two plain \`ws\`
    // processes of N/2 clients each, as the two instances hold them. Its ratio to the one-process
    // broadcast is what the two-instance layout alone costs on this machine (the floor of our
    // fan-out); off by default, as its N more sockets share the bench process with the others.
    'split-baseline': { type: 'boolean', default: false },
    // The npm script whose node flags the two instances run with.
    'server-script': { type: 'string', default: 'start' },
    pg: { type: 'string', default: 'postgresql://postgres@127.0.0.1:5432/postgres' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
const COUNTS = values.subscribers!.split(',').map(Number);
if (COUNTS.length > 1) await runEach(COUNTS);
const N = COUNTS[0];
const CHANGES = Number(values.changes);
const WARMUP = Number(values.warmup);
const BATCH = Number(values.batch);
// The instances run with the node flags and environment of the production command (`npm start`).
const SERVER_FLAGS = nodeFlagsOf(ROOT, values['server-script']!);
const SERVER_ENV = nodeEnvOf(ROOT, values['server-script']!);
const PROBE = pathToFileURL(resolve(ROOT, 'bench/realtime-probe.ts')).href;
const CHANGE_TIMEOUT_MS = 30_000;

// Every subscriber and every baseline client is a socket in this process.
const fdLimit = Number(spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim());
const SPLIT = values['split-baseline']!;
const SOCKETS = (SPLIT ? 3 : 2) * N;
if (Number.isFinite(fdLimit) && fdLimit < SOCKETS + 200) {
  console.error(`ulimit -n is ${fdLimit}; ${SOCKETS} client sockets need at least ${SOCKETS + 200}. Raise it (ulimit -n 65536) and rerun.`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Child processes: the two app instances and the baseline server.

type Mem = { rss: number; heapUsed: number; external: number; arrayBuffers: number };
type Child = {
  name: string;
  proc: ChildProcess;
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  mem(): Promise<Mem>;
  /** CPU time (user + system) the process has used so far, in ms. */
  cpu(): Promise<number>;
  stop(): Promise<void>;
};
const children: Child[] = [];

function spawnChild(name: string, script: string, env: Record<string, string>, flags: string[] = []): Child {
  const base = { ...process.env };
  for (const k of [
    'PORT',
    'HOST',
    'DATA_DIR',
    'DATABASE_URL',
    'REDIS_URL',
    'LOG_LEVEL',
    'SEED_DEMO',
    'NODE_OPTIONS',
    'OUTBOX_DISPATCH',
    'WS_MAX_SUBSCRIPTIONS_PER_USER',
  ])
    delete base[k];
  // One node process (no tsx wrapper in between), so its memory is the server's own.
  const proc = spawn(process.execPath, [...flags, '--expose-gc', '--import', 'tsx', '--import', PROBE, script], {
    cwd: ROOT,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    process.stderr.write(`[${name}] ${d}`);
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const ask = <T>(type: string) =>
    new Promise<T>((res) => {
      const on = (m: { type?: string }) => {
        if (m?.type !== type) return;
        proc.off('message', on);
        res(m as T);
      };
      proc.on('message', on);
      proc.send({ type });
    });
  const child: Child = {
    name,
    proc,
    async waitFor(re, ms = 60_000) {
      const until = Date.now() + ms;
      for (;;) {
        const m = out.match(re);
        if (m) return m;
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`${name} exited\n${out}\n${err}`);
        if (Date.now() > until) throw new Error(`${name} did not print ${re} within ${ms} ms\n${out}\n${err}`);
        await sleep(50);
      }
    },
    mem: () => ask<Mem>('mem'),
    cpu: async () => (await ask<{ cpuMicros: number }>('cpu')).cpuMicros / 1000,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timeout = sleep(20_000).then(() => 'timeout');
      if ((await Promise.race([exited, timeout])) === 'timeout') {
        proc.kill('SIGKILL');
        await exited;
      }
    },
  };
  children.push(child);
  return child;
}

/** `wsTwo`: the two-process broadcast's p50 / p95 (with --split-baseline). */
type Summary = { n: number; ours: number[]; ws: number[]; wsTwo?: number[]; cpu: number[]; rssKb: number[]; heapKb: number[] };

/** Runs the bench once per subscriber count, each in a process of its own, then prints the summary. */
async function runEach(counts: number[]): Promise<never> {
  const rest = process.argv.slice(2).filter((a, i, all) => a !== '--subscribers' && all[i - 1] !== '--subscribers' && !a.startsWith('--subscribers='));
  const summaries: Summary[] = [];
  for (const n of counts) {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--subscribers', String(n), ...rest], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      process.stdout.write(d);
    });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    const line = out.split('\n').find((l) => l.startsWith('SUMMARY '));
    if (code !== 0 || !line) process.exit(code || 1);
    summaries.push(JSON.parse(line.slice('SUMMARY '.length)) as Summary);
  }
  const f = (x: number) => x.toFixed(1);
  console.log('\nSummary: update sent → last subscriber (ours) against the plain `ws` broadcast to as many clients, measured in the same run.\n');
  console.log(
    '| subscribers | ours p50 / p95 ms | plain ws p50 / p95 ms | p50 ratio | p95 ratio | fan-out CPU µs per delivery (ours / ws) | RSS KB per connection (ours / ws) | heap KB per connection (ours / ws) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of summaries)
    console.log(
      `| ${s.n} | ${f(s.ours[0])} / ${f(s.ours[1])} | ${f(s.ws[0])} / ${f(s.ws[1])} | ${(s.ours[0] / s.ws[0]).toFixed(2)} | ${(s.ours[1] / s.ws[1]).toFixed(2)} | ${f(s.cpu[0])} / ${f(s.cpu[1])} | ${f(s.rssKb[0])} / ${f(s.rssKb[1])} | ${f(s.heapKb[0])} / ${f(s.heapKb[1])} |`,
    );
  for (const s of summaries)
    if (s.wsTwo)
      console.log(
        `\n${s.n}: the plain ws broadcast from two processes of ${s.n / 2} clients, p50 / p95 ${f(s.wsTwo[0])} / ${f(s.wsTwo[1])} ms: ${(s.wsTwo[1] / s.ws[1]).toFixed(2)}× the one-process broadcast at p95; ours ${(s.ours[1] / s.wsTwo[1]).toFixed(2)}× it.`,
      );
  process.exit(0);
}

function sleep(ms: number) {
  return new Promise<void>((r) => setTimeout(r, ms));
}

// ---------------------------------------------------------------------------------------------
// Scratch database.

const dbName = `crm_bench_rt_${Date.now()}`;
const dbUrl = new URL(values.pg!);
dbUrl.pathname = `/${dbName}`;
async function admin(sql: string) {
  const c = new pg.Client({ connectionString: values.pg });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

type Gql<T> = { data?: T; errors?: { message: string }[] };
async function gql<T>(url: string, query: string, variables?: unknown, token?: string): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Gql<T>;
  if (body.errors?.length || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

// Result shapes on success; each caller checks __typename before reading further.
type SignUpData = { signUp: { __typename: string; session: { token: string } } };
type PipelinesData = { pipelines: { id: string }[] };
type CreateDealData = { createDeal: { __typename: string; deal: { id: string; version: number } } };
type UpdateDealData = { updateDeal: { __typename: string; deal: { version: number } } };
const SIGN_UP = `mutation ($input: SignUpInput!) {
  signUp(input: $input) { __typename ... on SignUpSuccess { session { token } } ... on Error { message } } }`;
const PIPELINES = `query { pipelines { id } }`;
const CREATE_DEAL = `mutation ($input: CreateDealInput!) {
  createDeal(input: $input) { __typename ... on CreateDealSuccess { deal { id version } } ... on Error { message } } }`;
const UPDATE_DEAL = `mutation ($input: UpdateDealInput!) {
  updateDeal(input: $input) { __typename ... on UpdateDealSuccess { deal { version } } ... on Error { message } } }`;
// Only fields of the event itself: no per-subscriber database read, so this times the fan-out.
const SUBSCRIPTION = `subscription ($pipelineId: ID!) { dealChanged(pipelineId: $pipelineId) { kind dealId occurredAt } }`;

type Event = { kind: string; dealId: string; occurredAt: string };
/** The change in flight: which deal it touches and who has seen it. */
type Round = {
  key: string;
  got: number;
  first: number;
  last: number;
  lastWall: number;
  occurredAt: string;
  published: number;
  rawKey: string;
  done: () => void;
  /** Called when the event is seen on Redis. */
  onPublished?: () => void;
};
let round: Round | null = null;

function arrived(event: Event, seen: { k: Round | null }) {
  const r = round;
  if (!r || r.key !== event.dealId || seen.k === r) return;
  seen.k = r;
  const t = performance.now();
  if (r.got++ === 0) {
    r.first = t;
    r.occurredAt = event.occurredAt;
  }
  if (r.got === N) {
    r.last = t;
    r.lastWall = Date.now();
    r.done();
  }
}

/** Redis carries the database id; the API hands out base64("Deal:<uuid>"). */
function rawId(globalId: string) {
  return Buffer.from(globalId, 'base64').toString('utf8').split(':')[1] ?? '';
}

/** A round nobody subscribes to: only its publish on Redis is seen (`onPublished`). */
function unheardRound(key: string, onPublished?: () => void): Round {
  return { key, got: 0, first: 0, last: 0, lastWall: 0, occurredAt: '', published: 0, rawKey: rawId(key), done: () => {}, onPublished };
}

/** Starts a round, runs `fire`, and resolves when all N receivers have seen `key`. */
async function timeRound(key: string, fire: () => Promise<void>, timeoutMs = CHANGE_TIMEOUT_MS) {
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const r: Round = { key, got: 0, first: 0, last: 0, lastWall: 0, occurredAt: '', published: 0, rawKey: rawId(key), done };
  round = r;
  const t0 = performance.now();
  await fire();
  const timedOut = await Promise.race([all.then(() => false), sleep(timeoutMs).then(() => true)]);
  round = null;
  return { ok: !timedOut, got: r.got, t0, first: r.first, last: r.last, lastWall: r.lastWall, occurredAt: Date.parse(r.occurredAt), published: r.published };
}

// Sees each event as the dispatcher publishes it, which splits the time at Redis.
const tap = new Redis(values.redis!);
await tap.psubscribe('dealChanged:*');
tap.on('pmessage', (_pattern: string, _channel: string, message: string) => {
  const r = round;
  if (r && !r.published && (JSON.parse(message) as Event).dealId === r.rawKey) {
    r.published = performance.now();
    r.onPublished?.();
  }
});

const clients: { dispose(): unknown }[] = [];

/**
 * A subscriber speaking graphql-transport-ws itself over a plain socket: connection_init with the
 * token, one subscribe, then each message parsed once (JSON.parse, as the baseline's clients
 * parse theirs); pings answered. Resolves once the server acknowledged the connection.
 */
function protocolSubscriber(
  url: string,
  token: string,
  variables: Record<string, unknown>,
  on: { next: (data: { dealChanged: Event } | null | undefined) => void; error: () => void; closed: (code: number) => void },
): Promise<{ dispose(): void }> {
  return new Promise((res, rej) => {
    const ws = new WebSocket(url, 'graphql-transport-ws');
    const sub = { dispose: () => ws.close(1000) };
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as { type: string; payload?: { data?: { dealChanged: Event } | null } };
      if (m.type === 'next') on.next(m.payload?.data);
      else if (m.type === 'connection_ack') {
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION, variables } }));
        res(sub);
      } else if (m.type === 'ping') ws.send('{"type":"pong"}');
      else if (m.type === 'error') on.error();
    });
    ws.on('close', (code) => {
      on.closed(code);
      rej(new Error(`subscriber closed: ${code}`));
    });
    ws.on('error', rej);
  });
}
const rawClients: WebSocket[] = [];
let subscriptionErrors = 0;
let unexpectedCloses = 0;
let closing = false;

try {
  await admin(`create database "${dbName}"`);
  const serverEnv = {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL: values.redis!,
    SEED_DEMO: 'false',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    // Every subscriber is the same user (one board watched from N sockets); the per-user cap
    // on live operations (hardening.md) would otherwise refuse all but 200 per instance.
    WS_MAX_SUBSCRIPTIONS_PER_USER: String(N),
  };
  // One after the other, so only the first applies the migrations.
  const banner = /CRM GraphQL API: (\S+)/;
  const a = spawnChild('instance A', 'src/main.ts', { ...SERVER_ENV, ...serverEnv }, SERVER_FLAGS);
  const urlA = (await a.waitFor(banner))[1];
  const b = spawnChild('instance B', 'src/main.ts', { ...SERVER_ENV, ...serverEnv }, SERVER_FLAGS);
  const urlB = (await b.waitFor(banner))[1];
  const base = spawnChild('baseline ws', 'bench/realtime-ws-baseline.ts', { NODE_ENV: 'production' });
  const basePort = (await base.waitFor(/baseline ws: (\d+)/))[1];
  const halves = SPLIT ? [1, 2].map((i) => spawnChild(`baseline ws, half ${i}`, 'bench/realtime-ws-baseline.ts', { NODE_ENV: 'production' })) : [];
  const halfPorts: string[] = [];
  for (const h of halves) halfPorts.push((await h.waitFor(/baseline ws: (\d+)/))[1]);
  const servers = [urlA, urlB];

  const signUp = await gql<SignUpData>(urlA, SIGN_UP, {
    input: { workspaceName: 'Bench', name: 'Bench', email: `bench.${randomUUID().slice(0, 8)}@example.com`, password: 'benchmark-password' },
  });
  if (signUp.signUp.__typename !== 'SignUpSuccess') throw new Error(JSON.stringify(signUp.signUp));
  const token: string = signUp.signUp.session.token;
  const pipelineId: string = (await gql<PipelinesData>(urlA, PIPELINES, {}, token)).pipelines[0].id;

  // One deal per change, so an event tells which change it belongs to; plus spares for the
  // readiness probes, warming each server up and the no-subscriber CPU measure.
  const rounds = WARMUP + CHANGES;
  const IDLE = 20;
  const deals: { id: string; version: number }[] = [];
  for (let i = 0; i < rounds + 12 + 3 * IDLE; i++) {
    const r = await gql<CreateDealData>(urlA, CREATE_DEAL, { input: { name: `Deal ${i}` } }, token);
    if (r.createDeal.__typename !== 'CreateDealSuccess') throw new Error(JSON.stringify(r.createDeal));
    deals.push(r.createDeal.deal);
  }
  await sleep(1500); // let the CREATED events drain before anyone listens

  // First use of each server (WebSocket upgrade, graphql-ws, subscription setup, a change over
  // Redis, one broadcast) happens before the memory snapshot, so lazy set-up is not counted as
  // per-connection cost.
  const spare = [deals.pop()!, deals.pop()!];
  const warm = servers.map((url) => {
    let got = 0;
    const client = createClient({
      url: url.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    const connected = new Promise<void>((r) => client.on('connected', () => r()));
    client.subscribe({ query: SUBSCRIPTION, variables: { pipelineId } }, { next: () => void got++, error: () => {}, complete: () => {} });
    return { client, connected, got: () => got };
  });
  await Promise.all(warm.map((w) => w.connected));
  await sleep(500);
  for (const [i, url] of servers.entries())
    await gql<UpdateDealData>(url, UPDATE_DEAL, { input: { id: spare[i].id, version: spare[i].version, name: 'Warm' } }, token);
  for (const until = Date.now() + 5000; warm.some((w) => w.got() < 2) && Date.now() < until;) await sleep(20);
  await Promise.all(warm.map((w) => w.client.dispose()));
  for (const [port, server] of [[basePort, base], ...halfPorts.map((p, i) => [p, halves[i]] as const)] as const) {
    const warmWs = new WebSocket(`ws://127.0.0.1:${port}`);
    await new Promise((r) => warmWs.once('open', r));
    const warmMsg = new Promise((r) => warmWs.once('message', r));
    server.proc.send({ type: 'broadcast', data: '{"warm":true}' });
    await warmMsg;
    warmWs.close();
  }
  await sleep(500);

  // The servers' CPU per change with nobody listening: the mutation, the outbox dispatch and
  // the Redis round trip, paced like the measured loop. Subtracted below to leave the fan-out.
  // The first IDLE of them only warm the mutation path up.
  const idleDeals = deals.splice(deals.length - 2 * IDLE, 2 * IDLE);
  let idleStart = [0, 0];
  // Also timed: the write alone (sent → on Redis) with nobody connected, the reference for how
  // much the subscribers' load slows the same write in the measured loop.
  const idleToRedis: number[] = [];
  for (const [i, deal] of idleDeals.entries()) {
    if (i === IDLE) idleStart = await Promise.all([a.cpu(), b.cpu()]);
    const r = unheardRound(deal.id);
    round = r;
    const t0 = performance.now();
    await gql<UpdateDealData>(servers[i % 2], UPDATE_DEAL, { input: { id: deal.id, version: deal.version, name: 'Idle' } }, token);
    for (let waited = 0; !r.published && waited < 2000; waited += 5) await sleep(5);
    round = null;
    if (i >= IDLE && r.published) idleToRedis.push(r.published - t0);
    await sleep(60);
  }
  const idleEnd = await Promise.all([a.cpu(), b.cpu()]);
  const idleCpuPerChange = (idleEnd[0] - idleStart[0] + idleEnd[1] - idleStart[1]) / IDLE;
  // The same write back to back: each change sent as soon as the one before is on Redis. On a
  // machine whose processes sleep between changes, every hop of a write (the request, each round
  // trip to PostgreSQL, the claim, Redis) is slower after a pause (docs/performance.md, "Import
  // and live updates on a quiet machine"); the gap between the two rows is that cost.
  const backToBack: number[] = [];
  for (const [i, deal] of deals.splice(deals.length - IDLE, IDLE).entries()) {
    let seen!: () => void;
    const published = new Promise<void>((resolve) => (seen = resolve));
    const r = unheardRound(deal.id, seen);
    round = r;
    const t0 = performance.now();
    await gql<UpdateDealData>(servers[i % 2], UPDATE_DEAL, { input: { id: deal.id, version: deal.version, name: 'Idle' } }, token);
    await Promise.race([published, sleep(2000)]);
    round = null;
    if (r.published) backToBack.push(r.published - t0);
  }

  const memBefore = await Promise.all([a.mem(), b.mem(), base.mem()]);

  // --- graphql-ws subscribers, alternating between the instances, in batches.
  console.log(`connecting ${N} graphql-ws subscribers (${N / 2} per instance) and ${N} plain ws clients, ${BATCH} at a time…`);
  const tc = performance.now();
  for (let i = 0; i < N; i += BATCH) {
    const batch: Promise<void>[] = [];
    for (let j = i; j < Math.min(N, i + BATCH); j++) {
      const seen = { k: null as Round | null };
      if (values.client === 'protocol') {
        batch.push(
          protocolSubscriber(
            servers[j % 2].replace('http', 'ws'),
            token,
            { pipelineId },
            {
              next: (d) => (d ? arrived(d.dealChanged, seen) : subscriptionErrors++),
              error: () => subscriptionErrors++,
              closed: () => !closing && unexpectedCloses++,
            },
          ).then((c) => void clients.push(c)),
        );
        continue;
      }
      batch.push(
        new Promise<void>((res, rej) => {
          const client = createClient({
            url: servers[j % 2].replace('http', 'ws'),
            webSocketImpl: WebSocket,
            connectionParams: { authorization: `Bearer ${token}` },
            retryAttempts: 0,
            on: {
              connected: () => res(),
              closed: (e) => {
                if (!closing) unexpectedCloses++;
                rej(new Error(`subscriber ${j} closed: ${(e as { code?: number })?.code}`));
              },
            },
          });
          clients.push(client);
          client.subscribe<{ dealChanged: Event }>(
            { query: SUBSCRIPTION, variables: { pipelineId } },
            {
              next: (r) => (r.data ? arrived(r.data.dealChanged, seen) : subscriptionErrors++),
              error: () => subscriptionErrors++,
              complete: () => {},
            },
          );
        }),
      );
    }
    await Promise.all(batch);
  }
  const graphqlConnectMs = performance.now() - tc;

  // --- plain ws clients of the baseline server (and of the two halves).
  async function plainClients(port: string, n: number) {
    for (let i = 0; i < n; i += BATCH) {
      const batch: Promise<void>[] = [];
      for (let j = i; j < Math.min(n, i + BATCH); j++) {
        const seen = { k: null as Round | null };
        const ws = new WebSocket(`ws://127.0.0.1:${port}`);
        rawClients.push(ws);
        // Parsed like graphql-ws parses its messages, so both sides pay for JSON.parse.
        ws.on('message', (data) => arrived((JSON.parse(data.toString()) as { payload: { data: { dealChanged: Event } } }).payload.data.dealChanged, seen));
        ws.on('close', () => !closing && unexpectedCloses++);
        batch.push(new Promise<void>((res, rej) => ws.once('open', () => res()).once('error', rej)));
      }
      await Promise.all(batch);
    }
  }
  const tb = performance.now();
  await plainClients(basePort, N);
  const rawConnectMs = performance.now() - tb;
  for (const port of halfPorts) await plainClients(port, N / 2);
  console.log(`connected: graphql-ws in ${(graphqlConnectMs / 1000).toFixed(1)} s, plain ws in ${(rawConnectMs / 1000).toFixed(1)} s`);

  // --- the two kinds of change.
  let next = 0;
  async function graphqlChange(timeoutMs?: number) {
    const deal = deals[next];
    const server = servers[next++ % 2]; // mutations alternate between the instances too
    let rtt = 0;
    const res = await timeRound(
      deal.id,
      async () => {
        const t = performance.now();
        const r = await gql<UpdateDealData>(server, UPDATE_DEAL, { input: { id: deal.id, version: deal.version, name: `Changed ${next}` } }, token);
        rtt = performance.now() - t;
        if (r.updateDeal.__typename !== 'UpdateDealSuccess') throw new Error(JSON.stringify(r.updateDeal));
        deal.version = r.updateDeal.deal.version;
      },
      timeoutMs,
    );
    return { ...res, rtt };
  }
  let payload = '';
  async function rawBroadcast(targets = [base]) {
    const key = Buffer.from(`Deal:${randomUUID()}`).toString('base64'); // a global id, as in the real message
    const ev = JSON.parse(payload) as { payload: { data: { dealChanged: Event } } };
    ev.payload.data.dealChanged.dealId = key;
    const data = JSON.stringify(ev);
    return timeRound(key, async () => {
      for (const t of targets) t.proc.send({ type: 'broadcast', data });
    });
  }

  // graphql-ws acknowledges the connection before the subscription is set up on the server:
  // the first change that reaches everyone shows that all N are subscribed.
  await sleep(1000);
  let probe = await graphqlChange(10_000);
  for (let tries = 1; !probe.ok; tries++) {
    if (tries === 10) throw new Error(`only ${probe.got} of ${N} subscribers hear changes (errors: ${subscriptionErrors})`);
    console.log(`probe change reached ${probe.got} of ${N} subscribers; trying again`);
    probe = await graphqlChange(10_000);
  }
  // The baseline sends what a subscriber receives: graphql-ws's `next` message for this event.
  const sample: Event = { kind: 'UPDATED', dealId: deals[0].id, occurredAt: new Date().toISOString() };
  payload = JSON.stringify({ id: randomUUID(), type: 'next', payload: { data: { dealChanged: sample } } });

  for (let i = 0; i < WARMUP; i++) {
    const g = await graphqlChange();
    const r = await rawBroadcast();
    const h = SPLIT ? await rawBroadcast(halves) : r;
    if (!g.ok || !r.ok || !h.ok) throw new Error(`warm-up change ${i} did not reach everyone (${g.got}, ${r.got}, ${h.got} of ${N})`);
  }
  await sleep(500);
  const memAfter = await Promise.all([a.mem(), b.mem(), base.mem()]);

  // --- measured: one GraphQL change, then one raw broadcast, alternately.
  console.log(`measuring ${CHANGES} changes…`);
  const load = loadavg()[0];
  const benchCpuStart = process.cpuUsage();
  const cpuStart = await Promise.all([a.cpu(), b.cpu(), base.cpu()]);
  const g = {
    total: [] as number[],
    rtt: [] as number[],
    first: [] as number[],
    spread: [] as number[],
    fromOccurred: [] as number[],
    toRedis: [] as number[],
    fromRedis: [] as number[],
    occurredToRedis: [] as number[],
  };
  const raw = { total: [] as number[], spread: [] as number[] };
  const split: number[] = [];
  for (let i = 0; i < CHANGES; i++) {
    const gc = await graphqlChange();
    if (!gc.ok) throw new Error(`change ${i} reached ${gc.got} of ${N} subscribers within ${CHANGE_TIMEOUT_MS} ms`);
    g.total.push(gc.last - gc.t0);
    g.rtt.push(gc.rtt);
    g.first.push(gc.first - gc.t0);
    g.spread.push(gc.last - gc.first);
    if (!gc.published) throw new Error(`change ${i} was not seen on Redis`);
    g.toRedis.push(gc.published - gc.t0);
    g.fromRedis.push(gc.last - gc.published);
    g.fromOccurred.push(gc.lastWall - gc.occurredAt);
    g.occurredToRedis.push(performance.timeOrigin + gc.published - gc.occurredAt);
    const rb = await rawBroadcast();
    if (!rb.ok) throw new Error(`broadcast ${i} reached ${rb.got} of ${N} clients within ${CHANGE_TIMEOUT_MS} ms`);
    raw.total.push(rb.last - rb.t0);
    raw.spread.push(rb.last - rb.first);
    if (!SPLIT) continue;
    const sb = await rawBroadcast(halves);
    if (!sb.ok) throw new Error(`two-process broadcast ${i} reached ${sb.got} of ${N} clients within ${CHANGE_TIMEOUT_MS} ms`);
    split.push(sb.last - sb.t0);
  }
  const cpuEnd = await Promise.all([a.cpu(), b.cpu(), base.cpu()]);
  const benchCpu = process.cpuUsage(benchCpuStart);
  if (subscriptionErrors || unexpectedCloses) throw new Error(`${subscriptionErrors} subscription errors, ${unexpectedCloses} unexpected closes`);

  // --- report.
  type Stats = { p50: number; p95: number; p99: number };
  const stats = (xs: number[]): Stats => {
    const s = [...xs].sort((x, y) => x - y);
    const at = (p: number) => s[Math.max(0, Math.ceil(p * s.length) - 1)];
    return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
  };
  const f = (x: number) => x.toFixed(2);
  const rows: [string, Stats, Stats | null][] = [];
  const rawTotal = stats(raw.total);
  const rawSpread = stats(raw.spread);
  rows.push(['plain `ws` broadcast: IPC send → last of N clients (**baseline**)', rawTotal, rawTotal]);
  if (SPLIT) rows.push([`plain \`ws\`, two processes of ${N / 2} clients each (the two-instance layout's floor)`, stats(split), rawTotal]);
  rows.push(['GraphQL end to end: `updateDeal` sent → last of N subscribers', stats(g.total), rawTotal]);
  rows.push(['… `updateDeal` HTTP round trip (alone)', stats(g.rtt), null]);
  rows.push(['… `updateDeal` sent → event published on Redis (transaction, commit, outbox dispatch)', stats(g.toRedis), null]);
  rows.push([`… the same with no subscribers connected (${idleToRedis.length} changes, 60 ms apart, before they connect)`, stats(idleToRedis), null]);
  rows.push([`… the same back to back (${backToBack.length} changes, each sent once the one before is on Redis; nobody connected)`, stats(backToBack), null]);
  rows.push(['… event on Redis → last of N subscribers (fan-out by both instances)', stats(g.fromRedis), rawTotal]);
  if (SPLIT) rows.push(['… the same fan-out, its ratio to the two-process broadcast', stats(g.fromRedis), stats(split)]);
  rows.push(['… `updateDeal` sent → first subscriber', stats(g.first), null]);
  rows.push(['plain `ws`: first → last client (spread)', rawSpread, rawSpread]);
  rows.push(['GraphQL: first → last subscriber (spread)', stats(g.spread), rawSpread]);
  rows.push(['GraphQL: event `occurredAt` (set in the transaction; 1 ms clock) → last subscriber', stats(g.fromOccurred), null]);
  rows.push(['GraphQL: event `occurredAt` → event published on Redis (the rest of the transaction, commit, outbox dispatch)', stats(g.occurredToRedis), null]);

  const cpus = availableParallelism();
  console.log(
    `\nrealtime fan-out: ${N} subscribers to \`dealChanged\` (${N / 2} on each of two instances joined by Redis), ${CHANGES} changes after ${WARMUP} warm-up, Node ${process.version}, ${cpus} CPUs`,
  );
  console.log(
    `Start point: just before the bench process sends updateDeal over HTTP (so the time includes the mutation itself: its transaction, the outbox write and the response); end point: the graphql-ws "next" message handled by the LAST subscriber (clients: ${values.client === 'protocol' ? 'graphql-transport-ws spoken over plain ws sockets, one JSON.parse per message as the baseline clients' : "graphql-ws's client library"}). Servers (node flags of \`npm run ${values['server-script']}\`: ${[...envWords(SERVER_ENV), ...SERVER_FLAGS].join(' ') || 'none'}), baseline server and clients are separate processes on one machine; all 2×N client sockets share the bench process's event loop. Percentiles are nearest-rank over ${CHANGES} samples; ratios are against the baseline row (the GraphQL spread against the plain ws spread). Load average while measuring: ${load.toFixed(2)} → ${loadavg()[0].toFixed(2)}.\n`,
  );
  console.log('| path | p50 ms | p95 ms | p99 ms | p50 ratio | p95 ratio | p99 ratio |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const [name, s, ref] of rows) {
    const ratio = (k: keyof Stats) => (ref ? (s[k] / ref[k]).toFixed(2) : '');
    console.log(`| ${name} | ${f(s.p50)} | ${f(s.p95)} | ${f(s.p99)} | ${ratio('p50')} | ${ratio('p95')} | ${ratio('p99')} |`);
  }

  const kb = (bytes: number) => (bytes / 1024).toFixed(1);
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  const memRows = [
    { name: 'instance A (graphql-ws + yoga)', conns: N / 2, before: [memBefore[0]], after: [memAfter[0]] },
    { name: 'instance B (graphql-ws + yoga)', conns: N / 2, before: [memBefore[1]], after: [memAfter[1]] },
    { name: 'both instances', conns: N, before: [memBefore[0], memBefore[1]], after: [memAfter[0], memAfter[1]] },
    { name: 'plain `ws` server (**baseline**)', conns: N, before: [memBefore[2]], after: [memAfter[2]] },
  ];
  const sum = (ms: Mem[], k: keyof Mem) => ms.reduce((acc, m) => acc + m[k], 0);
  const perConn = (r: (typeof memRows)[number], k: keyof Mem) => (sum(r.after, k) - sum(r.before, k)) / r.conns;
  const baseRow = memRows[3];
  // RSS moves in whole pages and arenas: with few connections it is noise and can even shrink.
  const ratio = (x: number, base: number) => (x > 0 && base > 0 ? (x / base).toFixed(2) : 'n/a');
  console.log(
    "\nServer memory per connection: growth after a full GC from before the clients connected to after they are subscribed and warmed up, divided by that server's connections (RSS is coarse: trust it only with many connections; heap is used V8 heap).\n",
  );
  console.log('| server | connections | RSS before → after MB | RSS per connection KB | heap per connection KB | RSS ratio | heap ratio |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of memRows) {
    const rss = perConn(r, 'rss');
    const heap = perConn(r, 'heapUsed');
    console.log(
      `| ${r.name} | ${r.conns} | ${mb(sum(r.before, 'rss'))} → ${mb(sum(r.after, 'rss'))} | ${kb(rss)} | ${kb(heap)} | ${ratio(rss, perConn(baseRow, 'rss'))} | ${ratio(heap, perConn(baseRow, 'heapUsed'))} |`,
    );
  }
  // CPU over the measured loop only. The instances' share, less what the same number of changes
  // cost with no subscribers, is the fan-out; the bench's share covers both kinds of client.
  const cpu = (k: number) => cpuEnd[k] - cpuStart[k];
  const deliveries = CHANGES * N;
  const gCpu = cpu(0) + cpu(1);
  const fanOutCpu = gCpu - CHANGES * idleCpuPerChange;
  const benchMs = (benchCpu.user + benchCpu.system) / 1000;
  const us = (ms: number, n: number) => ((ms * 1000) / n).toFixed(1);
  console.log(
    `\nCPU time over the measured loop (every process shares the same ${cpus} cores), per message delivered to one client. With no subscribers a change costs the two instances ${idleCpuPerChange.toFixed(1)} ms of CPU (mutation, outbox dispatch, Redis; measured on ${IDLE} changes before connecting).\n`,
  );
  console.log('| process | CPU ms | deliveries | CPU µs per delivery | ratio |');
  console.log('| --- | --- | --- | --- | --- |');
  console.log(`| plain \`ws\` server (**baseline**) | ${cpu(2).toFixed(0)} | ${deliveries} | ${us(cpu(2), deliveries)} | 1.00 |`);
  console.log(`| instances A + B, all | ${gCpu.toFixed(0)} | ${deliveries} | ${us(gCpu, deliveries)} | ${(gCpu / cpu(2)).toFixed(2)} |`);
  console.log(
    `| instances A + B, fan-out only (less ${CHANGES} × the no-subscriber cost) | ${fanOutCpu.toFixed(0)} | ${deliveries} | ${us(fanOutCpu, deliveries)} | ${(fanOutCpu / cpu(2)).toFixed(2)} |`,
  );
  const sets = SPLIT ? 3 : 2;
  console.log(
    `| bench process (all ${sets} sets of clients, HTTP client) | ${benchMs.toFixed(0)} | ${sets * deliveries} | ${us(benchMs, sets * deliveries)} | |`,
  );
  const ours = stats(g.total);
  const summary: Summary = {
    n: N,
    ours: [ours.p50, ours.p95],
    ws: [rawTotal.p50, rawTotal.p95],
    ...(SPLIT ? { wsTwo: [stats(split).p50, stats(split).p95] } : {}),
    cpu: [(fanOutCpu * 1000) / deliveries, (cpu(2) * 1000) / deliveries],
    rssKb: [perConn(memRows[2], 'rss') / 1024, perConn(baseRow, 'rss') / 1024],
    heapKb: [perConn(memRows[2], 'heapUsed') / 1024, perConn(baseRow, 'heapUsed') / 1024],
  };
  console.log(`\nSUMMARY ${JSON.stringify(summary)}`);
} finally {
  closing = true;
  await Promise.all(clients.map((c) => c.dispose()));
  for (const ws of rawClients) ws.terminate();
  await Promise.all(children.map((c) => c.stop()));
  tap.disconnect();
  await admin(`drop database if exists "${dbName}" with (force)`).catch((err) => console.error('could not drop', dbName, err));
}
