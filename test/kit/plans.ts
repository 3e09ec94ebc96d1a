// PostgreSQL's plan of a statement, as the plan tests read it: EXPLAIN in JSON, walked node by
// node, on a scratch database of the test file's own.
import type pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { createTestApp, type TestApp } from './app.js';
import { scratchDatabase } from './server.js';

export type PlanNode = {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
};

/** Every node of a plan, the root first. */
export const planNodes = (p: PlanNode): PlanNode[] => [p, ...(p.Plans ?? []).flatMap(planNodes)];

/** The root of `explain (<options>, format json) <sql>` ("analyze" runs the statement). */
export async function explain(c: pg.Client, sql: string, params: unknown[] = [], options?: string): Promise<PlanNode> {
  const { rows } = await c.query(`explain (${options ? `${options}, ` : ''}format json) ${sql}`, params);
  return (rows[0] as { 'QUERY PLAN': { Plan: PlanNode }[] })['QUERY PLAN'][0].Plan;
}

/**
 * A PostgreSQL database of this file's own, migrated by an app on it that is not started (no
 * dispatcher, no worker touches the rows a plan test lays out), dropped after the file. Read
 * `url` and `app` inside the tests.
 */
export function scratchApp(prefix: string): { url: string; app: TestApp } {
  const s = {} as { url: string; app: TestApp };
  let drop: (() => Promise<unknown>) | undefined;
  beforeAll(async () => {
    const scratch = await scratchDatabase(process.env.TEST_DATABASE_URL!, prefix);
    drop = scratch.drop;
    s.url = scratch.url;
    s.app = await createTestApp({}, { databaseUrl: scratch.url });
  }, 60_000);
  afterAll(async () => {
    await s.app?.stop();
    await drop?.();
  });
  return s;
}
