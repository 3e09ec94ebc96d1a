// Runs the real server as `npm start` does (its `start` script's command: node running the bundle,
// which test/global-setup.ts builds from the current source into dist/test-server/ instead of
// dist/server/) as a child process for the server tests.
import pg from 'pg';
import type { ResultOf } from '@graphql-typed-document-node/core';
import { expect } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print } from 'graphql';
import { Login, SignUp } from './documents/auth.js';
import { nodeArgsOf, nodeEnvOf } from '../../scripts/node-args.js';
import { TEST_SERVER_DIR } from './server-dir.js';
import { ROOT } from '../../src/lib/root.js';

export const START_TIMEOUT = 55_000;

/** The arguments node gets from `npm start` (`node <flags> dist/server/main.mjs`), the bundle taken from the tests' own build. */
const START_ARGS: string[] = (() => {
  const args = nodeArgsOf(ROOT, 'start');
  const main = args.indexOf('dist/server/main.mjs');
  if (main < 0) throw new Error(`the start script does not run dist/server/main.mjs: node ${args.join(' ')}`);
  args[main] = join(TEST_SERVER_DIR, 'main.mjs');
  return args;
})();

export type Exit = { code: number | null; signal: NodeJS.Signals | null };
export type Server = {
  proc: ChildProcess;
  spawnedAt: number;
  out: () => string;
  err: () => string;
  exited: Promise<Exit>;
  /** Resolves with the output once `re` matches stdout; rejects if the process exits first. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
};

const children: ChildProcess[] = [];
const tempDirs: string[] = [];

/**
 * Kills the servers spawned and removes the temporary folders made: every file that spawns
 * servers runs it after its tests (`afterAll(killSpawned, 30_000)`), since the API test files
 * share their worker's module cache and a hook registered here would run for the first only.
 */
export async function killSpawned() {
  // Kill the whole process group we created, in case the server started children of its own.
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null && c.pid) {
      try {
        process.kill(-c.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
  children.length = 0;
}

export function tempDir() {
  const d = mkdtempSync(join(tmpdir(), 'crm-server-test-'));
  tempDirs.push(d);
  return d;
}

/** Starts the server as `npm start` does, with only the given configuration variables set. */
export function spawnServer(config: Record<string, string>): Server {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of ['PORT', 'HOST', 'DATA_DIR', 'DATABASE_URL', 'REDIS_URL', 'LOG_LEVEL', 'SEED_DEMO', 'NODE_OPTIONS', 'NODE_ENV']) delete env[k];
  const spawnedAt = performance.now();
  // Node itself, not npm: npm would stand between the test and the server's signals.
  const proc = spawn(process.execPath, START_ARGS, {
    cwd: ROOT,
    env: { ...env, ...nodeEnvOf(ROOT, 'start'), ...config },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(proc);
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    notify();
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    notify();
  });
  const exited = new Promise<Exit>((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    // Let the pipes drain before telling waiters.
    setTimeout(notify, 50);
  });
  return {
    proc,
    spawnedAt,
    out: () => out,
    err: () => err,
    exited,
    waitFor(re, timeoutMs = START_TIMEOUT) {
      return new Promise((resolveMatch, reject) => {
        const check = () => {
          const m = out.match(re);
          if (m) {
            done();
            resolveMatch(m);
          } else if (hasExited) {
            done();
            reject(new Error(`server exited before printing ${re}\nstdout:\n${out}\nstderr:\n${err}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`server did not print ${re} within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Waits for the start banner; returns the printed URL and demo login (if any). */
export async function started(server: Server, timeoutMs = START_TIMEOUT) {
  const m = await server.waitFor(/CRM GraphQL API: (\S+)[^\n]*\nDatabase: ([^\n]*)\n(?:Demo login: (\S+) \/ (\S+)\n)?/, timeoutMs);
  return { url: m[1], database: m[2], demo: m[3] ? { email: m[3], password: m[4] } : null };
}

export async function stop(server: Server): Promise<Exit> {
  server.proc.kill('SIGTERM');
  return Promise.race([
    server.exited,
    new Promise<Exit>((_, reject) => setTimeout(() => reject(new Error('server did not exit within 20 s of SIGTERM')), 20_000)),
  ]);
}

/** A document as text, carrying the type of the data it answers. */
export type Doc<R> = string & { readonly __result?: R };
export const doc = <R>(text: string) => text as Doc<R>;

export type GqlResult<R = unknown> = { data?: R; errors?: { message: string; extensions?: { code?: string } }[] };

export async function gql<R = unknown>(url: string, query: Doc<R>, variables?: unknown, token?: string): Promise<GqlResult<R>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as GqlResult<R>;
}

export async function ok<R>(url: string, query: Doc<R>, variables?: unknown, token?: string): Promise<R> {
  const r = await gql(url, query, variables, token);
  if (r.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data as R;
}

// The kit's documents as text, for a server in another process.
export const LOGIN = doc<ResultOf<typeof Login>>(print(Login));
export const SIGN_UP = doc<ResultOf<typeof SignUp>>(print(SignUp));
// What a seeded workspace holds: the server tests check the demo data with these.
type Count = { totalCount: number };
export const OVERVIEW = doc<{
  pipelines: { name: string; stages: { name: string; kind: string }[] }[];
  deals: Count & { edges: { node: { stage: { name: string } } }[] };
  contacts: Count;
  companies: Count;
  users: Count;
  teams: { name: string; members: { id: string }[] }[];
}>(`query {
  pipelines { name stages { name kind } }
  deals(first: 200) { totalCount edges { node { stage { name } } } }
  contacts(first: 1) { totalCount }
  companies(first: 1) { totalCount }
  users(first: 1) { totalCount }
  teams { name members { id } }
}`);
export const COUNTS = doc<{ pipelines: { name: string }[]; deals: Count; contacts: Count; companies: Count; users: Count; teams: { name: string }[] }>(`query {
  pipelines { name }
  deals(first: 1) { totalCount }
  contacts(first: 1) { totalCount }
  companies(first: 1) { totalCount }
  users(first: 1) { totalCount }
  teams { name }
}`);

/** Runs one statement on a PostgreSQL database and answers its rows. */
export async function sqlOn(url: string, sql: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

/** A fresh database on the PostgreSQL server at `serverUrl`, for one test file; `drop` removes it. */
export async function scratchDatabase(serverUrl: string, prefix: string) {
  const name = `${prefix}_${process.pid}_${Date.now()}`;
  await sqlOn(serverUrl, `create database "${name}"`);
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => sqlOn(serverUrl, `drop database if exists "${name}" with (force)`) };
}
