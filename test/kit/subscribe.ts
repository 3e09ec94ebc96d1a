// A graphql-ws subscriber for tests: connects with a token, collects what arrives, and waits.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

export type Subscriber<E> = {
  events: E[];
  errors: unknown[];
  /** Resolves once the socket is connected and the subscription had time to register. */
  ready: Promise<void>;
  /** Waits until `done(events)` holds, an error arrived, or `ms` passed; answers the events. */
  waitFor(done: (events: E[]) => boolean, ms?: number): Promise<E[]>;
  close(): Promise<void>;
};

/**
 * Subscribes to `doc` at the GraphQL URL `url` (http:// is turned into ws://) and keeps
 * `pick(data)` of every result for which `keep` holds.
 */
export function subscribe<R, V, E>(
  url: string,
  token: string | null,
  doc: TypedDocumentNode<R, V>,
  variables: V,
  pick: (data: R) => E,
  keep: (event: E) => boolean = () => true,
): Subscriber<E> {
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
  });
  const events: E[] = [];
  const errors: unknown[] = [];
  let started!: () => void;
  const ready = new Promise<void>((r) => (started = r));
  client.on('connected', () => setTimeout(started, 100));
  const stop = client.subscribe(
    { query: print(doc), variables: variables as Record<string, unknown> },
    {
      next: (r) => {
        if (r.errors) errors.push(...r.errors);
        if (r.data) {
          const e = pick(r.data as R);
          if (keep(e)) events.push(e);
        }
      },
      error: (e) => errors.push(e),
      complete: () => {},
    },
  );
  return {
    events,
    errors,
    ready,
    async waitFor(done, ms = 6000) {
      const until = Date.now() + ms;
      while (!done(events) && errors.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
      return events;
    },
    async close() {
      stop();
      await client.dispose();
    },
  };
}
