// What the benchmarks share: a scratch PostgreSQL database of their own, a workspace to work in,
// and timing a function.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import pg from 'pg';
import { nodeArgsOf } from '../scripts/node-args.js';
import type { AppDeps } from '../src/context.js';
import { loadConfig } from '../src/config.js';
import { signUp } from '../src/modules/auth/auth.service.js';

/** A field of a process's /proc status in KB: its RSS now (VmRSS) or at its peak (VmHWM). */
export async function procKb(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
}

/** CPU time (ms, user + system) in a /proc `stat` line: clock ticks (100 a second), counted after the command's closing parenthesis. */
export function statCpuMs(stat: string): number {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** CPU time (ms) so far of the process or thread whose /proc `stat` is at `path` (Linux), or undefined once it has ended. */
export function cpuMsOf(path: string): number | undefined {
  try {
    return statCpuMs(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Creates an empty database beside `adminUrl` for one run; `drop` removes it, connections and all. */
export async function scratchDatabase(adminUrl: string, prefix = 'crm_bench') {
  const name = `${prefix}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.end();
    },
  };
}

/**
 * A database kept between runs under a fixed name. `reused`: it was there with the table
 * `marker` (written by the caller once its data is complete); otherwise it is created anew (an
 * unfinished one dropped first).
 */
export async function keptDatabase(adminUrl: string, name: string, marker: string) {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  let reused = false;
  if ((await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount) {
    const c = new pg.Client({ connectionString: u.toString() });
    await c.connect();
    reused = !!(await c.query('select to_regclass($1) as t', [marker])).rows[0].t;
    await c.end();
    if (!reused) await admin.query(`drop database "${name}" with (force)`);
  }
  if (!reused) await admin.query(`create database "${name}"`);
  await admin.end();
  return {
    url: u.toString(),
    reused,
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.end();
    },
  };
}

/** What passes a `latencyProxy` connection (`conn` numbers the connections from 0). */
export type ProxyWatch = { sent(conn: number, chunk: Buffer): void; answered(conn: number): void };

/**
 * A TCP proxy in front of the PostgreSQL server of `url` that holds each answer back `delayMs`
 * before passing it on, in order: a database on another host (`--latency` of the benches; the
 * round-trip test, which watches what each connection sends between two answers). Answers the
 * same URL through the proxy.
 */
export async function latencyProxy(url: string, delayMs: number, watch?: ProxyWatch) {
  const target = new URL(url);
  let connections = 0;
  const server = net.createServer((client) => {
    const conn = connections++;
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    // As pg's own sockets: a small write is not held back for the answer to the one before.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (chunk) => {
      watch?.sent(conn, chunk);
      upstream.write(chunk);
    });
    let queue = Promise.resolve();
    upstream.on('data', (chunk) => {
      queue = queue.then(async () => {
        await new Promise((r) => setTimeout(r, delayMs));
        watch?.answered(conn);
        client.write(chunk);
      });
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as net.AddressInfo).port);
  return { url: proxied.toString(), close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** The middle of measured values, a value that was measured: the lower of the two middle ones for an even count. */
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/** Runs `fn` `warmup` times, then `iterations` times timed; answers the p50, p95 and p99 in ms. */
export async function measure(fn: () => Promise<void>, iterations: number, warmup = 10) {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const s = performance.now();
    await fn();
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length * 0.5)], p95: times[Math.floor(times.length * 0.95)], p99: times[Math.floor(times.length * 0.99)] };
}

/** Signs up a fresh workspace and its administrator, as a user would. */
export function benchWorkspace(deps: AppDeps) {
  return signUp(
    deps,
    {
      workspaceName: 'Bench',
      name: 'Bench',
      email: `bench.${randomUUID().slice(0, 8)}@example.com`,
      password: 'benchmark-password',
    },
    'bench',
  );
}

/** The config of an automation bench instance: quiet, no demo, AUTOMATION_BATCH from the environment; PGlite without a URL. */
export function automationBenchConfig(url: string | undefined) {
  return loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    SEED_DEMO: 'false',
    AUTOMATION_BATCH: process.env.AUTOMATION_BATCH,
    ...(url ? { DATABASE_URL: url } : {}),
  });
}

/**
 * The node flags of one of the checkout's npm scripts, without its entry (nor an `--import`): what
 * a benchmark passes to the servers it starts (the sources, through tsx), so they run with that
 * script's flags.
 */
export function nodeFlagsOf(root: string, script: string): string[] {
  const args = nodeArgsOf(root, script);
  const entry = args.findIndex((w, i) => !w.startsWith('-') && args[i - 1] !== '--import');
  if (entry < 0) throw new Error(`the ${script} script names no entry: node ${args.join(' ')}`);
  return args.slice(0, entry).filter((w, i, all) => w !== '--import' && all[i - 1] !== '--import');
}
