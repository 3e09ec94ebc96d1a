// Field access (SPEC §6): per role and field, HIDDEN, READ or EDIT, for custom fields and for a
// deal's amount and the responsible, phones and e-mails of cards. A hidden field is absent
// everywhere for the role; the oracle tests show that filtering, sorting and searching tell a
// user nothing of its values. Live subscriptions follow rights changed while they run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './kit/app.js';
import { signUpWorkspace, type Workspace } from './kit/workspace.js';
import { as, rawId } from './kit/results.js';
import { subscribe } from './kit/subscribe.js';
import { graphql } from './gql/index.js';
import type { FieldAccessLevel, SystemField, EntityType } from './gql/graphql.js';

let app: TestApp;
let url: string;
beforeAll(async () => {
  app = await createTestApp();
  url = await app.start();
});
afterAll(async () => {
  await app?.stop();
});

const CreateRole = graphql(`
  mutation FaCreateRole($name: String!, $rights: [RoleRightInput!]!) {
    createRole(name: $name, rights: $rights) { __typename ... on CreateRoleSuccess { role { id } } }
  }
`);
const UpdateRole = graphql(`
  mutation FaUpdateRole($id: ID!, $rights: [RoleRightInput!]) { updateRole(id: $id, rights: $rights) { __typename } }
`);
const AssignRole = graphql(`
  mutation FaAssignRole($userId: ID!, $roleId: ID!) { assignRole(userId: $userId, roleId: $roleId) { __typename } }
`);
const SetFieldAccess = graphql(`
  mutation FaSetFieldAccess($input: SetFieldAccessInput!) {
    setFieldAccess(input: $input) {
      __typename
      ... on SetFieldAccessSuccess { role { id fieldAccess { entityType systemField customField { id name } access } } }
      ... on Error { code message }
      ... on ValidationError { fields { field message } }
    }
  }
`);
const Roles = graphql(`
  query FaRoles { roles { id isAdmin fieldAccess { entityType systemField access } } }
`);
const RoleRules = graphql(`
  query FaRoleRules { roles { id fieldAccess { customField { id name } access } } }
`);
const Audit = graphql(`
  query FaAudit { auditLog(first: 5) { edges { node { action subjectId before after } } } }
`);
const CreateField = graphql(`
  mutation FaCreateField($input: CreateCustomFieldInput!) {
    createCustomField(input: $input) { __typename ... on CreateCustomFieldSuccess { field { id code } } ... on Error { message } }
  }
`);
const Fields = graphql(`
  query FaFields($entityType: EntityType!) {
    customFields(entityType: $entityType) { id name access }
    fieldUsage(entityType: $entityType) { field { id } filled total }
  }
`);
const CreateSelect = graphql(`
  mutation FaCreateSelect($input: CreateCustomFieldInput!) {
    createCustomField(input: $input) { __typename ... on CreateCustomFieldSuccess { field { id options { id label } } } }
  }
`);
const FieldNode = graphql(`
  query FaFieldNode($id: ID!) { node(id: $id) { __typename id } }
`);
const CreateDeal = graphql(`
  mutation FaCreateDeal($input: CreateDealInput!) {
    createDeal(input: $input) { __typename ... on CreateDealSuccess { deal { id version } } ... on Error { code message } }
  }
`);
const UpdateDeal = graphql(`
  mutation FaUpdateDeal($input: UpdateDealInput!) {
    updateDeal(input: $input) {
      __typename
      ... on UpdateDealSuccess { deal { id version } }
      ... on Error { code message }
      ... on ValidationError { fields { field message } }
    }
  }
`);
const CreateContact = graphql(`
  mutation FaCreateContact($input: CreateContactInput!) {
    createContact(input: $input) { __typename ... on CreateContactSuccess { contact { id version } } ... on Error { code message } }
  }
`);
const UpdateContact = graphql(`
  mutation FaUpdateContact($input: UpdateContactInput!) {
    updateContact(input: $input) { __typename ... on UpdateContactSuccess { contact { id version } } ... on Error { code message } }
  }
`);
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
const Timeline = graphql(`
  query FaTimeline($cardId: ID!) {
    timeline(cardId: $cardId, first: 50) { edges { node { id kind text fieldChange { field customFieldId } email { subject mailbox } } } }
  }
`);
const LogCall = graphql(`
  mutation FaLogCall($input: LogCallInput!) { logCall(input: $input) { __typename } }
`);
const CallTimeline = graphql(`
  query FaCallTimeline($cardId: ID!, $search: String) {
    timeline(cardId: $cardId, first: 20, filter: { search: $search }) { edges { node { kind call { number } } } }
  }
`);
const LogEmail = graphql(`
  mutation FaLogEmail($input: LogEmailInput!) { logEmail(input: $input) { __typename ... on Error { code message } } }
`);
const CreateMailbox = graphql(`
  mutation FaCreateMailbox($input: CreateMailboxInput!) {
    createMailbox(input: $input) { __typename ... on CreateMailboxSuccess { mailbox { id address personal } } ... on Error { code message } }
  }
`);
const Mailboxes = graphql(`
  query FaMailboxes { mailboxes { address personal } }
`);
const DealChanged = graphql(`
  subscription FaDealChanged($pipelineId: ID!) {
    dealChanged(pipelineId: $pipelineId) { kind dealId deal { name amount responsible { id } customFields { __typename ... on NumberFieldValue { number } } } }
  }
`);
const TimelineUpdated = graphql(`
  subscription FaTimelineUpdated($cardId: ID!) { timelineUpdated(cardId: $cardId) { kind text fieldChange { field } email { subject } } }
`);
const MoveDeal = graphql(`
  mutation FaMoveDeal($input: MoveDealInput!) {
    moveDeal(input: $input) { __typename ... on StageRequirementsError { message missingFields { id } hiddenMissingCount } }
  }
`);
const DeactivateUser = graphql(`
  mutation FaDeactivate($id: ID!) { deactivateUser(id: $id) { __typename } }
`);

type Member = Awaited<ReturnType<Workspace['member']>>;
const ALL = (['CONTACT', 'COMPANY', 'DEAL', 'TASK'] as const).flatMap((entityType) =>
  (['VIEW', 'CREATE', 'EDIT', 'DELETE', 'EXPORT'] as const).map((action) => ({ entityType, action, scope: 'ALL' as const })),
);

/** A workspace with a member whose own role the tests restrict. */
async function setup() {
  const ws = await signUpWorkspace(app);
  const member = await ws.member('Restricted');
  const role = as((await app.ok(CreateRole, { name: 'Restricted', rights: ALL }, ws.token)).createRole, 'CreateRoleSuccess').role;
  expect((await app.ok(AssignRole, { userId: member.user.id, roleId: role.id }, ws.token)).assignRole.__typename).toBe('AssignRoleSuccess');
  const access = async (entityType: EntityType, access: FieldAccessLevel, field: { systemField?: SystemField; customFieldId?: string }) =>
    as((await app.ok(SetFieldAccess, { input: { roleId: role.id, entityType, access, ...field } }, ws.token)).setFieldAccess, 'SetFieldAccessSuccess');
  const field = async (input: { entityType: EntityType; type: string; name: string; formula?: string; requiredStageIds?: string[] }) =>
    as((await app.ok(CreateField, { input: input as never }, ws.token)).createCustomField, 'CreateCustomFieldSuccess').field;
  return { ws, member, role, access, field };
}

const deal = async (token: string, input: Record<string, unknown>) => as((await app.ok(CreateDeal, { input: input as never }, token)).createDeal, 'CreateDealSuccess').deal;
const dealNames = (r: { deals: { edges: { node: { name: string } }[] } }) => r.deals.edges.map((e) => e.node.name).sort();

describe('setFieldAccess', () => {
  it('sets, lists and lifts a rule; audits each change before → after; refuses bad input and changes nothing', async () => {
    const { ws, member, role, field } = await setup();
    const budget = await field({ entityType: 'DEAL', type: 'NUMBER', name: 'Budget' });
    const other = await signUpWorkspace(app);
    const adminRole = (await app.ok(Roles, {}, ws.token)).roles.find((r) => r.isAdmin)!;
    const set = (input: Record<string, unknown>, token = ws.token) => app.gql(SetFieldAccess, { input: input as never }, token);

    const ok = as((await set({ roleId: role.id, entityType: 'DEAL', customFieldId: budget.id, access: 'HIDDEN' })).data!.setFieldAccess, 'SetFieldAccessSuccess');
    expect(ok.role.fieldAccess).toEqual([{ entityType: 'DEAL', systemField: null, customField: { id: budget.id, name: 'Budget' }, access: 'HIDDEN' }]);
    as((await set({ roleId: role.id, entityType: 'DEAL', systemField: 'AMOUNT', access: 'READ' })).data!.setFieldAccess, 'SetFieldAccessSuccess');

    const bad: [Record<string, unknown>, string, string?][] = [
      [{ roleId: role.id, entityType: 'DEAL', systemField: 'PHONES', access: 'HIDDEN' }, 'VALIDATION_FAILED', 'systemField'],
      [{ roleId: role.id, entityType: 'CONTACT', customFieldId: budget.id, access: 'HIDDEN' }, 'VALIDATION_FAILED', 'customFieldId'],
      [{ roleId: role.id, entityType: 'DEAL', access: 'HIDDEN' }, 'VALIDATION_FAILED', 'systemField'],
      [{ roleId: role.id, entityType: 'DEAL', systemField: 'AMOUNT', customFieldId: budget.id, access: 'HIDDEN' }, 'VALIDATION_FAILED', 'systemField'],
      [{ roleId: role.id, entityType: 'DEAL', customFieldId: Buffer.from('CustomField:0192f7a0-0000-7000-8000-000000000000').toString('base64'), access: 'HIDDEN' }, 'NOT_FOUND'],
      [{ roleId: adminRole.id, entityType: 'DEAL', systemField: 'AMOUNT', access: 'HIDDEN' }, 'VALIDATION_FAILED', 'roleId'],
      [{ roleId: 'not-an-id', entityType: 'DEAL', systemField: 'AMOUNT', access: 'HIDDEN' }, 'VALIDATION_FAILED', 'roleId'],
    ];
    for (const [input, code, at] of bad) {
      const r = (await set(input)).data!.setFieldAccess as { __typename: string; code?: string; fields?: { field: string }[] };
      expect(r.code, JSON.stringify(input)).toBe(code);
      if (at) expect(r.fields?.map((f) => f.field)).toContain(at);
    }
    // A role of another workspace, a field of another workspace: not found.
    const foreign = (await app.ok(Roles, {}, other.token)).roles.find((r) => !r.isAdmin)!;
    expect(((await set({ roleId: foreign.id, entityType: 'DEAL', systemField: 'AMOUNT', access: 'HIDDEN' })).data!.setFieldAccess as { code: string }).code).toBe('NOT_FOUND');
    const theirs = as((await app.ok(CreateField, { input: { entityType: 'DEAL', type: 'NUMBER', name: 'Theirs' } as never }, other.token)).createCustomField, 'CreateCustomFieldSuccess').field;
    expect(((await set({ roleId: role.id, entityType: 'DEAL', customFieldId: theirs.id, access: 'HIDDEN' })).data!.setFieldAccess as { code: string }).code).toBe('NOT_FOUND');
    // A level outside the enum is refused before anything runs.
    expect((await set({ roleId: role.id, entityType: 'DEAL', systemField: 'AMOUNT', access: 'SECRET' })).errors?.length).toBe(1);
    // Members may not set access.
    expect(((await set({ roleId: role.id, entityType: 'DEAL', systemField: 'AMOUNT', access: 'EDIT' }, member.token)).data!.setFieldAccess as { code: string }).code).toBe('FORBIDDEN');

    // Nothing above changed the rules.
    const listed = (await app.ok(Roles, {}, ws.token)).roles.find((r) => r.id === role.id)!;
    // System fields first, then custom fields.
    expect(listed.fieldAccess).toEqual([
      { entityType: 'DEAL', systemField: 'AMOUNT', access: 'READ' },
      { entityType: 'DEAL', systemField: null, access: 'HIDDEN' },
    ]);
    // EDIT lifts a rule.
    as((await set({ roleId: role.id, entityType: 'DEAL', systemField: 'AMOUNT', access: 'EDIT' })).data!.setFieldAccess, 'SetFieldAccessSuccess');
    expect((await app.ok(Roles, {}, ws.token)).roles.find((r) => r.id === role.id)!.fieldAccess).toHaveLength(1);

    const log = (await app.ok(Audit, {}, ws.token)).auditLog.edges.map((e) => e.node);
    expect(log.slice(0, 3).map((e) => [e.action, e.subjectId, JSON.parse(e.before!), JSON.parse(e.after!)])).toEqual([
      ['FIELD_ACCESS_CHANGED', role.id, { entityType: 'DEAL', systemField: 'amount', access: 'READ' }, { entityType: 'DEAL', systemField: 'amount', access: 'EDIT' }],
      ['FIELD_ACCESS_CHANGED', role.id, { entityType: 'DEAL', systemField: 'amount', access: 'EDIT' }, { entityType: 'DEAL', systemField: 'amount', access: 'READ' }],
      ['FIELD_ACCESS_CHANGED', role.id, { entityType: 'DEAL', customFieldId: budget.id, access: 'EDIT' }, { entityType: 'DEAL', customFieldId: budget.id, access: 'HIDDEN' }],
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

  beforeAll(async () => {
    s = await setup();
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
    const mine = await app.ok(Deals, {}, s.member.token);
    expect(mine.deals.totalCount).toBe(5);
    const seen = mine.deals.edges.flatMap((e) => e.node.customFields.map((v) => ('field' in v ? v.field.id : '')));
    expect(seen.length).toBe(5);
    expect(new Set(seen)).toEqual(new Set([note.id]));
    const defs = await app.ok(Fields, { entityType: 'DEAL' }, s.member.token);
    expect(defs.customFields.map((f) => [f.name, f.access])).toEqual([['Note', 'EDIT']]);
    expect(defs.fieldUsage.map((u) => u.field.id)).toEqual([note.id]);
    expect((await app.ok(FieldNode, { id: budget.id }, s.member.token)).node).toBeNull();
    // Nor does a role's list of rules name it to those it is hidden from.
    const rules = async (token: string) => (await app.ok(RoleRules, {}, token)).roles.find((r) => r.id === s.role.id)!.fieldAccess.map((x) => x.customField?.name);
    expect(await rules(s.member.token)).toEqual([]);
    expect((await rules(s.ws.token)).sort()).toEqual(['Budget', 'Direct line']);
    // The formula over it, hidden only through its input, is not found by its id either.
    expect((await app.ok(FieldNode, { id: doubled.id }, s.member.token)).node).toBeNull();
    expect((await app.ok(FieldNode, { id: note.id }, s.member.token)).node).toEqual({ __typename: 'CustomField', id: note.id });
    expect((await app.ok(FieldNode, { id: doubled.id }, s.ws.token)).node).toEqual({ __typename: 'CustomField', id: doubled.id });
    // The administrator sees all four, the formula computed.
    const admin = await app.ok(Fields, { entityType: 'DEAL' }, s.ws.token);
    expect(admin.customFields.map((f) => [f.name, f.access])).toEqual([['Budget', 'EDIT'], ['Doubled', 'READ'], ['Direct line', 'EDIT'], ['Note', 'EDIT']]);
    expect((await app.ok(Deals, {}, s.ws.token)).deals.edges.every((e) => e.node.customFields.some((v) => v.__typename === 'FormulaFieldValue'))).toBe(true);
  });

  it('cannot be filtered, sorted or searched by: the answers are those of a field that does not exist', async () => {
    const made_up = Buffer.from('CustomField:0192f7a0-0000-7000-8000-0000000000ff').toString('base64');
    const ask = async (fieldId: string) => {
      const filter = await app.gql(Deals, { filter: { customFields: [{ fieldId, gt: '250' }] } }, s.member.token);
      const sort = await app.gql(Deals, { orderBy: [{ customFieldId: fieldId, direction: 'DESC' }] }, s.member.token);
      return [filter, sort].map((r) => ({ data: r.data, errors: r.errors?.map((e) => [e.extensions?.code, JSON.stringify(e.extensions).replaceAll(fieldId, 'ID')]) }));
    };
    const hidden = await ask(budget.id);
    expect(hidden).toEqual(await ask(made_up));
    expect(hidden[0].errors?.[0][0]).toBe('VALIDATION_FAILED');
    // A formula computed from it is no way round.
    expect(await ask(doubled.id)).toEqual(await ask(made_up));
    // The administrator's answer differs, so the hidden one is not merely broken.
    const admin = await app.gql(Deals, { filter: { customFields: [{ fieldId: budget.id, gt: '250' }] } }, s.ws.token);
    expect(dealNames(admin.data!)).toEqual(['Deal 300', 'Deal 400', 'Deal 500']);

    // Search looks at names alone for this role: the hidden phone finds nothing, a name does.
    expect((await app.ok(Deals, { filter: { search: '79165554433' } }, s.ws.token)).deals.totalCount).toBe(1);
    expect((await app.ok(Deals, { filter: { search: '79165554433' } }, s.member.token)).deals.totalCount).toBe(0);
    expect((await app.ok(Deals, { filter: { search: '8 916 555' } }, s.member.token)).deals.totalCount).toBe(0);
    expect(dealNames(await app.ok(Deals, { filter: { search: 'deal 3' } }, s.member.token))).toEqual(['Deal 300']);
  });

  it('cannot be written: the write is refused like one to an unknown field, and nothing changes', async () => {
    const d = made.d100;
    const r = as(
      (await app.ok(UpdateDeal, { input: { id: d.id, version: d.version, name: 'Renamed', customFields: [{ fieldId: budget.id, value: { number: '1' } }] } }, s.member.token)).updateDeal,
      'ValidationError',
    );
    expect(r.fields).toEqual([{ field: 'customFields[0].fieldId', message: 'no such field' }]);
    const admin = await app.ok(Deals, { filter: { customFields: [{ fieldId: budget.id, eq: '100' }] } }, s.ws.token);
    expect(dealNames(admin)).toEqual(['Deal 100']);
    // A write of the fields it may edit keeps the hidden value.
    as((await app.ok(UpdateDeal, { input: { id: d.id, version: d.version, customFields: [{ fieldId: note.id, value: { text: 'changed' } }] } }, s.member.token)).updateDeal, 'UpdateDealSuccess');
    d.version++;
    expect(dealNames(await app.ok(Deals, { filter: { customFields: [{ fieldId: budget.id, eq: '100' }] } }, s.ws.token))).toEqual(['Deal 100']);
  });

  it('leaves its changes out of the timeline, and of the live timeline', async () => {
    const d = made.d200;
    const sub = subscribe(url, s.member.token, TimelineUpdated, { cardId: d.id }, (x) => x.timelineUpdated, (e) => e.kind !== 'CARD_CREATED');
    await sub.ready;
    as((await app.ok(UpdateDeal, { input: { id: d.id, version: d.version, customFields: [{ fieldId: budget.id, value: { number: '999' } }] } }, s.ws.token)).updateDeal, 'UpdateDealSuccess');
    d.version++;
    as((await app.ok(UpdateDeal, { input: { id: d.id, version: d.version, customFields: [{ fieldId: note.id, value: { text: 'seen' } }] } }, s.ws.token)).updateDeal, 'UpdateDealSuccess');
    d.version++;
    await sub.waitFor((e) => e.length >= 1);
    await new Promise((r) => setTimeout(r, 400));
    expect(sub.events.map((e) => e.fieldChange?.field)).toEqual(['Note']);
    await sub.close();
    const kinds = (token: string) => app.ok(Timeline, { cardId: d.id }, token).then((t) => t.timeline.edges.map((e) => e.node.fieldChange?.field ?? e.node.kind));
    expect(await kinds(s.member.token)).toEqual(['Note', 'CARD_CREATED']);
    // The administrator also sees the formula computed from it change.
    expect(await kinds(s.ws.token)).toEqual(['Note', 'Doubled', 'Budget', 'CARD_CREATED']);
    // Nor is an entry of it found by its id: node(id) answers as for an id that does not exist.
    const byField = new Map((await app.ok(Timeline, { cardId: d.id }, s.ws.token)).timeline.edges.map((e) => [e.node.fieldChange?.field ?? e.node.kind, e.node.id]));
    const lookup = async (id: string, token: string) => (await app.ok(FieldNode, { id }, token)).node?.id ?? null;
    expect(await lookup(byField.get('Budget')!, s.member.token)).toBeNull();
    expect(await lookup(byField.get('Doubled')!, s.member.token)).toBeNull();
    expect(await lookup(byField.get('Note')!, s.member.token)).toBe(byField.get('Note'));
    expect(await lookup(byField.get('Budget')!, s.ws.token)).toBe(byField.get('Budget'));
  });
});

describe('a field shown under a condition on a hidden field', () => {
  it('is hidden too, since whether it shows would tell the hidden value', async () => {
    const s = await setup();
    const seg = as((await app.ok(CreateSelect, { input: { entityType: 'DEAL', type: 'SELECT', name: 'Segment', options: ['VIP', 'Normal'] } }, s.ws.token)).createCustomField, 'CreateCustomFieldSuccess').field;
    const vip = seg.options.find((o) => o.label === 'VIP')!;
    const perks = as(
      (await app.ok(CreateField, { input: { entityType: 'DEAL', type: 'TEXT', name: 'VIP perks', condition: { fieldId: seg.id, values: [{ optionId: vip.id }] } } as never }, s.ws.token)).createCustomField,
      'CreateCustomFieldSuccess',
    ).field;
    const other = await s.field({ entityType: 'DEAL', type: 'TEXT', name: 'Comment' });
    await deal(s.ws.token, {
      name: 'Conditional',
      customFields: [
        { fieldId: seg.id, value: { optionId: vip.id } },
        { fieldId: perks.id, value: { text: 'lounge' } },
        { fieldId: other.id, value: { text: 'hello' } },
      ],
    });
    const before = (await app.ok(Deals, {}, s.member.token)).deals.edges[0].node.customFields.length;
    expect(before).toBe(3);
    await s.access('DEAL', 'HIDDEN', { customFieldId: seg.id });
    const values = (await app.ok(Deals, {}, s.member.token)).deals.edges[0].node.customFields;
    expect(values).toEqual([{ __typename: 'TextFieldValue', field: { id: other.id }, text: 'hello' }]);
    expect((await app.ok(Fields, { entityType: 'DEAL' }, s.member.token)).customFields.map((f) => f.name)).toEqual(['Comment']);
  });
});

describe('a hidden field a stage requires', () => {
  it('still holds the deal back, counted but not named', async () => {
    const s = await setup();
    const stage = s.ws.open[1].id;
    const secret = await s.field({ entityType: 'DEAL', type: 'TEXT', name: 'Secret terms', requiredStageIds: [stage] });
    const shown = await s.field({ entityType: 'DEAL', type: 'TEXT', name: 'Contract no', requiredStageIds: [stage] });
    await s.access('DEAL', 'HIDDEN', { customFieldId: secret.id });
    const d = await deal(s.member.token, { name: 'Gated' });
    const r = (await app.ok(MoveDeal, { input: { id: d.id, version: d.version, stageId: stage } }, s.member.token)).moveDeal;
    expect(r).toMatchObject({ __typename: 'StageRequirementsError', missingFields: [{ id: shown.id }], hiddenMissingCount: 1 });
    expect(JSON.stringify(r)).not.toContain('Secret terms');
    const admin = (await app.ok(MoveDeal, { input: { id: d.id, version: d.version, stageId: stage } }, s.ws.token)).moveDeal;
    expect(admin).toMatchObject({ missingFields: [{ id: secret.id }, { id: shown.id }], hiddenMissingCount: 0 });
  });
});

describe('a READ custom field', () => {
  it('is shown, and a write of it is refused with ForbiddenError and changes nothing', async () => {
    const s = await setup();
    const budget = await s.field({ entityType: 'DEAL', type: 'NUMBER', name: 'Budget' });
    const d = await deal(s.ws.token, { name: 'Read only', customFields: [{ fieldId: budget.id, value: { number: '10' } }] });
    await s.access('DEAL', 'READ', { customFieldId: budget.id });
    const shown = (await app.ok(Deals, {}, s.member.token)).deals.edges[0].node.customFields;
    expect(shown).toEqual([{ __typename: 'NumberFieldValue', field: { id: budget.id }, number: '10' }]);
    expect((await app.ok(Fields, { entityType: 'DEAL' }, s.member.token)).customFields).toEqual([{ id: budget.id, name: 'Budget', access: 'READ' }]);
    const r = (await app.ok(UpdateDeal, { input: { id: d.id, version: d.version, name: 'New name', customFields: [{ fieldId: budget.id, value: { number: '20' } }] } }, s.member.token)).updateDeal;
    expect(r).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN', message: expect.stringContaining('"Budget"') });
    const after = (await app.ok(Deals, {}, s.ws.token)).deals.edges[0].node;
    expect(after.name).toBe('Read only');
    expect(after.customFields).toEqual([{ __typename: 'NumberFieldValue', field: { id: budget.id }, number: '10' }]);
    // Creating with it is refused too; filtering by it is allowed (the value is readable).
    expect((await app.ok(CreateDeal, { input: { name: 'x', customFields: [{ fieldId: budget.id, value: { number: '1' } }] } }, s.member.token)).createDeal.__typename).toBe('ForbiddenError');
    expect((await app.ok(Deals, { filter: { customFields: [{ fieldId: budget.id, eq: '10' }] } }, s.member.token)).deals.totalCount).toBe(1);
  });
});

describe('hidden system fields', () => {
  it("a deal's amount: null with its currency, unfilterable, unsortable, unwritable, its changes off the timeline", async () => {
    const s = await setup();
    const a = await deal(s.ws.token, { name: 'Big', amount: '5000', currency: 'USD' });
    await deal(s.ws.token, { name: 'Small', amount: '10' });
    as((await app.ok(UpdateDeal, { input: { id: a.id, version: a.version, amount: '6000' } }, s.ws.token)).updateDeal, 'UpdateDealSuccess');
    await s.access('DEAL', 'HIDDEN', { systemField: 'AMOUNT' });
    const list = await app.ok(Deals, {}, s.member.token);
    expect(list.deals.edges.map((e) => [e.node.name, e.node.amount, e.node.currency]).sort()).toEqual([['Big', null, null], ['Small', null, null]]);
    const filter = await app.gql(Deals, { filter: { amount: { min: '100' } } }, s.member.token);
    expect(filter.errors?.[0].extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'filter.amount' }] });
    const sort = await app.gql(Deals, { orderBy: [{ field: 'AMOUNT', direction: 'DESC' }] }, s.member.token);
    expect(sort.errors?.[0].extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'orderBy[0].field' }] });
    // The administrator filters by it.
    expect(dealNames(await app.ok(Deals, { filter: { amount: { min: '100' } } }, s.ws.token))).toEqual(['Big']);
    expect((await app.ok(CreateDeal, { input: { name: 'Priced', amount: '1' } }, s.member.token)).createDeal.__typename).toBe('ForbiddenError');
    expect((await app.ok(CreateDeal, { input: { name: 'Unpriced' } }, s.member.token)).createDeal.__typename).toBe('CreateDealSuccess');
    expect((await app.ok(UpdateDeal, { input: { id: a.id, version: a.version + 1, amount: '1' } }, s.member.token)).updateDeal.__typename).toBe('ForbiddenError');
    expect((await app.ok(UpdateDeal, { input: { id: a.id, version: a.version + 1, currency: 'EUR' } }, s.member.token)).updateDeal.__typename).toBe('ForbiddenError');
    const fields = (token: string) => app.ok(Timeline, { cardId: a.id }, token).then((t) => t.timeline.edges.map((e) => e.node.fieldChange?.field ?? e.node.kind));
    expect(await fields(s.ws.token)).toEqual(['amount', 'CARD_CREATED']);
    expect(await fields(s.member.token)).toEqual(['CARD_CREATED']);
  });

  it("a contact's phones, e-mails and responsible: empty or null, unsearchable, unfilterable, unwritable", async () => {
    const s = await setup();
    const other = await s.ws.member('Other');
    const ivan = as(
      (await app.ok(CreateContact, { input: { name: 'Ivan Petrov', phones: ['+7 916 111-22-33'], emails: ['ivan@secret.example'], responsibleId: other.user.id } }, s.ws.token)).createContact,
      'CreateContactSuccess',
    ).contact;
    // A deal of Ivan's is found through his phone, by the administrator only.
    await deal(s.ws.token, { name: 'Via contact', contactIds: [ivan.id] });
    for (const systemField of ['PHONES', 'EMAILS', 'RESPONSIBLE'] as const) await s.access('CONTACT', 'HIDDEN', { systemField });

    const seen = (await app.ok(Contacts, {}, s.member.token)).contacts.edges.map((e) => e.node);
    expect(seen).toEqual([{ id: ivan.id, name: 'Ivan Petrov', emails: [], phones: [], responsible: null }]);
    for (const q of ['79161112233', '8 916 111', 'secret.example']) {
      expect((await app.ok(Contacts, { filter: { search: q } }, s.ws.token)).contacts.totalCount, q).toBe(1);
      expect((await app.ok(Contacts, { filter: { search: q } }, s.member.token)).contacts.totalCount, q).toBe(0);
      expect((await app.ok(Deals, { filter: { search: q } }, s.ws.token)).deals.totalCount, q).toBe(1);
      expect((await app.ok(Deals, { filter: { search: q } }, s.member.token)).deals.totalCount, q).toBe(0);
    }
    expect((await app.ok(Contacts, { filter: { search: 'petrov' } }, s.member.token)).contacts.totalCount).toBe(1);
    expect(dealNames(await app.ok(Deals, { filter: { search: 'petrov' } }, s.member.token))).toEqual(['Via contact']);
    const byOwner = await app.gql(Contacts, { filter: { responsibleIds: [other.user.id] } }, s.member.token);
    expect(byOwner.errors?.[0].extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'filter.responsibleIds' }] });
    for (const change of [{ phones: ['+7 916 000-00-00'] }, { emails: ['x@example.com'] }, { responsibleId: s.member.user.id }]) {
      const r = (await app.ok(UpdateContact, { input: { id: ivan.id, version: ivan.version, ...change } }, s.member.token)).updateContact;
      expect(r.__typename, JSON.stringify(change)).toBe('ForbiddenError');
    }
    // A call's number is a phone too: hidden in the timeline, and not searchable, while its result is.
    expect((await app.ok(LogCall, { input: { cardId: ivan.id, direction: 'OUTBOUND', number: '+7 916 111-22-33', result: 'Agreed on terms' } }, s.ws.token)).logCall.__typename).toBe('LogCallSuccess');
    const calls = async (token: string, search?: string) =>
      (await app.ok(CallTimeline, { cardId: ivan.id, search }, token)).timeline.edges.filter((e) => e.node.kind === 'CALL').map((e) => e.node.call!.number);
    expect(await calls(s.ws.token)).toEqual(['+79161112233']);
    expect(await calls(s.member.token)).toEqual([null]);
    expect(await calls(s.ws.token, '79161112233')).toEqual(['+79161112233']);
    expect(await calls(s.member.token, '79161112233')).toEqual([]);
    expect(await calls(s.member.token, 'terms')).toEqual([null]);
    // The fields it may edit still save.
    expect((await app.ok(UpdateContact, { input: { id: ivan.id, version: ivan.version, position: 'Buyer' } }, s.member.token)).updateContact.__typename).toBe('UpdateContactSuccess');
    const admin = (await app.ok(Contacts, {}, s.ws.token)).contacts.edges[0].node;
    expect(admin).toMatchObject({ emails: ['ivan@secret.example'], phones: [{ e164: '+79161112233' }], responsible: { id: other.user.id } });
  });
});

describe('live subscriptions and changed rights', () => {
  it('strip hidden fields from dealChanged, and follow field access, scope and deactivation changed while subscribed', async () => {
    const s = await setup();
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
    await app.ok(UpdateRole, { id: s.role.id, rights: ALL.map((r) => (r.entityType === 'DEAL' && r.action === 'VIEW' ? { ...r, scope: 'OWN' as const } : r)) }, s.ws.token);
    await deal(s.ws.token, { name: 'Not for you' });
    await deal(s.member.token, { name: 'Mine' });
    await sub.waitFor((e) => e.length >= 3);
    await new Promise((r) => setTimeout(r, 400));
    expect(sub.events.map((e) => e.deal?.name)).toEqual(['First', 'Second', 'Mine']);
    expect(sub.errors).toEqual([]);

    // Deactivated while subscribed: the next event ends the subscription instead of arriving.
    as((await app.ok(DeactivateUser, { id: s.member.user.id }, s.ws.token)).deactivateUser, 'DeactivateUserSuccess');
    await new Promise((r) => setTimeout(r, 300));
    await deal(s.ws.token, { name: 'After' });
    await sub.waitFor(() => false, 1500);
    expect(sub.events.map((e) => e.deal?.name)).toEqual(['First', 'Second', 'Mine']);
    expect(JSON.stringify(sub.errors)).toContain('UNAUTHENTICATED');
    await sub.close();
  });
});

const Logout = graphql(`
  mutation FaLogout { logout }
`);
const CreateApiKey = graphql(`
  mutation FaCreateApiKey($name: String!) {
    createApiKey(name: $name, scopes: [READ]) { __typename ... on CreateApiKeySuccess { created { key apiKey { id } } } }
  }
`);
const RevokeApiKey = graphql(`
  mutation FaRevokeApiKey($id: ID!) { revokeApiKey(id: $id) { __typename } }
`);

describe('live subscriptions of a credential that ends', () => {
  it('end at their next event when the session is signed out or expires, or the API key is revoked', async () => {
    const ws = await signUpWorkspace(app);
    const member = await ws.member('Leaving');
    const expiring = await ws.member('Expiring');
    const key = as((await app.ok(CreateApiKey, { name: 'Board' }, ws.token)).createApiKey, 'CreateApiKeySuccess').created;
    type Ev = { deal: { name: string } | null };
    const board = (token: string) => subscribe(url, token, DealChanged, { pipelineId: ws.pipeline.id }, (d) => d.dealChanged as Ev);
    const subs = { signedOut: board(member.token), expired: board(expiring.token), revoked: board(key.key), kept: board(ws.token) };
    await Promise.all(Object.values(subs).map((x) => x.ready));
    await deal(ws.token, { name: 'Before' });
    await Promise.all(Object.values(subs).map((x) => x.waitFor((e) => e.length >= 1)));

    expect((await app.ok(Logout, {}, member.token)).logout).toBe(true);
    as((await app.ok(RevokeApiKey, { id: key.apiKey.id }, ws.token)).revokeApiKey, 'RevokeApiKeySuccess');
    // A session past its expiry (as if its time had run out): no settings change tells of it.
    await app.database.prisma.session.updateMany({ where: { userId: rawId(expiring.user.id) }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await new Promise((r) => setTimeout(r, 300));
    await deal(ws.token, { name: 'After' });
    await subs.kept.waitFor((e) => e.length >= 2);
    await Promise.all([subs.signedOut, subs.expired, subs.revoked].map((x) => x.waitFor(() => false, 1500)));
    for (const [name, sub] of Object.entries(subs)) {
      expect(sub.events.map((e) => e.deal?.name), name).toEqual(name === 'kept' ? ['Before', 'After'] : ['Before']);
      if (name !== 'kept') expect(JSON.stringify(sub.errors), name).toContain('UNAUTHENTICATED');
      else expect(sub.errors).toEqual([]);
      await sub.close();
    }
  });
});

describe('mailboxes', () => {
  it("keeps a personal mailbox's e-mails to its owner, live too; a shared one's follow the card", async () => {
    const ws = await signUpWorkspace(app);
    const anna = await ws.member('Anna');
    const boris = await ws.member('Boris');
    const d = await deal(ws.token, { name: 'Mailed' });
    const box = (input: { address: string; personal: boolean }, token: string) => app.ok(CreateMailbox, { input }, token).then((r) => r.createMailbox);
    expect(await box({ address: 'Anna@Example.com', personal: true }, anna.token)).toMatchObject({ mailbox: { address: 'anna@example.com', personal: true } });
    expect(await box({ address: 'sales@example.com', personal: false }, boris.token)).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await box({ address: 'sales@example.com', personal: false }, ws.token)).toMatchObject({ mailbox: { personal: false } });
    expect(await box({ address: 'anna@example.com', personal: true }, boris.token)).toMatchObject({ __typename: 'ValidationError' });
    expect(await box({ address: 'not an address', personal: true }, boris.token)).toMatchObject({ __typename: 'ValidationError' });
    expect((await app.ok(Mailboxes, {}, boris.token)).mailboxes).toEqual([{ address: 'sales@example.com', personal: false }]);

    const watch = subscribe(url, boris.token, TimelineUpdated, { cardId: d.id }, (x) => x.timelineUpdated, (e) => e.kind !== 'CARD_CREATED');
    await watch.ready;
    const email = (token: string, mailbox: string, subject: string) =>
      app.ok(LogEmail, { input: { cardId: d.id, direction: 'INBOUND', subject, body: '…', mailbox } }, token).then((r) => r.logEmail.__typename);
    expect(await email(anna.token, 'ANNA@example.com', 'Private offer')).toBe('LogEmailSuccess');
    expect(await email(boris.token, 'anna@example.com', 'Through Anna')).toBe('ForbiddenError');
    expect(await email(boris.token, 'sales@example.com', 'Shared')).toBe('LogEmailSuccess');
    expect(await email(boris.token, 'elsewhere@example.com', 'Unregistered')).toBe('LogEmailSuccess');
    await watch.waitFor((e) => e.length >= 2);
    await new Promise((r) => setTimeout(r, 400));
    expect(watch.events.map((e) => e.email?.subject)).toEqual(['Shared', 'Unregistered']);
    await watch.close();

    const subjects = (token: string) => app.ok(Timeline, { cardId: d.id }, token).then((t) => t.timeline.edges.filter((e) => e.node.kind === 'EMAIL').map((e) => e.node.email!.subject));
    expect(await subjects(anna.token)).toEqual(['Unregistered', 'Shared', 'Private offer']);
    expect(await subjects(boris.token)).toEqual(['Unregistered', 'Shared']);
    // Not even an administrator reads a personal mailbox.
    expect(await subjects(ws.token)).toEqual(['Unregistered', 'Shared']);
    // Nor finds its e-mail by id.
    const privateId = (await app.ok(Timeline, { cardId: d.id }, anna.token)).timeline.edges.find((e) => e.node.email?.subject === 'Private offer')!.node.id;
    expect((await app.ok(FieldNode, { id: privateId }, anna.token)).node).toMatchObject({ __typename: 'TimelineEntry', id: privateId });
    for (const token of [boris.token, ws.token]) expect((await app.ok(FieldNode, { id: privateId }, token)).node).toBeNull();
  });
});

describe('field usage', () => {
  it('counts only the cards the role lets the user see', async () => {
    const s = await setup();
    const note = await s.field({ entityType: 'DEAL', type: 'TEXT', name: 'Note' });
    for (const [name, token, filled] of [['a', s.ws.token, true], ['b', s.ws.token, false], ['c', s.member.token, true], ['d', s.member.token, false]] as const) {
      await deal(token, { name, ...(filled ? { customFields: [{ fieldId: note.id, value: { text: 'x' } }] } : {}) });
    }
    const usage = async (token: string) => (await app.ok(Fields, { entityType: 'DEAL' }, token)).fieldUsage.map((u) => [u.filled, u.total]);
    expect(await usage(s.member.token)).toEqual([[2, 4]]);
    await app.ok(UpdateRole, { id: s.role.id, rights: ALL.map((r) => (r.entityType === 'DEAL' && r.action === 'VIEW' ? { ...r, scope: 'OWN' as const } : r)) }, s.ws.token);
    expect(await usage(s.member.token)).toEqual([[1, 2]]);
    await app.ok(UpdateRole, { id: s.role.id, rights: ALL.map((r) => (r.entityType === 'DEAL' && r.action === 'VIEW' ? { ...r, scope: 'NONE' as const } : r)) }, s.ws.token);
    expect(await usage(s.member.token)).toEqual([[0, 0]]);
    expect(await usage(s.ws.token)).toEqual([[2, 4]]);
  });
});
