// Outbound webhooks: what administrators define (a URL, event types, a secret shown once and
// rotated with an overlap), the delivery log they read, and redelivery. Queuing deliveries is
// the consumers' (webhooks.consumers.ts); sending them is the sender's (webhooks.sender.ts).
import { randomBytes, randomUUID } from 'node:crypto';
import type { ServiceCtx } from '../../context.js';
import { IssueList, NotFoundError } from '../../lib/errors.js';
import { IdParser } from '../../lib/ids.js';
import * as v from '../../lib/validate.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { assertAdmin } from '../../kernel/access/viewer.js';
import { urlProblem } from './guard.js';
import { encodeGlobalId } from '../../lib/ids.js';
import type { Tx } from '../../lib/outbox.js';
import { insertRows, lockReferencing } from '../../lib/bulk-insert.js';
import { descriptor, type CardKind } from '../../kernel/card-kinds.js';
import { changeSettings, type FieldChange, type Snapshot } from '../../kernel/events.js';
import type { FieldAccessMap } from '../../kernel/access/field-access.js';
import type { Viewer } from '../../kernel/access/viewer.js';
import { hiddenFieldIds } from '../../kernel/fields/definitions.js';
import type { FieldDef } from '../../kernel/fields/values.js';
import { snapshot } from '../../kernel/records.js';
import type { CardRow } from '../../kernel/tables.js';
import { WEBHOOKS } from './webhooks.messages.js';

export const EVENT_TYPES = [
  'CARD_CREATED',
  'CARD_UPDATED',
  'CARD_DELETED',
  'CARD_RESTORED',
  'DEAL_STAGE_CHANGED',
  'TASK_CREATED',
  'TASK_COMPLETED',
  'CHAT_MESSAGE_SENT',
] as const;
export type WebhookEventType = (typeof EVENT_TYPES)[number];

/** The `type` of a payload, as Standard Webhooks payloads name it. */
export const TYPE_NAME: Record<WebhookEventType, string> = {
  CARD_CREATED: 'card.created',
  CARD_UPDATED: 'card.updated',
  CARD_DELETED: 'card.deleted',
  CARD_RESTORED: 'card.restored',
  DEAL_STAGE_CHANGED: 'deal.stage_changed',
  TASK_CREATED: 'task.created',
  TASK_COMPLETED: 'task.completed',
  CHAT_MESSAGE_SENT: 'chat.message.sent',
};

const SECRET_PREFIX = 'whsec_';
/** Shortest secret accepted, in bytes (the specification asks for 24 to 64). */
const MIN_SECRET_BYTES = 24;

export const newSecret = () => SECRET_PREFIX + randomBytes(32).toString('base64');

export type WebhookInput = { url: string; eventTypes: WebhookEventType[]; enabled?: boolean | null; secret?: string | null; roleId?: string | null };

async function checkInput(ctx: ServiceCtx, input: Partial<WebhookInput>, issues: IssueList) {
  if (input.url !== undefined) {
    const problem = await urlProblem(input.url, ctx.deps.config.webhooks.allowPrivate);
    if (problem?.kind === 'scheme') issues.add('url', WEBHOOKS.badUrl());
    else if (problem?.kind === 'private') issues.add('url', WEBHOOKS.privateTarget({ address: problem.address }));
    else if (problem?.kind === 'unresolvable') issues.add('url', WEBHOOKS.unresolvable());
    if (input.url.length > 2000) issues.add('url', v.VALIDATE.tooLong({ max: 2000 }));
  }
  if (input.eventTypes !== undefined && !input.eventTypes.length) issues.add('eventTypes', WEBHOOKS.noEvents());
  if (input.secret !== null && input.secret !== undefined) {
    const raw = input.secret.startsWith(SECRET_PREFIX) ? input.secret.slice(SECRET_PREFIX.length) : input.secret;
    const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(raw) ? Buffer.from(raw, 'base64').length : 0;
    if (bytes < MIN_SECRET_BYTES || bytes > 64) issues.add('secret', v.VALIDATE.tooShort({ min: MIN_SECRET_BYTES }));
  }
  issues.throwIfAny();
}

type Query = { include?: Prisma.WebhookInclude; select?: Prisma.WebhookSelect };

/** Creates a webhook; its secret is answered this once. */
export async function createWebhook(ctx: ServiceCtx, input: WebhookInput) {
  assertAdmin(ctx.viewer, WEBHOOKS.manage());
  const ids = new IdParser();
  const roleId = ids.one('roleId', 'Role', input.roleId);
  if (roleId && !(await ctx.db.role.findFirst({ where: { id: roleId, workspaceId: ctx.viewer.workspaceId }, select: { id: true } })))
    ids.issues.add('roleId', v.noSuch('Role'));
  await checkInput(ctx, input, ids.issues);
  const secret = input.secret ? (input.secret.startsWith(SECRET_PREFIX) ? input.secret : SECRET_PREFIX + input.secret) : newSecret();
  const webhook = await changeSettings(ctx, (tx) =>
    tx.webhook.create({
      data: { workspaceId: ctx.viewer.workspaceId, url: input.url, eventTypes: [...new Set(input.eventTypes)], enabled: input.enabled ?? true, secret, roleId },
    }),
  );
  return { webhook, secret };
}

async function own(ctx: ServiceCtx, id: string) {
  assertAdmin(ctx.viewer, WEBHOOKS.manage());
  const w = await ctx.db.webhook.findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId } });
  if (!w) throw new NotFoundError('Webhook', id);
  return w;
}

/** Changes what is given; enabling a disabled webhook lifts the disable and its failure streak. */
export async function updateWebhook(
  ctx: ServiceCtx,
  id: string,
  input: { url?: string | null; eventTypes?: WebhookEventType[] | null; enabled?: boolean | null },
  query: Query = {},
) {
  await own(ctx, id);
  const given = { url: input.url ?? undefined, eventTypes: input.eventTypes ?? undefined };
  await checkInput(ctx, given, new IssueList());
  return changeSettings(ctx, (tx) =>
    tx.webhook.update({
      ...query,
      where: { id },
      data: {
        ...(given.url ? { url: given.url } : {}),
        ...(given.eventTypes ? { eventTypes: [...new Set(given.eventTypes)] } : {}),
        ...(input.enabled === true ? { enabled: true, disabledAt: null, failureStreak: 0 } : input.enabled === false ? { enabled: false } : {}),
      },
    }),
  );
}

/** A new secret, answered once; the old one keeps signing alongside for `overlapHours`. */
export async function rotateWebhookSecret(ctx: ServiceCtx, id: string, overlapHours: number) {
  const w = await own(ctx, id);
  const issues = new IssueList();
  if (!Number.isFinite(overlapHours) || overlapHours < 0 || overlapHours > 24 * 7) issues.add('overlapHours', v.VALIDATE.tooLong({ max: 24 * 7 }));
  issues.throwIfAny();
  const secret = newSecret();
  const webhook = await ctx.db.webhook.update({
    where: { id },
    data: { secret, previousSecret: w.secret, previousSecretUntil: new Date(Date.now() + overlapHours * 3_600_000) },
  });
  return { webhook, secret };
}

export async function deleteWebhook(ctx: ServiceCtx, id: string) {
  await own(ctx, id);
  await changeSettings(ctx, async (tx) => {
    // A delivery failing beside the delete updated its row and then counts it on the webhook: its deliveries first.
    await lockReferencing(tx, 'WebhookDelivery', 'webhookId', id);
    return tx.webhook.delete({ where: { id } });
  });
  return id;
}

export function listWebhooks(ctx: ServiceCtx, query: Query = {}) {
  assertAdmin(ctx.viewer, WEBHOOKS.manage());
  return ctx.db.webhook.findMany({ ...query, where: { workspaceId: ctx.viewer.workspaceId }, orderBy: { createdAt: 'asc' } });
}

/** The delivery log of a webhook, newest first. */
export async function webhookDeliveries(ctx: ServiceCtx, webhookId: string, take: number) {
  await own(ctx, webhookId);
  return ctx.db.webhookDelivery.findMany({ where: { webhookId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: Math.min(Math.max(take, 1), 500) });
}

/** Sends a delivery again (same webhook-id, so a receiver that saw it can tell), now. */
export async function redeliverWebhook(ctx: ServiceCtx, deliveryId: string) {
  assertAdmin(ctx.viewer, WEBHOOKS.manage());
  const d = await ctx.db.webhookDelivery.findFirst({ where: { id: deliveryId, workspaceId: ctx.viewer.workspaceId } });
  if (!d) throw new NotFoundError('WebhookDelivery', deliveryId);
  const row = await ctx.db.webhookDelivery.update({ where: { id: deliveryId }, data: { status: 'PENDING', nextAttemptAt: new Date(), lockedUntil: null } });
  ctx.deps.worker.kick();
  return row;
}

/**
 * A card as a webhook's payload carries it (an automation's "call a webhook" action): its id as
 * the API gives it and its fields, with what the webhook's role may not see left out.
 */
export async function webhookCard(ctx: ServiceCtx, webhookId: string, kind: CardKind, row: Record<string, unknown>, automation: { id: string; name: string }) {
  const hide = await hiddenFor(ctx.db, webhookId, kind);
  return {
    ...cardPayload(kind, snapshot(row as unknown as CardRow), hide),
    automation: { id: encodeGlobalId('Automation', automation.id), name: automation.name },
  };
}

/** A card in a payload: its kind, its id as the API gives it, and its fields less what `hide` drops. */
export function cardPayload(kind: CardKind, s: Snapshot, hide: Hiding) {
  const { id, workspaceId, ...fields } = s;
  void workspaceId;
  return { kind, id: encodeGlobalId(descriptor(kind).typeName, String(id)), card: hide.card(fields) };
}

export type Hiding = Awaited<ReturnType<typeof hiding>>;

/** A webhook's role as its payloads need it (null: an administrator's view). */
export type WebhookRole = { isAdmin: boolean; fieldAccess: unknown } | null;

/** What a webhook's role may not see of a kind's cards (the webhook's own role, read from `db`). */
export async function hiddenFor(db: Tx | ServiceCtx['db'], webhookId: string, kind: CardKind) {
  const w = await db.webhook.findUnique({ where: { id: webhookId }, select: { workspaceId: true, role: { select: { isAdmin: true, fieldAccess: true } } } });
  return hiding(db, w?.workspaceId ?? '', w?.role ?? null, kind);
}

/**
 * What a role may not see of a kind's cards (no role: what an administrator sees, everything):
 * `card` drops those fields from a card's snapshot, `changes` from a diff.
 */
export async function hiding(db: Tx | ServiceCtx['db'], workspaceId: string, role: WebhookRole, kind: CardKind) {
  const access = !role || role.isAdmin ? undefined : (role.fieldAccess as FieldAccessMap)[kind];
  const hidden = Object.entries(access ?? {})
    .filter(([, level]) => level === 'HIDDEN')
    .map(([f]) => f);
  if (!hidden.length) return { card: (c: Snapshot) => c, changes: (d: FieldChange[]) => d };
  const systemAccess = descriptor(kind).access;
  // System fields by the columns they cover (a deal's amount hides its currency too); custom
  // fields as the API hides them from the role (formulas over a hidden field and fields shown
  // only under a condition on one go too), by the keys the snapshot holds them under.
  const columns = new Set(hidden.flatMap((f) => systemAccess[f] ?? []));
  const defs = (await db.customField.findMany({ where: { workspaceId, entityType: kind } })) as unknown as FieldDef[];
  const custom = hiddenFieldIds({ isAdmin: false, fieldAccess: role!.fieldAccess } as Viewer, kind, defs);
  const keys = new Set(defs.filter((d) => custom.has(d.id)).map((d) => String(d.key)));
  return {
    card: (c: Snapshot) => {
      const out: Snapshot = {};
      for (const [k, x] of Object.entries(c)) if (!columns.has(k)) out[k] = x;
      if (c.customFields && typeof c.customFields === 'object' && !Array.isArray(c.customFields)) {
        out.customFields = Object.fromEntries(Object.entries(c.customFields).filter(([k]) => !keys.has(k)));
      }
      return out;
    },
    changes: (d: FieldChange[]) => d.filter((x) => (x.customFieldId ? !custom.has(x.customFieldId) : !columns.has(x.field))),
  };
}

/**
 * Deliveries of one event to the given webhooks (a chat channel's own) and to every enabled
 * webhook subscribed to its type, each once, written in the caller's transaction.
 */
export async function queueDirectDeliveries(tx: Tx, workspaceId: string, webhookIds: string[], type: WebhookEventType, occurredAt: string, data: object) {
  const hooks = await tx.webhook.findMany({
    where: { workspaceId, enabled: true, OR: [{ id: { in: webhookIds } }, { eventTypes: { has: type } }] },
    select: { id: true },
  });
  await insertRows(
    tx,
    'WebhookDelivery',
    hooks.map((h) => ({
      workspaceId,
      webhookId: h.id,
      eventType: type,
      messageId: `msg_${randomUUID()}`,
      payload: { type: TYPE_NAME[type], timestamp: occurredAt, data },
    })),
    { ids: true, now: ['nextAttemptAt', 'createdAt'] },
  );
}
