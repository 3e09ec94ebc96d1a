// The SSRF guard of outbound webhooks, as an installation without WEBHOOK_ALLOW_PRIVATE has it:
// https only, and no private, loopback or link-local target, checked on the resolved address
// (so "localhost" is refused like 127.0.0.1). The connection-time lookup refuses the same.
import { request } from 'node:http';
import { describe, expect, it, testWith } from './kit/fixtures.js';
import { as } from './kit/results.js';
import { CreateWebhook, Webhooks } from './kit/documents/webhooks.js';
import { guardedLookup, isPrivateAddress } from '../src/modules/webhooks/guard.js';

const test = testWith({ WEBHOOK_ALLOW_PRIVATE: 'false' });

describe('webhook targets', () => {
  test('refuses plain http and private, loopback and link-local targets, resolved names included', async ({ workspace: ws }) => {
    for (const [target, problem] of [
      ['http://example.com/hook', /https/],
      ['https://127.0.0.1/hook', /127\.0\.0\.1/],
      ['https://localhost:8443/hook', /(127\.0\.0\.1|::1)/],
      ['https://10.1.2.3/hook', /10\.1\.2\.3/],
      ['https://169.254.169.254/latest/meta-data', /169\.254\.169\.254/],
      ['https://[::1]/hook', /::1/],
      ['https://user:pw@example.com/hook', /https/],
    ] as const) {
      const r = await ws.gql(CreateWebhook, { input: { url: target, eventTypes: ['CARD_CREATED'] } });
      const [issue] = as(r.createWebhook, 'ValidationError').fields;
      expect(issue.field, target).toBe('url');
      expect(issue.message, target).toMatch(problem);
    }
    expect((await ws.gql(Webhooks, {})).webhooks).toEqual([]);
  });

  it('classifies addresses', () => {
    for (const a of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.1.1',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isPrivateAddress(a), a).toBe(false);
  });

  it('refuses at connection time a name that resolves inside', async () => {
    const err = await new Promise<Error>((resolve) => {
      const req = request({ host: 'localhost', port: 9, method: 'POST', lookup: guardedLookup(false) as never }, () => resolve(new Error('connected')));
      req.on('error', resolve);
      req.end();
    });
    expect(err.message).toMatch(/refused: localhost resolves to/);
  });
});
