// lockRows on PostgreSQL: the order lock that batch writes (cards) and the automation runner
// (automation counters) take before updating rows. Two transactions that each inserted rows
// referencing the same parents (a run of an automation, a timeline entry of a card: each insert
// takes a KEY SHARE lock on the parent) and then lock those parents in order must queue, not
// deadlock. With FOR UPDATE they deadlocked (each waited on the other's KEY SHARE): the automation
// runner's end-of-round write failed that way in the PostgreSQL suite and its jobs waited out
// their lease. Runs in the PostgreSQL pass (TEST_DATABASE_URL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { lockRows } from '../../src/lib/bulk-insert.js';
import { scratchDatabase } from '../kit/server.js';

type Tx = Parameters<typeof lockRows>[0];

/** The one method lockRows uses, on a plain connection (its own transaction). */
const asTx = (c: pg.Client) => ({ $queryRawUnsafe: async (sql: string, ...params: unknown[]) => (await c.query(sql, params)).rows }) as unknown as Tx;

describe('lockRows', () => {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  const clients: pg.Client[] = [];

  beforeAll(async () => {
    scratch = await scratchDatabase(process.env.TEST_DATABASE_URL!, 'crm_locks');
    for (let i = 0; i < 2; i++) {
      const c = new pg.Client({ connectionString: scratch.url });
      await c.connect();
      clients.push(c);
    }
    await clients[0].query(`create table "Parent" ("id" uuid primary key, "n" int not null default 0)`);
    await clients[0].query(`create table "Child" ("id" serial primary key, "parentId" uuid not null references "Parent")`);
    await clients[0].query(`insert into "Parent" ("id") values (gen_random_uuid()), (gen_random_uuid())`);
  }, 30_000);
  afterAll(async () => {
    for (const c of clients) await c.end().catch(() => {});
    await scratch?.drop();
  }, 30_000);

  it('failing before: two transactions that inserted rows referencing the same parents lock them in turn, without a deadlock', async () => {
    const [a, b] = clients;
    const ids = (await a.query<{ id: string }>(`select "id"::text from "Parent" order by "id"`)).rows.map((r) => r.id);
    for (const c of [a, b]) {
      await c.query('begin');
      await c.query(`insert into "Child" ("parentId") select unnest($1::uuid[])`, [ids]);
    }
    // Both lock requests go out at once, so either may win: the winner updates and commits, then
    // the other, which was queued behind it, does the same. With FOR UPDATE neither ever won.
    const locked = [a, b].map((c) => lockRows(asTx(c), 'Parent', ids).then(() => c));
    const winner = await Promise.race(locked);
    for (const c of [winner, winner === a ? b : a]) {
      await locked[c === a ? 0 : 1];
      await c.query(`update "Parent" set "n" = "n" + 1 where "id" = any($1::uuid[])`, [ids]);
      await c.query('commit');
    }
    const rows = (await a.query<{ n: number }>(`select "n" from "Parent"`)).rows;
    expect(rows.map((r) => r.n)).toEqual([2, 2]);
    expect((await a.query<{ count: string }>(`select count(*) from "Child"`)).rows[0].count).toBe('4');
  });
});
