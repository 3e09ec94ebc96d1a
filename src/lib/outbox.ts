// Transactional outbox. A service writes its events with `enqueue` inside the same transaction
// as the change, so an event exists if and only if the change committed. The dispatcher
// publishes unpublished rows in id order and marks them; rows are claimed with
// FOR UPDATE SKIP LOCKED so several instances on one database never publish a row twice at
// once, and a crash between commit and publish only delays delivery until the next drain.
import type { Prisma } from '../generated/prisma/client.js';
import type { Db } from '../db.js';
import type { AppPubSub, DealChangedMessage, NotificationMessage, SettingsChangedMessage, TimelineMessage } from './pubsub.js';
import type { Logger } from './logger.js';

export type Tx = Prisma.TransactionClient;

export type OutboxEvent =
  | { topic: 'dealChanged'; workspaceId: string; payload: DealChangedMessage }
  | { topic: 'timelineUpdated'; workspaceId: string; payload: TimelineMessage }
  | { topic: 'notification'; workspaceId: string; payload: NotificationMessage }
  | { topic: 'settingsChanged'; workspaceId: string; payload: SettingsChangedMessage };

export async function enqueue(tx: Tx, events: OutboxEvent[]) {
  if (!events.length) return;
  await tx.outboxEvent.createMany({
    data: events.map((e) => ({ workspaceId: e.workspaceId, topic: e.topic, payload: e.payload })),
  });
}

type Row = { id: bigint; topic: string; payload: DealChangedMessage | TimelineMessage | NotificationMessage | SettingsChangedMessage };

/** Tells live subscriptions of the workspace to re-read their viewer's rights before the next event. */
export const settingsChanged = (tx: Tx, workspaceId: string) =>
  enqueue(tx, [{ topic: 'settingsChanged', workspaceId, payload: { workspaceId } }]);

export class OutboxDispatcher {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private busy = false;
  private stopped = false;
  private started = false;
  // Due tasks are looked for on the poll, not on every write's kick.
  private dueCheck = false;

  constructor(
    private readonly db: Db,
    private readonly bus: { pubsub: AppPubSub; flush(): Promise<void> },
    private readonly log: Logger,
    private readonly pollMs = 1000,
    private readonly batch = 200,
  ) {}

  start() {
    this.stopped = false;
    this.started = true;
    const tick = () => {
      this.dueCheck = true;
      this.kick();
    };
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
    this.running = this.drain()
      .catch((err) => this.log.error({ err }, 'outbox drain failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        } else if (this.busy) {
          // Another dispatcher holds the lock; it may have read the outbox before our rows
          // committed, so look again shortly rather than spin on the lock.
          this.busy = false;
          setTimeout(() => this.kick(), 20).unref();
        }
      });
  }

  /**
   * Tasks that fell due become "task due" notifications: claimed once (several instances skip
   * each other's rows), marked, and queued in the same transaction.
   */
  private async dueTasks() {
    await this.db.$transaction(async (tx) => {
      const due = await tx.$queryRaw<{ id: string; workspaceId: string; responsibleId: string }[]>`
        update "Task" set "dueNotifiedAt" = now()
        where "id" in (select "id" from "Task" where "completedAt" is null and "dueNotifiedAt" is null and "dueAt" <= now()
                       order by "dueAt" limit ${this.batch} for update skip locked)
        returning "id"::text, "workspaceId"::text, "responsibleId"::text`;
      const occurredAt = new Date().toISOString();
      await enqueue(
        tx,
        due.map((t) => ({
          topic: 'notification' as const,
          workspaceId: t.workspaceId,
          payload: { workspaceId: t.workspaceId, userId: t.responsibleId, kind: 'TASK_DUE' as const, taskId: t.id, occurredAt },
        })),
      );
    });
  }

  /** Publishes everything pending; resolves when the outbox is empty (as far as it can see). */
  async drain() {
    if (this.dueCheck) {
      this.dueCheck = false;
      await this.dueTasks();
    }
    for (;;) {
      const n = await this.db.$transaction(async (tx) => {
        // One dispatcher at a time across all instances: events go out in commit order of each
        // card (its writes are serialized, so its events' ids grow), and never twice at once.
        const [lock] = await tx.$queryRaw<{ ok: boolean }[]>`select pg_try_advisory_xact_lock(hashtextextended('crm:outbox', 0)) as ok`;
        if (!lock.ok) {
          this.busy = true;
          return -1;
        }
        const rows = await tx.$queryRaw<Row[]>`
          select "id", "topic", "payload" from "OutboxEvent"
          where "publishedAt" is null
          order by "id"
          limit ${this.batch}
          for update skip locked`;
        for (const row of rows) this.publish(row);
        // Marked published only once Redis took them: if it did not, the transaction rolls back
        // and the next drain publishes them again (at least once).
        await this.bus.flush();
        if (rows.length) {
          await tx.$executeRaw`update "OutboxEvent" set "publishedAt" = now()
            where "id" = any(${rows.map((r) => r.id)}::bigint[])`;
        }
        return rows.length;
      });
      if (n < this.batch) return;
    }
  }

  private publish(row: Row) {
    if (row.topic === 'dealChanged') {
      const p = row.payload as DealChangedMessage;
      this.bus.pubsub.publish('dealChanged', p.pipelineId, p);
    } else if (row.topic === 'notification') {
      const p = row.payload as NotificationMessage;
      this.bus.pubsub.publish('notification', p.userId, p);
    } else if (row.topic === 'settingsChanged') {
      this.bus.pubsub.publish('settingsChanged', row.payload as SettingsChangedMessage);
    } else if (row.topic === 'timelineUpdated') {
      const p = row.payload as TimelineMessage;
      this.bus.pubsub.publish('timelineUpdated', p.cardId, p);
    } else {
      this.log.warn({ topic: row.topic }, 'outbox row with unknown topic');
    }
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
