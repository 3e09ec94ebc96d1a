// What the benchmarks share: a scratch PostgreSQL database of their own, a workspace to work in,
// and timing a function.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { AppDeps } from '../src/context.js';
import { signUp } from '../src/modules/auth/auth.service.js';

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

/** Runs `fn` `warmup` times, then `iterations` times timed; answers the p50 and p95 in ms. */
export async function measure(fn: () => Promise<void>, iterations: number, warmup = 10) {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const s = performance.now();
    await fn();
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length * 0.5)], p95: times[Math.floor(times.length * 0.95)] };
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
