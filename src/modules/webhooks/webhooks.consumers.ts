// Which changes go out to webhooks. In the transaction of each change, every enabled webhook of
// the workspace subscribed to the event's type gets a delivery row holding the payload, so a
// delivery exists if and only if the change committed; the worker sends it (webhooks.sender.ts).
import { randomUUID } from 'node:crypto';
import { events, type RecordEvent, type TaskEvent } from '../../kernel/events.js';
import { encodeGlobalId } from '../../lib/ids.js';
import type { Tx } from '../../lib/outbox.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { descriptor } from '../../kernel/card-kinds.js';
import { TYPE_NAME, type WebhookEventType } from './webhooks.service.js';
import { sendDueDeliveries } from './webhooks.sender.js';

/** Queues deliveries of the events of one change (or one batch of changes) in a single statement. */
async function queue(tx: Tx, workspaceId: string, items: { types: WebhookEventType[]; data: (type: WebhookEventType) => object; occurredAt: string }[]) {
  const all = [...new Set(items.flatMap((i) => i.types))];
  if (!all.length) return;
  const hooks = await tx.webhook.findMany({ where: { workspaceId, enabled: true, eventTypes: { hasSome: all } }, select: { id: true, eventTypes: true } });
  if (!hooks.length) return;
  const rows: Prisma.WebhookDeliveryCreateManyInput[] = [];
  for (const { types, data, occurredAt } of items) {
    for (const h of hooks) {
      for (const type of types.filter((t) => h.eventTypes.includes(t))) {
        const messageId = `msg_${randomUUID()}`;
        rows.push({
          workspaceId,
          webhookId: h.id,
          eventType: type,
          messageId,
          payload: { type: TYPE_NAME[type], timestamp: occurredAt, data: data(type) } as Prisma.InputJsonValue,
        });
      }
    }
  }
  if (rows.length) await tx.webhookDelivery.createMany({ data: rows });
}

const RECORD_TYPE = {
  'record.created': 'CARD_CREATED',
  'record.updated': 'CARD_UPDATED',
  'record.trashed': 'CARD_DELETED',
  'record.restored': 'CARD_RESTORED',
} as const;

/** A card as a payload carries it: its id as the API gives it, its fields, what changed. */
function cardData(e: RecordEvent) {
  const typeName = descriptor(e.kind).typeName;
  const { id, workspaceId, ...fields } = e.after;
  void workspaceId;
  return {
    kind: e.kind,
    id: encodeGlobalId(typeName, String(id)),
    card: fields,
    changes: e.diff,
    actorId: encodeGlobalId('User', e.actorId),
  };
}

for (const topic of Object.keys(RECORD_TYPE) as (keyof typeof RECORD_TYPE)[]) {
  events.inTransactionMany(topic, 'webhooks: queue deliveries', async (tx, list) => {
    const items = list.map((e) => {
      const types: WebhookEventType[] = [RECORD_TYPE[topic]];
      if (topic === 'record.updated' && e.kind === 'DEAL' && e.diff.some((d) => d.field === 'stageId')) types.push('DEAL_STAGE_CHANGED');
      return { types, data: () => cardData(e), occurredAt: e.occurredAt };
    });
    // One change's events share their workspace.
    if (items.length) await queue(tx, list[0].workspaceId, items);
  });
  events.afterCommit(topic, 'webhooks: wake the worker', (_e, deps) => deps.worker.kick());
}

for (const [topic, type] of [
  ['task.created', 'TASK_CREATED'],
  ['task.completed', 'TASK_COMPLETED'],
] as const) {
  events.inTransaction(topic, 'webhooks: queue deliveries', async (tx, e: TaskEvent) => {
    await queue(tx, e.workspaceId, [
      {
        types: [type],
        data: () => ({
          card: { kind: e.card.kind, id: encodeGlobalId(descriptor(e.card.kind).typeName, e.card.id) },
          task: { ...e.task, id: encodeGlobalId('Task', e.task.id), responsibleId: encodeGlobalId('User', e.task.responsibleId) },
          actorId: encodeGlobalId('User', e.actorId),
        }),
        occurredAt: e.occurredAt,
      },
    ]);
  });
  events.afterCommit(topic, 'webhooks: wake the worker', (_e, deps) => deps.worker.kick());
}

events.jobSource('webhooks: due deliveries', sendDueDeliveries);
