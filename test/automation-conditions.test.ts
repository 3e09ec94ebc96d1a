// An automation's conditions are the `deals` list's filter, and they agree with it: random
// deals, random filters (system keys, custom fields, nested and / or); each filter becomes an
// automation's conditions, every deal is touched, and the deals each automation ran for are
// exactly the deals the list answers for that filter. A failure prints its seed.
import { describe, expect, it, test, type Workspace } from './kit/fixtures.js';
import { as } from './kit/results.js';
import { createDeal, defineField, updateDeal } from './kit/cards.js';
import { Deals } from './kit/documents/deals.js';
import { AutomationRuns, CreateAutomation } from './kit/documents/automations.js';
import type { DealFilter } from './gql/graphql.js';

test.beforeAll(({ url }) => {
  expect(url).toBeTruthy();
});

/** mulberry32: a small seeded generator, so a failing case can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DEALS = 14;
const FILTERS = 10;

describe('conditions agree with the list filter', () => {
  let ws: Workspace;
  test.beforeAll(async ({ signUp }) => {
    ws = await signUp();
  });

  it('for random deals and random filters, an automation runs for exactly the deals the list holds', async () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    const r = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
    const seller = await ws.member('Seller');
    const score = await defineField(ws, { entityType: 'DEAL', type: 'NUMBER', name: 'Score' });
    const city = await defineField(ws, { entityType: 'DEAL', type: 'TEXT', name: 'City' });
    const users = [ws.admin.id, seller.user.id];
    const stages = ws.open.slice(0, 3).map((s) => s.id);

    const deals: { id: string; version: number }[] = [];
    for (let i = 0; i < DEALS; i++) {
      const scoreValue = r() < 0.7 ? String(Math.floor(r() * 100)) : null;
      const cityValue = pick(['Kazan', 'Omsk', 'Kaliningrad', null]);
      const d = await createDeal(ws, {
        name: `Deal ${i}`,
        amount: String(pick([0, 100, 500, 1000, 5000])),
        tags: ['a', 'b', 'c'].filter(() => r() < 0.4),
        responsibleId: pick(users),
        stageId: pick(stages),
        customFields: [
          ...(scoreValue ? [{ fieldId: score.id, value: { number: scoreValue } }] : []),
          ...(cityValue ? [{ fieldId: city.id, value: { text: cityValue } }] : []),
        ],
      });
      deals.push({ id: d.id, version: d.version });
    }

    const leaf = (): DealFilter => {
      switch (Math.floor(r() * 7)) {
        case 0:
          return { amount: r() < 0.5 ? { min: String(pick([0, 100, 500])) } : { max: String(pick([500, 1000])) } };
        case 1:
          return { tags: [pick(['a', 'b', 'c'])] };
        case 2:
          return { stageIds: [pick(stages)] };
        case 3:
          return { responsibleIds: [pick(users)] };
        case 4:
          return {
            customFields: [
              pick([
                { fieldId: score.id, gt: String(Math.floor(r() * 100)) },
                { fieldId: score.id, isEmpty: r() < 0.5 },
              ]),
            ],
          };
        case 5:
          return {
            customFields: [
              pick([
                { fieldId: city.id, eq: pick(['Kazan', 'Omsk']) },
                { fieldId: city.id, startsWith: 'Ka' },
                { fieldId: city.id, isEmpty: true },
              ]),
            ],
          };
        default:
          return { search: pick(['Deal 1', 'deal']) };
      }
    };
    const filter = (depth = 0): DealFilter => {
      const x = r();
      if (depth < 2 && x < 0.25) return { or: [filter(depth + 1), filter(depth + 1)] };
      if (depth < 2 && x < 0.45) return { ...leaf(), and: [filter(depth + 1)] };
      return leaf();
    };
    const filters = Array.from({ length: FILTERS }, () => filter());

    const automations: string[] = [];
    for (const [i, f] of filters.entries()) {
      const a = await ws.gql(CreateAutomation, {
        input: {
          name: `Filter ${i}`,
          trigger: { type: 'FIELD_CHANGED', cardKind: 'DEAL', field: 'name' },
          conditions: { deal: f },
          actions: [{ notify: { text: 'match' } }],
        },
      });
      automations.push(as(a.createAutomation, 'CreateAutomationSuccess').automation.id);
    }
    // Touch every deal: a name change that keeps what the searches look for.
    for (const [i, d] of deals.entries()) await updateDeal(ws, { id: d.id, version: d.version, name: `Deal ${i} ·` });

    const mine = new Set(deals.map((d) => d.id));
    for (const [i, f] of filters.entries()) {
      await expect
        .poll(async () => (await ws.gql(AutomationRuns, { automationId: automations[i], first: 200 })).automationRuns.length, {
          timeout: 120_000,
          interval: 100,
        })
        .toBe(DEALS);
      const log = (await ws.gql(AutomationRuns, { automationId: automations[i], first: 200 })).automationRuns;
      const ran = log.filter((x) => x.status === 'SUCCEEDED').map((x) => x.cardId);
      expect(log.every((x) => x.status === 'SUCCEEDED' || x.status === 'SKIPPED')).toBe(true);
      const listed = (await ws.gql(Deals, { filter: f, first: 200 })).deals.edges.map((e) => e.node.id).filter((id) => mine.has(id));
      expect(new Set(ran), `seed ${seed}, filter ${JSON.stringify(f)}`).toEqual(new Set(listed));
    }
  }, 180_000);
});
