// Hardening, second round (issue 16): custom-field patterns on a linear-time engine, page cursors
// that reveal nothing about rows the viewer may not see, live events with fresh visibility, and
// limits on what one request may ask.
import { describe, expect, it, test } from './kit/fixtures.js';
import { as } from './kit/results.js';
import { createContact, createDeal, defineField, readDeal } from './kit/cards.js';
import { CreateCustomField } from './kit/documents/custom-fields.js';
import { Deals, UpdateDeal } from './kit/documents/deals.js';
import { Contacts } from './kit/documents/contacts.js';
import { CreateTask } from './kit/documents/tasks.js';
import { AddNote } from './kit/documents/timeline.js';
import { Ping, TaskPages, TimelinePages, UserPages } from './kit/documents/hardening.js';
import { UpdateCompany } from './kit/documents/companies.js';
import { DealChanged } from './kit/documents/deals.js';
import { createCompany, updateDeal } from './kit/cards.js';
import { subscribe } from './kit/subscribe.js';
import type { DealChangedSubscription, DealFilter } from './gql/graphql.js';
import { Nodes } from './kit/documents/cards.js';
import { print } from 'graphql';

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

describe('page cursors', () => {
  const amountsOf = (r: { deals: { edges: readonly { node: { amount?: string | null } }[] } }) => r.deals.edges.map((e) => Number(e.node.amount));
  const byAmount = [{ field: 'AMOUNT' as const, direction: 'ASC' as const }];

  it("failing before: a cursor taken from another workspace's deal places no page there, forwards or backwards", async ({ signUp }) => {
    const a = await signUp();
    const b = await signUp();
    await createDeal(a, { name: 'Secret', amount: '500' });
    // Prisma skips the cursor row itself (skip: 1), so two probes on each side.
    for (const amount of ['100', '200', '1000', '2000']) await createDeal(b, { name: `Probe ${amount}`, amount });
    const foreign = (await a.gql(Deals, { orderBy: byAmount, first: 1 })).deals.edges[0].cursor;
    expect(amountsOf(await b.gql(Deals, { orderBy: byAmount, first: 10, after: foreign }))).toEqual([]);
    expect(amountsOf(await b.gql(Deals, { orderBy: byAmount, last: 10, before: foreign }))).toEqual([]);
    // The same as a cursor naming nothing at all.
    const own = (await b.gql(Deals, { orderBy: byAmount, first: 1 })).deals;
    expect(amountsOf({ deals: own })).toEqual([100]);
    // Paging one's own deals still goes both ways.
    const next = await b.gql(Deals, { orderBy: byAmount, first: 1, after: own.pageInfo.endCursor });
    expect(amountsOf(next)).toEqual([200]);
    expect(amountsOf(await b.gql(Deals, { orderBy: byAmount, last: 1, before: next.deals.pageInfo.endCursor }))).toEqual([100]);
  });

  it('failing before: a user who sees only their own deals learns nothing from the cursor of a deal they cannot see, by name or by a custom field', async ({
    workspace: ws,
  }) => {
    const score = await defineField(ws, { entityType: 'DEAL', type: 'NUMBER', name: 'Score', code: 'score' });
    const seller = await ws.member('Seller', {
      rights: [
        { entityType: 'DEAL', action: 'VIEW', scope: 'OWN' },
        { entityType: 'DEAL', action: 'CREATE', scope: 'ALL' },
        { entityType: 'DEAL', action: 'EDIT', scope: 'OWN' },
      ],
    });
    await createDeal(ws, { name: 'M hidden', customFields: [{ fieldId: score.id, value: { number: '50' } }] });
    for (const [name, n] of [
      ['A mine', '10'],
      ['B mine', '20'],
      ['Y mine', '100'],
      ['Z mine', '200'],
    ])
      await createDeal(seller, { name, customFields: [{ fieldId: score.id, value: { number: n } }] });
    const orders = [[{ field: 'NAME' as const, direction: 'ASC' as const }], [{ customFieldId: score.id, direction: 'ASC' as const }]];
    for (const orderBy of orders) {
      const hidden = (await ws.gql(Deals, { orderBy, filter: { search: 'hidden' }, first: 1 })).deals.edges[0].cursor;
      const names = async (v: { after?: string; before?: string; first?: number; last?: number }) =>
        (await seller.gql(Deals, { orderBy, ...v })).deals.edges.map((e) => e.node.name);
      expect(await names({ first: 10, after: hidden }), JSON.stringify(orderBy)).toEqual([]);
      expect(await names({ last: 10, before: hidden }), JSON.stringify(orderBy)).toEqual([]);
      expect(await names({ first: 10 })).toEqual(['A mine', 'B mine', 'Y mine', 'Z mine']);
    }
  });

  it('failing before: foreign cursors place no page of contacts, tasks, timeline entries or users', async ({ signUp }) => {
    const a = await signUp();
    const b = await signUp();
    // Contacts by name: a's "M" between b's "A" and "Z".
    await createContact(a, { name: 'M secret' });
    for (const name of ['A probe', 'B probe', 'Y probe', 'Z probe']) await createContact(b, { name });
    const byName = [{ field: 'NAME' as const, direction: 'ASC' as const }];
    const contact = (await a.gql(Contacts, { orderBy: byName, first: 1 })).contacts.edges[0].cursor;
    expect((await b.gql(Contacts, { orderBy: byName, first: 10, after: contact })).contacts.edges).toEqual([]);
    expect((await b.gql(Contacts, { orderBy: byName, last: 10, before: contact })).contacts.edges).toEqual([]);

    // Tasks by due date, timeline entries by time: a's between b's.
    const da = await createDeal(a, { name: 'A deal' });
    const db = await createDeal(b, { name: 'B deal' });
    const due = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
    for (const [text, h] of [
      ['early', 1],
      ['earlier', 0.5],
    ] as const)
      await b.gql(CreateTask, { input: { cardId: db.id, type: 'CALL', text, dueAt: due(h) } });
    await b.gql(AddNote, { input: { cardId: db.id, text: 'first note' } });
    await a.gql(CreateTask, { input: { cardId: da.id, type: 'CALL', text: 'secret', dueAt: due(2) } });
    const note = as((await a.gql(AddNote, { input: { cardId: da.id, text: 'secret note' } })).addNote, 'AddNoteSuccess').entry;
    for (const [text, h] of [
      ['late', 3],
      ['later', 4],
    ] as const)
      await b.gql(CreateTask, { input: { cardId: db.id, type: 'CALL', text, dueAt: due(h) } });
    await b.gql(AddNote, { input: { cardId: db.id, text: 'last note' } });
    await b.gql(AddNote, { input: { cardId: db.id, text: 'very last note' } });
    const task = (await a.gql(TaskPages, { first: 1 })).tasks.edges[0].cursor;
    expect((await b.gql(TaskPages, { first: 10, after: task })).tasks.edges).toEqual([]);
    expect((await b.gql(TaskPages, { last: 10, before: task })).tasks.edges).toEqual([]);
    expect((await b.gql(TaskPages, { first: 10 })).tasks.edges.map((e) => e.node.text)).toEqual(['earlier', 'early', 'late', 'later']);
    const entry = (await a.gql(TimelinePages, { cardId: da.id, first: 10 })).timeline.edges.find((e) => e.node.id === note.id)!.cursor;
    expect((await b.gql(TimelinePages, { cardId: db.id, first: 10, after: entry })).timeline.edges).toEqual([]);
    expect((await b.gql(TimelinePages, { cardId: db.id, last: 10, before: entry })).timeline.edges).toEqual([]);
    // Nor does a cursor of another card of one's own workspace.
    const other = await createDeal(a, { name: 'Another' });
    expect((await a.gql(TimelinePages, { cardId: other.id, first: 10, after: entry })).timeline.edges).toEqual([]);

    // Users by name: a's admin "Admin" sorts among b's users.
    await b.member('Yan');
    await b.member('Zed');
    const user = (await a.gql(UserPages, { first: 1 })).users.edges[0].cursor;
    expect((await b.gql(UserPages, { first: 10, after: user })).users.edges).toEqual([]);
    expect((await b.gql(UserPages, { last: 10, before: user })).users.edges).toEqual([]);
    const mine = (await b.gql(UserPages, { first: 1 })).users.edges;
    expect((await b.gql(UserPages, { first: 10, after: mine[0].cursor })).users.edges.map((e) => e.node.name)).toEqual(['Yan', 'Zed']);
  });
});

describe('live board visibility', () => {
  let url: string;
  test.beforeAll(({ url: serverUrl }) => {
    url = serverUrl;
  });
  type Event = DealChangedSubscription['dealChanged'];
  const watch = (token: string, pipelineId: string) => subscribe(url, token, DealChanged, { pipelineId }, (d) => d.dealChanged as Event);

  it("failing before: once a deal's company is handed away, the next event no longer shows it to its former owner", async ({ workspace: ws }) => {
    const seller = await ws.member('Seller', {
      rights: [
        { entityType: 'DEAL', action: 'VIEW', scope: 'ALL' },
        { entityType: 'COMPANY', action: 'VIEW', scope: 'OWN' },
      ],
    });
    const company = await createCompany(ws, { name: 'Acme', responsibleId: seller.user.id });
    const deal = await createDeal(ws, { name: 'Supply', companyId: company.id });
    const sub = watch(seller.token, ws.pipeline.id);
    await sub.ready;
    const first = await updateDeal(ws, { id: deal.id, version: deal.version, name: 'Supply 2' });
    await sub.waitFor((e) => e.length >= 1);
    expect(sub.events[0].deal?.company?.name).toBe('Acme');
    const handed = await ws.gql(UpdateCompany, { input: { id: company.id, version: company.version, responsibleId: ws.admin.id } });
    expect(handed.updateCompany.__typename).toBe('UpdateCompanySuccess');
    await updateDeal(ws, { id: deal.id, version: first.version, name: 'Supply 3' });
    await sub.waitFor((e) => e.some((x) => x.deal?.name === 'Supply 3'));
    expect(sub.errors).toEqual([]);
    const last = sub.events.find((x) => x.deal?.name === 'Supply 3')!;
    expect(last.deal?.company).toBeNull();
    await sub.close();
  });

  it("failing before: a deal handed out of the subscriber's scope comes as REMOVED, without its data", async ({ workspace: ws }) => {
    const seller = await ws.member('Seller', {
      rights: [
        { entityType: 'DEAL', action: 'VIEW', scope: 'OWN' },
        { entityType: 'DEAL', action: 'CREATE', scope: 'ALL' },
        { entityType: 'DEAL', action: 'EDIT', scope: 'OWN' },
      ],
    });
    // Subscribed before the seller's deal is made, and its creation awaited: created before the
    // subscription, its event could still be published after it (the outbox hands events over
    // after commit) and be read once the deal was handed away.
    const sub = watch(seller.token, ws.pipeline.id);
    await sub.ready;
    const mine = await createDeal(seller, { name: 'Mine' });
    await sub.waitFor((e) => e.some((x) => x.dealId === mine.id));
    await updateDeal(ws, { id: mine.id, version: mine.version, responsibleId: ws.admin.id });
    // A deal the seller never saw changes meanwhile: nothing reaches them about it.
    const other = await createDeal(ws, { name: 'Not mine' });
    await updateDeal(ws, { id: other.id, version: other.version, name: 'Still not mine' });
    await createDeal(seller, { name: 'Next' });
    await sub.waitFor((e) => e.some((x) => x.deal?.name === 'Next'));
    expect(sub.errors).toEqual([]);
    expect(sub.events.map((e) => [e.kind, e.dealId, e.deal?.name ?? null])).toEqual([
      ['CREATED', mine.id, 'Mine'],
      ['REMOVED', mine.id, null],
      ['CREATED', expect.any(String), 'Next'],
    ]);
    await sub.close();
  });
});

describe('input limits', () => {
  const refusedWith = (r: { data?: unknown; errors?: readonly { extensions?: Record<string, unknown> }[] }, limit: string) => {
    expect(r.data ?? null).toBeNull();
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit });
  };

  it('failing before: a filter bomb in variables is refused at once with a code, and the server goes on answering', async ({ workspace: ws }) => {
    await createDeal(ws, { name: 'Bomb target' });
    const bomb: DealFilter = { or: Array.from({ length: 200 }, (_, i) => ({ search: `x${i}`, or: [{ search: `y${i}` }] })) };
    refusedWith(await ws.raw(Deals, { filter: bomb, first: 20 }), 'maxFilterBranches');
    // A filter of ordinary width still runs.
    const fine: DealFilter = { or: Array.from({ length: 10 }, (_, i) => ({ search: i ? `none${i}` : 'Bomb' })) };
    expect((await ws.gql(Deals, { filter: fine, first: 20 })).deals.edges.map((e) => e.node.name)).toEqual(['Bomb target']);
    expect((await ws.gql(Ping, {})).me.id).toBe(ws.admin.id);
  });

  it('failing before: an input nested 1,000 deep answers a coded error, not HTTP 500', async ({ workspace: ws }) => {
    let deep: DealFilter = { search: 'x' };
    for (let i = 0; i < 1_000; i++) deep = { and: [deep] };
    const r = await ws.app.post({ query: print(Deals), variables: { filter: deep, first: 1 } }, { authorization: `Bearer ${ws.token}` });
    expect(r.status).toBe(200);
    refusedWith(r.body as never, 'maxInputDepth');
  });

  it('failing before: nodes with thousands of ids and a megabyte search string are refused', async ({ workspace: ws }) => {
    const d = await createDeal(ws, { name: 'Known' });
    refusedWith(await ws.raw(Nodes, { ids: Array.from({ length: 10_000 }, () => d.id) }), 'maxListLength');
    refusedWith(await ws.raw(Deals, { filter: { search: 'a'.repeat(1_000_000) }, first: 1 }), 'maxStringLength');
    expect((await ws.gql(Nodes, { ids: [d.id] })).nodes).toHaveLength(1);
  });
});
