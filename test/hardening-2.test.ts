// Hardening, second round (issue 16): custom-field patterns on a linear-time engine, page cursors
// that reveal nothing about rows the viewer may not see, live events with fresh visibility, and
// limits on what one request may ask.
import { describe, expect, it } from './kit/fixtures.js';
import { as } from './kit/results.js';
import { createDeal, defineField, readDeal } from './kit/cards.js';
import { CreateCustomField } from './kit/documents/custom-fields.js';
import { UpdateDeal } from './kit/documents/deals.js';
import { Ping } from './kit/documents/hardening.js';

describe('custom-field patterns (ReDoS)', () => {
  it('failing before: a catastrophic pattern against a 10,000-character value answers, and other requests are not held up', async ({ workspace: ws }) => {
    const f = await defineField(ws, { entityType: 'DEAL', type: 'TEXTAREA', name: 'Evil', code: 'evil', pattern: '(a+)+' });
    const d = await createDeal(ws, { name: 'Target' });
    const bad = 'a'.repeat(9_999) + '!';
    const [write, ping] = await Promise.all([
      ws.gql(UpdateDeal, { input: { id: d.id, version: d.version, customFields: [{ fieldId: f.id, value: { text: bad } }] } }),
      ws.gql(Ping, {}),
    ]);
    expect(ping.me.id).toBe(ws.admin.id);
    const refused = as(write.updateDeal, 'ValidationError');
    expect(refused.fields.map((x) => x.message).join()).toMatch(/does not match the pattern/);
    expect((await readDeal(ws, d.id)).version).toBe(d.version);
    // The same pattern still accepts what it describes.
    const ok = 'a'.repeat(10_000);
    const good = await ws.gql(UpdateDeal, { input: { id: d.id, version: d.version, customFields: [{ fieldId: f.id, value: { text: ok } }] } });
    expect(as(good.updateDeal, 'UpdateDealSuccess').deal.version).toBe(d.version + 1);
  });

  it('failing before: patterns RE2 cannot run in linear time (look-around, backreferences) are refused on the pattern path', async ({ workspace: ws }) => {
    for (const pattern of ['(?=a)a+', '(a)\\1', '(?<!x)y']) {
      const r = await ws.gql(CreateCustomField, { input: { entityType: 'DEAL', type: 'TEXT', name: `P ${pattern}`, pattern } });
      const e = as(r.createCustomField, 'ValidationError');
      expect(e.fields, pattern).toEqual([{ field: 'pattern', message: expect.stringMatching(/not a valid regular expression/) }]);
    }
  });
});
