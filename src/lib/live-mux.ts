// Live-query multiplexing for graphql-ws. Subscribers whose operations would give the same
// results (the caller's `key`: document, variables and a rights fingerprint) form a group that
// runs ONE subscription, under a context of its own, and turns each of its results into ONE
// JSON string, encoded once; every member's socket gets those bytes with its own operation id
// spliced in, as one ready buffer (no string built and encoded again per socket).
//
// What a member may see is decided by the key. When its rights may have changed (the caller
// calls `recheck(unit)`, or its session ran out) the member's next results are held while
// `keyAgain` reads its rights again; then it stays (and gets them), ends with the error
// `keyAgain` threw, or moves to a group of its new key. What was held was computed under its
// old rights and is dropped; so that nothing is lost, `recheck` starts recording the group's
// pubsub channels at once (synchronously, before any later message is dispatched), and the
// mover's new group starts from that recording. It knows nothing of the CRM: the app supplies
// the key, the shared context, the re-check and the pubsub tap.
import type { ExecutionArgs, ExecutionResult } from 'graphql';

/**
 * The socket of a member: ws's WebSocket (1 is OPEN; `bufferedAmount`, the bytes sent but not yet
 * taken by the system), sent each message as UTF-8 bytes of a text frame.
 */
export type LiveSocket = { readonly readyState: number; readonly bufferedAmount: number; send(data: Buffer, options: { binary: false }): void };

const TEXT = { binary: false } as const;
const CLOSE = '}'.charCodeAt(0);

/**
 * graphql-ws's `next` message: the member's prefix, the payload and the closing brace, copied into
 * one buffer. A socket that takes its writes at once gets a slice of Node's shared pool (cheap,
 * free again once written). One with writes queued keeps this message until the client reads:
 * it gets a buffer of its own, as a pooled slice would keep its whole 8 KB pool alive meanwhile.
 */
function nextMessage(prefix: Buffer, payload: Buffer, queued: boolean) {
  const size = prefix.length + payload.length + 1;
  const message = queued ? Buffer.allocUnsafeSlow(size) : Buffer.allocUnsafe(size);
  prefix.copy(message, 0);
  payload.copy(message, prefix.length);
  message[size - 1] = CLOSE;
  return message;
}

type Outcome = AsyncIterable<ExecutionResult> | ExecutionResult;
type Subscribe = (args: ExecutionArgs) => Outcome | Promise<Outcome>;

export type LiveHooks<C> = {
  /** The workspace (or other unit) whose rights changes `recheck` is called with. */
  unitOf(ctx: C): string;
  /** Whether the member's own sign-in ran out (then it is checked again before it gets more). */
  expired(ctx: C): boolean;
  /**
   * The context a new group runs under: the first member's, made independent of it (no rights
   * re-read of its own: the mux re-checks members), whose pubsub calls `listen(channel)` for
   * each channel it subscribes to and uses the iterable it answers, if any, instead of its own.
   */
  share(ctx: C, listen: (channel: string) => AsyncIterable<unknown> | undefined): C;
  /**
   * Listens on a pubsub channel now (in place when this returns): `fn` is called synchronously
   * as each message is dispatched. Answers the function that stops listening.
   */
  tap(channel: string, fn: (m: unknown) => void): () => void;
  /**
   * Reads the member's rights again (updating `ctx`) and answers its key now; throws the error
   * the member ends with when it may no longer subscribe (signed out, deactivated, …).
   */
  keyAgain(ctx: C, args: ExecutionArgs): Promise<string>;
  /**
   * After `keyAgain` failed for the `attempt`th time in a row (0 first): in how many ms to read
   * again, or undefined to end the member with the error (an answer such as signed out, or a
   * failure that lasted). Meanwhile its results stay held. Left out: every failure ends it.
   */
  retryAfter?(error: unknown, attempt: number): number | undefined;
  /** A failure of the mux itself (a group's key could not be re-read…). */
  onError(err: unknown): void;
};

type Ending = { result: ExecutionResult } | { error: unknown } | null;

/** Messages a recording keeps at most (a group that filters everything out may go long without a result). */
const RECORDED = 1000;

/**
 * A group's pubsub channels from the moment its rights may have changed, plus what the group had
 * already been dispatched but not yet turned into a result (its filter or its read still
 * running): kept while any member of the group has not been re-checked since, and replayed, then
 * followed live, by the groups members move to.
 */
class Recording {
  /** Per channel: the messages so far (null once nobody may need them), and their followers. */
  private readonly channels = new Map<string, { stop: () => void; kept: unknown[] | null; followers: Set<(m: unknown) => void> }>();
  /** Members not re-checked since. */
  users = 0;
  constructor(channels: Map<string, Feed>, tap: LiveHooks<unknown>['tap'], taps: Map<string, number>) {
    for (const [channel, feed] of channels) {
      const c = { stop: () => {}, kept: feed.pending() as unknown[] | null, followers: new Set<(m: unknown) => void>() };
      this.channels.set(channel, c);
      taps.set(channel, (taps.get(channel) ?? 0) + 1);
      const stop = tap(channel, (m) => {
        if (c.kept && c.kept.push(m) > RECORDED) c.kept.shift();
        for (const f of c.followers) f(m);
      });
      let stopped = false;
      c.stop = () => {
        if (stopped) return;
        stopped = true;
        stop();
        const left = taps.get(channel)! - 1;
        if (left) taps.set(channel, left);
        else taps.delete(channel);
      };
    }
  }
  /** A member no longer needs what was recorded. */
  release() {
    if (--this.users > 0) return;
    for (const c of this.channels.values()) c.kept = null;
    this.endIdle();
  }
  private endIdle() {
    for (const c of this.channels.values()) if (!c.kept && c.followers.size === 0) c.stop();
  }
  /**
   * Hands `fn` the channel from the start of the recording (synchronously, now), then live.
   * Answers how to stop, or undefined when the channel is not recorded (any more).
   */
  follow(channel: string, fn: (m: unknown) => void): (() => void) | undefined {
    const c = this.channels.get(channel);
    if (!c?.kept) return undefined;
    for (const m of c.kept) fn(m);
    c.followers.add(fn);
    return () => {
      c.followers.delete(fn);
      this.endIdle();
    };
  }
}

/**
 * One pubsub channel as a group's subscription reads it: messages arrive synchronously as they
 * are dispatched (from the pubsub, or from a recording), and the feed keeps those that have not
 * yet led to a result (taken by the subscription since its last result, or not taken yet), so a
 * re-check can hand them to the groups members move to.
 */
class Feed implements AsyncIterableIterator<unknown> {
  private readonly log: unknown[] = [];
  /** Position in `log` of the next message the subscription takes. */
  private taken = 0;
  private wake: ((r: IteratorResult<unknown>) => void) | null = null;
  private done = false;
  stop: () => void = () => {};
  push(m: unknown) {
    if (this.done) return;
    if (this.wake) {
      const w = this.wake;
      this.wake = null;
      this.log.push(m);
      this.taken = this.log.length;
      w({ value: m, done: false });
      return;
    }
    this.log.push(m);
  }
  /** The group produced a result: what its subscription took so far is settled. */
  settled() {
    this.log.splice(0, this.taken);
    this.taken = 0;
  }
  /** What has not led to a result yet (bounded: a group that filters everything out never settles). */
  pending() {
    return this.log.slice(-RECORDED);
  }
  next(): Promise<IteratorResult<unknown>> {
    if (this.taken < this.log.length) {
      const value = this.log[this.taken++];
      // Taken without a result for long (everything filtered out): forget the oldest.
      if (this.taken > RECORDED) {
        this.log.shift();
        this.taken--;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.wake = resolve));
  }
  return(): Promise<IteratorResult<unknown>> {
    if (!this.done) {
      this.done = true;
      this.stop();
      this.wake?.({ value: undefined, done: true });
      this.wake = null;
    }
    return Promise.resolve({ value: undefined, done: true });
  }
  [Symbol.asyncIterator]() {
    return this;
  }
}

class Member<C> implements AsyncGenerator<ExecutionResult, undefined> {
  group: Group<C> | null = null;
  /** Results held (serialized, encoded) while the member's rights are read again. */
  held: Buffer[] | null = null;
  /** Bumped by each re-check: only the latest one's answer counts. */
  checks = 0;
  /** Its rights may have changed: read them again before it gets its next result. */
  stale = false;
  /** The recording its group started when it became stale, until it is settled. */
  recording: Recording | null = null;
  /** graphql-ws's `next` message up to its payload, encoded. */
  private readonly prefix: Buffer;
  private ending: Ending | undefined;
  private waiting: ((r: IteratorResult<ExecutionResult, undefined>) => void) | null = null;
  private failing: ((err: unknown) => void) | null = null;
  constructor(
    readonly mux: LiveMux<C>,
    id: string,
    readonly socket: LiveSocket,
    readonly args: ExecutionArgs & { contextValue: C },
    readonly subscribe: Subscribe,
    public key: string,
  ) {
    // Memory of its own: a slice of Node's shared pool would keep 8 KB alive for the member's life.
    const prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
    this.prefix = Buffer.allocUnsafeSlow(Buffer.byteLength(prefix));
    this.prefix.write(prefix);
  }
  get ctx() {
    return this.args.contextValue;
  }
  get open() {
    return this.ending === undefined;
  }
  /** Sends one result, `payload` its serialized JSON in UTF-8 (or holds it while the member is re-checked). */
  deliver(payload: Buffer) {
    if (!this.open) return;
    if (this.stale || (!this.held && this.mux.hooks.expired(this.ctx))) this.mux.check(this);
    if (this.held) this.held.push(payload);
    else if (this.socket.readyState === 1) this.socket.send(nextMessage(this.prefix, payload, this.socket.bufferedAmount > 0), TEXT);
  }
  release() {
    const held = this.held ?? [];
    this.held = null;
    for (const payload of held) this.deliver(payload);
  }
  /** It no longer needs its group's recording. */
  settle() {
    this.recording?.release();
    this.recording = null;
  }
  /** Ends the member: graphql-ws sends `result` (if any) as its last `next`, or `error`, then `complete`. */
  end(how: Ending) {
    if (!this.open) return;
    this.ending = how;
    this.held = null;
    this.settle();
    this.group?.remove(this);
    this.group = null;
    const wake = this.waiting;
    const fail = this.failing;
    this.waiting = this.failing = null;
    if (how && 'error' in how && fail) {
      this.ending = null;
      fail(how.error);
    } else if (wake) void this.next().then(wake);
  }
  next(): Promise<IteratorResult<ExecutionResult, undefined>> {
    const how = this.ending;
    if (how === undefined)
      return new Promise((resolve, reject) => {
        this.waiting = resolve;
        this.failing = reject;
      });
    if (how && 'error' in how) {
      this.ending = null;
      return Promise.reject(how.error);
    }
    if (how) {
      this.ending = null;
      return Promise.resolve({ value: how.result, done: false });
    }
    return Promise.resolve({ value: undefined, done: true });
  }
  async return(): Promise<IteratorResult<ExecutionResult, undefined>> {
    this.end(null);
    this.ending = null;
    return { value: undefined, done: true };
  }
  async throw(err: unknown): Promise<IteratorResult<ExecutionResult, undefined>> {
    this.end(null);
    throw err;
  }
  [Symbol.asyncIterator]() {
    return this;
  }
  async [Symbol.asyncDispose]() {
    await this.return();
  }
}

class Group<C> {
  readonly members = new Set<Member<C>>();
  /** Its pubsub channels, as its subscription reads them. */
  readonly channels = new Map<string, Feed>();
  iterator: AsyncIterator<ExecutionResult> | null = null;
  closed = false;
  /** How its source ended (set once it has): a member that arrives after still ends that way. */
  ending: Ending | undefined;
  constructor(
    readonly mux: LiveMux<C>,
    readonly key: string,
    readonly unit: string,
  ) {}
  remove(m: Member<C>) {
    this.members.delete(m);
    if (this.members.size === 0) this.close();
  }
  close() {
    if (this.closed) return;
    this.closed = true;
    this.mux.forget(this);
    void this.iterator?.return?.()?.catch((err: unknown) => this.mux.hooks.onError(err));
    for (const f of this.channels.values()) void f.return();
  }
  async pump() {
    const it = this.iterator!;
    let how: Ending = null;
    try {
      for (;;) {
        const r = await it.next();
        if (r.done || this.closed) break;
        for (const f of this.channels.values()) f.settled();
        // One execution, one serialization and its UTF-8 encoding, for every member.
        const payload = Buffer.from(JSON.stringify(r.value));
        this.mux.executions++;
        for (const m of this.members) m.deliver(payload);
        this.mux.deliveries += this.members.size;
      }
    } catch (error) {
      how = { error };
    }
    this.ending = how;
    this.close();
    for (const m of [...this.members]) m.end(how);
  }
}

export class LiveMux<C> {
  /** The group new members of a key join (an index: movers may run groups of their own beside it). */
  private readonly groups = new Map<string, Group<C>>();
  /** Every open group, indexed or not: rights re-checks and counts go over all of them. */
  private readonly open = new Set<Group<C>>();
  private readonly starting = new Map<string, Promise<Group<C> | ExecutionResult>>();
  /** Recordings listening on each channel now (they are no subscribers). */
  private readonly taps = new Map<string, number>();
  /** Results the groups computed and serialized (each once). */
  executions = 0;
  /** Messages sent to members (one per member per result). */
  deliveries = 0;
  constructor(readonly hooks: LiveHooks<C>) {}

  /** Groups running now, and subscribers in them. */
  size() {
    let members = 0;
    for (const g of this.open) members += g.members.size;
    return { groups: this.open.size, members };
  }

  /**
   * Subscribers on `channel` the pubsub's own count misses: it counts one listener per group,
   * and each recording as one.
   */
  extraListeners(channel: string) {
    let n = -(this.taps.get(channel) ?? 0);
    for (const g of this.open) if (g.channels.has(channel)) n += g.members.size - 1;
    return n;
  }

  /**
   * graphql-ws's `subscribe` for one operation: joins (or starts) the group of `key`. Answers
   * the member (an async generator that yields nothing but a last result or error: its results
   * go straight to `socket`), or the group's refusal (a result with errors) as it is.
   */
  async join(id: string, socket: LiveSocket, key: string, args: ExecutionArgs & { contextValue: C }, subscribe: Subscribe): Promise<Outcome> {
    const m = new Member(this, id, socket, args, subscribe, key);
    const g = await this.enter(m, await this.groupFor(m));
    return g === null || g instanceof Group ? m : g;
  }

  /**
   * Puts `m` in the group it waited for. One that closed meanwhile (its source ended or failed
   * first) passes its ending on, so `m` is not left in a group nobody will end; one left by every
   * member makes way for a new one. Synchronous when the group is open: no result is missed.
   */
  private async enter(m: Member<C>, got: Group<C> | ExecutionResult): Promise<Group<C> | ExecutionResult | null> {
    let g = got;
    while (g instanceof Group && g.closed) {
      if (g.ending !== undefined) {
        m.end(g.ending);
        return null;
      }
      g = await this.groupFor(m);
    }
    if (g instanceof Group) {
      g.members.add(m);
      m.group = g;
    }
    return g;
  }

  /** `unit`'s rights may have changed: each member of its groups reads its own again. */
  recheck(unit: string) {
    for (const g of [...this.open]) {
      if (g.unit !== unit || g.closed) continue;
      const recording = new Recording(g.channels, this.hooks.tap, this.taps);
      for (const m of [...g.members]) {
        // One already waiting for its rights keeps the recording from when it began to wait.
        if (!(m.recording && m.held)) {
          m.settle();
          m.recording = recording;
          recording.users++;
        }
        // Read now (a widened scope must not wait for a result the old rights would filter
        // out), and again before its next result (a session may end with no event of its own).
        this.check(m);
        m.stale = true;
      }
      if (recording.users === 0) recording.release();
    }
  }

  forget(g: Group<C>) {
    this.open.delete(g);
    if (this.groups.get(g.key) === g) this.groups.delete(g.key);
  }

  check(m: Member<C>, attempt = 0) {
    m.stale = false;
    m.held ??= [];
    const check = ++m.checks;
    this.hooks.keyAgain(m.ctx, m.args).then(
      (key) => {
        if (check !== m.checks || !m.open) return;
        if (key === m.key) {
          if (!m.stale) m.settle();
          return m.release();
        }
        // Its rights differ now: what was held was computed under the old ones. Its new group
        // starts from the recording, so it misses nothing since its rights changed.
        m.group?.members.delete(m);
        const old = m.group;
        m.group = null;
        m.held = null;
        m.key = key;
        if (old && old.members.size === 0) old.close();
        const recording = m.recording;
        void (recording ? this.start(m, recording) : this.groupFor(m)).then(
          (g) => {
            if (!m.open) {
              if (g instanceof Group && g.members.size === 0) g.close();
              return;
            }
            void this.enter(m, g).then(
              (entered) => {
                if (entered && !(entered instanceof Group)) m.end({ result: entered });
                if (recording === m.recording && !m.stale) m.settle();
              },
              (error: unknown) => m.end({ error }),
            );
          },
          (error: unknown) => m.end({ error }),
        );
      },
      (error: unknown) => {
        if (check !== m.checks || !m.open) return;
        // A passing failure (the database restarting, a pool briefly exhausted) is read again
        // later, its results held meanwhile; a newer check (another rights change) supersedes it.
        const wait = this.hooks.retryAfter?.(error, attempt);
        if (wait === undefined) return m.end({ error });
        setTimeout(() => check === m.checks && m.open && this.check(m, attempt + 1), wait).unref();
      },
    );
  }

  private groupFor(m: Member<C>): Promise<Group<C> | ExecutionResult> {
    const live = this.groups.get(m.key);
    if (live && !live.closed) return Promise.resolve(live);
    let started = this.starting.get(m.key);
    if (!started) {
      started = this.start(m).finally(() => this.starting.delete(m.key));
      this.starting.set(m.key, started);
    }
    return started;
  }

  /** Starts a group for `m`'s key; with `from`, its channels are read from that recording. */
  private async start(m: Member<C>, from?: Recording): Promise<Group<C> | ExecutionResult> {
    const g = new Group(this, m.key, this.hooks.unitOf(m.ctx));
    const contextValue = this.hooks.share(m.ctx, (channel) => {
      // Listened to from now on (synchronously), so nothing dispatched later is missed.
      const feed = new Feed();
      const push = (msg: unknown) => feed.push(msg);
      const stop = from?.follow(channel, push);
      // The group's own listener counts as the pubsub's one listener for the group (see extraListeners).
      feed.stop = stop ?? this.hooks.tap(channel, push);
      g.channels.get(channel)?.return();
      g.channels.set(channel, feed);
      return feed;
    });
    const outcome = await m.subscribe({ ...m.args, contextValue });
    if (!(Symbol.asyncIterator in Object(outcome))) return outcome as ExecutionResult;
    g.iterator = (outcome as AsyncIterable<ExecutionResult>)[Symbol.asyncIterator]();
    // A group started from a recording joins the map only when no other serves its key.
    if (!from || !this.groups.get(g.key) || this.groups.get(g.key)!.closed) this.groups.set(g.key, g);
    this.open.add(g);
    void g.pump();
    return g;
  }
}
