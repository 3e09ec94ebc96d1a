// The automation worker's claim on a queue without statistics: autovacuum off, or not yet caught
// up with a burst of events. PostgreSQL expected few due jobs, read all 90,000 queued ones with a
// bitmap scan and sorted them, each claim (~50 ms instead of ~10; docs/performance.md,
// "Automations: the claim's plan without statistics"). The claim runs after CLAIM_PLANNER in its
// transaction, which leaves the walk of the queue's index in id order, stopped after a batch.
// Runs in the PostgreSQL pass.
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { explain, planNodes, type PlanNode, scratchApp } from '../kit/plans.js';
import { CLAIM_PLANNER, CLAIM_SQL } from '../../src/modules/automations/automations.runner.js';

describe("the automation worker's claim", () => {
  const scratch = scratchApp('crm_claim_plan');

  it('walks the queued jobs in id order, not all of them, on a queue with no statistics', async () => {
    const c = new pg.Client({ connectionString: scratch.url });
    await c.connect();
    try {
      // 90,000 due jobs over 30,000 cards, never analyzed (the foreign keys' triggers set aside).
      await c.query('begin');
      await c.query('set local session_replication_role = replica');
      await c.query(
        `insert into "AutomationJob" ("workspaceId", "automationId", "eventKey", "cardId", "event")
         select gen_random_uuid(), gen_random_uuid(), g::text, ('00000000-0000-4000-8000-' || lpad((g % 30000)::text, 12, '0'))::uuid, '{}'::jsonb
         from generate_series(1, 90000) g`,
      );
      await c.query('commit');
      const claimPlan = async () => planNodes(await explain(c, CLAIM_SQL, [200, 120]));
      const jobScans = (all: PlanNode[]) => all.filter((p) => p['Relation Name'] === 'AutomationJob').map((p) => p['Node Type']);
      // The state this test lays out: planned alone, the claim reads the queue with a bitmap scan.
      expect(jobScans(await claimPlan())).toContain('Bitmap Heap Scan');
      // As the worker runs it: its transaction sets the planner first.
      await c.query('begin');
      await c.query(CLAIM_PLANNER);
      const all = await claimPlan();
      await c.query('rollback');
      expect(jobScans(all)).not.toContain('Bitmap Heap Scan');
      expect(jobScans(all)).not.toContain('Seq Scan');
      // The first jobs in id order, read from an index that hands them over in that order.
      expect(all.some((p) => p['Relation Name'] === 'AutomationJob' && p['Node Type'] === 'Index Scan' && p['Index Name'] === 'AutomationJob_id_idx')).toBe(
        true,
      );
    } finally {
      await c.end();
    }
  });
});
