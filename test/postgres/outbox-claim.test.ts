// The outbox dispatcher's claim on a long history: events are kept once published, so a claim
// that walked them (the primary key, filtering out every published event) grew with the history
// and the dispatcher fell behind a busy workspace (docs/performance.md, "The outbox's claim").
// Runs in the PostgreSQL pass (TEST_DATABASE_URL).
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { explain, planNodes, scratchApp } from '../kit/plans.js';
import { signUpWorkspace } from '../kit/workspace.js';
import { claimSql } from '../../src/lib/outbox.js';

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
});
