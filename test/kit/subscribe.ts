// A graphql-ws subscriber for tests: connects with a token, collects what arrives, and waits on
// conditions (never for a fixed time).
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { Kind, print, type OperationDefinitionNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { rawId } from './results.js';

export type Subscriber<E> = {
  events: E[];
  errors: unknown[];
  /**
   * Resolves once the server listens for this subscription's events (see `listening`): a change
   * made after it is heard. Rejects if that does not happen within 5 s.
   */
  ready: Promise<void>;
  /**
   * Waits until `done(events)` holds, an error arrived, the server ended the subscription, or
   * `ms` passed; answers the events. Wakes on each message, it does not poll.
   */
  waitFor(done: (events: E[]) => boolean, ms?: number): Promise<E[]>;
  close(): Promise<void>;
};

// The apps the tests started, by GraphQL URL: what each tells of its subscriptions' listeners
// (App.listeners, a test seam of src/lib/pubsub.ts). test/kit/app.ts registers them on start().
const apps = new Map<string, (channel: string) => number>();

export function registerListeners(url: string, listeners: (channel: string) => number) {
  apps.set(url, listeners);
}

/** The kit's subscribers that are open and not refused, by URL and channel. */
const open = new Map<string, number>();
const tally = (key: string, by: number) => open.set(key, (open.get(key) ?? 0) + by);

/** Waits until `holds()`, looking again every few milliseconds; false if `ms` passed first. */
export async function until(holds: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!holds()) {
    if (Date.now() >= end) return false;
    await new Promise((lookAgain) => setTimeout(lookAgain, 5));
  }
  return true;
}

/**
 * Resolves once the app at `url` has at least `n` subscriptions listening on `channel`
 * ('dealChanged:<pipeline id>'): for subscribers the kit does not make (SSE over fetch).
 */
export async function listening(url: string, channel: string, n = 1) {
  const listeners = apps.get(url);
  if (!listeners) throw new Error(`no app registered for ${url}`);
  if (!(await until(() => listeners(channel) >= n))) throw new Error(`nobody listens on ${channel} at ${url}`);
}

/** The pubsub channel a subscription listens on, as the schema's subscribe resolvers name it. */
async function channelOf(url: string, token: string | null, doc: TypedDocumentNode<unknown, unknown>, variables: Record<string, unknown>) {
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const field = op?.selectionSet.selections[0];
  const name = field?.kind === Kind.FIELD ? field.name.value : undefined;
  if (name === 'dealChanged') return `dealChanged:${rawId(variables.pipelineId as string)}`;
  if (name === 'timelineUpdated') return `timelineUpdated:${rawId(variables.cardId as string)}`;
  if (name === 'automationRunLogged') return `automationRun:${rawId(variables.automationId as string)}`;
  if (name === 'importProgress') return `importProgress:${rawId(variables.importId as string)}`;
  if (name === 'notifications' || name === 'incomingLeadReceived') {
    // Each user's own channel, or their workspace's (the workspace's id is its plain uuid): ask
    // who the token is.
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ me { id } workspace { id } }' }),
    });
    const data = ((await res.json()) as { data?: { me: { id: string }; workspace: { id: string } } }).data;
    if (!data?.me) throw new Error(`${name}: the token is not signed in`);
    return name === 'notifications' ? `notification:${rawId(data.me.id)}` : `incomingLeadReceived:${data.workspace.id}`;
  }
  throw new Error(`subscribe(): no channel known for the subscription field ${name}`);
}

/**
 * Subscribes to `doc` at the GraphQL URL `url` (http:// is turned into ws://) and keeps
 * `pick(data)` of every result for which `keep` holds.
 *
 * `ready` is deterministic: the app's pubsub counts the listeners of each channel (with Redis,
 * once Redis confirmed the SUBSCRIBE), and `ready` resolves when the channel has at least as
 * many listeners as the kit has open, not refused, subscribers on it: then this one is
 * registered, and an event published from then on reaches it. A refused subscriber never
 * registers; it leaves the count when its error arrives. `close` waits until the server let go
 * of the subscription, so the next test's count starts clean.
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
  let ended = false;
  const wakers = new Set<() => void>();
  const wake = () => wakers.forEach((w) => w());
  let key: string | undefined;
  let counted = false;
  const leave = () => {
    if (counted && key) tally(key, -1);
    counted = false;
  };
  const listeners = apps.get(url);
  const channel = listeners ? channelOf(url, token, doc as TypedDocumentNode<unknown, unknown>, variables as Record<string, unknown>) : undefined;
  // Counted among the channel's subscribers before it is sent, so that a subscriber opened next
  // to it waits for it too.
  const sent = (async () => {
    if (channel) {
      key = `${url} ${await channel}`;
      tally(key, 1);
      counted = true;
    }
  })();
  const stop = client.subscribe(
    { query: print(doc), variables: variables as Record<string, unknown> },
    {
      next: (r) => {
        if (r.errors) {
          errors.push(...r.errors);
          leave();
        }
        if (r.data) {
          const e = pick(r.data as R);
          if (keep(e)) events.push(e);
        }
        wake();
      },
      error: (e) => {
        errors.push(e);
        ended = true;
        leave();
        wake();
      },
      complete: () => {
        ended = true;
        leave();
        wake();
      },
    },
  );
  const ready = (async () => {
    if (!listeners || !channel) throw new Error(`subscribe(): no app registered for ${url}; start it through the test kit`);
    await sent;
    const name = await channel;
    if (!(await until(() => listeners(name) >= (open.get(key!) ?? 0) || errors.length > 0))) {
      throw new Error(`subscription on ${name} not registered within 5 s`);
    }
  })();
  // A refused subscriber's test may never await `ready`.
  ready.catch(() => {});
  return {
    events,
    errors,
    ready,
    async waitFor(done, ms = 6000) {
      const end = Date.now() + ms;
      while (!done(events) && errors.length === 0 && !ended) {
        const left = end - Date.now();
        if (left <= 0) break;
        await new Promise<void>((resolve) => {
          const deadline = setTimeout(woken, left);
          function woken() {
            clearTimeout(deadline);
            wakers.delete(woken);
            resolve();
          }
          wakers.add(woken);
        });
      }
      return events;
    },
    async close() {
      stop();
      await client.dispose();
      await sent;
      leave();
      if (listeners && key) {
        const name = await channel!;
        await until(() => listeners(name) <= (open.get(key!) ?? 0));
      }
    },
  };
}
