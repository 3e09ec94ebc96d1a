// The background worker: runs durable jobs kept in the database (automation runs, webhook
// deliveries) outside any request. Each job source claims its due rows itself with a lease
// (FOR UPDATE SKIP LOCKED), so any number of instances may run a worker and none runs the same
// row at once; a row whose worker died is claimed again when its lease ends. The worker only
// decides when to look: on a kick (the outbox delivered events that queued jobs) and on a
// timer (jobs that fell due, leases that ended). It knows no job kinds.
import type { Logger } from './logger.js';

/** One source of jobs: runs what is due, returns how many it ran (more may be waiting when > 0). */
export type JobSource = () => Promise<number>;

/**
 * A periodic source (a sweep for what fell due) run at most once per `ms` for each `key` (the
 * app's deps): the worker also passes on every kick, and a sweep need not run on each of them.
 * Between its runs it answers 0. With `full`, a run that answered `full` or more left more to do,
 * so the next call runs at once (the worker's next pass) instead of waiting out the interval.
 */
export function atMostEvery<K extends object>(ms: number, fn: (key: K) => Promise<number>, full = Infinity): (key: K) => Promise<number> {
  const last = new WeakMap<K, number>();
  return async (key) => {
    if (Date.now() - (last.get(key) ?? 0) < ms) return 0;
    last.set(key, Date.now());
    const n = await fn(key);
    if (n >= full) last.delete(key);
    return n;
  };
}

export class Worker {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private started = false;
  private stopped = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly sources: () => JobSource[],
    private readonly log: Logger,
    private readonly pollMs = 1000,
  ) {}

  start() {
    this.started = true;
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Asks for a pass soon; kicks during a pass coalesce into one more. */
  kick() {
    if (!this.started || this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((err) => this.log.error({ err }, 'worker pass failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.kick();
        } else {
          for (const f of this.idle.splice(0)) f();
        }
      });
  }

  /** Runs every source until none has anything due. */
  async pass() {
    for (;;) {
      let n = 0;
      for (const source of this.sources()) {
        if (this.stopped) return;
        // A source that fails (its claim, a database error) is logged and looked at again on
        // the next pass; it holds up none of the others (webhooks go out while automations fail).
        try {
          n += await source();
        } catch (err) {
          this.log.error({ err }, 'worker: a job source failed; the others go on');
        }
      }
      if (!n) return;
    }
  }

  /** Resolves once the worker has nothing running (tests, benchmarks). */
  settled(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
