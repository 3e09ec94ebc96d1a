// A card's write waits on PostgreSQL twice inside its transaction, not four times: BEGIN is written
// with the UPDATE, the held timeline and outbox INSERT with COMMIT (src/lib/pg-pipelined.ts). Seen
// through a proxy in front of PostgreSQL that holds each answer back, so each wait is a round trip
// of its own whatever the machine's speed. Runs in the PostgreSQL pass (TEST_DATABASE_URL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, testDatabaseUrl, type TestApp } from '../kit/app.js';
import { signUpWorkspace } from '../kit/workspace.js';
import { sqlOn } from '../kit/server.js';
import { createDeal, updateDeal } from '../kit/cards.js';
import { openDatabase, type Database } from '../../src/db.js';
import { DEFERRED } from '../../src/lib/pg-pipelined.js';
import { latencyProxy } from '../../bench/kit.js';

/** What passed one connection, in order: the client's statements sent together, then an answer. */
type Turn = { sent: string } | { answered: true };

/**
 * A proxy holding every answer back `delayMs` that keeps each connection's turns: the bytes the
 * client sent between two answers form one turn, so a statement sent with the one before it
 * shares its turn.
 */
async function watchedProxy(url: string, delayMs: number) {
  const connections: Turn[][] = [];
  const turns = (conn: number) => (connections[conn] ??= []);
  const proxy = await latencyProxy(url, delayMs, {
    sent(conn, chunk) {
      const last = turns(conn).at(-1);
      if (last && 'sent' in last) last.sent += chunk.toString('latin1');
      else turns(conn).push({ sent: chunk.toString('latin1') });
    },
    answered: (conn) => turns(conn).push({ answered: true }),
  });
  return { ...proxy, connections };
}

/** The client's turns of the transaction that sent `marker`, from its BEGIN to its COMMIT. */
function transactionTurns(connections: Turn[][], marker: string) {
  for (const turns of connections) {
    if (!turns) continue;
    const sent = turns.flatMap((t) => ('sent' in t ? [t.sent] : []));
    const end = sent.findIndex((s) => s.includes(marker));
    if (end < 0) continue;
    const begin = sent
      .slice(0, end + 1)
      .map((s) => s.includes('BEGIN'))
      .lastIndexOf(true);
    const commit = sent.findIndex((s, i) => i >= end && s.includes('COMMIT'));
    return sent.slice(begin, commit + 1);
  }
  throw new Error(`no connection sent ${marker}`);
}

describe('round trips of a write (PostgreSQL)', () => {
  let proxy: Awaited<ReturnType<typeof watchedProxy>>;
  let app: TestApp;
  beforeAll(async () => {
    proxy = await watchedProxy(testDatabaseUrl()!, 20);
    // Not started: no dispatcher or worker shares the connections being watched.
    app = await createTestApp({}, { databaseUrl: proxy.url });
  });
  afterAll(async () => {
    await app.stop();
    await proxy.close();
  });

  it('failing before: updateDeal waits on its transaction twice, BEGIN sent with the UPDATE and the timeline and outbox INSERT with COMMIT', async () => {
    const ws = await signUpWorkspace(app);
    const deal = await createDeal(ws, { name: 'Order' });
    // The first write reads the workspace's settings; the one measured reads the card alone.
    const first = await updateDeal(ws, { id: deal.id, version: deal.version, name: 'Warm' });
    for (const c of proxy.connections) if (c) c.length = 0;
    const name = `Renamed ${Date.now()}`;
    await updateDeal(ws, { id: deal.id, version: first.version, name });
    const turns = transactionTurns(proxy.connections, name);
    expect(turns).toHaveLength(2);
    expect(turns[0]).toMatch(/BEGIN[^]*UPDATE "Deal"/i);
    expect(turns[1]).toMatch(/INSERT INTO "TimelineEntry"[^]*"OutboxEvent"[^]*COMMIT/i);
  });
});

describe('a statement sent without waiting for its answer (PostgreSQL)', () => {
  let db: Database;
  const table = `pipelined_${process.pid}_${Date.now()}`;
  beforeAll(async () => {
    db = await openDatabase({ kind: 'postgres', url: testDatabaseUrl()!, poolSize: 1 });
    await db.prisma.$executeRawUnsafe(`create table "${table}" (n int not null)`);
  });
  afterAll(async () => {
    await db.prisma.$executeRawUnsafe(`drop table if exists "${table}"`);
    await db.close();
  });

  it('fails its transaction when it fails: the COMMIT sent behind it throws its error, and nothing of the transaction is kept', async () => {
    const write = db.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`insert into "${table}" values (1)`);
      await tx.$executeRawUnsafe(`${DEFERRED}insert into "${table}" values (null)`);
    });
    // PostgreSQL's error, as Prisma's adapter hands it on from the COMMIT (the message is its kind).
    const err = (await write.catch((e: unknown) => e)) as Error & { cause?: { originalMessage?: string } };
    expect(err).toBeInstanceOf(Error);
    expect(err.cause?.originalMessage ?? err.message).toMatch(/null value in column "n"/);
    expect(await db.prisma.$queryRawUnsafe(`select count(*)::int as n from "${table}"`)).toEqual([{ n: 0 }]);
    // The pool's one connection is fine afterwards: the next transaction commits.
    await db.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`insert into "${table}" values (2)`);
      await tx.$executeRawUnsafe(`${DEFERRED}insert into "${table}" values (3)`);
    });
    expect(await db.prisma.$queryRawUnsafe(`select n from "${table}" order by n`)).toEqual([{ n: 2 }, { n: 3 }]);
  });

  it('leaves nothing held on the connection: a transaction given up before its first statement, or whose first statement comes a turn of the event loop later', async () => {
    await db.prisma.$executeRawUnsafe(`truncate "${table}"`);
    // Its held BEGIN goes out with the ROLLBACK: the pool's one connection is not left inside a transaction.
    await expect(
      db.prisma.$transaction(async () => {
        throw new Error('given up');
      }),
    ).rejects.toThrow('given up');
    // BEGIN goes out alone on the next turn; the statements after it are still in its transaction.
    await expect(
      db.prisma.$transaction(async (tx) => {
        await new Promise((r) => setTimeout(r, 5));
        await tx.$executeRawUnsafe(`insert into "${table}" values (4)`);
        throw new Error('undone');
      }),
    ).rejects.toThrow('undone');
    // A statement on its own, on the same connection, commits at once: another connection sees it
    // (it would not, were the connection still inside a transaction).
    await db.prisma.$executeRawUnsafe(`insert into "${table}" values (5)`);
    expect(await sqlOn(testDatabaseUrl()!, `select n from "${table}" order by n`)).toEqual([{ n: 5 }]);
  });
});
