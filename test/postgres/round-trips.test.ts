// A card's write waits on PostgreSQL twice inside its transaction, not four times: BEGIN is written
// with the UPDATE, the held timeline and outbox INSERT with COMMIT (src/lib/pg-pipelined.ts). Seen
// through a proxy in front of PostgreSQL that holds each answer back, so each wait is a round trip
// of its own whatever the machine's speed. Runs in the PostgreSQL pass (TEST_DATABASE_URL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, testDatabaseUrl, type TestApp } from '../kit/app.js';
import { signUpWorkspace } from '../kit/workspace.js';
import { scratchDatabase, sqlOn } from '../kit/server.js';
import { createDeal, updateDeal } from '../kit/cards.js';
import { openDatabase, type Database } from '../../src/db.js';
import { DEFERRED } from '../../src/lib/pg-pipelined.js';
import { enqueue, holdingOutbox, OutboxDispatcher } from '../../src/lib/outbox.js';
import { createLogger } from '../../src/lib/logger.js';
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

describe("a write's events claimed behind its COMMIT (PostgreSQL)", () => {
  let proxy: Awaited<ReturnType<typeof watchedProxy>>;
  let app: TestApp;
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  beforeAll(async () => {
    // A database of its own: this app's dispatcher publishes every event it finds.
    scratch = await scratchDatabase(testDatabaseUrl()!, 'crm_claim_behind');
    proxy = await watchedProxy(scratch.url, 20);
    // The dispatcher alone is started, with no poll in the way of the writes watched.
    app = await createTestApp({}, { databaseUrl: proxy.url, outboxPollMs: 3_600_000 });
    app.deps.outbox.start();
  });
  afterAll(async () => {
    await app.stop();
    await proxy.close();
    await scratch.drop();
  });

  const unpublished = async () => (await sqlOn(scratch.url, `select count(*)::int as n from "OutboxEvent" where "publishedAt" is null`))[0].n as number;
  async function allPublished() {
    for (let i = 0; i < 200 && (await unpublished()) > 0; i++) await new Promise((r) => setTimeout(r, 25));
    return unpublished();
  }

  it('failing before: updateDeal sends the claim of its events with its COMMIT, and they are published without another drain', async () => {
    const ws = await signUpWorkspace(app);
    const deal = await createDeal(ws, { name: 'Order' });
    const first = await updateDeal(ws, { id: deal.id, version: deal.version, name: 'Warm' });
    expect(await allPublished()).toBe(0);
    for (const c of proxy.connections) if (c) c.length = 0;
    const name = `Renamed ${Date.now()}`;
    await updateDeal(ws, { id: deal.id, version: first.version, name });
    const turns = transactionTurns(proxy.connections, name);
    // The held INSERT, COMMIT, then the dispatcher's BEGIN, lock and claim: one turn, one write.
    expect(turns.at(-1)).toMatch(/"OutboxEvent"[^]*COMMIT[^]*pg_try_advisory_xact_lock[^]*"publishedAt" is null/i);
    expect(await allPublished()).toBe(0);
    // Only the connection of the write claimed: no drain of its own on another one.
    const claims = proxy.connections.flatMap((c) => (c ?? []).filter((t) => 'sent' in t && t.sent.includes('pg_try_advisory_xact_lock')));
    expect(claims).toHaveLength(1);
  });
});

describe('a claim behind a COMMIT on a pool of one connection (PostgreSQL)', () => {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  let db: Database;
  let workspaceId: string;
  beforeAll(async () => {
    scratch = await scratchDatabase(testDatabaseUrl()!, 'crm_claim_one');
    db = await openDatabase({ kind: 'postgres', url: scratch.url, poolSize: 1 });
    await db.migrate();
    [{ id: workspaceId }] = await db.prisma.$queryRawUnsafe<{ id: string }[]>(
      `insert into "Workspace" ("id", "name", "updatedAt") values (gen_random_uuid(), 'W', now()) returning "id"`,
    );
  });
  afterAll(async () => {
    await db.close();
    await scratch.drop();
  });

  it("keeps the connection from every other statement until its batch is marked, publishes a failed write's nothing, and the connection serves on", async () => {
    const delivered: number[] = [];
    let open = () => {};
    let gate = Promise.resolve();
    const delivery = {
      deliver: async (_topic: string, payload: unknown) => {
        await gate;
        delivered.push((payload as { n: number }).n);
      },
      flush: async () => {},
    };
    const outbox = new OutboxDispatcher(db.prisma, delivery, createLogger('silent'), 3_600_000, 200, db.connect);
    outbox.start();
    await outbox.drain();
    const write = (n: number, fail = false) =>
      outbox.claimBehindCommit(() =>
        db.prisma.$transaction((tx) =>
          holdingOutbox(tx, async () => {
            await enqueue(tx, [{ topic: 'probe', workspaceId, payload: { n } }]);
            // A held statement that fails: the COMMIT sent behind it fails with its error.
            if (fail) await tx.$executeRawUnsafe(`${DEFERRED}select 1 / 0`);
          }),
        ),
      );
    try {
      gate = new Promise<void>((r) => (open = r));
      await write(1);
      // The dispatcher has the pool's one connection, inside its transaction, until the event is
      // published and marked: a statement sent meanwhile waits, and runs outside that transaction.
      const meanwhile = db.prisma.$queryRawUnsafe<{ t: string }[]>(`select current_setting('idle_in_transaction_session_timeout') as t`);
      let answered = false;
      void meanwhile.then(() => (answered = true));
      await new Promise((r) => setTimeout(r, 50));
      expect(answered).toBe(false);
      open();
      expect(await meanwhile).toEqual([{ t: '0' }]);
      expect(delivered).toEqual([1]);
      // A write whose COMMIT fails: nothing of it is published, and its ROLLBACK does not break
      // the claim that went behind it.
      await expect(write(2, true)).rejects.toThrow(/division by zero|current transaction is aborted/);
      await write(3);
      await outbox.stop();
      expect(delivered).toEqual([1, 3]);
      expect(await sqlOn(scratch.url, `select count(*)::int as n from "OutboxEvent" where "publishedAt" is null`)).toEqual([{ n: 0 }]);
    } finally {
      open();
      await outbox.stop();
    }
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
