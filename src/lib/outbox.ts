// Transactional outbox. A service writes its events with `enqueue` inside the same transaction
// as the change, so an event exists if and only if the change committed. The dispatcher
// publishes unpublished rows in id order and marks them; rows are claimed with
// FOR UPDATE SKIP LOCKED so several instances on one database never publish a row twice at
// once, and a crash between commit and publish only delays delivery until the next drain.
import type { Prisma } from '../generated/prisma/client.js';
import type { Db } from '../db.js';
import type { AppPubSub, DealChangedMessage } from './pubsub.js';
import type { Logger } from './logger.js';

export type Tx = Prisma.TransactionClient;

export type OutboxEvent = { topic: 'dealChanged'; workspaceId: string; payload: DealChangedMessage };

export async function enqueue(tx: Tx, events: OutboxEvent[]) {
  if (!events.length) return;
  await tx.outboxEvent.createMany({
    data: events.map((e) => ({ workspaceId: e.workspaceId, topic: e.topic, payload: e.payload })),
  });
}

type Row = { id: bigint; topic: string; payload: DealChangedMessage };

export class OutboxDispatcher {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly pubsub: AppPubSub,
    private readonly log: Logger,
    private readonly pollMs = 1000,
    private readonly batch = 200,
  ) {}

  start() {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Asks for a drain soon; calls made while one runs coalesce into one more pass. */
  kick() {
    if (this.stopped) return;
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
        }
      });
  }

  /** Publishes everything pending; resolves when the outbox is empty (as far as it can see). */
  async drain() {
    for (;;) {
      const n = await this.db.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<Row[]>`
          select "id", "topic", "payload" from "OutboxEvent"
          where "publishedAt" is null
          order by "id"
          limit ${this.batch}
          for update skip locked`;
        for (const row of rows) this.publish(row);
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
      this.pubsub.publish('dealChanged', row.payload.pipelineId, row.payload);
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
