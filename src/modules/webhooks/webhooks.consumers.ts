// Which changes go out to webhooks. In the transaction of each change, every enabled webhook of
// the workspace subscribed to the event's type gets a delivery row holding the payload, so a
// delivery exists if and only if the change committed; the worker sends it (webhooks.sender.ts).
import { randomUUID } from 'node:crypto';
import { events, jobsQueued, type RecordEvent, type TaskEvent } from '../../kernel/events.js';
import { encodeGlobalId } from '../../lib/ids.js';
import type { Tx } from '../../lib/outbox.js';
import type { Db } from '../../db.js';
import { insertRows } from '../../lib/bulk-insert.js';
import { descriptor } from '../../kernel/card-kinds.js';
import { cardPayload, hiding, TYPE_NAME, type Hiding, type WebhookEventType, type WebhookRole } from './webhooks.service.js';
import { sendDueDeliveries } from './webhooks.sender.js';

type Hook = { id: string; eventTypes: string[]; role: WebhookRole };

/** The workspace's enabled webhooks subscribed to any of `types`, with their roles (two statements). */
function subscribed(tx: Tx | Db, workspaceId: string, types: WebhookEventType[]): Promise<Hook[]> {
  return tx.webhook.findMany({
    where: { workspaceId, enabled: true, eventTypes: { hasSome: types } },
    select: { id: true, eventTypes: true, role: { select: { isAdmin: true, fieldAccess: true } } },
  });
}

/** A delivery row per webhook subscribed to each of the event's types (written with `insertDeliveries`). */
async function deliveries(
  hooks: Hook[],
  workspaceId: string,
  types: WebhookEventType[],
  data: (type: WebhookEventType, hook: Hook) => object | Promise<object>,
  occurredAt: string,
) {
  const rows: Record<string, unknown>[] = [];
  for (const h of hooks) {
    for (const type of types.filter((t) => h.eventTypes.includes(t))) {
      rows.push({
        workspaceId,
        webhookId: h.id,
        eventType: type,
        messageId: `msg_${randomUUID()}`,
        payload: { type: TYPE_NAME[type], timestamp: occurredAt, data: await data(type, h) },
      });
    }
  }
  return rows;
}

/** All of an emit's deliveries in one statement (a batch of imported cards emits hundreds of events). */
async function insertDeliveries(tx: Tx, rows: Record<string, unknown>[]) {
  if (!rows.length) return;
  // The webhooks may come from a list kept across requests (SettingsEpochs.keptList): one deleted
  // since is left out rather than failing the change on its foreign key.
  await insertRows(tx, 'WebhookDelivery', rows, { ids: true, now: ['nextAttemptAt', 'createdAt'], parent: { column: 'webhookId', table: 'Webhook' } });
  await jobsQueued(tx, rows[0].workspaceId as string);
}

async function queue(
  tx: Tx,
  workspaceId: string,
  types: WebhookEventType[],
  data: (type: WebhookEventType, hook: Hook) => object | Promise<object>,
  occurredAt: string,
) {
  if (!types.length) return;
  await insertDeliveries(tx, await deliveries(await subscribed(tx, workspaceId, types), workspaceId, types, data, occurredAt));
}

const RECORD_TYPE = {
  'record.created': 'CARD_CREATED',
  'record.updated': 'CARD_UPDATED',
  'record.trashed': 'CARD_DELETED',
  'record.restored': 'CARD_RESTORED',
} as const;

/**
 * A card as a payload carries it: its id as the API gives it, its fields, what changed; fields the
 * webhook's role may not see (field access HIDDEN) never leave.
 */
function cardData(e: RecordEvent, hide: Hiding) {
  return { ...cardPayload(e.kind, e.after, hide), changes: hide.changes(e.diff), actorId: encodeGlobalId('User', e.actorId) };
}

/**
 * An emit's events at once: the webhooks are looked up once per workspace (not once per card of
 * an imported batch), what each webhook's role hides once per webhook and kind, and every
 * delivery is written in one statement.
 */
const QUEUE_DELIVERIES = 'webhooks: queue deliveries';
for (const topic of Object.keys(RECORD_TYPE) as (keyof typeof RECORD_TYPE)[]) {
  // Read ahead by the writes that create and update cards (the kernel's one write path): every
  // type an event of the topic may carry, as a webhook that none of a change's types names gets
  // no delivery (`deliveries` writes one per type it subscribed to).
  if (topic === 'record.created') events.readAhead(topic, QUEUE_DELIVERIES, (db, workspaceId) => subscribed(db, workspaceId, ['CARD_CREATED']));
  if (topic === 'record.updated')
    events.readAhead(topic, QUEUE_DELIVERIES, (db, workspaceId) => subscribed(db, workspaceId, ['CARD_UPDATED', 'DEAL_STAGE_CHANGED']));
  events.inTransactionMany(topic, QUEUE_DELIVERIES, async (tx, list, _ctx, ahead) => {
    const typesOf = (e: RecordEvent): WebhookEventType[] =>
      topic === 'record.updated' && e.kind === 'DEAL' && e.diff.some((d) => d.field === 'stageId')
        ? [RECORD_TYPE[topic], 'DEAL_STAGE_CHANGED']
        : [RECORD_TYPE[topic]];
    const rows: Record<string, unknown>[] = [];
    for (const workspaceId of new Set(list.map((e) => e.workspaceId))) {
      const mine = list.filter((e) => e.workspaceId === workspaceId);
      const hooks = await (ahead?.take<Hook[]>(topic, QUEUE_DELIVERIES, workspaceId) ?? subscribed(tx, workspaceId, [...new Set(mine.flatMap(typesOf))]));
      if (!hooks.length) continue;
      const hides = new Map<string, Promise<Hiding>>();
      const hideFor = (h: Hook, e: RecordEvent) => {
        const k = `${h.id}:${e.kind}`;
        if (!hides.has(k)) hides.set(k, hiding(tx, workspaceId, h.role, e.kind));
        return hides.get(k)!;
      };
      for (const e of mine) rows.push(...(await deliveries(hooks, workspaceId, typesOf(e), async (_t, h) => cardData(e, await hideFor(h, e)), e.occurredAt)));
    }
    await insertDeliveries(tx, rows);
  });
}

for (const [topic, type] of [
  ['task.created', 'TASK_CREATED'],
  ['task.completed', 'TASK_COMPLETED'],
] as const) {
  events.inTransaction(topic, QUEUE_DELIVERIES, async (tx, e: TaskEvent) => {
    await queue(
      tx,
      e.workspaceId,
      [type],
      () => ({
        card: { kind: e.card.kind, id: encodeGlobalId(e.card.kind === 'LEAD' ? 'IncomingLead' : descriptor(e.card.kind).typeName, e.card.id) },
        task: { ...e.task, id: encodeGlobalId('Task', e.task.id), responsibleId: encodeGlobalId('User', e.task.responsibleId) },
        actorId: encodeGlobalId('User', e.actorId),
      }),
      e.occurredAt,
    );
  });
}

events.jobSource('webhooks: due deliveries', sendDueDeliveries);
