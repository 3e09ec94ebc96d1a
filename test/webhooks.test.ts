// Outbound webhooks through the public API, delivered to a real HTTP receiver on 127.0.0.1
// (the test configuration sets WEBHOOK_ALLOW_PRIVATE=true and retries within milliseconds):
// subscriptions by event type, Standard Webhooks signatures (verified with the `standardwebhooks`
// package, as a receiver would), secret rotation with overlap, retries with the attempt log,
// redelivery with the same webhook-id, and disabling after persistent failure.
import { Webhook } from 'standardwebhooks';
import { describe, expect, it, test } from './kit/fixtures.js';
import type { Client } from './kit/app.js';
import { as } from './kit/results.js';
import { subscribe } from './kit/subscribe.js';
import { receiver } from './kit/receiver.js';
import { createDeal, updateDeal } from './kit/cards.js';
import { MoveDeal } from './kit/documents/deals.js';
import { AutomationNotifications } from './kit/documents/automations.js';
import { CreateWebhook, DeleteWebhook, RedeliverWebhook, RotateWebhookSecret, UpdateWebhook, WebhookDeliveries, Webhooks } from './kit/documents/webhooks.js';
import { createWebhook } from './kit/automations.js';

let url: string;
test.beforeAll(({ url: serverUrl }) => {
  url = serverUrl;
});

async function deliveries(c: Client, webhookId: string) {
  return (await c.gql(WebhookDeliveries, { webhookId, first: 100 })).webhookDeliveries;
}

const poll = { timeout: 20_000, interval: 50 };

describe('webhooks', () => {
  it('is for administrators, and refuses a bad URL or a short secret, storing nothing', async ({ workspace: ws }) => {
    const seller = await ws.member('Seller');
    expect((await seller.gql(CreateWebhook, { input: { url: 'https://example.com/h', eventTypes: ['CARD_CREATED'] } })).createWebhook.__typename).toBe(
      'ForbiddenError',
    );
    const bad = await ws.gql(CreateWebhook, { input: { url: 'ftp://example.com', eventTypes: [], secret: 'whsec_c2hvcnQ=' } });
    expect(as(bad.createWebhook, 'ValidationError').fields.map((f) => f.field)).toEqual(['url', 'eventTypes', 'secret']);
    expect((await ws.gql(Webhooks, {})).webhooks).toEqual([]);
  });

  it('delivers subscribed events signed per Standard Webhooks, with the card as the API shows it', async ({ workspace: ws }) => {
    const rx = await receiver();
    const { webhook, secret } = await createWebhook(ws, { url: rx.url, eventTypes: ['CARD_CREATED', 'DEAL_STAGE_CHANGED'] });
    expect(secret).toMatch(/^whsec_/);
    const d = await createDeal(ws, { name: 'Signed', amount: '10' });
    await updateDeal(ws, { id: d.id, version: d.version, name: 'Renamed' }); // CARD_UPDATED: not subscribed
    as((await ws.gql(MoveDeal, { input: { id: d.id, version: d.version + 1, stageId: ws.open[1].id } })).moveDeal, 'MoveDealSuccess');
    await expect.poll(() => rx.got.length, poll).toBe(2);
    const verifier = new Webhook(secret);
    const payloads = rx.got.map(
      (r) => verifier.verify(r.body, r.headers as Record<string, string>) as { type: string; data: { id: string; card: { name: string; amount: string } } },
    );
    expect(payloads.map((p) => p.type).sort()).toEqual(['card.created', 'deal.stage_changed']);
    const created = payloads.find((p) => p.type === 'card.created')!;
    expect(created.data).toMatchObject({ id: d.id, card: { name: 'Signed', amount: '10.00' } });
    // A tampered body fails verification (the card.created one, which holds the name; the two may arrive in either order).
    const createdRequest = rx.got[payloads.indexOf(created)];
    const forged = createdRequest.body.replace('Signed', 'Forged');
    expect(forged).not.toBe(createdRequest.body);
    expect(() => verifier.verify(forged, createdRequest.headers as Record<string, string>)).toThrow();
    await expect.poll(async () => (await deliveries(ws, webhook.id)).every((x) => x.status === 'SUCCEEDED'), poll).toBe(true);
    const [last] = await deliveries(ws, webhook.id);
    expect(last.attemptLog).toEqual([expect.objectContaining({ attempt: 1, statusCode: 200, response: 'ok', error: null })]);
    await rx.close();
  });

  it('retries a failing receiver with the same webhook-id, logging each attempt, and redelivers on demand', async ({ workspace: ws }) => {
    const rx = await receiver((_r, n) => (n <= 2 ? 500 : 200));
    const { webhook } = await createWebhook(ws, { url: rx.url, eventTypes: ['CARD_CREATED'] });
    await createDeal(ws, { name: 'Flaky' });
    await expect.poll(async () => (await deliveries(ws, webhook.id))[0]?.status, poll).toBe('SUCCEEDED');
    const [d] = await deliveries(ws, webhook.id);
    expect(d.attemptLog.map((a) => [a.attempt, a.statusCode])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    expect(d.attemptLog[0].response.length).toBe(1024);
    expect(new Set(rx.got.map((r) => r.headers['webhook-id']))).toEqual(new Set([d.messageId]));
    const again = as((await ws.gql(RedeliverWebhook, { deliveryId: d.id })).redeliverWebhook, 'RedeliverWebhookSuccess');
    expect(again.delivery.status).toBe('PENDING');
    await expect.poll(() => rx.got.length, poll).toBe(4);
    expect(rx.got[3].headers['webhook-id']).toBe(d.messageId);
    await rx.close();
  });

  it('signs with both secrets during a rotation overlap, and with the new one alone after', async ({ workspace: ws }) => {
    const rx = await receiver();
    const { webhook, secret: old } = await createWebhook(ws, { url: rx.url, eventTypes: ['CARD_CREATED'] });
    const rotated = as((await ws.gql(RotateWebhookSecret, { id: webhook.id, overlapHours: 1 })).rotateWebhookSecret, 'RotateWebhookSecretSuccess').result;
    expect(rotated.secret).not.toBe(old);
    await createDeal(ws, { name: 'Overlap' });
    await expect.poll(() => rx.got.length, poll).toBe(1);
    expect(String(rx.got[0].headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const s of [old, rotated.secret]) expect(() => new Webhook(s).verify(rx.got[0].body, rx.got[0].headers as Record<string, string>)).not.toThrow();
    const none = as((await ws.gql(RotateWebhookSecret, { id: webhook.id, overlapHours: 0 })).rotateWebhookSecret, 'RotateWebhookSecretSuccess').result;
    await createDeal(ws, { name: 'After' });
    await expect.poll(() => rx.got.length, poll).toBe(2);
    expect(String(rx.got[1].headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(() => new Webhook(rotated.secret).verify(rx.got[1].body, rx.got[1].headers as Record<string, string>)).toThrow();
    expect(() => new Webhook(none.secret).verify(rx.got[1].body, rx.got[1].headers as Record<string, string>)).not.toThrow();
    await rx.close();
  });

  it('disables a webhook whose deliveries keep failing and tells the administrators; enabling it again resumes', async ({ workspace: ws, app }) => {
    const rx = await receiver(() => 500);
    const sub = subscribe(url, ws.token, AutomationNotifications, {}, (d) => d.notifications);
    await sub.ready;
    const { webhook } = await createWebhook(ws, { url: rx.url, eventTypes: ['CARD_CREATED'] });
    for (let i = 0; i < 5; i++) await createDeal(ws, { name: `Failing ${i}` });
    const kept = app.deps.epochs.epoch(ws.workspaceId);
    const told = await sub.waitFor((e) => e.some((n) => n.kind === 'WEBHOOK_DISABLED'), 40_000);
    // The disable reached every instance as a settings change: none keeps the webhook as listening.
    expect(app.deps.epochs.epoch(ws.workspaceId)).toBeGreaterThan(kept);
    await sub.close();
    expect(told.find((n) => n.kind === 'WEBHOOK_DISABLED')?.text).toBe(`Webhook ${rx.url} was disabled after 5 deliveries failed in a row`);
    const [state] = (await ws.gql(Webhooks, {})).webhooks;
    expect(state).toMatchObject({ enabled: false, failureStreak: 5 });
    const log = await deliveries(ws, webhook.id);
    expect(log.map((x) => [x.status, x.attempts])).toEqual(Array(5).fill(['FAILED', 8]));
    // Disabled: nothing more is queued.
    await createDeal(ws, { name: 'Ignored' });
    expect(await deliveries(ws, webhook.id)).toHaveLength(5);
    const on = as((await ws.gql(UpdateWebhook, { input: { id: webhook.id, enabled: true } })).updateWebhook, 'UpdateWebhookSuccess').webhook;
    expect(on).toMatchObject({ enabled: true, failureStreak: 0, disabledAt: null });
    expect(as((await ws.gql(DeleteWebhook, { id: webhook.id })).deleteWebhook, 'DeleteWebhookSuccess').deletedId).toBe(webhook.id);
    await rx.close();
  }, 60_000);
});
