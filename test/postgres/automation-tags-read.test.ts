// The automation runner's read of the cards' tags (its "add a tag" rounds) on a tag table without
// statistics: autovacuum off, or behind a burst. As `card in (…)` with a round's hundreds of ids,
// PostgreSQL expected every row to match, scanned the whole table each round and, the estimate
// being large, compiled the scan with JIT (~50 ms a round at 80,000 tags; docs/performance.md,
// "Automations: JIT off, and the runner's tag read"). Runs in the PostgreSQL pass.
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { explain, planNodes, type PlanNode, scratchApp } from '../kit/plans.js';
import { signUpWorkspace } from '../kit/workspace.js';
import { tagsSql } from '../../src/kernel/tables.js';

describe("the runner's tag read", () => {
  const scratch = scratchApp('crm_tags_read');

  it('looks each card up by its key on a large tag table with no statistics', async () => {
    const ws = await signUpWorkspace(scratch.app);
    const c = new pg.Client({ connectionString: scratch.url });
    await c.connect();
    try {
      // 40,000 deal tags, never analyzed (the foreign keys' triggers set aside to lay them out).
      const [{ id: tagId }] = (
        await c.query(`insert into "Tag" ("id", "workspaceId", "name") values (gen_random_uuid(), $1, 'bulk') returning "id"`, [ws.workspaceId])
      ).rows as { id: string }[];
      await c.query('begin');
      await c.query('set local session_replication_role = replica');
      await c.query(`insert into "DealTag" ("dealId", "tagId") select gen_random_uuid(), $1 from generate_series(1, 40000)`, [tagId]);
      await c.query('commit');
      const ids = Array.from({ length: 300 }, () => randomUUID());
      const plan = async (sql: string, params: unknown[]) => planNodes(await explain(c, sql, params));
      const scans = (all: PlanNode[]) => all.filter((p) => p['Relation Name'] === 'DealTag').map((p) => p['Node Type']);
      // The state this test lays out: an IN list of the round's ids scans the whole table.
      const list = ids.map((_, i) => `$${i + 1}::uuid`).join(', ');
      expect(scans(await plan(`select "dealId", "tagId" from "DealTag" where "dealId" in (${list})`, ids))).toEqual(['Seq Scan']);
      // The runner's read: the key, for each id.
      const all = await plan(tagsSql('DEAL'), [ids]);
      expect(scans(all)).toHaveLength(1);
      expect(scans(all)[0]).not.toBe('Seq Scan');
      expect(all.some((p) => p['Index Name'] === 'DealTag_pkey')).toBe(true);
    } finally {
      await c.end();
    }
  });
});
