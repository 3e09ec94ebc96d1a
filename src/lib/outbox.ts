// Transactional outbox. A change writes its events with `enqueue` inside its own transaction, so
// an event exists if and only if the change committed. The dispatcher hands unpublished rows, in
// id order, to whatever `deliver` the app gave it (the kernel's event consumers) and marks them;
// rows are claimed with FOR UPDATE SKIP LOCKED so several instances on one database never
// deliver a row twice at once, and a crash between commit and delivery only delays it until the
// next drain. The outbox knows no topics: what an event means is its consumers' business.
import type { Prisma } from '../generated/prisma/client.js';
import type { Db } from '../db.js';
import type { Logger } from './logger.js';
import { insertRows } from './bulk-insert.js';

export type Tx = Prisma.TransactionClient;

export type OutboxRow = { topic: string; workspaceId: string; payload: unknown };

export async function enqueue(tx: Tx, events: OutboxRow[]) {
  if (!events.length) return;
  // One statement with the batch as one JSON parameter (bulk-insert.ts): an imported batch
  // enqueues hundreds of events, each carrying a card's snapshot.
  await insertRows(
    tx,
    'OutboxEvent',
    events.map((e) => ({ workspaceId: e.workspaceId, topic: e.topic, payload: e.payload })),
    { now: ['createdAt'] },
  );
}

type Row = { id: bigint; topic: string; payload: unknown };

export type OutboxDelivery = {
  /** Hands one committed event to its consumers; a throw leaves the batch for the next drain. */
  deliver(topic: string, payload: unknown): void | Promise<void>;
  /** Resolves once what was delivered is safe downstream (Redis acknowledged it). */
  flush(): Promise<void>;
  /** Work done on each poll, beside the dispatch (e.g. tasks that fell due emit their reminders). */
  jobs?: () => (() => Promise<void>)[];
};

export class OutboxDispatcher {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private jobsRunning?: Promise<void>;
  private again = false;
  private busy = false;
  private stopped = false;
  private started = false;
  /** How long to wait before looking again while another instance holds the lock (doubles up to 20 ms). */
  private backoff = 0;

  constructor(
    private readonly db: Db,
    private readonly delivery: OutboxDelivery,
    private readonly log: Logger,
    private readonly pollMs = 1000,
    private readonly batch = 200,
  ) {}
  start() {
    this.stopped = false;
    this.started = true;
    this.timer = setInterval(() => this.poll(), this.pollMs);
    this.timer.unref();
    this.poll();
  }

  /**
   * The periodic pass: the jobs (tasks that fell due) run beside the dispatch, not in front of
   * it, so a write's kick never waits for them; then the outbox is drained if it holds anything.
   * A poll that finds nothing pending does not take the dispatch lock, so an idle instance's
   * poll does not make a writing instance's kick find the lock busy and wait.
   */
  private poll() {
    if (this.stopped || !this.started || this.jobsRunning) return;
    const jobs = this.delivery.jobs?.() ?? [];
    this.jobsRunning = (async () => {
      for (const job of jobs) await job();
    })()
      .catch((err) => this.log.error({ err }, 'outbox poll job failed'))
      .then(() => this.pending())
      .then(
        (any) => {
          if (any) this.kick();
        },
        (err) => this.log.error({ err }, 'outbox poll failed'),
      )
      .finally(() => (this.jobsRunning = undefined));
  }

  /** Whether any event waits (one statement, no transaction, no lock). */
  private async pending() {
    const [row] = await this.db.$queryRaw<{ any: boolean }[]>`select exists (select 1 from "OutboxEvent" where "publishedAt" is null) as any`;
    return row.any;
  }

  /** Asks for a drain soon; calls made while one runs coalesce into one more pass. */
  kick() {
    // An instance that does not dispatch (OUTBOX_DISPATCH=false) is never started.
    if (this.stopped || !this.started) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((err) => this.log.error({ err }, 'outbox drain failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        } else if (this.busy) {
          // Another dispatcher holds the lock; it may have read the outbox before our rows
          // committed, so look again shortly (1 ms, then twice as long each time up to 20 ms)
          // rather than spin on the lock.
          this.busy = false;
          this.backoff = Math.min(20, this.backoff ? this.backoff * 2 : 1);
          setTimeout(() => this.kick(), this.backoff).unref();
        } else this.backoff = 0;
      });
  }

  /** Delivers everything pending; resolves when the outbox is empty (as far as it can see). */
  async drain() {
    for (;;) {
      const n = await this.db.$transaction(
        async (tx) => {
          // One dispatcher at a time across all instances: events go out in commit order of each
          // card (its writes are serialized, so its events' ids grow), and never twice at once.
          // The lock and the claim are one statement (one round trip before the publish). Its
          // snapshot is taken before the lock: a row another dispatcher published and committed
          // in between is seen again by FOR UPDATE (read committed re-checks the row's latest
          // version against the WHERE), so it is not claimed twice.
          const claimed = await tx.$queryRaw<(Row & { ok: boolean })[]>`
          with l as (select pg_try_advisory_xact_lock(hashtextextended('crm:outbox', 0)) as ok)
          select l.ok, e."id", e."topic", e."payload" from l
          left join lateral (
            select "id", "topic", "payload" from "OutboxEvent"
            where l.ok and "publishedAt" is null
            order by "id"
            limit ${this.batch}
            for update skip locked
          ) e on true
          order by e."id"`;
          if (!claimed[0]?.ok) {
            this.busy = true;
            return -1;
          }
          const rows = claimed.filter((r) => r.id !== null);
          for (const row of rows) await this.delivery.deliver(row.topic, row.payload);
          // Marked published only once Redis took them: if it did not, the transaction rolls back
          // and the next drain publishes them again (at least once).
          await this.delivery.flush();
          if (rows.length) {
            await tx.$executeRaw`update "OutboxEvent" set "publishedAt" = now()
            where "id" = any(${rows.map((r) => r.id)}::bigint[])`;
          }
          return rows.length;
          // Prisma ends an interactive transaction after 5 s by default; a drain that published and
          // then lost its transaction to a loaded machine would publish its batch a second time.
        },
        { timeout: 60_000 },
      );
      if (n < this.batch) return;
    }
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.jobsRunning;
    await this.running;
  }
}
