// The shared execution of live subscriptions (src/lib/live-mux.ts) on its own, with a stand-in
// for graphql-js's subscribe: a subscriber whose group's source ends or fails before the
// subscriber is in it still gets that ending, instead of waiting forever.
import { describe, expect, it } from 'vitest';
import type { ExecutionArgs, ExecutionResult } from 'graphql';
import { LiveMux, type LiveHooks } from '../../src/lib/live-mux.js';

type Ctx = { user: string };

const hooks: LiveHooks<Ctx> = {
  unitOf: () => 'workspace',
  expired: () => false,
  share: (ctx) => ({ ...ctx }),
  tap: () => () => {},
  keyAgain: async () => 'key',
  onError: (err) => {
    throw err;
  },
};

/** The context a group runs under: its pubsub calls `listen` first (LiveHooks.share). */
type SharedCtx = Ctx & { listen?: (channel: string) => AsyncIterable<unknown> | undefined };

const socket = { readyState: 1, bufferedAmount: 0, send: () => {} };
const args = (user: string) => ({ contextValue: { user } }) as unknown as ExecutionArgs & { contextValue: Ctx };

/** A source whose first `next` settles at once: rejected with `error`, or done. */
function source(error?: Error): AsyncIterable<ExecutionResult> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => (error ? Promise.reject(error) : Promise.resolve({ value: undefined, done: true as const })),
      return: () => Promise.resolve({ value: undefined, done: true as const }),
    }),
  };
}

describe('live groups whose source ends at once', () => {
  it('a subscriber whose group failed before it joined ends with the error', async () => {
    const mux = new LiveMux(hooks);
    const member = (await mux.join('1', socket, 'key', args('a'), () => source(new Error('source gone')))) as AsyncIterator<ExecutionResult>;
    await expect(member.next()).rejects.toThrow('source gone');
    expect(mux.size()).toEqual({ groups: 0, members: 0 });
  });

  it('a subscriber whose group completed before it joined completes', async () => {
    const mux = new LiveMux(hooks);
    const member = (await mux.join('1', socket, 'key', args('a'), () => source())) as AsyncIterator<ExecutionResult>;
    expect(await member.next()).toEqual({ value: undefined, done: true });
    expect(mux.size()).toEqual({ groups: 0, members: 0 });
  });
});

describe('a member moving group', () => {
  it('still gets an event its old group was busy with when its rights changed', async () => {
    // A stand-in pubsub: synchronous listeners per channel.
    const listeners = new Map<string, Set<(m: unknown) => void>>();
    const publish = (channel: string, m: unknown) => [...(listeners.get(channel) ?? [])].forEach((fn) => fn(m));
    // Rights: the member's key is read again on a settings change; it becomes 'wider'.
    const subscribeTo = (channel: string): AsyncIterable<unknown> => {
      const queue: unknown[] = [];
      let wake: (() => void) | null = null;
      const set = listeners.get(channel) ?? new Set();
      listeners.set(
        channel,
        set.add((m) => {
          queue.push(m);
          wake?.();
        }),
      );
      return (async function* () {
        for (;;) {
          while (queue.length) yield queue.shift();
          await new Promise<void>((resolve) => (wake = resolve));
        }
      })();
    };
    let key = 'narrow';
    // The group's per-event work (a filter, the read of the deal) waits on this gate for 'slow'.
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    let started: () => void = () => {};
    const busy = new Promise<void>((resolve) => (started = resolve));
    const mux = new LiveMux<SharedCtx>({
      ...(hooks as unknown as LiveHooks<SharedCtx>),
      share: (ctx, listen) => ({ ...ctx, listen }),
      tap: (channel, fn) => {
        const set = listeners.get(channel) ?? new Set();
        listeners.set(channel, set.add(fn));
        return () => set.delete(fn);
      },
      keyAgain: async () => key,
    });
    // The subscription: every message on 'board', under the group's key; 'slow' takes a while.
    const subscribe = (a: ExecutionArgs): AsyncIterable<ExecutionResult> => {
      const ctx = a.contextValue as SharedCtx;
      // As the app's shared context: the group's own listening, else a pubsub subscription.
      const source = ctx.listen?.('board') ?? subscribeTo('board');
      return (async function* () {
        for await (const m of source) {
          if (m === 'slow') {
            started();
            await gate;
          }
          yield { data: { m: m as string } };
        }
      })();
    };
    const sent: string[] = [];
    const sock = { readyState: 1, bufferedAmount: 0, send: (data: Buffer) => void sent.push(data.toString()) };
    const member = (await mux.join('1', sock, 'narrow', args('a') as ExecutionArgs & { contextValue: SharedCtx }, subscribe)) as AsyncIterator<ExecutionResult>;
    publish('board', 'first');
    await expect.poll(() => sent.length).toBe(1);
    // The group takes 'slow' and is busy with it when the member's rights change.
    publish('board', 'slow');
    await busy;
    key = 'wider';
    mux.recheck('workspace');
    open();
    publish('board', 'after');
    // The member moved to a group of its new key and got both events (computed under its new
    // rights): the one its old group was busy with is not lost.
    await expect.poll(() => sent.map((s) => (JSON.parse(s) as { payload: { data: { m: string } } }).payload.data.m)).toEqual(['first', 'slow', 'after']);
    await member.return!();
    expect(mux.size()).toEqual({ groups: 0, members: 0 });
  });
});

/** A mux over one channel 'board' with synchronous listeners, and a subscription yielding each message as `{ m }`. */
function boardMux(more: Partial<LiveHooks<SharedCtx>> = {}) {
  const listeners = new Set<(m: unknown) => void>();
  const publish = (m: string) => [...listeners].forEach((fn) => fn(m));
  const mux = new LiveMux<SharedCtx>({
    ...(hooks as unknown as LiveHooks<SharedCtx>),
    share: (ctx, listen) => ({ ...ctx, listen }),
    tap: (_channel, fn) => (listeners.add(fn), () => listeners.delete(fn)),
    ...more,
  });
  const subscribe = (a: ExecutionArgs): AsyncIterable<ExecutionResult> => {
    const source = (a.contextValue as SharedCtx).listen!('board')!;
    return (async function* () {
      for await (const m of source) yield { data: { m: m as string } };
    })();
  };
  return { mux, publish, subscribe };
}

describe('a member whose rights cannot be read for a moment', () => {
  /** The board's mux and a member of it. */
  async function board(keyAgain: () => Promise<string>, retryAfter: LiveHooks<Ctx>['retryAfter']) {
    const { mux, publish, subscribe } = boardMux({ keyAgain, retryAfter });
    const sent: string[] = [];
    const sock = {
      readyState: 1,
      bufferedAmount: 0,
      send: (data: Buffer) => void sent.push((JSON.parse(data.toString()) as { payload: { data: { m: string } } }).payload.data.m),
    };
    const member = (await mux.join('1', sock, 'key', args('a') as ExecutionArgs & { contextValue: SharedCtx }, subscribe)) as AsyncIterator<ExecutionResult>;
    return { mux, member, publish, sent };
  }

  it('keeps it, its results held, when a later read succeeds', async () => {
    let failures = 2;
    const attempts: number[] = [];
    const { mux, member, publish, sent } = await board(
      async () => {
        if (failures-- > 0) throw new Error('connection refused');
        return 'key';
      },
      (_err, attempt) => (attempts.push(attempt), 1),
    );
    publish('first');
    await expect.poll(() => sent).toEqual(['first']);
    mux.recheck('workspace');
    // Held while its rights are being read again.
    publish('second');
    await expect.poll(() => sent).toEqual(['first', 'second']);
    // Both failures were read again (the first delivery after a rights change reads it once more itself).
    expect(attempts).toHaveLength(2);
    publish('third');
    await expect.poll(() => sent).toEqual(['first', 'second', 'third']);
    await member.return!();
    expect(mux.size()).toEqual({ groups: 0, members: 0 });
  });

  it('ends it with the error once the reads keep failing, and at once on an answer', async () => {
    const lasting = await board(
      async () => {
        throw new Error('connection refused');
      },
      (_err, attempt) => (attempt < 2 ? 1 : undefined),
    );
    lasting.publish('first');
    await expect.poll(() => lasting.sent).toEqual(['first']);
    lasting.mux.recheck('workspace');
    lasting.publish('second');
    await expect(lasting.member.next()).rejects.toThrow('connection refused');
    expect(lasting.sent).toEqual(['first']);
    expect(lasting.mux.size()).toEqual({ groups: 0, members: 0 });
  });
});

describe("a member's messages", () => {
  it('each hold only their own bytes while its socket has writes queued; every member gets its own id and the same payload', async () => {
    const { mux, publish, subscribe } = boardMux();
    // Two sockets of one group: one that takes its writes at once, one whose client reads slowly.
    const sockets = [0, 64 * 1024].map((bufferedAmount) => ({
      readyState: 1,
      bufferedAmount,
      sent: [] as Buffer[],
      send(data: Buffer) {
        this.sent.push(data);
      },
    }));
    const ids = ['1', 'доска-2'];
    const members = await Promise.all(
      sockets.map(
        (sock, i) =>
          mux.join(ids[i], sock, 'key', args('a') as ExecutionArgs & { contextValue: SharedCtx }, subscribe) as Promise<AsyncIterator<ExecutionResult>>,
      ),
    );
    for (const m of ['first', 'второй «2»', 'third']) publish(m);
    await expect.poll(() => sockets.map((s) => s.sent.length)).toEqual([3, 3]);
    for (const [i, sock] of sockets.entries())
      expect(sock.sent.map((b) => JSON.parse(b.toString('utf8')) as unknown)).toEqual(
        ['first', 'второй «2»', 'third'].map((m) => ({ id: ids[i], type: 'next', payload: { data: { m } } })),
      );
    // The slow client's queued messages keep no more memory than their bytes (a slice of Node's
    // shared pool would keep the whole pool alive until the client reads).
    for (const b of sockets[1].sent) expect(b.buffer.byteLength).toBe(b.length);
    await Promise.all(members.map((m) => m.return!()));
    expect(mux.size()).toEqual({ groups: 0, members: 0 });
  });
});
