// Multiplexed live queries (src/lib/live-mux.ts): graphql-ws subscribers with the same operation,
// variables and rights share one execution per event, and still each get exactly what their
// role lets them see. The sharing is what an operator reads on /metrics (crm_live_*).
import { describe, expect, it, test } from './kit/fixtures.js';
import { as } from './kit/results.js';
import { subscribe } from './kit/subscribe.js';
import { scrape } from './kit/metrics.js';
import { CreateDeal } from './kit/documents/deals.js';
import { AssignRole, CreateRole, SetFieldAccess } from './kit/documents/users.js';
import { graphql } from './gql/index.js';
import type { RoleRightInput } from './gql/graphql.js';

let url: string;
test.beforeAll(({ url: serverUrl }) => {
  url = serverUrl;
});

// Only the event and the deal's own fields: users of one role share a group whatever their ids.
const Board = graphql(`
  subscription LiveGroupsBoard($pipelineId: ID!) {
    dealChanged(pipelineId: $pipelineId) { kind deal { name amount } }
  }
`);

const rights = (view: 'ALL' | 'OWN'): RoleRightInput[] =>
  (['VIEW', 'CREATE', 'EDIT'] as const).map((action) => ({ entityType: 'DEAL', action, scope: action === 'VIEW' ? view : 'ALL' }));

type Seen = { name: string; amount: string | null };

describe('live subscriptions with the same operation and rights', () => {
  it('share one execution per event; each role, and each OWN user, gets exactly what it may see', async ({ workspace: ws }) => {
    const role = async (name: string, view: 'ALL' | 'OWN') =>
      as((await ws.gql(CreateRole, { name, rights: rights(view) })).createRole, 'CreateRoleSuccess').role.id;
    const [hiddenAmount, plain, own] = [await role('Sales', 'ALL'), await role('Viewers', 'ALL'), await role('Own deals', 'OWN')];
    as(
      (await ws.gql(SetFieldAccess, { input: { roleId: hiddenAmount, entityType: 'DEAL', systemField: 'AMOUNT', access: 'HIDDEN' } })).setFieldAccess,
      'SetFieldAccessSuccess',
    );
    const users = (n: number, name: string, roleId: string) =>
      Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const m = await ws.member(`${name} ${i}`);
          as((await ws.gql(AssignRole, { userId: m.user.id, roleId })).assignRole, 'AssignRoleSuccess');
          return m;
        }),
      );
    const [sales, viewers, [anna, boris]] = await Promise.all([users(3, 'Sales', hiddenAmount), users(2, 'Viewer', plain), users(2, 'Own', own)]);

    const before = await scrape(url);
    const board = (token: string) => subscribe(url, token, Board, { pipelineId: ws.pipeline.id }, (d) => d.dealChanged.deal as Seen | null);
    // The administrator twice (two sockets), every user once.
    const subs = {
      admin: [board(ws.token), board(ws.token)],
      sales: sales.map((u) => board(u.token)),
      viewers: viewers.map((u) => board(u.token)),
      anna: [board(anna.token)],
      boris: [board(boris.token)],
    };
    const all = Object.values(subs).flat();
    await Promise.all(all.map((s) => s.ready));
    const during = await scrape(url);
    // Groups: the administrators, Sales, Viewers, and one per OWN user (their results depend on who they are).
    expect(during.value('crm_live_subscriptions')! - before.value('crm_live_subscriptions')!).toBe(all.length);
    expect(during.value('crm_live_groups')! - before.value('crm_live_groups')!).toBe(5);

    const deal = async (token: string, name: string) =>
      as((await ws.app.as(token).gql(CreateDeal, { input: { name, amount: '100' } })).createDeal, 'CreateDealSuccess');
    await deal(ws.token, "Admin's");
    await deal(anna.token, "Anna's");
    await deal(boris.token, "Boris's");
    const heard = (name: string) => (e: (Seen | null)[]) => e.some((x) => x?.name === name);
    await Promise.all([...subs.admin, ...subs.sales, ...subs.viewers].map((s) => s.waitFor(heard("Boris's"))));
    await subs.anna[0].waitFor(heard("Anna's"));
    await subs.boris[0].waitFor(heard("Boris's"));
    const after = await scrape(url);

    const withAmount = (...names: string[]) => names.map((name) => ({ name, amount: '100.00' }));
    for (const s of subs.admin) expect(s.events).toEqual(withAmount("Admin's", "Anna's", "Boris's"));
    for (const s of subs.viewers) expect(s.events).toEqual(withAmount("Admin's", "Anna's", "Boris's"));
    for (const s of subs.sales) expect(s.events).toEqual(["Admin's", "Anna's", "Boris's"].map((name) => ({ name, amount: null })));
    for (const s of all) expect(s.errors).toEqual([]);

    // Per event: one execution for each group that may see the deal (administrators, Sales,
    // Viewers, and the OWN user whose deal it is), not one per subscriber.
    const executions = after.value('crm_live_executions')! - before.value('crm_live_executions')!;
    const deliveries = after.value('crm_live_deliveries')! - before.value('crm_live_deliveries')!;
    expect(deliveries).toBe(3 * (2 + sales.length + viewers.length) + 2);
    expect(executions).toBe(3 * 3 + 2);

    // A right given while subscribed: Sales now see the amount (their group is left, nothing missed).
    as(
      (await ws.gql(SetFieldAccess, { input: { roleId: hiddenAmount, entityType: 'DEAL', systemField: 'AMOUNT', access: 'READ' } })).setFieldAccess,
      'SetFieldAccessSuccess',
    );
    await deal(ws.token, 'After');
    await Promise.all(all.map((s) => s.waitFor((e) => e.some((x) => x?.name === 'After'), 20_000)));
    // The whole sequence: nothing repeated or replayed in the wrong shape by the move.
    const hidden = ["Admin's", "Anna's", "Boris's"].map((name) => ({ name, amount: null }));
    for (const s of subs.sales) expect(s.events).toEqual([...hidden, ...withAmount('After')]);
    for (const s of [...subs.admin, ...subs.viewers]) expect(s.events).toEqual(withAmount("Admin's", "Anna's", "Boris's", 'After'));
    // Each OWN user's own last deal goes out after every other event: had one of those reached them, it would be there.
    await deal(anna.token, "Anna's last");
    await deal(boris.token, "Boris's last");
    await subs.anna[0].waitFor(heard("Anna's last"));
    await subs.boris[0].waitFor(heard("Boris's last"));
    expect(subs.anna[0].events).toEqual(withAmount("Anna's", "Anna's last"));
    expect(subs.boris[0].events).toEqual(withAmount("Boris's", "Boris's last"));
    // Sales got both with the amount before it is taken away: an event a member has not got yet
    // when its rights change is shaped by its rights as they are then (it would arrive without).
    await Promise.all(subs.sales.map((s) => s.waitFor(heard("Boris's last"))));
    // Taken away again: every Sales member loses the amount, whichever group its move put it in
    // (movers to one new key may each run a group of their own beside the one new members join).
    as(
      (await ws.gql(SetFieldAccess, { input: { roleId: hiddenAmount, entityType: 'DEAL', systemField: 'AMOUNT', access: 'HIDDEN' } })).setFieldAccess,
      'SetFieldAccessSuccess',
    );
    await deal(ws.token, 'Hidden again');
    await Promise.all(subs.sales.map((s) => s.waitFor((e) => e.some((x) => x?.name === 'Hidden again'), 20_000)));
    for (const s of subs.sales) {
      expect(s.events).toEqual([...hidden, ...withAmount('After', "Anna's last", "Boris's last"), { name: 'Hidden again', amount: null }]);
    }
    for (const s of all) expect(s.errors).toEqual([]);
    await Promise.all(all.map((s) => s.close()));
    // Seven users signed in and ten sockets: slow on a loaded machine.
  }, 120_000);
});
