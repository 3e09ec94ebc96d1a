// Embedded start benchmark: the server started as `npm start` starts it (the command of the
// `start` script in package.json; of the prestart steps only the server's bundle, `npm run
// build:server`, is made again, in each checkout that has it), each time on an empty
// temporary DATA_DIR, in a process of its own:
//
//   embedded + demo   PGlite in DATA_DIR, SEED_DEMO on (the default without DATABASE_URL)
//   embedded, empty   PGlite in DATA_DIR, SEED_DEMO=false
//   PostgreSQL        DATABASE_URL on a scratch database (migrations, no seed): the baseline
//
// For each: the time from spawn to the first 200 from GET /health (and the CPU seconds spent by
// then, which depend less on the load of a shared machine), the RSS once the process is
// idle after the start (sampled until it stops moving), the RSS once idle again after a few
// typical requests (sign-in, me, deals/contacts/companies pages, the dashboard page), and the
// peak RSS (VmHWM). Ratios are against the PostgreSQL run of the same checkout in the same run.
//
//   npm run bench:embedded-start -- [--runs 1] [--before /path/to/other/checkout]
//                                   [--try "--node-flag …"]… [--pg postgresql://…] [--only demo,empty,pg]
//
// --before: the same measurements on another checkout (e.g. a worktree of main with its
// node_modules and generated code), interleaved with this one, for before/after in one run.
// --try: this checkout again with these node flags added before the start script's (repeatable).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { envWords, nodeArgsOf, nodeEnvOf } from '../scripts/node-args.js';
import { scratchDatabase, procKb } from './kit.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1' },
    before: { type: 'string' },
    pg: { type: 'string', default: 'postgresql://postgres@127.0.0.1:5432/postgres' },
    only: { type: 'string', default: 'demo,empty,pg' },
    try: { type: 'string', multiple: true, default: [] },
  },
});
const HERE = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const RUNS = Number(values.runs);
const KINDS = values.only.split(',') as Kind[];
type Kind = 'demo' | 'empty' | 'pg';
const LABEL: Record<Kind, string> = { demo: 'embedded + demo', empty: 'embedded, empty', pg: 'PostgreSQL' };

/** The RSS (MB) once it moved less than 2 MB over the last 3 s (at most `maxMs`). */
/** CPU seconds of the process and of the children it waited for (the initdb process). */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  // utime, stime, cutime, cstime: fields 14–17 of stat, 12–15 after the command name.
  return fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0) / 100;
}

async function settledRss(pid: number, maxMs = 30_000): Promise<number> {
  const samples: number[] = [];
  const until = Date.now() + maxMs;
  for (;;) {
    samples.push((await procKb(pid, 'VmRSS')) / 1024);
    const last = samples.slice(-12);
    if (last.length === 12 && Math.max(...last) - Math.min(...last) < 2) break;
    if (Date.now() > until) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return samples[samples.length - 1];
}

async function gql<T>(url: string, query: string, variables?: unknown, token?: string): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (!body.data || body.errors) throw new Error(`${query.slice(0, 40)}…: ${JSON.stringify(body.errors)}`);
  return body.data;
}

const PAGES = [
  '{ me { id name } }',
  '{ deals(first: 50) { totalCount edges { node { id name amount stage { name } company { name } } } } }',
  '{ contacts(first: 50) { totalCount edges { node { id name } } } }',
  '{ companies(first: 20) { totalCount edges { node { id name } } } }',
];

/** A user's first minutes: sign in (or sign up on an empty database), then pages, ten times over. */
async function typicalRequests(base: string, demo: { email: string; password: string } | null) {
  const url = `${base}/graphql`;
  let token: string;
  if (demo) {
    token = (await gql<{ login: { token: string } }>(url, 'mutation ($input: LoginInput!) { login(input: $input) { token } }', { input: demo })).login.token;
  } else {
    const r = await gql<{ signUp: { session?: { token: string } } }>(
      url,
      'mutation ($input: SignUpInput!) { signUp(input: $input) { ... on SignUpSuccess { session { token } } } }',
      { input: { workspaceName: 'Bench', name: 'Bench', email: 'bench@example.com', password: 'correct horse battery' } },
    );
    token = r.signUp.session!.token;
  }
  for (let i = 0; i < 10; i++) for (const q of PAGES) await gql(url, q, undefined, token);
  const dash = await fetch(`${base}/dashboard`);
  await dash.arrayBuffer();
}

type Result = { healthMs: number; cpuS: number; idleMb: number; afterMb: number; peakMb: number };

async function startOnce(root: string, flags: string[], kind: Kind, databaseUrl?: string): Promise<Result> {
  const dataDir = await mkdtemp(join(tmpdir(), 'crm-embedded-start-'));
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of ['PORT', 'HOST', 'DATA_DIR', 'DATABASE_URL', 'REDIS_URL', 'SEED_DEMO', 'NODE_OPTIONS', 'NODE_ENV']) delete env[k];
  Object.assign(env, nodeEnvOf(root, 'start'), { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  if (kind === 'empty') env.SEED_DEMO = 'false';
  if (kind === 'pg') env.DATABASE_URL = databaseUrl;
  const spawnedAt = performance.now();
  const proc = spawn(process.execPath, [...flags, ...nodeArgsOf(root, 'start')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  try {
    // The port is printed once the server listens; /health is then polled as a prober would.
    let base = '';
    while (!base) {
      if (proc.exitCode !== null) throw new Error(`server exited: ${err || out}`);
      const m = /(http:\/\/[^/\s]+)\/graphql/.exec(out);
      if (m) base = m[1];
      else await new Promise((r) => setTimeout(r, 20));
    }
    for (;;) {
      const res = await fetch(`${base}/health`).catch(() => null);
      if (res?.status === 200) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const healthMs = performance.now() - spawnedAt;
    const pid = proc.pid!;
    const cpuS = await cpuSeconds(pid);
    const idleMb = await settledRss(pid);
    const m = /Demo login: (\S+) \/ (\S+)/.exec(out);
    await typicalRequests(base, m ? { email: m[1], password: m[2] } : null);
    const afterMb = await settledRss(pid);
    const peakMb = (await procKb(pid, 'VmHWM')) / 1024;
    return { healthMs, cpuS, idleMb, afterMb, peakMb };
  } finally {
    proc.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (proc.exitCode === null) proc.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Runs a command in `cwd` and waits for it to succeed. */
async function runIn(cwd: string, cmd: string, args: string[]) {
  const proc = spawn(cmd, args, { cwd, stdio: 'inherit' });
  const [code] = (await once(proc, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} in ${cwd}: exit code ${code}`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const checkouts: [string, string, string[]][] = [['this checkout', HERE, []]];
  if (values.before) checkouts.unshift(['before', resolve(values.before), []]);
  for (const t of values.try) checkouts.push([`this checkout ${t}`, HERE, t.split(/\s+/)]);
  for (const root of new Set(checkouts.map(([, root]) => root))) {
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    if (scripts['build:server']) await runIn(root, 'npm', ['run', '--silent', 'build:server']);
  }
  const results = new Map<string, Result[]>();
  for (let run = 0; run < RUNS; run++) {
    for (const [name, root, flags] of checkouts) {
      for (const kind of KINDS) {
        const scratch = kind === 'pg' ? await scratchDatabase(values.pg, 'embedded_start_bench') : null;
        try {
          const r = await startOnce(root, flags, kind, scratch?.url);
          const key = `${name}|${kind}`;
          results.set(key, [...(results.get(key) ?? []), r]);
          console.log(
            `run ${run + 1} ${name}, ${LABEL[kind]}: /health ${(r.healthMs / 1000).toFixed(1)} s (CPU ${r.cpuS.toFixed(1)} s), idle ${r.idleMb.toFixed(0)} MB, after requests ${r.afterMb.toFixed(0)} MB, peak ${r.peakMb.toFixed(0)} MB (load ${loadavg()[0].toFixed(1)})`,
          );
        } finally {
          await scratch?.drop();
        }
      }
    }
  }
  console.log(
    `\nmedians of ${RUNS} run(s); node flags: ${checkouts.map(([n, r, f]) => `${n}: ${[...envWords(nodeEnvOf(r, 'start')), ...f, ...nodeArgsOf(r, 'start')].join(' ')}`).join('; ')}`,
  );
  console.log('| checkout | start | /health | CPU to /health | idle RSS | after requests | peak RSS | after requests ÷ PostgreSQL |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [name] of checkouts) {
    const pg = results.get(`${name}|pg`) ?? results.get('this checkout|pg');
    const pgIdle = pg ? median(pg.map((r) => r.afterMb)) : NaN;
    for (const kind of KINDS) {
      const rs = results.get(`${name}|${kind}`)!;
      const after = median(rs.map((r) => r.afterMb));
      console.log(
        `| ${name} | ${LABEL[kind]} | ${(median(rs.map((r) => r.healthMs)) / 1000).toFixed(1)} s | ${median(rs.map((r) => r.cpuS)).toFixed(1)} s | ${median(rs.map((r) => r.idleMb)).toFixed(0)} MB | ${after.toFixed(0)} MB | ${median(rs.map((r) => r.peakMb)).toFixed(0)} MB | ${pg ? `${(after / pgIdle).toFixed(2)}×` : 'not run'} |`,
      );
    }
  }
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
}

await main();
