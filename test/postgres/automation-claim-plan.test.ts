// The automation worker's statements read about a batch of the queue, not the queue, whatever
// the table's statistics say: none (autovacuum off, or not yet caught up with a burst of events),
// taken while the queue was drained (the planner then takes an index of jobs not done for empty),
// or current. Each state once cost a claim the whole queue: a bitmap scan and a sort of every
// queued job (83 ms), a read of the whole queue once per claimed job (773 ms); and the save of a
// batch's jobs by id a hash of the whole queue (93 ms) (docs/performance.md, "Automations: the
// claim whatever the statistics"). Runs in the PostgreSQL pass.
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { explain, planNodes, scratchApp } from '../kit/plans.js';
import { CLAIM_PLANNER, CLAIM_SQL, FINISH_SQL, JOBS_NOT_DONE, PROGRESS_SQL, RENEW_SQL } from '../../src/modules/automations/automations.runner.js';

const BATCH = 200;
const QUEUED = 30_000;

/** `n` due jobs, three to a card, ids after those already there (the foreign keys' triggers set aside). */
async function queue(c: pg.Client, n: number, tag: string) {
  await c.query('begin');
  await c.query('set local session_replication_role = replica');
  await c.query(
    `insert into "AutomationJob" ("workspaceId", "automationId", "eventKey", "cardId", "event")
     select gen_random_uuid(), gen_random_uuid(), $1 || g, ('00000000-0000-4000-8000-' || lpad((g % $2)::text, 12, '0'))::uuid, '{}'::jsonb
     from generate_series(1, $3::int) g`,
    [tag, n / 3, n],
  );
  await c.query('commit');
}

/**
 * Rows of the job table that a statement read (returned or filtered out, every loop), and the
 * rows it answered: run in a transaction (after CLAIM_PLANNER, as the worker runs the claim),
 * then undone.
 */
async function reads(c: pg.Client, sql: string, params: unknown[], planner?: string) {
  await c.query('begin');
  try {
    if (planner) await c.query(planner);
    const all = planNodes(await explain(c, sql, params, 'analyze, timing off'));
    const read = all
      .filter((p) => p['Relation Name'] === 'AutomationJob' && p['Node Type'] !== 'ModifyTable')
      .reduce((sum, p) => sum + ((p['Actual Rows'] ?? 0) + (p['Rows Removed by Filter'] ?? 0)) * (p['Actual Loops'] ?? 1), 0);
    return { read, rows: all[0]['Actual Rows'] };
  } finally {
    await c.query('rollback');
  }
}

/** The claim, then the saves of the claimed jobs by id (progress, the run's end, the lease), each read as above. */
async function batchReads(c: pg.Client) {
  const claim = await reads(c, CLAIM_SQL, [BATCH, 120], CLAIM_PLANNER);
  const { rows: first } = await c.query<{ id: string }>(`select "id"::text from "AutomationJob" where ${JOBS_NOT_DONE} order by "id" limit $1`, [BATCH]);
  const jobs = JSON.stringify(first.map((j) => ({ id: j.id, saved: 0, progress: [], attempts: 0 })));
  return {
    claim,
    progress: await reads(c, PROGRESS_SQL, [jobs]),
    finish: await reads(c, FINISH_SQL, [jobs]),
    renew: await reads(c, RENEW_SQL, [jobs, 120]),
  };
}

describe("the automation worker's statements", () => {
  const scratch = scratchApp('crm_claim_plan');

  it('read about a batch of a 30,000-job queue with no statistics, with a drained queue’s, and with current ones', async () => {
    const c = new pg.Client({ connectionString: scratch.url });
    await c.connect();
    try {
      // What the planner knows: the table's rows (-1: never analyzed) and the index of the due jobs' walk.
      const stats = async () =>
        (
          await c.query<{ table: number; index: number }>(
            `select (select reltuples from pg_class where relname = 'AutomationJob') as "table",
                    (select reltuples from pg_class where relname = 'AutomationJob_id_idx') as "index"`,
          )
        ).rows[0];
      // No statistics: 30,000 due jobs over 10,000 cards, never analyzed.
      await queue(c, QUEUED, 'a');
      expect((await stats()).table).toBe(-1);
      const none = await batchReads(c);
      // A drained queue's statistics: every job done, analyzed, then 30,000 more queued.
      await c.query(`update "AutomationJob" set "doneAt" = now()`);
      await c.query(`vacuum analyze "AutomationJob"`);
      expect(await stats()).toEqual({ table: QUEUED, index: 0 });
      await queue(c, QUEUED, 'b');
      const drained = await batchReads(c);
      // Current statistics of that queue.
      await c.query(`analyze "AutomationJob"`);
      expect((await stats()).index).toBeGreaterThan(20_000);
      const current = await batchReads(c);
      for (const [state, r] of Object.entries({ none, drained, current })) {
        // The claim takes the first 200 jobs and 200 more of their cards' (a card's due jobs whole,
        // up to as many again); each save writes the 200 it is given.
        expect([r.claim.rows, r.progress.rows, r.finish.rows], state).toEqual([2 * BATCH, BATCH, BATCH]);
        // Each reads a few times what it writes, not the 30,000 queued.
        for (const [statement, { read }] of Object.entries(r)) expect(read, `${state}: ${statement}`).toBeLessThan(3_000);
      }
    } finally {
      await c.end();
    }
  });
});
