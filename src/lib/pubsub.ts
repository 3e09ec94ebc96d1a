// Realtime fan-out. In-process by default; with REDIS_URL every instance publishes to and
// listens on Redis, so a subscriber on any instance sees events from all of them.
import { createPubSub } from 'graphql-yoga';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';

export type DealChangeKind = 'CREATED' | 'UPDATED' | 'MOVED' | 'DELETED' | 'RESTORED';

export type DealChangedMessage = {
  workspaceId: string;
  pipelineId: string;
  dealId: string;
  kind: DealChangeKind;
  occurredAt: string;
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
  /** AUTOMATION: an automation's "notify" action; AUTOMATION_PAUSED / WEBHOOK_DISABLED: one failed too often in a row. */
  kind: 'TASK_ASSIGNED' | 'TASK_DUE' | 'AUTOMATION' | 'AUTOMATION_PAUSED' | 'WEBHOOK_DISABLED';
  taskId?: string;
  /** The text of an automation's notification. */
  text?: string;
  /** The card it is about. */
  card?: { kind: 'CONTACT' | 'COMPANY' | 'DEAL'; id: string };
  occurredAt: string;
};

/** Roles, field access, a user's role or teams, or field definitions of a workspace changed. */
export type SettingsChangedMessage = { workspaceId: string };

export type PubSubTopics = {
  settingsChanged: [payload: SettingsChangedMessage];
  notification: [userId: string, payload: NotificationMessage];
  dealChanged: [pipelineId: string, payload: DealChangedMessage];
  timelineUpdated: [cardId: string, payload: TimelineMessage];
};

export type AppPubSub = ReturnType<typeof createPubSub<PubSubTopics>>;

type Listen = (topic: 'settingsChanged', fn: (m: SettingsChangedMessage) => void) => void;

/**
 * The pubsub; `listen`: a listener called synchronously as each message is dispatched, so it
 * runs before any subscription handles a message published after it; and `flush`: resolves
 * when every message published so far has reached Redis, and rejects if one could not (so the
 * outbox keeps those events for its next drain).
 */
export function createAppPubSub(
  redisUrl?: string,
  onRedisError: (err: Error) => void = () => {},
): { pubsub: AppPubSub; listen: Listen; flush(): Promise<void>; close(): Promise<void> } {
  const listenOn =
    (target: EventTarget): Listen =>
    (topic, fn) =>
      target.addEventListener(topic, (e) => fn((e as CustomEvent<SettingsChangedMessage>).detail));
  if (!redisUrl) {
    const eventTarget = new EventTarget();
    return { pubsub: createPubSub<PubSubTopics>({ eventTarget }), listen: listenOn(eventTarget), flush: async () => {}, close: async () => {} };
  }
  const publishClient = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const subscribeClient = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  // ioredis reconnects by itself; its errors are reported (not printed unhandled) meanwhile.
  for (const c of [publishClient, subscribeClient]) c.on('error', onRedisError);
  // yoga's Redis target subscribes and unsubscribes without awaiting; one still in flight when
  // the connection closes (an app stopping) would reject unobserved. Report it instead.
  for (const method of ['subscribe', 'unsubscribe'] as const) {
    const call = subscribeClient[method].bind(subscribeClient) as (...args: unknown[]) => Promise<unknown>;
    (subscribeClient as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      const p = call(...args);
      p.catch((err: Error) => onRedisError(err));
      return p;
    };
  }
  const redisTarget = createRedisEventTarget({ publishClient, subscribeClient });
  // yoga's Redis target publishes without waiting for Redis's answer; publish here the same way
  // (same channel, same JSON) but keep each answer, so `flush` can wait for them.
  let pending: Promise<unknown>[] = [];
  const eventTarget: typeof redisTarget = {
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
  };
  return {
    pubsub: createPubSub<PubSubTopics>({ eventTarget }),
    listen: listenOn(eventTarget as unknown as EventTarget),
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
