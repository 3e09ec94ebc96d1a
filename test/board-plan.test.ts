// The board page's planned path (src/modules/deals/deals.board.ts) answers exactly what the
// general path (graphql-js over every resolver) answers, for an administrator and for users whose
// roles narrow what they see: a deal scope of their own, companies and contacts outside their
// scope or in the trash, a hidden amount and responsible, hidden custom fields and a formula over
// one, a field that applies only under a condition, an archived field. The same requests go to
// this server and to a variant of it with BOARD_PLAN=false, on the same database.
import { afterAll } from 'vitest';
import { describe, expect, test, type TestApp, type Workspace } from './kit/fixtures.js';
import { as } from './kit/results.js';
import { createCompany, createContact, createDeal, defineField } from './kit/cards.js';
import { ArchiveCustomField } from './kit/documents/custom-fields.js';
import { DeleteContact } from './kit/documents/contacts.js';
import { DeleteDeal } from './kit/documents/deals.js';
import { CreateCompany, DeleteCompany } from './kit/documents/companies.js';
import { CreateTeam, SetFieldAccess } from './kit/documents/users.js';
import { boardPlanStats } from '../src/modules/deals/deals.board.js';
import type { CustomFieldValueInput, RoleRightInput } from './gql/graphql.js';
import { boardQuery } from '../bench/api/board.js';

let app: TestApp;
let general: TestApp;
let ws: Workspace;
const tokens: Record<string, string> = {};

// The benchmark's board; sorted by name for roles that may not see amounts.
const BOARD = boardQuery('AMOUNT');
const BY_NAME = boardQuery('NAME');

// Every member the plan answers, aliases, __typename at each level, and the relation fields it takes.
const WIDE = `query Wide($first: Int, $filter: DealFilter, $orderBy: [DealOrder!], $inTrash: Boolean) {
  page: deals(first: $first, filter: $filter, orderBy: $orderBy, inTrash: $inTrash) { __typename edges { __typename deal: node {
    __typename key: id name amount currency
    stage { __typename id name kind sortOrder color } pipeline { id name } owner: responsible { id name }
    company { __typename id name } contacts { id name } tags { name id }
    values: customFields { __typename
      ... on TextFieldValue { f: field { id code name type } text }
      ... on TextareaFieldValue { field { code } text }
      ... on NumberFieldValue { field { code } n: number }
      ... on FormulaFieldValue { field { code } number }
      ... on MoneyFieldValue { field { code } amount currency }
      ... on DateFieldValue { field { code } date }
      ... on BooleanFieldValue { field { code } boolean }
      ... on SelectFieldValue { field { code } option { __typename id label sortOrder } }
      ... on MultiSelectFieldValue { field { code } options { id label } }
      ... on UrlFieldValue { field { code } url }
      ... on EmailFieldValue { field { code } email } } } } } }`;

const ALL = (['CONTACT', 'COMPANY', 'DEAL', 'TASK'] as const).flatMap((entityType) =>
  (['VIEW', 'CREATE', 'EDIT', 'DELETE', 'EXPORT'] as const).map((action) => ({ entityType, action, scope: 'ALL' as const })),
);
const rights = (over: Record<string, 'OWN' | 'TEAM' | 'ALL'>): RoleRightInput[] =>
  ALL.map((r) => ({ ...r, scope: r.action === 'VIEW' ? (over[r.entityType] ?? r.scope) : r.scope }));

test.beforeAll(async ({ app: fileApp, server, signUp }) => {
  app = fileApp;
  general = await server.variant({ BOARD_PLAN: 'false' });
  ws = await signUp();
  tokens.admin = ws.token!;
  const mate = await ws.member('Mate');
  // Sees every deal, only its own companies, its team's contacts; amount, responsible and two
  // custom fields hidden (and the formula over one of them with it).
  const narrow = await ws.member('Narrow', { rights: rights({ COMPANY: 'OWN', CONTACT: 'TEAM' }) });
  as((await ws.gql(CreateTeam, { input: { name: 'Board team', memberIds: [narrow.user.id, mate.user.id] } })).createTeam, 'CreateTeamSuccess');
  // Sees only the deals they are responsible for.
  const own = await ws.member('Own', { rights: rights({ DEAL: 'OWN' }) });
  tokens.narrow = narrow.token;
  tokens.own = own.token;

  const field = (input: Parameters<typeof defineField>[1]) => defineField(ws, input);
  const text = await field({ entityType: 'DEAL', type: 'TEXT', name: 'Ref', code: 'ref' });
  const note = await field({ entityType: 'DEAL', type: 'TEXTAREA', name: 'Note', code: 'note' });
  const num = await field({ entityType: 'DEAL', type: 'NUMBER', name: 'Size', code: 'size' });
  const secret = await field({ entityType: 'DEAL', type: 'NUMBER', name: 'Margin', code: 'margin' });
  await field({ entityType: 'DEAL', type: 'FORMULA', name: 'Double margin', code: 'double_margin', formula: 'margin * 2' });
  await field({ entityType: 'DEAL', type: 'FORMULA', name: 'Double size', code: 'double_size', formula: 'size * 2' });
  const money = await field({ entityType: 'DEAL', type: 'MONEY', name: 'Budget', code: 'budget' });
  const date = await field({ entityType: 'DEAL', type: 'DATE', name: 'Due', code: 'due' });
  const flag = await field({ entityType: 'DEAL', type: 'BOOLEAN', name: 'Flag', code: 'flag' });
  const pick = await field({ entityType: 'DEAL', type: 'SELECT', name: 'Priority', code: 'priority', options: ['Low', 'High'] });
  const many = await field({ entityType: 'DEAL', type: 'MULTISELECT', name: 'Channels', code: 'channels', options: ['Web', 'Phone', 'Mail'] });
  const site = await field({ entityType: 'DEAL', type: 'URL', name: 'Site', code: 'site' });
  const mail = await field({ entityType: 'DEAL', type: 'EMAIL', name: 'Mail', code: 'mail' });
  const hiddenText = await field({ entityType: 'DEAL', type: 'TEXT', name: 'Private', code: 'private' });
  const old = await field({ entityType: 'DEAL', type: 'TEXT', name: 'Old', code: 'old' });
  // Applies only to deals of high priority.
  const why = await field({
    entityType: 'DEAL',
    type: 'TEXT',
    name: 'Why high',
    code: 'why_high',
    condition: { fieldId: pick.id, values: [{ optionId: pick.options[1].id }] },
  });
  const access = (input: object) => ws.gql(SetFieldAccess, { input: { roleId: narrow.roleId!, entityType: 'DEAL', access: 'HIDDEN', ...input } as never });
  for (const input of [{ systemField: 'AMOUNT' }, { systemField: 'RESPONSIBLE' }, { customFieldId: secret.id }, { customFieldId: hiddenText.id }]) {
    as((await access(input)).setFieldAccess, 'SetFieldAccessSuccess');
  }

  const theirs = as((await narrow.gql(CreateCompany, { input: { name: 'Narrow Co' } })).createCompany, 'CreateCompanySuccess').company;
  const adminCo = await createCompany(ws, { name: 'Admin Co' });
  const trashedCo = await createCompany(ws, { name: 'Trashed Co', responsibleId: narrow.user.id });
  const c1 = await createContact(ws, { name: 'Admin person' });
  const c2 = await createContact(ws, { name: 'Mate person', responsibleId: mate.user.id });
  const c3 = await createContact(ws, { name: 'Trashed person', responsibleId: narrow.user.id });
  const c4 = await createContact(ws, { name: 'Narrow person', responsibleId: narrow.user.id });
  const v = (fieldId: string, value: CustomFieldValueInput) => ({ fieldId, value });
  const trashed = await createDeal(ws, { name: 'Board trashed', amount: '5' });
  for (let i = 0; i < 12; i++) {
    const high = i % 2 === 0;
    await createDeal(ws, {
      name: `Board ${i}`,
      amount: String(1000 + i * 10),
      responsibleId: i % 3 === 0 ? own.user.id : undefined,
      companyId: [adminCo.id, theirs.id, trashedCo.id, undefined][i % 4],
      contactIds: [[c1.id, c2.id], [c3.id, c4.id], [c2.id, c1.id, c4.id], []][i % 4],
      tags: i % 2 ? ['zeta', 'alpha'] : ['mid'],
      customFields: [
        v(text.id, { text: `ref ${i}` }),
        ...(i % 3 ? [v(note.id, { text: `line one\nline "two" ${i}` })] : []),
        v(num.id, { number: String(i * 1.25) }),
        v(secret.id, { number: String(i) }),
        ...(i % 4 ? [v(money.id, { money: { amount: `${i}.5`, currency: 'USD' } })] : []),
        v(date.id, { date: `2026-01-${String(i + 1).padStart(2, '0')}` }),
        v(flag.id, { boolean: i % 2 === 0 }),
        v(pick.id, { optionId: pick.options[high ? 1 : 0].id }),
        v(many.id, { optionIds: i % 2 ? [many.options[2].id, many.options[0].id] : [] }),
        v(site.id, { url: `https://example.com/${i}` }),
        v(mail.id, { email: `deal${i}@example.com` }),
        v(hiddenText.id, { text: 'secret' }),
        v(old.id, { text: 'old' }),
        v(why.id, { text: 'because' }),
      ].filter((x) => !('optionIds' in x.value) || (x.value.optionIds as string[]).length),
    });
  }
  as((await ws.gql(ArchiveCustomField, { id: old.id })).archiveCustomField, 'ArchiveCustomFieldSuccess');
  as((await ws.gql(DeleteDeal, { id: trashed.id })).deleteDeal, 'DeleteDealSuccess');
  as((await ws.gql(DeleteContact, { id: c3.id })).deleteContact, 'DeleteContactSuccess');
  as((await ws.gql(DeleteCompany, { id: trashedCo.id })).deleteCompany, 'DeleteCompanySuccess');
  tokens.sizeId = num.id;
});

afterAll(async () => {
  await general?.stop();
});

/** The same request to the planned and the general path: both bodies, and whether the plan answered. */
async function both(who: string, query: string, variables: object) {
  const headers = { authorization: `Bearer ${tokens[who]}` };
  const before = boardPlanStats.answered;
  const planned = await app.post({ query, variables }, headers);
  const answered = boardPlanStats.answered - before;
  const reference = await general.post({ query, variables }, headers);
  return { planned: planned.body as { data?: Record<string, unknown>; errors?: unknown }, reference: reference.body, answered };
}

type Node = {
  amount: string | null;
  company: { name: string } | null;
  contacts: { name: string }[];
  responsible: unknown;
  customFields: { field?: { code: string } }[];
};
const nodes = (body: { data?: Record<string, unknown> }) => (body.data!.deals as { edges: { node: Node & { name: string } }[] }).edges.map((e) => e.node);

describe('the board page by its plan', () => {
  test('answers the same JSON as the general path for the administrator and for narrowed roles', async () => {
    for (const who of ['admin', 'narrow', 'own']) {
      for (const [query, variables] of [
        [who === 'narrow' ? BY_NAME : BOARD, { first: 50 }],
        [BY_NAME, { first: 3 }],
        [WIDE, {}],
        [WIDE, { first: 5, filter: { search: 'board' }, orderBy: [{ customFieldId: tokens.sizeId, direction: 'DESC' }] }],
        [WIDE, { filter: { tags: ['zeta'] }, orderBy: [{ field: 'NAME', direction: 'ASC' }] }],
        [WIDE, { orderBy: [{ field: 'CLOSED_AT', direction: 'DESC' }, { field: 'NAME' }] }],
        [WIDE, { first: 4, orderBy: [{ field: 'UPDATED_AT', direction: 'ASC' }] }],
        // A null direction: the same order both ways.
        [WIDE, { first: 5, orderBy: [{ field: 'NAME', direction: null }] }],
        [WIDE, { inTrash: true }],
      ] as const) {
        const { planned, reference, answered } = await both(who, query, variables);
        expect(planned.errors, `${who} ${JSON.stringify(variables)}`).toBeUndefined();
        expect(JSON.stringify(planned), `${who} ${query.slice(0, 12)} ${JSON.stringify(variables)}`).toBe(JSON.stringify(reference));
        expect(answered, 'the plan answered').toBe(1);
      }
    }
  });

  test('applies the rights a narrowed role has', async () => {
    const admin = nodes((await both('admin', BOARD, { first: 50 })).planned);
    const narrow = nodes((await both('narrow', BY_NAME, { first: 50 })).planned);
    const own = nodes((await both('own', BOARD, { first: 50 })).planned);
    expect(admin).toHaveLength(12);
    expect(own.map((n) => n.name).sort()).toEqual(['Board 0', 'Board 3', 'Board 6', 'Board 9']);
    expect(narrow).toHaveLength(12);
    expect(narrow.every((n) => n.amount === null && n.responsible === null)).toBe(true);
    // Only their own company; not the administrator's, not one in the trash.
    expect([...new Set(narrow.map((n) => n.company?.name ?? null))].sort()).toEqual(['Narrow Co', null]);
    expect([...new Set(admin.map((n) => n.company?.name ?? null))].sort()).toEqual(['Admin Co', 'Narrow Co', null]);
    // Their team's and their own contacts, never the administrator's or one in the trash.
    const seen = new Set(narrow.flatMap((n) => n.contacts.map((c) => c.name)));
    expect([...seen].sort()).toEqual(['Mate person', 'Narrow person']);
    // Hidden fields (and the formula over one) and the archived field are absent; the conditional one only on high priority.
    const codes = (list: Node[]) => new Set(list.flatMap((n) => n.customFields.map((f) => f.field?.code)));
    const { planned } = await both('narrow', WIDE, {});
    const narrowWide = (planned.data!.page as { edges: { deal: { values: { field?: { code: string }; f?: { code: string } }[] } }[] }).edges;
    const narrowCodes = new Set(narrowWide.flatMap((e) => e.deal.values.map((x) => (x.field ?? x.f)!.code)));
    expect(narrowCodes.has('margin') || narrowCodes.has('double_margin') || narrowCodes.has('private') || narrowCodes.has('old')).toBe(false);
    expect(narrowCodes.has('double_size') && narrowCodes.has('why_high')).toBe(true);
    expect(codes(admin).has('size')).toBe(true);
  });

  test('leaves other documents, cursors and bad input to the general path', async () => {
    const withPageInfo = `query { deals(first: 2) { pageInfo { hasNextPage } edges { node { id } } } }`;
    const cursor = `query C($after: String) { deals(first: 2, after: $after) { edges { node { id name } } } }`;
    const badFilter = `query { deals(first: 2, filter: { responsibleIds: ["nope"] }) { edges { node { id } } } }`;
    for (const [query, variables] of [
      [withPageInfo, {}],
      [cursor, { after: 'x' }],
      [badFilter, {}],
      // Sorting by the amount the role hides: the same refusal.
      [BOARD, { first: 5 }],
      // A relation asked twice under two aliases.
      [`query { deals(first: 3) { edges { node { a: company { name } b: company { id } } } } }`, {}],
    ] as const) {
      const { planned, reference, answered } = await both('narrow', query, variables);
      expect(answered).toBe(0);
      expect(JSON.stringify(planned)).toBe(JSON.stringify(reference));
    }
    // Signed out: the general path's refusal.
    const out = await app.post({ query: BOARD, variables: { first: 5 } });
    expect((out.body as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});
