// A pg connection that does not wait for the answers a transaction never reads. A card's write
// is BEGIN, its UPDATE, one INSERT of its timeline and outbox rows, COMMIT: four round trips, each
// also a turn of an event loop that may be busy pushing live updates. BEGIN answers nothing, and
// the held INSERT answers nothing anyone reads; sent in pg's pipeline mode they go out with the
// statement after them, which leaves two round trips.
import pg from 'pg';

/** Marks a statement whose answer its sender does not wait for (see `PipelinedClient`). */
export const DEFERRED = '/* deferred */ ';

/** What a deferred statement answers at once: nothing was read from it. */
const NOTHING = { command: '', rowCount: 0, oid: 0, rows: [], fields: [] } as pg.QueryResult;

/**
 * Pipelines BEGIN and statements marked DEFERRED: such a statement is sent at once and answers
 * at once, and the next statement on the connection (always sent after it, in order) reports its
 * failure, failing with its error instead of its own. A transaction's COMMIT after a failed
 * deferred statement is a ROLLBACK in PostgreSQL, and fails here: nothing of a failed write
 * commits, and its caller sees why. Only promise-style calls on a checked-out connection are
 * deferred (Prisma's transactions); `pool.query` and callbacks run as they always did.
 */
export class PipelinedClient extends pg.Client {
  private pending?: Promise<unknown>;

  constructor(config?: pg.ClientConfig) {
    super({ ...config, pipeline: true } as pg.ClientConfig);
    const send = super.query.bind(this) as (...args: unknown[]) => unknown;
    this.query = ((...args: unknown[]) => {
      const [config, values, callback] = args;
      const text = typeof config === 'string' ? config : (config as { text?: unknown } | null)?.text;
      const promised = typeof values !== 'function' && callback === undefined && typeof (config as { submit?: unknown } | null)?.submit !== 'function';
      if (!promised || typeof text !== 'string') return send(...args);
      const sent = send(...args) as Promise<pg.QueryResult>;
      const before = this.pending;
      if (text === 'BEGIN' || text.startsWith(DEFERRED)) {
        // Its failure is handed to the next statement; settled unheard, it is not an unhandled rejection.
        sent.catch(() => {});
        this.pending = before ? Promise.all([before, sent]) : sent;
        return Promise.resolve(NOTHING);
      }
      if (!before) return sent;
      this.pending = undefined;
      // `before` settles first: it was sent first on the same connection.
      return sent.then(
        (r) => before.then(() => r),
        (err: unknown) => before.then(() => Promise.reject(err)),
      );
    }) as pg.Client['query'];
  }
}
