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
  tap: () => ({ next: () => new Promise(() => {}) }),
  keyAgain: async () => 'key',
  onError: (err) => {
    throw err;
  },
};

const socket = { readyState: 1, send: () => {} };
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
