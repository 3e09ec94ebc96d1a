// The retry schedule of outbound webhooks as an installation configures it: WEBHOOK_MAX_ATTEMPTS
// attempts, each delay at most WEBHOOK_RETRY_MAX_MS whatever the base. Here the base is a minute
// and the cap 5 ms: without the cap the second attempt would wait a minute (the poll below gives
// up after 20 s); with it, three attempts are made at once and the delivery fails. The app is one
// of its own (own database, own worker), so no worker of another configuration sends for it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from './kit/fixtures.js';
import { createTestApp } from './kit/app.js';
import { signUpWorkspace } from './kit/workspace.js';
import { as } from './kit/results.js';
import { createDeal } from './kit/cards.js';
import { CreateWebhook, WebhookDeliveries } from './kit/documents/webhooks.js';
import { backoff } from '../src/modules/webhooks/webhooks.sender.js';

describe('webhook retry schedule', () => {
  it('a failing delivery is tried WEBHOOK_MAX_ATTEMPTS times, each wait capped by WEBHOOK_RETRY_MAX_MS, then fails', { timeout: 90_000 }, async () => {
    const app = await createTestApp({ WEBHOOK_MAX_ATTEMPTS: '3', WEBHOOK_RETRY_BASE_MS: '60000', WEBHOOK_RETRY_MAX_MS: '5' }, { own: true });
    await app.start();
    const ws = await signUpWorkspace(app);
    let calls = 0;
    const server = createServer((req, res) => {
      calls++;
      req.resume().on('end', () => res.writeHead(500).end('down'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const created = await ws.gql(CreateWebhook, { input: { url: `http://127.0.0.1:${port}/hook`, eventTypes: ['CARD_CREATED'] } });
    const { webhook } = as(created.createWebhook, 'CreateWebhookSuccess').result;
    await createDeal(ws, { name: 'Never accepted' });
    const status = async () => (await ws.gql(WebhookDeliveries, { webhookId: webhook.id, first: 10 })).webhookDeliveries;
    await expect.poll(async () => (await status())[0]?.status, { timeout: 20_000, interval: 50 }).toBe('FAILED');
    const [d] = await status();
    expect(d.attempts).toBe(3);
    expect(d.attemptLog.map((a) => a.statusCode)).toEqual([500, 500, 500]);
    expect(calls).toBe(3);
    await new Promise<void>((r) => server.close(() => r()));
    await app.stop();
  });

  it('the delay grows fourfold per attempt within ±20 % and never passes the cap', () => {
    for (let n = 1; n <= 8; n++) {
      const d = backoff(5_000, n);
      expect(d).toBeGreaterThanOrEqual(Math.floor(5_000 * 4 ** (n - 1) * 0.8));
      expect(d).toBeLessThanOrEqual(Math.ceil(5_000 * 4 ** (n - 1) * 1.2));
      expect(backoff(5_000, n, 60_000)).toBeLessThanOrEqual(60_000);
    }
    expect(backoff(5_000, 9, 86_400_000)).toBe(86_400_000);
  });
});
