// Statements sent again and again are kept prepared on each PostgreSQL connection, so PostgreSQL
// parses them once and, once its plan cache finds a generic plan no dearer, stops planning them
// (src/lib/prepared-statements.ts; docs/performance.md, "Statements kept prepared"). Seen in
// PostgreSQL's own view of a connection's prepared statements. Runs in the PostgreSQL pass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { testDatabaseUrl } from '../kit/app.js';
import { openDatabase, type Database } from '../../src/db.js';
import { statementNames } from '../../src/lib/prepared-statements.js';

type Prepared = { statement: string; generic_plans: number; custom_plans: number };

describe('statements kept prepared (PostgreSQL)', () => {
  const table = `prepared_${process.pid}_${Date.now()}`;
  const id = randomUUID();
  const read = `select note from "${table}" where id = $1::uuid`;
  let setup: Database;
  beforeAll(async () => {
    setup = await openDatabase({ kind: 'postgres', url: testDatabaseUrl()!, poolSize: 1 });
    await setup.prisma.$executeRawUnsafe(`create table "${table}" (id uuid primary key, note text not null)`);
    await setup.prisma.$executeRawUnsafe(`insert into "${table}" values ($1::uuid, 'kept')`, id);
  });
  afterAll(async () => {
    await setup.prisma.$executeRawUnsafe(`drop table if exists "${table}"`);
    await setup.close();
  });

  /** Sends `read` twelve times on a one-connection pool, then reads that connection's prepared statements. */
  async function sendAndLook(preparedStatements?: boolean) {
    const db = await openDatabase({ kind: 'postgres', url: testDatabaseUrl()!, poolSize: 1, preparedStatements });
    try {
      const answers: string[] = [];
      for (let i = 0; i < 12; i++) answers.push(...(await db.prisma.$queryRawUnsafe<{ note: string }[]>(read, id)).map((r) => r.note));
      const kept = await db.prisma.$queryRawUnsafe<Prepared[]>(
        `select statement, generic_plans::int as generic_plans, custom_plans::int as custom_plans from pg_prepared_statements`,
      );
      return { answers, mine: kept.find((p) => p.statement === read) };
    } finally {
      await db.close();
    }
  }

  it('a statement sent again and again is prepared once on its connection, then run on a cached generic plan', async () => {
    const { answers, mine } = await sendAndLook();
    expect(answers).toEqual(Array(12).fill('kept'));
    // Named at its third sending: ten runs of the prepared statement, five planned for their values, then the cached plan.
    expect(mine).toBeDefined();
    expect(mine!.custom_plans + mine!.generic_plans).toBe(10);
    expect(mine!.generic_plans).toBeGreaterThan(0);
  });

  it('with PG_PREPARED_STATEMENTS=false every statement is sent unnamed, planned each time', async () => {
    const { answers, mine } = await sendAndLook(false);
    expect(answers).toEqual(Array(12).fill('kept'));
    expect(mine).toBeUndefined();
  });

  it('names a text from its third sending on, always the same name, and no more texts than its bound', () => {
    const name = statementNames({ after: 3, max: 2 });
    const a = { sql: 'select 1' };
    expect([name(a), name(a), name(a), name(a)]).toEqual([undefined, undefined, 'crm_0', 'crm_0']);
    const b = { sql: 'select 2' };
    const c = { sql: 'select 3' };
    for (let i = 0; i < 3; i++) name(b);
    expect(name(b)).toBe('crm_1');
    // The bound is reached: a third text is never named, however often it is sent.
    for (let i = 0; i < 5; i++) expect(name(c)).toBeUndefined();
    expect(name(a)).toBe('crm_0');
  });

  it('never names what PostgreSQL does not plan: BEGIN, COMMIT and ROLLBACK go as they are (the pipelined connection holds BEGIN by its text)', () => {
    const name = statementNames();
    for (const sql of ['BEGIN', 'COMMIT', 'ROLLBACK', 'SET LOCAL statement_timeout = 0']) {
      for (let i = 0; i < 5; i++) expect(name({ sql })).toBeUndefined();
    }
    const held = { sql: '/* deferred */ insert into "T" select 1' };
    for (let i = 0; i < 2; i++) name(held);
    expect(name(held)).toBe('crm_0');
  });
});
