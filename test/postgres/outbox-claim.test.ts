// The outbox dispatcher's claim on a long history: events are kept once published, so a claim
// that walked them (the primary key, filtering out every published event) grew with the history
// and the dispatcher fell behind a busy workspace (docs/performance.md, "The outbox's claim").
// Runs in the PostgreSQL pass (TEST_DATABASE_URL).
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { explain, planNodes, scratchApp } from '../kit/plans.js';
import { signUpWorkspace } from '../kit/workspace.js';
import { claimSql, EVENTS_PER_ROW } from '../../src/lib/outbox.js';
import { ONCE_EACH_SIZE } from '../../src/lib/pubsub.js';

describe('the outbox claim', () => {
  // Not started: no dispatcher publishes the events this test lays out.
  const scratch = scratchApp('crm_outbox_claim');

  it('failing before: reads only the unpublished events, however many were published before them', async () => {
    const ws = await signUpWorkspace(scratch.app);
    const c = new pg.Client({ connectionString: scratch.url });
    await c.connect();
    try {
      // A burst of 20,010 events, analyzed while none is published yet (the statistics a busy
      // table has most of the time: autovacuum analyzes it after a tenth of it changed), then
      // the first 20,000 published, as the dispatcher marks them.
      await c.query(
        `insert into "OutboxEvent" ("workspaceId", "topic", "payload") select $1::uuid, 'record.updated', '{}'::jsonb from generate_series(1, 20010)`,
        [ws.workspaceId],
      );
      await c.query('analyze "OutboxEvent"');
      await c.query(`update "OutboxEvent" set "publishedAt" = now() where "id" in (select "id" from "OutboxEvent" order by "id" limit 20000)`);
      await c.query('begin');
      const root = await explain(c, claimSql(200), [], 'analyze');
      await c.query('rollback');
      const all = planNodes(root);
      // The 10 unpublished events, and not one of the 20,000 published ones read to find them.
      expect(root['Actual Rows']).toBe(10);
      expect(all.reduce((n, p) => n + (p['Rows Removed by Filter'] ?? 0), 0)).toBeLessThan(100);
      expect(all.some((p) => /Seq Scan/.test(p['Node Type']))).toBe(false);
    } finally {
      await c.end();
    }
  });

  it("takes about a batch of events, counting each of a batch's rows as the events it holds", async () => {
    const ws = await signUpWorkspace(scratch.app);
    const c = new pg.Client({ connectionString: scratch.url });
    await c.connect();
    try {
      await c.query('delete from "OutboxEvent"');
      // 150 single events, a row of an imported batch's 500, then 100 single ones.
      const add = (n: number, events: number) =>
        c.query(
          `insert into "OutboxEvent" ("workspaceId", "topic", "payload", "events") select $1::uuid, 'record.created', '[]'::json, $2 from generate_series(1, $3::int)`,
          [ws.workspaceId, events, n],
        );
      await add(150, 1);
      await add(1, 500);
      await add(100, 1);
      const claim = async () => {
        await c.query('begin');
        const { rows } = await c.query<{ id: string; events: number }>(claimSql(200));
        if (rows.length) await c.query(`update "OutboxEvent" set "publishedAt" = now() where "id" = any($1::bigint[])`, [rows.map((r) => r.id)]);
        await c.query('commit');
        return [rows.length, rows.reduce((n, r) => n + r.events, 0)];
      };
      // 200 rows would be 749 events: the claim stops at the batch's row.
      expect(await claim()).toEqual([151, 650]);
      expect(await claim()).toEqual([100, 100]);
      expect(await claim()).toEqual([0, 0]);
      // The most a claim takes: 199 single events and then the largest row a batch writes. A
      // subscription still knows each of them if a drain publishes them twice.
      await add(199, 1);
      await add(1, EVENTS_PER_ROW);
      await add(5, 1);
      const [, most] = await claim();
      expect(most).toBe(199 + EVENTS_PER_ROW);
      expect(most).toBeLessThanOrEqual(ONCE_EACH_SIZE);
    } finally {
      await c.end();
    }
  });
});
