// Realtime fan-out. In-process by default; with REDIS_URL every instance publishes to and
// listens on Redis, so a subscriber on any instance sees events from all of them.
import { createPubSub } from 'graphql-yoga';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';

/** REMOVED is never published: a subscription turns an event into it for a subscriber the deal left. */
export type DealChangeKind = 'CREATED' | 'UPDATED' | 'MOVED' | 'DELETED' | 'RESTORED' | 'REMOVED';

export type DealChangedMessage = {
  workspaceId: string;
  pipelineId: string;
  dealId: string;
  kind: DealChangeKind;
  occurredAt: string;
  /** When the change handed the deal to someone else: who had it before (see dealChanged's REMOVED). */
  formerResponsibleId?: string;
};

export type TimelineMessage = {
  workspaceId: string;
  entityType: 'CONTACT' | 'COMPANY' | 'DEAL';
  cardId: string;
  entryId: string;
  occurredAt: string;
};

export type NotificationMessage = {
  workspaceId: string;
  userId: string;
  /**
   * AUTOMATION: an automation's "notify" action; AUTOMATION_PAUSED / WEBHOOK_DISABLED: one failed
   * too often in a row; INCOMING_CALL: a known number is calling about the card (it still rings);
   * CHAT_MESSAGE: a person wrote again through a chat channel (to the card, or to a lead in the inbox).
   */
  kind: 'TASK_ASSIGNED' | 'TASK_DUE' | 'AUTOMATION' | 'AUTOMATION_PAUSED' | 'WEBHOOK_DISABLED' | 'INCOMING_CALL' | 'CHAT_MESSAGE';
  taskId?: string;
  /** The text of an automation's notification. */
  text?: string;
  /** The card it is about. */
  card?: { kind: 'CONTACT' | 'COMPANY' | 'DEAL'; id: string };
  occurredAt: string;
};

export type LeadReceivedMessage = {
  workspaceId: string;
  leadId: string;
  responsibleId: string;
  occurredAt: string;
};

/** An automation's run was logged (its run log's live subscribers hear of it). */
export type AutomationRunMessage = { workspaceId: string; automationId: string; runId: string; status: string; occurredAt: string };
/** An import moved on (a batch settled) or ended. */
export type ImportProgressMessage = { workspaceId: string; importId: string; occurredAt: string };

/** Roles, field access, a user's role or teams, or field definitions of a workspace changed. */
export type SettingsChangedMessage = { workspaceId: string };

export type PubSubTopics = {
  settingsChanged: [payload: SettingsChangedMessage];
  notification: [userId: string, payload: NotificationMessage];
  dealChanged: [pipelineId: string, payload: DealChangedMessage];
  timelineUpdated: [cardId: string, payload: TimelineMessage];
  incomingLeadReceived: [workspaceId: string, payload: LeadReceivedMessage];
  automationRun: [automationId: string, payload: AutomationRunMessage];
  importProgress: [importId: string, payload: ImportProgressMessage];
};

export type AppPubSub = ReturnType<typeof createPubSub<PubSubTopics>>;

/** How many keys `onceEach` remembers: more than a claim of the outbox hands on (lib/outbox.ts, EVENTS_PER_ROW). */
export const ONCE_EACH_SIZE = 1000;

/**
 * A subscription filter that lets each message through once. The outbox delivers at least once:
 * a drain that published and then could not mark its batch (a lost connection, a crash) has the
 * next drain publish it again, and a subscriber must not see the same entry twice. Remembers the
 * last `size` keys of the subscription.
 */
export function onceEach<T>(key: (m: T) => string, size = ONCE_EACH_SIZE): (m: T) => boolean {
  const seen = new Set<string>();
  return (m) => {
    const k = key(m);
    if (seen.has(k)) return false;
    seen.add(k);
    if (seen.size > size) seen.delete(seen.values().next().value as string);
    return true;
  };
}

type Listen = (topic: 'settingsChanged', fn: (m: SettingsChangedMessage) => void) => void;
/** Listens on a channel (`topic` or `topic:id`, as the pubsub names them) until the answered function is called. */
type Tap = (channel: string, fn: (m: unknown) => void) => () => void;

/**
 * The pubsub; `listen`: a listener called synchronously as each message is dispatched, so it
 * runs before any subscription handles a message published after it; and `flush`: resolves
 * when every message published so far has reached Redis, and rejects if one could not (so the
 * outbox keeps those events for its next drain).
 */
export function createAppPubSub(
  redisUrl?: string,
  onRedisError: (err: Error) => void = () => {},
): { pubsub: AppPubSub; listen: Listen; tap: Tap; listeners(channel: string): number; flush(): Promise<void>; close(): Promise<void> } {
  const listenOn =
    (target: EventTarget): Listen =>
    (topic, fn) =>
      target.addEventListener(topic, (e) => fn((e as CustomEvent<SettingsChangedMessage>).detail));
  const tapOn =
    (target: EventTarget): Tap =>
    (channel, fn) => {
      const listener = (e: Event) => fn((e as CustomEvent).detail);
      target.addEventListener(channel, listener);
      return () => target.removeEventListener(channel, listener);
    };
  // Test seam (`listeners`): how many subscriptions listen on a channel here, so a test can
  // wait until its subscription is registered before it makes the change it expects to hear
  // of, instead of sleeping. Counts what yoga's pubsub adds and removes on the event target;
  // with Redis, a channel counts only once Redis confirmed its SUBSCRIBE.
  const counts = new Map<string, number>();
  const count = (channel: string, by: number) => counts.set(channel, (counts.get(channel) ?? 0) + by);
  type Target = Pick<EventTarget, 'addEventListener' | 'removeEventListener' | 'dispatchEvent'>;
  const counted = (target: Target): EventTarget => {
    const t: Target = {
      addEventListener: (type, listener) => (target.addEventListener(type, listener), void count(type, 1)),
      removeEventListener: (type, listener) => (target.removeEventListener(type, listener), void count(type, -1)),
      dispatchEvent: (event) => target.dispatchEvent(event),
    };
    return t as EventTarget;
  };
  if (!redisUrl) {
    const eventTarget = counted(new EventTarget());
    return {
      pubsub: createPubSub<PubSubTopics>({ eventTarget }),
      listen: listenOn(eventTarget),
      tap: tapOn(eventTarget),
      listeners: (channel) => counts.get(channel) ?? 0,
      flush: async () => {},
      close: async () => {},
    };
  }
  const confirmed = new Set<string>();
  const publishClient = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const subscribeClient = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  // ioredis reconnects by itself; its errors are reported (not printed unhandled) meanwhile.
  for (const c of [publishClient, subscribeClient]) c.on('error', onRedisError);
  // yoga's Redis target subscribes and unsubscribes without awaiting; one still in flight when
  // the connection closes (an app stopping) would reject unobserved. Report it instead.
  for (const method of ['subscribe', 'unsubscribe'] as const) {
    const call = subscribeClient[method].bind(subscribeClient) as (...args: unknown[]) => Promise<unknown>;
    (subscribeClient as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      const channels = args.filter((a): a is string => typeof a === 'string');
      if (method === 'unsubscribe') for (const c of channels) confirmed.delete(c);
      const p = call(...args);
      p.then(
        () => method === 'subscribe' && channels.forEach((c) => confirmed.add(c)),
        (err: Error) => onRedisError(err),
      );
      return p;
    };
  }
  const redisTarget = createRedisEventTarget({ publishClient, subscribeClient });
  // yoga's Redis target publishes without waiting for Redis's answer; publish here the same way
  // (same channel, same JSON) but keep each answer, so `flush` can wait for them.
  let pending: Promise<unknown>[] = [];
  const eventTarget = counted({
    addEventListener: (...a) => redisTarget.addEventListener(...a),
    removeEventListener: (...a) => redisTarget.removeEventListener(...a),
    dispatchEvent(event) {
      const { detail } = event as CustomEvent;
      const sent = publishClient.publish(event.type, detail === undefined ? '' : JSON.stringify(detail));
      // `flush` reports a failed publish; one published when nobody flushes (an app stopping) is only logged.
      sent.catch((err: Error) => onRedisError(err));
      pending.push(sent);
      return true;
    },
  });
  return {
    pubsub: createPubSub<PubSubTopics>({ eventTarget }),
    listen: listenOn(eventTarget),
    tap: tapOn(eventTarget),
    listeners: (channel) => (confirmed.has(channel) ? (counts.get(channel) ?? 0) : 0),
    flush: async () => {
      const sent = pending;
      pending = [];
      await Promise.all(sent);
    },
    close: async () => {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
