// Field access (SPEC §6): per role and field, HIDDEN, READ or EDIT, for custom fields and for a
// deal's amount and the responsible, phones and e-mails of cards. A hidden field is absent
// everywhere for the role; the oracle tests show that filtering, sorting and searching tell a
// user nothing of its values. Live subscriptions follow rights changed while they run.
import { describe, expect, it, test, type TestApp, type Workspace } from './kit/fixtures.js';
import { as, rawId } from './kit/results.js';
import { subscribe } from './kit/subscribe.js';
import { defineField } from './kit/cards.js';
import { CreateDeal, MoveDeal, UpdateDeal } from './kit/documents/deals.js';
import { CreateContact, UpdateContact } from './kit/documents/contacts.js';
import { Node } from './kit/documents/cards.js';
import { CustomFields, FieldUsage } from './kit/documents/custom-fields.js';
import { CreateMailbox, LogCall, LogEmail, Mailboxes, Timeline, TimelineUpdated } from './kit/documents/timeline.js';
import { AuditLog, CreateApiKey, CreateTeam, DeactivateUser, RevokeApiKey, Roles, SetFieldAccess, UpdateRole } from './kit/documents/users.js';
import { Logout } from './kit/documents/auth.js';
import { graphql } from './gql/index.js';
import type { CreateCustomFieldInput, CreateDealInput, EntityType, FieldAccessLevel, SystemField } from './gql/graphql.js';

let app: TestApp;
let url: string;
test.beforeAll(({ app: fileApp, url: serverUrl }) => {
  app = fileApp;
  url = serverUrl;
});

// What a role may see of listed cards and live events is what these tests look at, so the
// lists and the live feed below select the fields field access hides, and only those.
const Deals = graphql(`
  query FaDeals($filter: DealFilter, $orderBy: [DealOrder!]) {
    deals(first: 20, filter: $filter, orderBy: $orderBy) {
      totalCount
      edges { node { id name amount currency responsible { id } customFields { __typename ... on NumberFieldValue { field { id } number } ... on FormulaFieldValue { field { id } } ... on PhoneFieldValue { field { id } } ... on TextFieldValue { field { id } text } } } }
    }
  }
`);
const Contacts = graphql(`
  query FaContacts($filter: ContactFilter) {
    contacts(first: 20, filter: $filter) { totalCount edges { node { id name emails phones { e164 } responsible { id } } } }
  }
`);
const DealChanged = graphql(`
  subscription FaDealChanged($pipelineId: ID!) {
    dealChanged(pipelineId: $pipelineId) { kind dealId deal { name amount responsible { id } customFields { __typename ... on NumberFieldValue { number } } } }
  }
`);

/** The custom fields of a type a token lists, and their usage. */
async function fields(token: string, entityType: EntityType) {
  const c = app.as(token);
  const [defs, usage] = await Promise.all([c.gql(CustomFields, { entityType }), c.gql(FieldUsage, { entityType })]);
  return { customFields: defs.customFields, fieldUsage: usage.fieldUsage };
}

const ALL = (['CONTACT', 'COMPANY', 'DEAL', 'TASK'] as const).flatMap((entityType) =>
  (['VIEW', 'CREATE', 'EDIT', 'DELETE', 'EXPORT'] as const).map((action) => ({ entityType, action, scope: 'ALL' as const })),
);

/** The workspace with a member whose own role (every right, ALL) the tests restrict. */
async function setup(ws: Workspace) {
  const member = await ws.member('Restricted', { rights: ALL });
  const role = { id: member.roleId! };
  const access = async (entityType: EntityType, access: FieldAccessLevel, field: { systemField?: SystemField; customFieldId?: string }) =>
    as((await ws.gql(SetFieldAccess, { input: { roleId: role.id, entityType, access, ...field } })).setFieldAccess, 'SetFieldAccessSuccess');
  const field = (input: CreateCustomFieldInput) => defineField(ws, input);
  return { ws, member, role, access, field };
}

const deal = async (token: string, input: CreateDealInput) => as((await app.as(token).gql(CreateDeal, { input })).createDeal, 'CreateDealSuccess').deal;
const dealNames = (r: { deals: { edges: { node: { name: string } }[] } }) => r.deals.edges.map((e) => e.node.name).sort();

describe('setFieldAccess', () => {
  it('sets, lists and lifts a rule; audits each change before → after; refuses bad input and changes nothing', async ({ workspace, signUp }) => {
    const { ws, member, role, field } = await setup(workspace);
    const budget = await field({ entityType: 'DEAL', type: 'NUMBER', name: 'Budget' });
    const other = await signUp();
    const adminRole = (await ws.gql(Roles, {})).roles.find((r) => r.isAdmin)!;
    const set = (input: Record<string, unknown>, token = ws.token) => app.as(token).raw(SetFieldAccess, { input: input as never });

    const ok = as(
      (await set({ roleId: role.id, entityType: 'DEAL', customFieldId: budget.id, access: 'HIDDEN' })).data!.setFieldAccess,
      'SetFieldAccessSuccess',
    );
    expect(ok.role.fieldAccess).toEqual([{ entityType: 'DEAL', systemField: null, customField: { id: budget.id, name: 'Budget' }, access: 'HIDDEN' }]);
    as((await set({ roleId: role.id, entityType: 'DEAL', systemField: 'AMOUNT', access: 'READ' })).data!.setFieldAccess, 'SetFieldAccessSuccess');

    const bad: [Record<string, unknown>, string, string?][] = [
      [{ roleId: role.id, entityType: 'DEAL', systemField: 'PHONES', access: 'HIDDEN' }, 'VALIDATION_FAILED', 'systemField'],
      [{ roleId: role.id, entityType: 'CONTACT', customFieldId: budget.id, access: 'HIDDEN' }, 'VALIDATION_FAILED', 'customFieldId'],
      [{ roleId: role.id, entityType: 'DEAL', access: 'HIDDEN' }, 'VALIDATION_FAILED', 'systemField'],
      [{ roleId: role.id, entityType: 'DEAL', systemField: 'AMOUNT', customFieldId: budget.id, access: 'HIDDEN' }, 'VALIDATION_FAILED', 'systemField'],
      [
        {
          roleId: role.id,
          entityType: 'DEAL',
          customFieldId: Buffer.from('CustomField:0192f7a0-0000-7000-8000-000000000000').toString('base64'),
          access: 'HIDDEN',
        },
        'NOT_FOUND',
      ],
      [{ roleId: adminRole.id, entityType: 'DEAL', systemField: 'AMOUNT', access: 'HIDDEN' }, 'VALIDATION_FAILED', 'roleId'],
      [{ roleId: 'not-an-id', entityType: 'DEAL', systemField: 'AMOUNT', access: 'HIDDEN' }, 'VALIDATION_FAILED', 'roleId'],
    ];
    for (const [input, code, at] of bad) {
      const r = (await set(input)).data!.setFieldAccess as { __typename: string; code?: string; fields?: { field: string }[] };
      expect(r.code, JSON.stringify(input)).toBe(code);
      if (at) expect(r.fields?.map((f) => f.field)).toContain(at);
    }
    // A role of another workspace, a field of another workspace: not found.
    const foreign = (await other.gql(Roles, {})).roles.find((r) => !r.isAdmin)!;
    expect(
      ((await set({ roleId: foreign.id, entityType: 'DEAL', systemField: 'AMOUNT', access: 'HIDDEN' })).data!.setFieldAccess as { code: string }).code,
    ).toBe('NOT_FOUND');
    const theirs = await defineField(other, { entityType: 'DEAL', type: 'NUMBER', name: 'Theirs' });
    expect(
      ((await set({ roleId: role.id, entityType: 'DEAL', customFieldId: theirs.id, access: 'HIDDEN' })).data!.setFieldAccess as { code: string }).code,
    ).toBe('NOT_FOUND');
    // A level outside the enum is refused before anything runs.
    expect((await set({ roleId: role.id, entityType: 'DEAL', systemField: 'AMOUNT', access: 'SECRET' })).errors?.length).toBe(1);
    // Members may not set access.
    expect(
      ((await set({ roleId: role.id, entityType: 'DEAL', systemField: 'AMOUNT', access: 'EDIT' }, member.token)).data!.setFieldAccess as { code: string }).code,
    ).toBe('FORBIDDEN');

    // Nothing above changed the rules.
    const listed = (await ws.gql(Roles, {})).roles.find((r) => r.id === role.id)!;
    // System fields first, then custom fields.
    expect(listed.fieldAccess).toEqual([
      { entityType: 'DEAL', systemField: 'AMOUNT', customField: null, access: 'READ' },
      { entityType: 'DEAL', systemField: null, customField: { id: budget.id, name: 'Budget' }, access: 'HIDDEN' },
    ]);
    // EDIT lifts a rule.
    as((await set({ roleId: role.id, entityType: 'DEAL', systemField: 'AMOUNT', access: 'EDIT' })).data!.setFieldAccess, 'SetFieldAccessSuccess');
    expect((await ws.gql(Roles, {})).roles.find((r) => r.id === role.id)!.fieldAccess).toHaveLength(1);

    const log = (await ws.gql(AuditLog, { first: 5 })).auditLog.edges.map((e) => e.node);
    expect(log.slice(0, 3).map((e) => [e.action, e.subjectId, JSON.parse(e.before!), JSON.parse(e.after!)])).toEqual([
      [
        'FIELD_ACCESS_CHANGED',
        role.id,
        { entityType: 'DEAL', systemField: 'amount', access: 'READ' },
        { entityType: 'DEAL', systemField: 'amount', access: 'EDIT' },
      ],
      [
        'FIELD_ACCESS_CHANGED',
        role.id,
        { entityType: 'DEAL', systemField: 'amount', access: 'EDIT' },
        { entityType: 'DEAL', systemField: 'amount', access: 'READ' },
      ],
      [
        'FIELD_ACCESS_CHANGED',
        role.id,
        { entityType: 'DEAL', customFieldId: budget.id, access: 'EDIT' },
        { entityType: 'DEAL', customFieldId: budget.id, access: 'HIDDEN' },
      ],
    ]);
  });
});

describe('a hidden custom field', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  let budget: { id: string; code: string };
  let doubled: { id: string };
  let phone: { id: string };
  let note: { id: string };
  const made: Record<string, { id: string; version: number }> = {};

  test.beforeAll(async ({ signUp }) => {
    s = await setup(await signUp());
    budget = await s.field({ entityType: 'DEAL', type: 'NUMBER', name: 'Budget' });
    doubled = await s.field({ entityType: 'DEAL', type: 'FORMULA', name: 'Doubled', formula: `${budget.code} * 2` });
    phone = await s.field({ entityType: 'DEAL', type: 'PHONE', name: 'Direct line' });
    note = await s.field({ entityType: 'DEAL', type: 'TEXT', name: 'Note' });
    // Five deals: budgets 100..500, and one direct line.
    for (const [i, n] of [100, 200, 300, 400, 500].entries()) {
      made[`d${n}`] = await deal(s.ws.token, {
        name: `Deal ${n}`,
        customFields: [
          { fieldId: budget.id, value: { number: String(n) } },
          { fieldId: note.id, value: { text: `note ${i}` } },
          ...(n === 300 ? [{ fieldId: phone.id, value: { phone: '+7 916 555-44-33' } }] : []),
        ],
      });
    }
    await s.access('DEAL', 'HIDDEN', { customFieldId: budget.id });
    await s.access('DEAL', 'HIDDEN', { customFieldId: phone.id });
  });

  it('is absent from values, definitions, field usage and node lookups; a formula over it goes with it', async () => {
    const mine = await s.member.gql(Deals, {});
    expect(mine.deals.totalCount).toBe(5);
    const seen = mine.deals.edges.flatMap((e) => e.node.customFields.map((v) => ('field' in v ? v.field.id : '')));
    expect(seen.length).toBe(5);
    expect(new Set(seen)).toEqual(new Set([note.id]));
    const defs = await fields(s.member.token, 'DEAL');
    expect(defs.customFields.map((f) => [f.name, f.access])).toEqual([['Note', 'EDIT']]);
    expect(defs.fieldUsage.map((u) => u.field.id)).toEqual([note.id]);
    expect((await s.member.gql(Node, { id: budget.id })).node).toBeNull();
    // Nor does a role's list of rules name it to those it is hidden from.
    const rules = async (token: string) =>
      (await app.as(token).gql(Roles, {})).roles.find((r) => r.id === s.role.id)!.fieldAccess.map((x) => x.customField?.name);
    expect(await rules(s.member.token)).toEqual([]);
    expect((await rules(s.ws.token)).sort()).toEqual(['Budget', 'Direct line']);
    // The formula over it, hidden only through its input, is not found by its id either.
    expect((await s.member.gql(Node, { id: doubled.id })).node).toBeNull();
    expect((await s.member.gql(Node, { id: note.id })).node).toEqual({ __typename: 'CustomField', id: note.id });
    expect((await s.ws.gql(Node, { id: doubled.id })).node).toEqual({ __typename: 'CustomField', id: doubled.id });
    // The administrator sees all four, the formula computed.
    const admin = await fields(s.ws.token, 'DEAL');
    expect(admin.customFields.map((f) => [f.name, f.access])).toEqual([
      ['Budget', 'EDIT'],
      ['Doubled', 'READ'],
      ['Direct line', 'EDIT'],
      ['Note', 'EDIT'],
    ]);
    expect((await s.ws.gql(Deals, {})).deals.edges.every((e) => e.node.customFields.some((v) => v.__typename === 'FormulaFieldValue'))).toBe(true);
  });

  it('cannot be filtered, sorted or searched by: the answers are those of a field that does not exist', async () => {
    const made_up = Buffer.from('CustomField:0192f7a0-0000-7000-8000-0000000000ff').toString('base64');
    const ask = async (fieldId: string) => {
      const filter = await s.member.raw(Deals, { filter: { customFields: [{ fieldId, gt: '250' }] } });
      const sort = await s.member.raw(Deals, { orderBy: [{ customFieldId: fieldId, direction: 'DESC' }] });
      return [filter, sort].map((r) => ({
        data: r.data,
        errors: r.errors?.map((e) => [e.extensions?.code, JSON.stringify(e.extensions).replaceAll(fieldId, 'ID')]),
      }));
    };
    const hidden = await ask(budget.id);
    expect(hidden).toEqual(await ask(made_up));
    expect(hidden[0].errors?.[0][0]).toBe('VALIDATION_FAILED');
    // A formula computed from it is no way round.
    expect(await ask(doubled.id)).toEqual(await ask(made_up));
    // The administrator's answer differs, so the hidden one is not merely broken.
    const admin = await s.ws.raw(Deals, { filter: { customFields: [{ fieldId: budget.id, gt: '250' }] } });
    expect(dealNames(admin.data!)).toEqual(['Deal 300', 'Deal 400', 'Deal 500']);

    // Search looks at names alone for this role: the hidden phone finds nothing, a name does.
    expect((await s.ws.gql(Deals, { filter: { search: '79165554433' } })).deals.totalCount).toBe(1);
    expect((await s.member.gql(Deals, { filter: { search: '79165554433' } })).deals.totalCount).toBe(0);
    expect((await s.member.gql(Deals, { filter: { search: '8 916 555' } })).deals.totalCount).toBe(0);
    expect(dealNames(await s.member.gql(Deals, { filter: { search: 'deal 3' } }))).toEqual(['Deal 300']);
  });

  it('cannot be written: the write is refused like one to an unknown field, and nothing changes', async () => {
    const d = made.d100;
    const r = as(
      (
        await s.member.gql(UpdateDeal, {
          input: { id: d.id, version: d.version, name: 'Renamed', customFields: [{ fieldId: budget.id, value: { number: '1' } }] },
        })
      ).updateDeal,
      'ValidationError',
    );
    expect(r.fields).toEqual([{ field: 'customFields[0].fieldId', message: 'no such field' }]);
    const admin = await s.ws.gql(Deals, { filter: { customFields: [{ fieldId: budget.id, eq: '100' }] } });
    expect(dealNames(admin)).toEqual(['Deal 100']);
    // A write of the fields it may edit keeps the hidden value.
    as(
      (await s.member.gql(UpdateDeal, { input: { id: d.id, version: d.version, customFields: [{ fieldId: note.id, value: { text: 'changed' } }] } }))
        .updateDeal,
      'UpdateDealSuccess',
    );
    d.version++;
    expect(dealNames(await s.ws.gql(Deals, { filter: { customFields: [{ fieldId: budget.id, eq: '100' }] } }))).toEqual(['Deal 100']);
  });

  it('leaves its changes out of the timeline, and of the live timeline', async () => {
    const d = made.d200;
    const sub = subscribe(
      url,
      s.member.token,
      TimelineUpdated,
      { cardId: d.id },
      (x) => x.timelineUpdated,
      (e) => e.kind !== 'CARD_CREATED',
    );
    await sub.ready;
    as(
      (await s.ws.gql(UpdateDeal, { input: { id: d.id, version: d.version, customFields: [{ fieldId: budget.id, value: { number: '999' } }] } })).updateDeal,
      'UpdateDealSuccess',
    );
    d.version++;
    as(
      (await s.ws.gql(UpdateDeal, { input: { id: d.id, version: d.version, customFields: [{ fieldId: note.id, value: { text: 'seen' } }] } })).updateDeal,
      'UpdateDealSuccess',
    );
    d.version++;
    // Entries go out in commit order: the hidden fields' entries would have come before this one.
    await sub.waitFor((e) => e.length >= 1);
    expect(sub.events.map((e) => e.fieldChange?.field)).toEqual(['Note']);
    await sub.close();
    const kinds = (token: string) =>
      app
        .as(token)
        .gql(Timeline, { cardId: d.id, first: 50 })
        .then((t) => t.timeline.edges.map((e) => e.node.fieldChange?.field ?? e.node.kind));
    expect(await kinds(s.member.token)).toEqual(['Note', 'CARD_CREATED']);
    // The administrator also sees the formula computed from it change.
    expect(await kinds(s.ws.token)).toEqual(['Note', 'Doubled', 'Budget', 'CARD_CREATED']);
    // Nor is an entry of it found by its id: node(id) answers as for an id that does not exist.
    const byField = new Map(
      (await s.ws.gql(Timeline, { cardId: d.id, first: 50 })).timeline.edges.map((e) => [e.node.fieldChange?.field ?? e.node.kind, e.node.id]),
    );
    const lookup = async (id: string, token: string) => (await app.as(token).gql(Node, { id })).node?.id ?? null;
    expect(await lookup(byField.get('Budget')!, s.member.token)).toBeNull();
    expect(await lookup(byField.get('Doubled')!, s.member.token)).toBeNull();
    expect(await lookup(byField.get('Note')!, s.member.token)).toBe(byField.get('Note'));
    expect(await lookup(byField.get('Budget')!, s.ws.token)).toBe(byField.get('Budget'));
  });
});

describe('a field shown under a condition on a hidden field', () => {
  it('is hidden too, since whether it shows would tell the hidden value', async ({ workspace }) => {
    const s = await setup(workspace);
    const seg = await s.field({ entityType: 'DEAL', type: 'SELECT', name: 'Segment', options: ['VIP', 'Normal'] });
    const vip = seg.options.find((o) => o.label === 'VIP')!;
    const perks = await s.field({ entityType: 'DEAL', type: 'TEXT', name: 'VIP perks', condition: { fieldId: seg.id, values: [{ optionId: vip.id }] } });
    const other = await s.field({ entityType: 'DEAL', type: 'TEXT', name: 'Comment' });
    await deal(s.ws.token, {
      name: 'Conditional',
      customFields: [
        { fieldId: seg.id, value: { optionId: vip.id } },
        { fieldId: perks.id, value: { text: 'lounge' } },
        { fieldId: other.id, value: { text: 'hello' } },
      ],
    });
    const before = (await s.member.gql(Deals, {})).deals.edges[0].node.customFields.length;
    expect(before).toBe(3);
    await s.access('DEAL', 'HIDDEN', { customFieldId: seg.id });
    const values = (await s.member.gql(Deals, {})).deals.edges[0].node.customFields;
    expect(values).toEqual([{ __typename: 'TextFieldValue', field: { id: other.id }, text: 'hello' }]);
    expect((await fields(s.member.token, 'DEAL')).customFields.map((f) => f.name)).toEqual(['Comment']);
  });
});

describe('a hidden field a stage requires', () => {
  it('still holds the deal back, counted but not named', async ({ workspace }) => {
    const s = await setup(workspace);
    const stage = s.ws.open[1].id;
    const secret = await s.field({ entityType: 'DEAL', type: 'TEXT', name: 'Secret terms', requiredStageIds: [stage] });
    const shown = await s.field({ entityType: 'DEAL', type: 'TEXT', name: 'Contract no', requiredStageIds: [stage] });
    await s.access('DEAL', 'HIDDEN', { customFieldId: secret.id });
    const d = await deal(s.member.token, { name: 'Gated' });
    const r = (await s.member.gql(MoveDeal, { input: { id: d.id, version: d.version, stageId: stage } })).moveDeal;
    expect(r).toMatchObject({ __typename: 'StageRequirementsError', missingFields: [{ id: shown.id }], hiddenMissingCount: 1 });
    expect(JSON.stringify(r)).not.toContain('Secret terms');
    const admin = (await s.ws.gql(MoveDeal, { input: { id: d.id, version: d.version, stageId: stage } })).moveDeal;
    expect(admin).toMatchObject({ missingFields: [{ id: secret.id }, { id: shown.id }], hiddenMissingCount: 0 });
  });
});

describe('a READ custom field', () => {
  it('is shown, and a write of it is refused with ForbiddenError and changes nothing', async ({ workspace }) => {
    const s = await setup(workspace);
    const budget = await s.field({ entityType: 'DEAL', type: 'NUMBER', name: 'Budget' });
    const d = await deal(s.ws.token, { name: 'Read only', customFields: [{ fieldId: budget.id, value: { number: '10' } }] });
    await s.access('DEAL', 'READ', { customFieldId: budget.id });
    const shown = (await s.member.gql(Deals, {})).deals.edges[0].node.customFields;
    expect(shown).toEqual([{ __typename: 'NumberFieldValue', field: { id: budget.id }, number: '10' }]);
    expect((await fields(s.member.token, 'DEAL')).customFields.map(({ id, name, access }) => ({ id, name, access }))).toEqual([
      { id: budget.id, name: 'Budget', access: 'READ' },
    ]);
    const r = (
      await s.member.gql(UpdateDeal, {
        input: { id: d.id, version: d.version, name: 'New name', customFields: [{ fieldId: budget.id, value: { number: '20' } }] },
      })
    ).updateDeal;
    expect(r).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN', message: expect.stringContaining('"Budget"') });
    const after = (await s.ws.gql(Deals, {})).deals.edges[0].node;
    expect(after.name).toBe('Read only');
    expect(after.customFields).toEqual([{ __typename: 'NumberFieldValue', field: { id: budget.id }, number: '10' }]);
    // Creating with it is refused too; filtering by it is allowed (the value is readable).
    expect(
      (await s.member.gql(CreateDeal, { input: { name: 'x', customFields: [{ fieldId: budget.id, value: { number: '1' } }] } })).createDeal.__typename,
    ).toBe('ForbiddenError');
    expect((await s.member.gql(Deals, { filter: { customFields: [{ fieldId: budget.id, eq: '10' }] } })).deals.totalCount).toBe(1);
  });
});

describe('hidden system fields', () => {
  it("a deal's amount: null with its currency, unfilterable, unsortable, unwritable, its changes off the timeline", async ({ workspace }) => {
    const s = await setup(workspace);
    const a = await deal(s.ws.token, { name: 'Big', amount: '5000', currency: 'USD' });
    await deal(s.ws.token, { name: 'Small', amount: '10' });
    as((await s.ws.gql(UpdateDeal, { input: { id: a.id, version: a.version, amount: '6000' } })).updateDeal, 'UpdateDealSuccess');
    await s.access('DEAL', 'HIDDEN', { systemField: 'AMOUNT' });
    const list = await s.member.gql(Deals, {});
    expect(list.deals.edges.map((e) => [e.node.name, e.node.amount, e.node.currency]).sort()).toEqual([
      ['Big', null, null],
      ['Small', null, null],
    ]);
    const filter = await s.member.raw(Deals, { filter: { amount: { min: '100' } } });
    expect(filter.errors?.[0].extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'filter.amount' }] });
    const sort = await s.member.raw(Deals, { orderBy: [{ field: 'AMOUNT', direction: 'DESC' }] });
    expect(sort.errors?.[0].extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'orderBy[0].field' }] });
    // The administrator filters by it.
    expect(dealNames(await s.ws.gql(Deals, { filter: { amount: { min: '100' } } }))).toEqual(['Big']);
    expect((await s.member.gql(CreateDeal, { input: { name: 'Priced', amount: '1' } })).createDeal.__typename).toBe('ForbiddenError');
    expect((await s.member.gql(CreateDeal, { input: { name: 'Unpriced' } })).createDeal.__typename).toBe('CreateDealSuccess');
    expect((await s.member.gql(UpdateDeal, { input: { id: a.id, version: a.version + 1, amount: '1' } })).updateDeal.__typename).toBe('ForbiddenError');
    expect((await s.member.gql(UpdateDeal, { input: { id: a.id, version: a.version + 1, currency: 'EUR' } })).updateDeal.__typename).toBe('ForbiddenError');
    const fields = (token: string) =>
      app
        .as(token)
        .gql(Timeline, { cardId: a.id, first: 50 })
        .then((t) => t.timeline.edges.map((e) => e.node.fieldChange?.field ?? e.node.kind));
    expect(await fields(s.ws.token)).toEqual(['amount', 'CARD_CREATED']);
    expect(await fields(s.member.token)).toEqual(['CARD_CREATED']);
  });

  it("a contact's phones, e-mails and responsible: empty or null, unsearchable, unfilterable, unwritable", async ({ workspace }) => {
    const s = await setup(workspace);
    const other = await s.ws.member('Other');
    const ivan = as(
      (
        await s.ws.gql(CreateContact, {
          input: { name: 'Ivan Petrov', phones: ['+7 916 111-22-33'], emails: ['ivan@secret.example'], responsibleId: other.user.id },
        })
      ).createContact,
      'CreateContactSuccess',
    ).contact;
    // A deal of Ivan's is found through his phone, by the administrator only.
    await deal(s.ws.token, { name: 'Via contact', contactIds: [ivan.id] });
    for (const systemField of ['PHONES', 'EMAILS', 'RESPONSIBLE'] as const) await s.access('CONTACT', 'HIDDEN', { systemField });

    const seen = (await s.member.gql(Contacts, {})).contacts.edges.map((e) => e.node);
    expect(seen).toEqual([{ id: ivan.id, name: 'Ivan Petrov', emails: [], phones: [], responsible: null }]);
    for (const q of ['79161112233', '8 916 111', 'secret.example']) {
      expect((await s.ws.gql(Contacts, { filter: { search: q } })).contacts.totalCount, q).toBe(1);
      expect((await s.member.gql(Contacts, { filter: { search: q } })).contacts.totalCount, q).toBe(0);
      expect((await s.ws.gql(Deals, { filter: { search: q } })).deals.totalCount, q).toBe(1);
      expect((await s.member.gql(Deals, { filter: { search: q } })).deals.totalCount, q).toBe(0);
    }
    expect((await s.member.gql(Contacts, { filter: { search: 'petrov' } })).contacts.totalCount).toBe(1);
    expect(dealNames(await s.member.gql(Deals, { filter: { search: 'petrov' } }))).toEqual(['Via contact']);
    const byOwner = await s.member.raw(Contacts, { filter: { responsibleIds: [other.user.id] } });
    expect(byOwner.errors?.[0].extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'filter.responsibleIds' }] });
    for (const change of [{ phones: ['+7 916 000-00-00'] }, { emails: ['x@example.com'] }, { responsibleId: s.member.user.id }]) {
      const r = (await s.member.gql(UpdateContact, { input: { id: ivan.id, version: ivan.version, ...change } })).updateContact;
      expect(r.__typename, JSON.stringify(change)).toBe('ForbiddenError');
    }
    // A call's number is a phone too: hidden in the timeline, and not searchable, while its result is.
    expect(
      (await s.ws.gql(LogCall, { input: { cardId: ivan.id, direction: 'OUTBOUND', number: '+7 916 111-22-33', result: 'Agreed on terms' } })).logCall
        .__typename,
    ).toBe('LogCallSuccess');
    const calls = async (token: string, search?: string) =>
      (await app.as(token).gql(Timeline, { cardId: ivan.id, first: 20, filter: { search } })).timeline.edges
        .filter((e) => e.node.kind === 'CALL')
        .map((e) => e.node.call!.number);
    expect(await calls(s.ws.token)).toEqual(['+79161112233']);
    expect(await calls(s.member.token)).toEqual([null]);
    expect(await calls(s.ws.token, '79161112233')).toEqual(['+79161112233']);
    expect(await calls(s.member.token, '79161112233')).toEqual([]);
    expect(await calls(s.member.token, 'terms')).toEqual([null]);
    // The fields it may edit still save.
    expect((await s.member.gql(UpdateContact, { input: { id: ivan.id, version: ivan.version, position: 'Buyer' } })).updateContact.__typename).toBe(
      'UpdateContactSuccess',
    );
    const admin = (await s.ws.gql(Contacts, {})).contacts.edges[0].node;
    expect(admin).toMatchObject({ emails: ['ivan@secret.example'], phones: [{ e164: '+79161112233' }], responsible: { id: other.user.id } });
  });
});

describe('live subscriptions and changed rights', () => {
  it('strip hidden fields from dealChanged, and follow field access, scope and deactivation changed while subscribed', async ({ workspace }) => {
    const s = await setup(workspace);
    const budget = await s.field({ entityType: 'DEAL', type: 'NUMBER', name: 'Budget' });
    await s.access('DEAL', 'HIDDEN', { systemField: 'AMOUNT' });
    await s.access('DEAL', 'HIDDEN', { customFieldId: budget.id });
    type Ev = { kind: string; deal: { name: string; amount: unknown; customFields: unknown[] } | null };
    const sub = subscribe(url, s.member.token, DealChanged, { pipelineId: s.ws.pipeline.id }, (d) => d.dealChanged as Ev);
    await sub.ready;
    await deal(s.ws.token, { name: 'First', amount: '100', customFields: [{ fieldId: budget.id, value: { number: '7' } }] });
    await sub.waitFor((e) => e.length >= 1);
    expect(sub.events[0].deal).toEqual({ name: 'First', amount: null, responsible: { id: s.ws.admin.id }, customFields: [] });

    // Access given while subscribed applies to the next event.
    await s.access('DEAL', 'EDIT', { systemField: 'AMOUNT' });
    await s.access('DEAL', 'READ', { customFieldId: budget.id });
    await deal(s.ws.token, { name: 'Second', amount: '200.00', customFields: [{ fieldId: budget.id, value: { number: '8' } }] });
    await sub.waitFor((e) => e.length >= 2);
    expect(sub.events[1].deal).toMatchObject({ name: 'Second', amount: '200.00', customFields: [{ __typename: 'NumberFieldValue', number: '8' }] });

    // A scope narrowed while subscribed: the administrator's deals are no longer the member's to see.
    await s.ws.gql(UpdateRole, {
      id: s.role.id,
      rights: ALL.map((r) => (r.entityType === 'DEAL' && r.action === 'VIEW' ? { ...r, scope: 'OWN' as const } : r)),
    });
    await deal(s.ws.token, { name: 'Not for you' });
    await deal(s.member.token, { name: 'Mine' });
    // Events go out in commit order: 'Not for you', had it been sent, would come before 'Mine'.
    await sub.waitFor((e) => e.some((x) => x.deal?.name === 'Mine'));
    expect(sub.events.map((e) => e.deal?.name)).toEqual(['First', 'Second', 'Mine']);
    expect(sub.errors).toEqual([]);

    // Deactivated while subscribed: the next event ends the subscription instead of arriving.
    // Its settingsChanged goes out before the next deal's event, so the subscription re-reads
    // its viewer before it handles that event.
    as((await s.ws.gql(DeactivateUser, { id: s.member.user.id })).deactivateUser, 'DeactivateUserSuccess');
    await deal(s.ws.token, { name: 'After' });
    // Until the error ends it.
    await sub.waitFor(() => false);
    expect(sub.events.map((e) => e.deal?.name)).toEqual(['First', 'Second', 'Mine']);
    expect(JSON.stringify(sub.errors)).toContain('UNAUTHENTICATED');
    await sub.close();
  });
});

describe('many live subscriptions of one session', () => {
  it('read their session once between them when a settings change of the workspace arrives', async ({ workspace: ws }) => {
    const member = await ws.member('Watching');
    type Ev = { deal: { name: string } | null };
    const subs = Array.from({ length: 12 }, () => subscribe(url, member.token, DealChanged, { pipelineId: ws.pipeline.id }, (d) => d.dealChanged as Ev));
    await Promise.all(subs.map((x) => x.ready));
    await deal(ws.token, { name: 'Before' });
    await Promise.all(subs.map((x) => x.waitFor((e) => e.length >= 1)));
    app.queries.length = 0;
    // Any settings change has every subscription of the workspace read its viewer again before
    // its next event; the twelve share one read of their session.
    as((await ws.gql(CreateTeam, { input: { name: 'Night shift' } })).createTeam, 'CreateTeamSuccess');
    await deal(ws.token, { name: 'After' });
    await Promise.all(subs.map((x) => x.waitFor((e) => e.length >= 2)));
    const sessionReads = app.queries.filter((q) => q.includes('from "Session"')).length;
    // The member's one read, and the administrator's own session read again after the change.
    expect(sessionReads).toBeLessThanOrEqual(3);
    for (const sub of subs) expect(sub.events.map((e) => e.deal?.name)).toEqual(['Before', 'After']);
    await Promise.all(subs.map((x) => x.close()));
  });
});

describe('live subscriptions of a credential that ends', () => {
  it('end at their next event when the session is signed out or expires, or the API key is revoked', async ({ workspace: ws }) => {
    const member = await ws.member('Leaving');
    const expiring = await ws.member('Expiring');
    const key = as((await ws.gql(CreateApiKey, { name: 'Board', scopes: ['READ'] })).createApiKey, 'CreateApiKeySuccess').created;
    type Ev = { deal: { name: string } | null };
    const board = (token: string) => subscribe(url, token, DealChanged, { pipelineId: ws.pipeline.id }, (d) => d.dealChanged as Ev);
    const subs = { signedOut: board(member.token), expired: board(expiring.token), revoked: board(key.key), kept: board(ws.token) };
    await Promise.all(Object.values(subs).map((x) => x.ready));
    await deal(ws.token, { name: 'Before' });
    await Promise.all(Object.values(subs).map((x) => x.waitFor((e) => e.length >= 1)));

    expect((await member.gql(Logout, {})).logout).toBe(true);
    as((await ws.gql(RevokeApiKey, { id: key.apiKey.id })).revokeApiKey, 'RevokeApiKeySuccess');
    // A session past its expiry (as if its time had run out): no settings change tells of it.
    await app.database.prisma.session.updateMany({ where: { userId: rawId(expiring.user.id) }, data: { expiresAt: new Date(Date.now() - 1000) } });
    // The app keeps a token's row for a few seconds and checks the expiry it holds (lib/settings-epochs.ts):
    // an expiry moved in the database is no change it hears of.
    app.deps.epochs.forgetKept();
    // The logout's and the revocation's settingsChanged go out before 'After': each subscription
    // re-reads its viewer (and finds the expired session) before it handles that event.
    await deal(ws.token, { name: 'After' });
    await subs.kept.waitFor((e) => e.length >= 2);
    // Each of the others until the error ends it.
    await Promise.all([subs.signedOut, subs.expired, subs.revoked].map((x) => x.waitFor(() => false)));
    for (const [name, sub] of Object.entries(subs)) {
      expect(
        sub.events.map((e) => e.deal?.name),
        name,
      ).toEqual(name === 'kept' ? ['Before', 'After'] : ['Before']);
      if (name !== 'kept') expect(JSON.stringify(sub.errors), name).toContain('UNAUTHENTICATED');
      else expect(sub.errors).toEqual([]);
      await sub.close();
    }
  });
});

describe('mailboxes', () => {
  it("keeps a personal mailbox's e-mails to its owner, live too; a shared one's follow the card", async ({ workspace: ws }) => {
    const anna = await ws.member('Anna');
    const boris = await ws.member('Boris');
    const d = await deal(ws.token, { name: 'Mailed' });
    const box = (input: { address: string; personal: boolean }, token: string) =>
      app
        .as(token)
        .gql(CreateMailbox, { input })
        .then((r) => r.createMailbox);
    expect(await box({ address: 'Anna@Example.com', personal: true }, anna.token)).toMatchObject({ mailbox: { address: 'anna@example.com', personal: true } });
    expect(await box({ address: 'sales@example.com', personal: false }, boris.token)).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await box({ address: 'sales@example.com', personal: false }, ws.token)).toMatchObject({ mailbox: { personal: false } });
    expect(await box({ address: 'anna@example.com', personal: true }, boris.token)).toMatchObject({ __typename: 'ValidationError' });
    expect(await box({ address: 'not an address', personal: true }, boris.token)).toMatchObject({ __typename: 'ValidationError' });
    expect((await boris.gql(Mailboxes, {})).mailboxes.map(({ address, personal }) => ({ address, personal }))).toEqual([
      { address: 'sales@example.com', personal: false },
    ]);

    const watch = subscribe(
      url,
      boris.token,
      TimelineUpdated,
      { cardId: d.id },
      (x) => x.timelineUpdated,
      (e) => e.kind !== 'CARD_CREATED',
    );
    await watch.ready;
    const email = (token: string, mailbox: string, subject: string) =>
      app
        .as(token)
        .gql(LogEmail, { input: { cardId: d.id, direction: 'INBOUND', subject, body: '…', mailbox } })
        .then((r) => r.logEmail.__typename);
    expect(await email(anna.token, 'ANNA@example.com', 'Private offer')).toBe('LogEmailSuccess');
    expect(await email(boris.token, 'anna@example.com', 'Through Anna')).toBe('ForbiddenError');
    expect(await email(boris.token, 'sales@example.com', 'Shared')).toBe('LogEmailSuccess');
    expect(await email(boris.token, 'elsewhere@example.com', 'Unregistered')).toBe('LogEmailSuccess');
    // Entries go out in commit order: the last e-mail's comes after any of the others'.
    await watch.waitFor((e) => e.some((x) => x.email?.subject === 'Unregistered'));
    expect(watch.events.map((e) => e.email?.subject)).toEqual(['Shared', 'Unregistered']);
    await watch.close();

    const subjects = (token: string) =>
      app
        .as(token)
        .gql(Timeline, { cardId: d.id, first: 50 })
        .then((t) => t.timeline.edges.filter((e) => e.node.kind === 'EMAIL').map((e) => e.node.email!.subject));
    expect(await subjects(anna.token)).toEqual(['Unregistered', 'Shared', 'Private offer']);
    expect(await subjects(boris.token)).toEqual(['Unregistered', 'Shared']);
    // Not even an administrator reads a personal mailbox.
    expect(await subjects(ws.token)).toEqual(['Unregistered', 'Shared']);
    // Nor finds its e-mail by id.
    const privateId = (await anna.gql(Timeline, { cardId: d.id, first: 50 })).timeline.edges.find((e) => e.node.email?.subject === 'Private offer')!.node.id;
    expect((await anna.gql(Node, { id: privateId })).node).toMatchObject({ __typename: 'TimelineEntry', id: privateId });
    for (const token of [boris.token, ws.token]) expect((await app.as(token).gql(Node, { id: privateId })).node).toBeNull();
  });
});

describe('field usage', () => {
  it('counts only the cards the role lets the user see', async ({ workspace }) => {
    const s = await setup(workspace);
    const note = await s.field({ entityType: 'DEAL', type: 'TEXT', name: 'Note' });
    for (const [name, token, filled] of [
      ['a', s.ws.token, true],
      ['b', s.ws.token, false],
      ['c', s.member.token, true],
      ['d', s.member.token, false],
    ] as const) {
      await deal(token, { name, ...(filled ? { customFields: [{ fieldId: note.id, value: { text: 'x' } }] } : {}) });
    }
    const usage = async (token: string) => (await fields(token, 'DEAL')).fieldUsage.map((u) => [u.filled, u.total]);
    expect(await usage(s.member.token)).toEqual([[2, 4]]);
    await s.ws.gql(UpdateRole, {
      id: s.role.id,
      rights: ALL.map((r) => (r.entityType === 'DEAL' && r.action === 'VIEW' ? { ...r, scope: 'OWN' as const } : r)),
    });
    expect(await usage(s.member.token)).toEqual([[1, 2]]);
    await s.ws.gql(UpdateRole, {
      id: s.role.id,
      rights: ALL.map((r) => (r.entityType === 'DEAL' && r.action === 'VIEW' ? { ...r, scope: 'NONE' as const } : r)),
    });
    expect(await usage(s.member.token)).toEqual([[0, 0]]);
    expect(await usage(s.ws.token)).toEqual([[2, 4]]);
  });
});
