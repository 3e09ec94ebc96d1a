// A batch's JSON parameter goes to PostgreSQL by reference (src/lib/pg-pipelined.ts, `byReference`):
// Prisma's raw path carries a short token and the connection sends the value itself, instead of
// Prisma serializing and parsing a few MB again. Runs in the PostgreSQL pass (TEST_DATABASE_URL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseUrl } from '../kit/app.js';
import { openDatabase, type Database } from '../../src/db.js';
import { insertRows, runInserts, prepareInsert } from '../../src/lib/bulk-insert.js';
import { byReference, heldReferences } from '../../src/lib/pg-pipelined.js';
import type { Tx } from '../../src/lib/outbox.js';

/** `tx`, recording the parameters of the raw statements Prisma is given. */
function recording(tx: Tx, params: unknown[]): Tx {
  return new Proxy(tx, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown;
      if (key !== '$executeRawUnsafe' && key !== '$queryRawUnsafe') return v;
      return (sql: string, ...args: unknown[]) => {
        params.push(...args);
        return (v as (sql: string, ...a: unknown[]) => unknown).call(target, sql, ...args);
      };
    },
  });
}

describe('JSON parameters passed by reference (PostgreSQL)', () => {
  let db: Database;
  const table = `byref_${process.pid}_${Date.now()}`;
  beforeAll(async () => {
    db = await openDatabase({ kind: 'postgres', url: testDatabaseUrl()!, poolSize: 2 });
    await db.prisma.$executeRawUnsafe(`create table "${table}" (id uuid primary key, note text not null, doc jsonb not null)`);
  });
  afterAll(async () => {
    await db.prisma.$executeRawUnsafe(`drop table if exists "${table}"`);
    await db.close();
  });

  it('Prisma carries a short token, the rows arrive intact, and nothing stays held', async () => {
    const note = `Anna «Ёлка» "Q" \\ 🎉 ${'x'.repeat(50_000)}`;
    const rows = Array.from({ length: 20 }, (_, i) => ({ note: `${i} ${note}`, doc: { n: i, quote: '"', nested: { s: 'Ёж\n' } } }));
    const params: unknown[] = [];
    const ids = await db.prisma.$transaction(async (tx) => {
      const spy = recording(tx, params);
      const ids = await insertRows(spy, table, rows.slice(0, 10), { ids: true });
      // Held to the end of the transaction and sent with its COMMIT, as a card write's outbox rows are.
      const held = prepareInsert(table, rows.slice(10), { ids: true });
      await runInserts(spy, [held.insert], true);
      return [...ids, ...held.ids];
    });
    // ~1 MB of JSON through Prisma as two tokens of a few characters.
    expect(params).toHaveLength(2);
    for (const p of params) expect(String(p).length).toBeLessThan(20);
    const stored = await db.prisma.$queryRawUnsafe<{ id: string; note: string; doc: unknown }[]>(`select id::text, note, doc from "${table}" order by note`);
    expect(new Set(stored.map((r) => r.id))).toEqual(new Set(ids));
    expect(stored.map(({ note, doc }) => ({ note, doc }))).toEqual([...rows].sort((a, b) => (a.note < b.note ? -1 : 1)));
    expect(heldReferences()).toBe(0);
  });

  it('a statement that fails leaves nothing held, and a token cannot be sent twice', async () => {
    const failed = db.prisma.$transaction((tx) => insertRows(tx, table, [{ note: null, doc: {} }], { ids: true }));
    await expect(failed).rejects.toThrow();
    expect(heldReferences()).toBe(0);
    expect(await db.prisma.$queryRawUnsafe(`select count(*)::int as n from "${table}" where doc = '{}'::jsonb`)).toEqual([{ n: 0 }]);

    const once = byReference('7');
    expect(await db.prisma.$queryRawUnsafe('select $1::int as n', once.token)).toEqual([{ n: 7 }]);
    await expect(db.prisma.$queryRawUnsafe('select $1::int as n', once.token)).rejects.toThrow(/sent twice or released/);
    expect(heldReferences()).toBe(0);
  });
});
