// The automation worker's claim reads about a batch of the queue, not the queue, whatever the
// table's statistics say: none (autovacuum off, or not yet caught up with a burst of events),
// taken while the queue was drained (the planner then takes the indexes of jobs not done for
// empty), or current. Each state once cost a claim the whole queue: a bitmap scan and a sort of
// every queued job (83 ms), then a read of the whole queue once per claimed job (773 ms)
// (docs/performance.md, "Automations: the claim whatever the statistics"). Runs in the
// PostgreSQL pass.
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { explain, planNodes, scratchApp } from '../kit/plans.js';
import { CLAIM_PLANNER, CLAIM_SQL } from '../../src/modules/automations/automations.runner.js';

const BATCH = 200;

/** `n` due jobs, `perCard` to a card, ids after those already there (the foreign keys' triggers set aside). */
async function queue(c: pg.Client, n: number, perCard: number, tag: string) {
  await c.query('begin');
  await c.query('set local session_replication_role = replica');
  await c.query(
    `insert into "AutomationJob" ("workspaceId", "automationId", "eventKey", "cardId", "event")
     select gen_random_uuid(), gen_random_uuid(), $1 || g, ('00000000-0000-4000-8000-' || lpad((g % $2)::text, 12, '0'))::uuid, '{}'::jsonb
     from generate_series(1, $3::int) g`,
    [tag, n / perCard, n],
  );
  await c.query('commit');
}

/**
 * Rows of the job table that the claim read (returned or filtered out, every loop), and the jobs
 * it claimed: run as the worker runs it, in a transaction after CLAIM_PLANNER, then undone.
 */
async function claimReads(c: pg.Client) {
  await c.query('begin');
  try {
    await c.query(CLAIM_PLANNER);
    const all = planNodes(await explain(c, CLAIM_SQL, [BATCH, 120], 'analyze, timing off'));
    const read = all
      .filter((p) => p['Relation Name'] === 'AutomationJob' && p['Node Type'] !== 'ModifyTable')
      .reduce((sum, p) => sum + ((p['Actual Rows'] ?? 0) + (p['Rows Removed by Filter'] ?? 0)) * (p['Actual Loops'] ?? 1), 0);
    return { read, claimed: all[0]['Actual Rows'] };
  } finally {
    await c.query('rollback');
  }
}

describe("the automation worker's claim", () => {
  const scratch = scratchApp('crm_claim_plan');

  it('reads about a batch of a 30,000-job queue with no statistics, with a drained queue’s, and with current ones', async () => {
    const c = new pg.Client({ connectionString: scratch.url });
    await c.connect();
    try {
      // What the planner knows: the table's rows (-1: never analyzed) and the index of jobs not done's.
      const stats = async () =>
        (
          await c.query<{ table: number; index: number }>(
            `select (select reltuples from pg_class where relname = 'AutomationJob') as "table",
                    (select reltuples from pg_class where relname = 'AutomationJob_cardId_id_idx') as "index"`,
          )
        ).rows[0];
      // No statistics: 30,000 due jobs over 10,000 cards, never analyzed.
      await queue(c, 30_000, 3, 'a');
      expect((await stats()).table).toBe(-1);
      const none = await claimReads(c);
      // A drained queue's statistics: every job done, analyzed, then 30,000 more queued.
      await c.query(`update "AutomationJob" set "doneAt" = now()`);
      await c.query(`vacuum analyze "AutomationJob"`);
      expect(await stats()).toEqual({ table: 30_000, index: 0 });
      await queue(c, 30_000, 3, 'b');
      const drained = await claimReads(c);
      // Current statistics of that queue.
      await c.query(`analyze "AutomationJob"`);
      expect((await stats()).index).toBeGreaterThan(20_000);
      const current = await claimReads(c);
      // Each claims the first 200 jobs and 200 more of their cards' (a claim takes a card's due jobs whole, up to as many again).
      expect([none.claimed, drained.claimed, current.claimed]).toEqual([400, 400, 400]);
      // And reads a few times what it claims, not the 30,000 queued.
      expect(none.read, 'no statistics').toBeLessThan(3_000);
      expect(drained.read, 'a drained queue’s statistics').toBeLessThan(3_000);
      expect(current.read, 'current statistics').toBeLessThan(3_000);
    } finally {
      await c.end();
    }
  });
});
