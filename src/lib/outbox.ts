// Transactional outbox. A change writes its events with `enqueue` inside its own transaction, so
// an event exists if and only if the change committed. The dispatcher hands unpublished rows, in
// id order, to whatever `deliver` the app gave it (the kernel's event consumers) and marks them;
// rows are claimed with FOR UPDATE SKIP LOCKED so several instances on one database never
// deliver a row twice at once, and a crash between commit and delivery only delays it until the
// next drain. A card's write has the claim sent right behind its COMMIT, on its own connection
// (`claimBehindCommit`). The outbox knows no topics: what an event means is its consumers' business.
// A row carries one event, or a batch's events of one topic as the JSON array of them (`events`
// says how many): a thousand imported cards' events are one row to write, claim and mark, not a
// thousand; the dispatcher hands them on one by one, in order.
import type pg from 'pg';
import type { Prisma } from '../generated/prisma/client.js';
import type { Db } from '../db.js';
import type { Logger } from './logger.js';
import { commitFollower, type CommitFollower } from './pg-pipelined.js';
import { insertRows, prepareInsert, runInserts, type BulkOptions, type PreparedInsert } from './bulk-insert.js';

export type Tx = Prisma.TransactionClient;

/** `events`: how many events `payload` holds, when more than one (then it is the array of them). */
export type OutboxRow = { topic: string; workspaceId: string; payload: unknown; events?: number };

/**
 * At most this many events go in one row (`OutboxRow.events`). A claim takes fewer than its batch
 * (200) and then one row whole, so at most 999 events: a drain that published them and could not
 * mark them has the next publish them again, and a live subscription lets a repeat through never
 * only among the last 1,000 it passed on (`onceEach` in lib/pubsub.ts).
 */
export const EVENTS_PER_ROW = 800;

/**
 * The rows that carry `payloads`, events of one topic in order, each naming its workspace: the
 * events of a workspace that follow each other share a row, up to EVENTS_PER_ROW.
 */
export function batchRows(topic: string, payloads: { workspaceId: string }[]): OutboxRow[] {
  const rows: OutboxRow[] = [];
  for (let i = 0; i < payloads.length;) {
    const { workspaceId } = payloads[i];
    let end = i + 1;
    while (end < payloads.length && end - i < EVENTS_PER_ROW && payloads[end].workspaceId === workspaceId) end++;
    rows.push(end - i === 1 ? { topic, workspaceId, payload: payloads[i] } : { topic, workspaceId, payload: payloads.slice(i, end), events: end - i });
    i = end;
  }
  return rows;
}

/** The events an outbox row carries, in order (its payload, or the array of them). */
export function eventsOf(row: { payload: unknown; events: number }): unknown[] {
  return row.events > 1 ? (row.payload as unknown[]) : [row.payload];
}

export async function enqueue(tx: Tx, events: OutboxRow[]) {
  if (!events.length) return;
  const held = holding.get(tx);
  if (held) {
    held.outbox.push(...events);
    return;
  }
  await runInserts(tx, [outboxInsert(events)]);
}

/**
 * insertRows for rows nothing later in the transaction reads or references (a timeline entry,
 * whose id is made here): within holdingOutbox they are written at its end, in the outbox
 * rows' statement; elsewhere at once. Answers the rows' ids (with `ids`) either way.
 */
export async function insertRowsHeld(tx: Tx, table: string, rows: Record<string, unknown>[], opts: BulkOptions = {}): Promise<string[]> {
  const held = holding.get(tx);
  if (!held) return insertRows(tx, table, rows, opts);
  const { ids, insert } = prepareInsert(table, rows, opts);
  held.inserts.push(insert);
  return ids;
}

/** What `holdingOutbox` holds per transaction: the outbox rows in the order enqueued, and the held inserts. */
const holding = new WeakMap<Tx, { outbox: OutboxRow[]; inserts: PreparedInsert[] }>();

/**
 * Runs `fn` with every row it enqueues on `tx` held, and every insertRowsHeld, then writes them
 * all in one statement, the outbox rows in the order enqueued (a card's write emits its event, the
 * timeline's entry and notice, the worker's wake-up: one statement instead of one each). If `fn`
 * throws nothing is written, as the transaction is undone anyway. Nested calls on the same
 * transaction join the outer one.
 */
export async function holdingOutbox<T>(tx: Tx, fn: () => Promise<T>): Promise<T> {
  if (holding.has(tx)) return fn();
  const held = { outbox: [] as OutboxRow[], inserts: [] as PreparedInsert[] };
  holding.set(tx, held);
  try {
    const result = await fn();
    holding.delete(tx);
    // An insert with no rows adds nothing to the statement (none at all when nothing was held).
    // Nothing reads its answer: on PostgreSQL it goes out with the statement after it, the
    // transaction's COMMIT, which fails if it did (lib/pg-pipelined.ts).
    await runInserts(tx, [...held.inserts, outboxInsert(held.outbox)], true);
    return result;
  } finally {
    holding.delete(tx);
  }
}

/**
 * The outbox rows as one prepared insert, the batch as one JSON parameter (bulk-insert.ts): an
 * imported batch enqueues hundreds of events, each carrying a card's snapshot. Read as json: a
 * payload is stored as the text sent (the column is json), not parsed into jsonb and printed back.
 */
function outboxInsert(events: OutboxRow[]) {
  return prepareInsert(
    'OutboxEvent',
    events.map((e) => ({ workspaceId: e.workspaceId, topic: e.topic, payload: e.payload, events: e.events ?? 1 })),
    { now: ['createdAt'], fresh: true, json: ['payload'] },
  ).insert;
}

type Row = { id: bigint | string; topic: string; payload: unknown; events: number };

/**
 * The condition that bounds a statement over the first rows by id to about `n` events: the rows
 * before which fewer than `n` events lie (a row of a batch's events counts them all), among the
 * first `n` rows `where` selects. So a pass takes at most `n` - 1 events and one row more, however
 * many events the rows carry. The ids go to the statement as an array, found by the primary key:
 * as a range (`"id" <= …`) the planner walked the primary key from the start, through every
 * published event, instead of reading the index of the unpublished ones.
 */
function firstEvents(n: number, where: string) {
  return (
    `"id" = any(array(select "id" from (select "id", sum("events") over (order by "id") - "events" as "before" ` +
    `from "OutboxEvent"${where} order by "id" limit ${n}) as "first" where "before" < ${n}))`
  );
}

/** The most published events one pruning statement deletes (a worker's pass; the next pass goes on). */
export const PRUNE_BATCH = 5000;

/**
 * Deletes published events published more than `keepMs` ago, oldest first, about `batch` (the
 * rows holding them: a row of a batch's events goes whole); answers how many events. It looks only
 * at the table's first rows by id that hold `batch` events, which are its oldest
 * (an event's id is taken when its change writes it), so a table holding only events still kept
 * costs one short range of the primary key, however long. An undelivered event is never deleted,
 * and rows another instance's pruning holds are skipped, not waited for. The ids go to the DELETE
 * as an array: with `in (select …)` PostgreSQL planned a hash join over the whole table (measured:
 * 89 against 6 ms a pass on 40,000 events, 214 against 18 ms deleting 5,000 of 300,000).
 */
export async function pruneOutbox(db: Db, keepMs: number, batch = PRUNE_BATCH): Promise<number> {
  const limit = Math.max(1, Math.floor(batch));
  const [{ n }] = await db.$queryRawUnsafe<{ n: number }[]>(
    `with "deleted" as (delete from "OutboxEvent" where "id" = any(array(
      select "id" from "OutboxEvent"
      where ${firstEvents(limit, '')}
        and "publishedAt" < now() - make_interval(secs => $1::float8)
      for update skip locked)) returning "events")
    select coalesce(sum("events"), 0)::int as n from "deleted"`,
    keepMs / 1000,
  );
  return n;
}

/** One dispatcher at a time across all instances (a transaction-scoped advisory lock). */
const LOCK = `hashtextextended('crm:outbox', 0)`;

/**
 * The dispatcher's claim: the first `batch` unpublished events in id order (the rows that hold
 * them, a row of a batch's events whole), if this transaction holds the dispatch lock (`locked`:
 * it was taken before). It reads the index of the unpublished events alone
 * (`OutboxEvent_id_idx`), never the published history.
 */
export function claimSql(batch: number, locked = false) {
  const n = Number(batch);
  return (
    `select "id", "topic", "payload", "events" from "OutboxEvent" where "publishedAt" is null` +
    `${locked ? '' : ` and (select pg_try_advisory_xact_lock(${LOCK}))`} and ${firstEvents(n, ' where "publishedAt" is null')} ` +
    `order by "id" limit ${n} for update skip locked`
  );
}

/**
 * A batch's first round trip on a raw connection: BEGIN, a limit on how long it may idle, the
 * lock, the claim (four statements of one simple query; the claim's snapshot is taken after the
 * lock is held). A publish that hangs (Redis gone) must not hold the lock for ever: the server
 * ends a transaction idle for a minute, as the Prisma path's 60 s timeout does.
 */
const CLAIM = (batch: number) =>
  `begin; set local idle_in_transaction_session_timeout = '60s'; select pg_try_advisory_xact_lock(${LOCK}) as ok; ${claimSql(batch)}`;

/** A lock miss is tried again after this many ms, doubling up to the last. */
const RETRY_MS = [2, 4, 8, 16];

export type OutboxDelivery = {
  /** Hands one committed event to its consumers; a throw leaves the batch for the next drain. */
  deliver(topic: string, payload: unknown): void | Promise<void>;
  /** Resolves once what was delivered is safe downstream (Redis acknowledged it). */
  flush(): Promise<void>;
};

export class OutboxDispatcher {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private busy = false;
  private stopped = false;
  private started = false;

  constructor(
    private readonly db: Db,
    private readonly delivery: OutboxDelivery,
    private readonly log: Logger,
    private readonly pollMs = 1000,
    private readonly batch = 200,
    /** PostgreSQL: a raw connection, so the lock and the claim go in one round trip (see `drainOnce`). */
    private readonly connect?: () => Promise<pg.PoolClient>,
  ) {}
  /** Lock misses in a row (the next retry waits RETRY_MS[misses - 1]). */
  private misses = 0;
  start() {
    this.stopped = false;
    this.started = true;
    // The poll finds rows no kick announced (an instance that died after its commit). It does
    // nothing else: periodic work runs on the background worker, so a change's events never
    // wait behind it (a due-reminders pass in front of the drain held them up to ~20 ms).
    const tick = () => this.kick();
    this.timer = setInterval(tick, this.pollMs);
    this.timer.unref();
    tick();
  }

  /** Asks for a drain soon; calls made while one runs coalesce into one more pass. */
  kick() {
    // An instance that does not dispatch (OUTBOX_DISPATCH=false) is never started.
    if (this.stopped || !this.started) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.run(this.drain());
  }

  /** Makes `drain` the drain in progress; once it ends, another runs if kicks came meanwhile. */
  private run(drain: Promise<unknown>) {
    this.running = drain
      .then(() => undefined)
      .catch((err) => this.log.error({ err }, 'outbox drain failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        } else if (this.busy) {
          // Another dispatcher holds the lock; it may have read the outbox before our rows
          // committed, so look again shortly. The holder is most often the other instance's
          // poll finding nothing (a few ms): try again after 2 ms, doubling up to 16 ms.
          this.busy = false;
          const wait = RETRY_MS[Math.min(this.misses, RETRY_MS.length - 1)];
          this.misses++;
          setTimeout(() => this.kick(), wait).unref();
        } else this.misses = 0;
      });
  }

  /** Delivers everything pending; resolves when the outbox is empty (as far as it can see). */
  async drain() {
    for (;;) {
      const n = this.connect ? await this.drainOnce(this.connect) : await this.drainPrisma();
      // Fewer events than a batch: the claim found the outbox empty past them.
      if (n < this.batch) return;
    }
  }

  /**
   * One batch on a raw PostgreSQL connection: BEGIN, the lock and the claim go as one
   * round trip (four statements of one simple query; the claim's snapshot is taken after the
   * lock is held), then the publish, then the mark and COMMIT as one more. -1: the lock was busy.
   */
  private async drainOnce(connect: () => Promise<pg.PoolClient>): Promise<number> {
    const client = await connect();
    let failed: Error | undefined;
    try {
      return await this.claimed(client.query(CLAIM(this.batch)), (sql) => client.query(sql));
    } catch (err) {
      failed = err as Error;
      throw err;
    } finally {
      // A connection whose transaction state is unknown is dropped, not reused.
      client.release(failed);
    }
  }

  /**
   * The rest of a batch once CLAIM was sent on a connection (`query` sends the next statements
   * there): publishes what it claimed, marks it and commits, or rolls back if anything failed.
   * Answers how many events it published (-1: the lock was busy).
   */
  private async claimed(answer: Promise<unknown>, query: (sql: string) => Promise<unknown>): Promise<number> {
    try {
      const results = (await answer) as pg.QueryResult[];
      if (!(results[2].rows[0] as { ok: boolean }).ok) {
        await query('rollback');
        this.busy = true;
        return -1;
      }
      const rows = results[3].rows as Row[];
      const n = await this.publish(rows);
      const ids = rows.map((r) => String(r.id));
      if (ids.some((id) => !/^\d+$/.test(id))) throw new Error('outbox: unexpected id');
      await query(ids.length ? `update "OutboxEvent" set "publishedAt" = now() where "id" = any('{${ids.join(',')}}'::bigint[]); commit` : 'commit');
      return n;
    } catch (err) {
      await query('rollback').catch(() => {});
      throw err;
    }
  }

  /**
   * Runs `write` (a transaction that enqueues events) so that, on PostgreSQL, this dispatcher's
   * claim goes out right behind its COMMIT on the same connection, in the same socket write
   * (lib/pg-pipelined.ts, `CommitFollower`): the events are claimed and published without a
   * round trip of their own after the commit, and without waiting for the connection of a drain.
   * Falls back to a kick when the claim could not follow (PGlite, a drain already running, a
   * dispatcher not started, the COMMIT never sent).
   */
  async claimBehindCommit<T>(write: () => Promise<T>): Promise<T> {
    // Whether the last COMMIT of an outbox-holding transaction sent within `write` had the claim
    // behind it (which covers it, and every commit before it): if not, or if none was sent, a kick.
    let covered = false;
    const follower: CommitFollower = {
      follow: () => {
        covered = Boolean(this.connect && this.started && !this.stopped && !this.running);
        return covered ? CLAIM(this.batch) : undefined;
      },
      followed: (answer, on) => {
        const batch = this.claimed(answer, (sql) => on.query(sql));
        // The drain in progress, as kick() would have started it: a full batch drains on.
        this.run(batch.then((n) => (n >= this.batch ? this.drain() : undefined)));
        return batch.then(
          () => undefined,
          (err: unknown) => err as Error,
        );
      },
    };
    try {
      return await commitFollower.run(follower, write);
    } finally {
      if (!covered) this.kick();
    }
  }

  private async drainPrisma(): Promise<number> {
    return this.db.$transaction(
      async (tx) => {
        // One dispatcher at a time across all instances: events go out in commit order of each
        // card (its writes are serialized, so its events' ids grow), and never twice at once.
        const [lock] = await tx.$queryRawUnsafe<{ ok: boolean }[]>(`select pg_try_advisory_xact_lock(${LOCK}) as ok`);
        if (!lock.ok) {
          this.busy = true;
          return -1;
        }
        const rows = await tx.$queryRawUnsafe<Row[]>(claimSql(this.batch, true));
        const n = await this.publish(rows);
        if (rows.length) {
          await tx.$executeRaw`update "OutboxEvent" set "publishedAt" = now()
            where "id" = any(${rows.map((r) => r.id)}::bigint[])`;
        }
        return n;
      },
      // Prisma ends an interactive transaction after 5 s by default; a drain that published and
      // then lost its transaction to a loaded machine would publish its batch a second time.
      { timeout: 60_000 },
    );
  }

  /**
   * Hands claimed rows to their consumers and waits until Redis took them: they are marked
   * published only after this, so if it throws the transaction rolls back and the next drain
   * publishes them again (at least once).
   */
  private async publish(rows: Row[]): Promise<number> {
    let n = 0;
    for (const row of rows) {
      for (const payload of eventsOf(row)) {
        await this.delivery.deliver(row.topic, payload);
        n++;
      }
    }
    await this.delivery.flush();
    return n;
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
