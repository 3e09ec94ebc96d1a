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
  kind: 'TASK_ASSIGNED' | 'TASK_DUE';
  taskId: string;
  occurredAt: string;
};

export type PubSubTopics = {
  notification: [userId: string, payload: NotificationMessage];
  dealChanged: [pipelineId: string, payload: DealChangedMessage];
  timelineUpdated: [cardId: string, payload: TimelineMessage];
};

export type AppPubSub = ReturnType<typeof createPubSub<PubSubTopics>>;

export function createAppPubSub(redisUrl?: string): { pubsub: AppPubSub; close(): Promise<void> } {
  if (!redisUrl) return { pubsub: createPubSub<PubSubTopics>(), close: async () => {} };
  const publishClient = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const subscribeClient = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const eventTarget = createRedisEventTarget({ publishClient, subscribeClient });
  return {
    pubsub: createPubSub<PubSubTopics>({ eventTarget }),
    close: async () => {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
