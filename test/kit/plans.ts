// PostgreSQL's plan of a statement, as the plan tests read it: EXPLAIN in JSON, walked node by node.
import type pg from 'pg';

export type PlanNode = {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
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
