// Domain events and the consumers that listen to them. A change emits its events inside its own
// transaction: consumers registered `inTransaction` run there (what must commit with the
// change: timeline entries, stage history), and the event is written to the outbox, from which
// the dispatcher hands it, once committed, to the consumers registered `afterCommit` (side
// effects: realtime, notifications; next webhooks and automations). No module calls another to
// tell it of a change; it emits, and whoever cares listens.
import { batchRows, enqueue, pruneOutbox, PRUNE_BATCH, type Tx } from '../lib/outbox.js';
import { atMostEvery } from '../lib/worker.js';
import type { AppDeps, ServiceCtx } from '../context.js';
import type { Db } from '../db.js';
import type { SettingsEpochs } from '../lib/settings-epochs.js';
import type { AutomationRunMessage, NotificationMessage, SettingsChangedMessage, TimelineMessage } from '../lib/pubsub.js';
import type { CardKind } from './card-kinds.js';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** A card as an event carries it: its columns (decimals as strings, instants as ISO strings). */
export type Snapshot = Record<string, Json>;

/** One changed field: a system field by name, a custom field by id (and its name at the time). */
export type FieldChange = { field: string; customFieldId?: string; old: Json; new: Json };

/** A card was created, updated (moved included), trashed or restored. */
export type RecordEvent = {
  kind: CardKind;
  workspaceId: string;
  recordId: string;
  actorId: string;
  occurredAt: string;
  before: Snapshot | null;
  after: Snapshot;
  /** What changed, system and custom fields; empty for trash and restore. */
  diff: FieldChange[];
};

export type TaskEvent = {
  workspaceId: string;
  actorId: string;
  occurredAt: string;
  /** For a deal, its pipeline (boards listen per pipeline). LEAD: a task on an incoming lead. */
  card: { kind: CardKind | 'LEAD'; id: string; pipelineId?: string };
  task: { id: string; type: string; text: string; dueAt: string; responsibleId: string; result: string | null };
};

export type FileAttachedEvent = {
  workspaceId: string;
  actorId: string;
  occurredAt: string;
  card: { kind: CardKind; id: string };
  file: { id: string; name: string; size: number; contentType: string };
};

/** Cards were merged into one: `recordId` kept, `merged` (id and name) went to the trash pointing at it. */
export type MergeEvent = {
  kind: CardKind;
  workspaceId: string;
  actorId: string;
  occurredAt: string;
  recordId: string;
  merged: { id: string; name: string }[];
};

/** An incoming lead arrived (a form, a call, an e-mail, a chat, the API). */
export type LeadEvent = {
  workspaceId: string;
  actorId: string;
  occurredAt: string;
  leadId: string;
  source: string;
  responsibleId: string;
  /** Contacts that look like the same person. */
  duplicateContactIds: string[];
};

/** Every event the outbox carries, by topic. */
export type EventMap = {
  'record.created': RecordEvent;
  'record.updated': RecordEvent;
  'record.trashed': RecordEvent;
  'record.restored': RecordEvent;
  'record.merged': MergeEvent;
  'task.created': TaskEvent;
  'task.completed': TaskEvent;
  /** A task's type, text, due time or responsible changed, or it was reopened. */
  'task.updated': TaskEvent;
  'file.attached': FileAttachedEvent;
  'lead.received': LeadEvent;
  timelineUpdated: TimelineMessage;
  notification: NotificationMessage;
  automationRun: AutomationRunMessage;
  settingsChanged: SettingsChangedMessage;
  /** The change queued durable jobs (automation runs, webhook deliveries): the worker is woken. */
  jobsQueued: { workspaceId: string };
};
export type Topic = keyof EventMap;

type TxConsumer<T extends Topic> = (tx: Tx, event: EventMap[T], ctx: ServiceCtx) => Promise<void>;
type TxManyConsumer<T extends Topic> = (tx: Tx, events: EventMap[T][], ctx: ServiceCtx, ahead?: ReadsAhead) => Promise<void>;
type AheadRead = (db: Db, workspaceId: string) => Promise<unknown[]>;

/**
 * Reads that in-transaction consumers of a change make whatever the change is (the workspace's
 * automations and webhooks listening to its topic), started before the change's transaction on
 * connections of their own, beside the change's own reads, instead of one after another inside
 * it. The change's transaction begins once they have answered, so it never holds its locks
 * waiting for them. Each is handed out once, to the consumer that registered it, for the
 * workspace it was started for; a consumer given none reads in its transaction as before.
 */
export class ReadsAhead {
  constructor(
    private readonly workspaceId: string,
    private readonly reads: Map<string, Promise<unknown>>,
  ) {}
  take<T>(topic: Topic, name: string, workspaceId: string): Promise<T> | undefined {
    if (workspaceId !== this.workspaceId) return undefined;
    const key = `${topic}:${name}`;
    const p = this.reads.get(key) as Promise<T> | undefined;
    this.reads.delete(key);
    return p;
  }
  /** Resolves once every read has answered (or failed: its consumer gets the failure). */
  async settled() {
    await Promise.allSettled(this.reads.values());
  }
}
type InTx = { name: string; fn: TxConsumer<Topic> } | { name: string; many: TxManyConsumer<Topic> };
type AfterConsumer<T extends Topic> = (event: EventMap[T], deps: AppDeps) => void | Promise<void>;
type Background = (deps: AppDeps) => Promise<number>;

class EventRegistry {
  private readonly inTx = new Map<Topic, InTx[]>();
  private readonly after = new Map<Topic, { name: string; fn: AfterConsumer<Topic> }[]>();
  private readonly background: { name: string; fn: Background }[] = [];
  private readonly ahead = new Map<Topic, { name: string; fn: AheadRead }[]>();

  /** Runs in the transaction of every change that emits `topic`; its failure undoes the change. */
  inTransaction<T extends Topic>(topics: T | T[], name: string, fn: TxConsumer<T>) {
    for (const t of [topics].flat()) this.addTx(t, { name, fn: fn as unknown as TxConsumer<Topic> });
  }

  /**
   * Like inTransaction, but handed every event of one emit at once (a batch of imported cards
   * emits hundreds): the consumer writes what they need in a few statements, not one per event.
   */
  inTransactionMany<T extends Topic>(topics: T | T[], name: string, many: TxManyConsumer<T>) {
    for (const t of [topics].flat()) this.addTx(t, { name, many: many as unknown as TxManyConsumer<Topic> });
  }

  /**
   * A read the in-transaction consumer `name` of `topics` makes for any change in a workspace,
   * which a writer may start ahead of its transaction (see ReadsAhead); the consumer takes it
   * with `ahead?.take(topic, name, workspaceId)`.
   */
  readAhead<T extends Topic>(topics: T | T[], name: string, fn: AheadRead) {
    for (const t of [topics].flat()) this.add(this.ahead, t, name, fn);
  }

  /** Starts the reads ahead of a change in `workspaceId` that will emit `topics`, on `db` (not a transaction); with `epochs`, kept across changes. */
  startReads(db: Db, workspaceId: string, topics: Topic[], epochs?: SettingsEpochs): ReadsAhead {
    const reads = new Map<string, Promise<unknown>>();
    for (const topic of topics) {
      for (const r of this.ahead.get(topic) ?? []) {
        // What they read is the workspace's settings (its automations, webhooks): kept across
        // changes until those change, as a token's row is.
        const read = () => r.fn(db, workspaceId);
        const p = epochs ? epochs.keptList(workspaceId, `ahead:${topic}:${r.name}`, read) : read();
        // A change refused before its transaction never takes its reads: their failure is nobody's.
        p.catch(() => {});
        reads.set(`${topic}:${r.name}`, p);
      }
    }
    return new ReadsAhead(workspaceId, reads);
  }

  private addTx(topic: Topic, c: InTx) {
    const list = this.inTx.get(topic) ?? [];
    if (!list.some((x) => x.name === c.name)) list.push(c);
    this.inTx.set(topic, list);
  }

  /** Runs once the change committed, from the outbox (at least once; a failure retries the batch). */
  afterCommit<T extends Topic>(topics: T | T[], name: string, fn: AfterConsumer<T>) {
    for (const t of [topics].flat()) this.add(this.after, t, name, fn as unknown as AfterConsumer<Topic>);
  }

  /**
   * A source of durable jobs the background worker (lib/worker.ts) runs outside any
   * transaction: it claims its due rows, runs them and returns how many it ran. Periodic work
   * (tasks that fell due) is a source too, so the outbox dispatcher never waits for it.
   */
  jobSource(name: string, fn: Background) {
    if (!this.background.some((j) => j.name === name)) this.background.push({ name, fn });
  }

  private add<F>(map: Map<Topic, { name: string; fn: F }[]>, topic: Topic, name: string, fn: F) {
    const list = map.get(topic) ?? [];
    // Registration happens on import; a module imported twice must not listen twice.
    if (!list.some((c) => c.name === name)) list.push({ name, fn });
    map.set(topic, list);
  }

  /**
   * Emits events inside the change's transaction: in-transaction consumers, then the outbox, where
   * several events of one emit (a batch's) go as one row (lib/outbox.ts, `batchRows`).
   */
  async emit<T extends Topic>(tx: Tx, ctx: ServiceCtx, topic: T, events: EventMap[T][], ahead?: ReadsAhead) {
    if (!events.length) return;
    for (const c of this.inTx.get(topic) ?? []) {
      if ('many' in c) await c.many(tx, events, ctx, ahead);
      else for (const e of events) await c.fn(tx, e, ctx);
    }
    await enqueue(tx, batchRows(topic, events as { workspaceId: string }[]));
  }

  /** What the outbox dispatcher calls for each committed event. */
  deliverer(deps: AppDeps) {
    return {
      deliver: async (topic: string, payload: unknown) => {
        const list = this.after.get(topic as Topic);
        if (!list) {
          deps.log.warn({ topic }, 'outbox event with no consumer');
          return;
        }
        for (const c of list) await c.fn(payload as EventMap[Topic], deps);
      },
      sources: () => this.background.map((j) => () => j.fn(deps)),
    };
  }

  /** Who listens to what: for the README and a test that the wiring stays as documented. */
  describe() {
    const list = (m: Map<Topic, { name: string }[]>) =>
      Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)).map(([t, cs]) => [t, cs.map((c) => c.name)]));
    return {
      inTransaction: list(this.inTx),
      readAhead: list(this.ahead),
      afterCommit: list(this.after),
      jobSources: this.background.map((j) => j.name),
    };
  }
}

export const events = new EventRegistry();

/** Transactions that already carry a `jobsQueued` event. */
const queuedIn = new WeakSet<Tx>();

/**
 * Wakes the background worker once the change commits, because it queued jobs: one `jobsQueued`
 * event per transaction, so a change that queues nothing (no automation or webhook listens)
 * costs the worker no pass.
 */
export async function jobsQueued(tx: Tx, workspaceId: string) {
  if (queuedIn.has(tx)) return;
  queuedIn.add(tx);
  await enqueue(tx, [{ topic: 'jobsQueued', workspaceId, payload: { workspaceId } }]);
}
events.afterCommit('jobsQueued', 'worker: wake up', (_e, deps) => deps.worker.kick());

/** How often at most an instance looks for published events past their keep. */
const PRUNE_MS = 60_000;

/**
 * The job source that deletes published events past OUTBOX_KEEP_HOURS (kept to look into what
 * went out), a batch a pass, the oldest first; passes follow each other while whole batches go.
 * Without it the outbox would grow by every change for good (an imported row's event holds its
 * card). The app registers it after the modules' sources, so a pass runs due jobs first.
 */
export const pruneKeptEvents = atMostEvery(
  PRUNE_MS,
  async ({ db, config }: AppDeps) => (config.outboxKeepMs > 0 ? pruneOutbox(db, config.outboxKeepMs) : 0),
  PRUNE_BATCH,
);

/**
 * Tells live subscriptions of the workspace to re-read their viewer's rights before the next
 * event, and every instance to drop the token rows it keeps for the workspace (this one at once).
 */
export function settingsChanged(tx: Tx, ctx: Pick<ServiceCtx, 'deps' | 'viewer'>) {
  const { workspaceId } = ctx.viewer;
  ctx.deps.epochs.changing(workspaceId);
  return enqueue(tx, [settingsChangedEvent(workspaceId)]);
}

/** The outbox row of settingsChanged, for a change made outside a request (a worker's), which has no epochs of its own to drop at once. */
export function settingsChangedEvent(workspaceId: string) {
  return { topic: 'settingsChanged', workspaceId, payload: { workspaceId } };
}

/**
 * Runs an administrator's change of what the workspace's writes consult (its automations,
 * webhooks) in one transaction with its settingsChanged, then has the event published: every
 * instance drops what it kept of the workspace (ReadsAhead's lists).
 */
export async function changeSettings<T>(ctx: ServiceCtx, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const out = await ctx.db.$transaction(async (tx) => {
    const r = await fn(tx);
    await settingsChanged(tx, ctx);
    return r;
  });
  ctx.deps.outbox.kick();
  return out;
}
