// Outbound webhooks (administrators): the Webhook node, its delivery log, create (the secret is
// answered once), update, rotate the secret, delete, and redeliver.
import { builder } from '../../builder.js';
import { authed } from '../../context.js';
import { encodeGlobalId, parseId } from '../../lib/ids.js';
import { WRITE_ERRORS } from '../common/common.schema.js';
import { registerNode, seenOrNowhere } from '../cards/cards.schema.js';
import type { Attempt } from './webhooks.sender.js';
import * as webhooks from './webhooks.service.js';

registerNode('Webhook');

const WebhookEventType = builder.enumType('WebhookEventType', { values: webhooks.EVENT_TYPES });
const DeliveryStatus = builder.enumType('WebhookDeliveryStatus', {
  values: ['PENDING', 'SUCCEEDED', 'FAILED'] as const,
  description: 'PENDING: not yet delivered (retries left); FAILED: every attempt failed.',
});

const WebhookRef = builder.prismaNode('Webhook', {
  id: { field: 'id' },
  findUnique: (id, ctx) => seenOrNowhere(!!ctx.viewer?.isAdmin, id, ctx),
  nullable: true,
  fields: (t) => ({
    url: t.exposeString('url'),
    eventTypes: t.field({ type: [WebhookEventType], resolve: (w) => w.eventTypes as webhooks.WebhookEventType[] }),
    enabled: t.exposeBoolean('enabled'),
    disabledAt: t.expose('disabledAt', { type: 'DateTime', nullable: true, description: 'Set when it was disabled for failing deliveries.' }),
    failureStreak: t.exposeInt('failureStreak', { description: 'Deliveries failed for good in a row.' }),
    secretRotatesUntil: t.expose('previousSecretUntil', {
      type: 'DateTime',
      nullable: true,
      description: 'Until then deliveries are signed with the previous secret too.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const AttemptRef = builder.objectRef<Attempt>('WebhookAttempt').implement({
  fields: (t) => ({
    attempt: t.exposeInt('attempt'),
    at: t.field({ type: 'DateTime', resolve: (a) => a.at }),
    statusCode: t.int({ nullable: true, resolve: (a) => a.statusCode }),
    latencyMs: t.exposeInt('latencyMs'),
    response: t.exposeString('response', { description: 'The first KB of the response body.' }),
    error: t.string({ nullable: true, resolve: (a) => a.error }),
  }),
});

builder.prismaObject('WebhookDelivery', {
  fields: (t) => ({
    id: t.id({ resolve: (d) => encodeGlobalId('WebhookDelivery', d.id) }),
    eventType: t.field({ type: WebhookEventType, resolve: (d) => d.eventType as webhooks.WebhookEventType }),
    messageId: t.exposeString('messageId', { description: 'The webhook-id header, the same on every attempt.' }),
    payload: t.string({ resolve: (d) => JSON.stringify(d.payload) }),
    status: t.field({ type: DeliveryStatus, resolve: (d) => d.status as 'PENDING' }),
    attempts: t.exposeInt('attempts'),
    attemptLog: t.field({ type: [AttemptRef], resolve: (d) => d.attemptLog as unknown as Attempt[] }),
    nextAttemptAt: t.field({
      type: 'DateTime',
      nullable: true,
      select: { status: true, nextAttemptAt: true },
      resolve: (d) => (d.status === 'PENDING' ? d.nextAttemptAt : null),
    }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const WithSecret = builder.objectRef<{ webhook: object; secret: string }>('WebhookWithSecret').implement({
  fields: (t) => ({
    webhook: t.field({ type: WebhookRef, resolve: (r) => r.webhook as never }),
    secret: t.exposeString('secret', { description: 'Shown this once: keep it to verify signatures.' }),
  }),
});

builder.queryField('webhooks', (t) =>
  t.prismaField({ type: ['Webhook'], authScopes: { member: true }, resolve: (q, _r, _a, ctx) => webhooks.listWebhooks(authed(ctx), q) }),
);

builder.queryField('webhookDeliveries', (t) =>
  t.prismaField({
    type: ['WebhookDelivery'],
    authScopes: { member: true },
    description: 'The delivery log of a webhook, newest first.',
    args: { webhookId: t.arg.id({ required: true }), first: t.arg.int({ defaultValue: 50 }) },
    resolve: (_q, _r, a, ctx) => webhooks.webhookDeliveries(authed(ctx), parseId('Webhook', a.webhookId, 'webhookId'), a.first ?? 50),
  }),
);

const CreateWebhookInput = builder.inputType('CreateWebhookInput', {
  fields: (t) => ({
    url: t.string({ required: true, description: 'https://, to a public address.' }),
    eventTypes: t.field({ type: [WebhookEventType], required: true }),
    enabled: t.boolean(),
    secret: t.string({ description: 'whsec_ and base64 of 24 to 64 bytes; generated when left out.' }),
    roleId: t.id({ description: "Payloads show cards as this role sees them (its hidden fields left out); an administrator's view when left out." }),
  }),
});

builder.mutationField('createWebhook', (t) =>
  t.field({
    type: WithSecret,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'result' } },
    args: { input: t.arg({ type: CreateWebhookInput, required: true }) },
    resolve: (_r, { input }, ctx) => webhooks.createWebhook(authed(ctx), input as webhooks.WebhookInput),
  }),
);

const UpdateWebhookInput = builder.inputType('UpdateWebhookInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    url: t.string(),
    eventTypes: t.field({ type: [WebhookEventType] }),
    enabled: t.boolean({ description: 'true also lifts a disable for failing deliveries.' }),
  }),
});

builder.mutationField('updateWebhook', (t) =>
  t.prismaField({
    type: 'Webhook',
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'webhook' } },
    args: { input: t.arg({ type: UpdateWebhookInput, required: true }) },
    resolve: (q, _r, { input }, ctx) => webhooks.updateWebhook(authed(ctx), parseId('Webhook', input.id), input, q),
  }),
);

builder.mutationField('rotateWebhookSecret', (t) =>
  t.field({
    type: WithSecret,
    authScopes: { writer: true },
    description: 'A new secret, shown once; the old one keeps signing alongside it for overlapHours.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'result' } },
    args: { id: t.arg.id({ required: true }), overlapHours: t.arg.float({ defaultValue: 24 }) },
    resolve: (_r, a, ctx) => webhooks.rotateWebhookSecret(authed(ctx), parseId('Webhook', a.id), a.overlapHours ?? 24),
  }),
);

builder.mutationField('deleteWebhook', (t) =>
  t.field({
    type: 'ID',
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'deletedId' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_r, a, ctx) => encodeGlobalId('Webhook', await webhooks.deleteWebhook(authed(ctx), parseId('Webhook', a.id))),
  }),
);

builder.mutationField('redeliverWebhook', (t) =>
  t.prismaField({
    type: 'WebhookDelivery',
    authScopes: { writer: true },
    description: 'Sends a delivery again now, with the same webhook-id.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'delivery' } },
    args: { deliveryId: t.arg.id({ required: true }) },
    resolve: (_q, _r, a, ctx) => webhooks.redeliverWebhook(authed(ctx), parseId('WebhookDelivery', a.deliveryId, 'deliveryId')),
  }),
);
