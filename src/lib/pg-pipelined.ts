// A pg connection that neither waits for the answers a transaction never reads nor writes them
// alone. A card's write is BEGIN, its UPDATE, one INSERT of its timeline and outbox rows, COMMIT:
// four round trips (each ~1 ms where PostgreSQL is on another host) and four socket writes (a
// system call each). BEGIN answers nothing, and the held INSERT answers nothing anyone reads: they
// are written together with the statement after them, in pg's pipeline mode, which leaves two
// round trips and two writes (docs/performance.md, "BEGIN and the held INSERT sent without waiting").
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';

/** Marks a statement whose answer its sender does not wait for (see `PipelinedClient`). */
export const DEFERRED = '/* deferred */ ';

/** What a deferred statement answers at once: nothing was read from it. */
const NOTHING = { command: '', rowCount: 0, oid: 0, rows: [], fields: [] } as pg.QueryResult;

type Send = (...args: unknown[]) => unknown;

/**
 * Set on a PrismaClient whose connections are PipelinedClients: its statements may carry
 * parameters by reference (`byReference`).
 */
export const RESOLVES_REFERENCES = Symbol('resolvesReferences');

/** Values passed by reference, by their token; each is taken out when its statement is sent. */
const references = new Map<string, string>();
// A NUL cannot be in a text parameter PostgreSQL accepts, so no real value starts so.
const REF = '\u0000ref:';
let nextRef = 0;

/**
 * A token for `value` to give Prisma as a raw statement's parameter, in its place: the connection
 * sends `value` itself. A batch's rows are one JSON parameter of a few MB, which Prisma's raw path
 * would serialize to JSON again and parse back before the driver sees it (~15 % of an import's
 * CPU, measured). `release` drops a value its statement never sent (it failed before).
 */
export function byReference(value: string): { token: string; release(): void } {
  const token = REF + nextRef++;
  references.set(token, value);
  return { token, release: () => references.delete(token) };
}

/** How many values passed by reference are held, not yet sent nor released (none once every statement is done). */
export const heldReferences = () => references.size;

/** Puts the values passed by reference back in a statement's parameters. */
function resolve(config: unknown, values: unknown) {
  const list = Array.isArray(values) ? values : (config as { values?: unknown } | null)?.values;
  if (!Array.isArray(list)) return;
  for (let i = 0; i < list.length; i++) {
    const v: unknown = list[i];
    if (typeof v !== 'string' || !v.startsWith(REF)) continue;
    const value = references.get(v);
    if (value === undefined) throw new Error('pg: a parameter passed by reference was sent twice or released');
    list[i] = value;
    references.delete(v);
  }
}

/**
 * What runs on a connection right behind a transaction's COMMIT, in the same socket write: the
 * outbox dispatcher's claim (lib/outbox.ts), so a write's events are claimed without a round
 * trip of their own after it commits. `follow` answers the statement to send (or nothing, to
 * send none); `followed` gets its answer and the connection, which no one else uses (the pool
 * does not have it back, and the transaction's own later statements, a ROLLBACK after a failed
 * COMMIT, wait) until it resolves, with the error that broke the connection if one did.
 */
export type CommitFollower = {
  follow(): string | undefined;
  followed(answer: Promise<unknown>, on: { query(sql: string): Promise<unknown> }): Promise<Error | undefined>;
};

/** The follower of the COMMITs sent within `run` (PostgreSQL's connections only). */
export const commitFollower = new AsyncLocalStorage<CommitFollower>();

/**
 * Holds BEGIN and statements marked DEFERRED, answering them at once, and writes them with the
 * next statement on the connection, in one socket write (or alone, on the next turn of the event
 * loop, if none came by then). The statement after one reports its failure, failing with its
 * error instead of its own. A transaction's COMMIT after a failed deferred statement is a
 * ROLLBACK in PostgreSQL, and fails here: nothing of a failed write commits, and its caller sees
 * why. Only promise-style calls on a checked-out connection are held (Prisma's transactions);
 * `pool.query` and callbacks run as they always did.
 */
export class PipelinedClient extends pg.Client {
  /** Statements held, in order, not yet written. */
  private held: unknown[][] = [];
  /** Statements written whose failure the next statement reports. */
  private pending?: Promise<unknown>;
  /** While a COMMIT's follower has the connection: settles when it gives it back (with what broke it, if anything). */
  private followedBy?: Promise<Error | undefined>;
  /** What broke the connection under a follower: it goes back to the pool as broken. */
  private broken?: Error;
  /** Whether the transaction in progress sent a DEFERRED statement (its outbox rows): only its COMMIT is followed. */
  private deferredSent = false;
  /** The pool's release of this checkout (pg-pool sets it), called once a follower is done. */
  private poolRelease?: (err?: Error | boolean) => void;

  constructor(config?: pg.ClientConfig) {
    super({ ...config, pipeline: true } as pg.ClientConfig);
    const send = super.query.bind(this) as Send;
    this.query = ((...args: unknown[]) => {
      const [config, values, callback] = args;
      resolve(config, values);
      const text = typeof config === 'string' ? config : (config as { text?: unknown } | null)?.text;
      const promised = typeof values !== 'function' && callback === undefined && typeof (config as { submit?: unknown } | null)?.submit !== 'function';
      // A follower has the connection: what the transaction sends after its COMMIT waits.
      if (this.followedBy) return this.followedBy.then(() => this.query(...(args as Parameters<pg.Client['query']>)));
      if (promised && typeof text === 'string' && (text === 'BEGIN' || text.startsWith(DEFERRED))) {
        if (!this.held.length) setImmediate(() => this.flush(send));
        this.held.push(args);
        this.deferredSent = text !== 'BEGIN';
        return Promise.resolve(NOTHING);
      }
      const stream = (this as unknown as { connection: { stream: { cork(): void; uncork(): void } } }).connection.stream;
      const follower = promised && text === 'COMMIT' && this.deferredSent ? commitFollower.getStore() : undefined;
      if (text === 'COMMIT' || text === 'ROLLBACK') this.deferredSent = false;
      const next = follower?.follow();
      const holding = this.held.length > 0 || next !== undefined;
      if (holding) stream.cork();
      this.flush(send);
      const sent = send(...args);
      if (next !== undefined) this.follow(follower!, send(next) as Promise<unknown>, send);
      if (holding) stream.uncork();
      if (!promised) return sent;
      const before = this.pending;
      if (!before) return sent;
      this.pending = undefined;
      // `before` settles first: it was written first on the same connection.
      return (sent as Promise<pg.QueryResult>).then(
        (r) => before.then(() => r),
        (err: unknown) => before.then(() => Promise.reject(err)),
      );
    }) as pg.Client['query'];
  }

  /** Hands the connection to a COMMIT's follower until it is done with it (see `CommitFollower`). */
  private follow(follower: CommitFollower, answer: Promise<unknown>, send: Send) {
    const done = follower
      .followed(answer, { query: (sql) => send(sql) as Promise<unknown> })
      .catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))))
      .then((failed) => {
        if (failed) this.broken = failed;
        if (this.followedBy === done) this.followedBy = undefined;
        return failed;
      });
    this.followedBy = done;
  }

  /** pg-pool's release of this checkout, kept until a COMMIT's follower is done with the connection. */
  get release(): (err?: Error | boolean) => void {
    return (err) => {
      const release = this.poolRelease;
      if (!release) throw new Error('pg: release of a connection not checked out of a pool');
      const give = () => {
        const broken = this.broken;
        this.broken = undefined;
        release(err || broken);
      };
      if (!this.followedBy) return give();
      // Once the follower is done. A second release of one checkout (a bug pg-pool reports by
      // throwing) is dropped here, not left an unhandled rejection, which would end the process.
      void this.followedBy.then(give).catch(() => {});
    };
  }

  set release(fn: (err?: Error | boolean) => void) {
    this.poolRelease = fn;
  }

  /** Writes the statements held (within the caller's cork, the next one's write). */
  private flush(send: Send) {
    for (const args of this.held.splice(0)) {
      const sent = send(...args) as Promise<unknown>;
      // Its failure is handed to the next statement, which may hear of it only once its own answer
      // came (a later read of the socket): until then it is not an unhandled rejection.
      const pending = this.pending ? Promise.all([this.pending, sent]) : sent;
      pending.catch(() => {});
      this.pending = pending;
    }
  }
}
