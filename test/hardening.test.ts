// Hardening against an adversarial review: bad input gets a clear, typed error and changes
// nothing (DateTimes without a zone, NUL bytes, malformed file paths, non-web URLs, first+last
// on connections, option deletes that must bump card versions).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './kit/app.js';
import { signUpWorkspace, type Workspace } from './kit/workspace.js';
import { as } from './kit/results.js';
import { graphql } from './gql/index.js';
import type { CustomFieldInput } from './gql/graphql.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app?.stop();
});

const HdCreateDeal = graphql(`
  mutation HdCreateDeal($input: CreateDealInput!) {
    createDeal(input: $input) {
      __typename
      ... on CreateDealSuccess { deal { id name version } }
      ... on ValidationError { fields { field message } }
      ... on Error { message code }
    }
  }
`);

const HdCreateTask = graphql(`
  mutation HdCreateTask($input: CreateTaskInput!) {
    createTask(input: $input) {
      __typename
      ... on CreateTaskSuccess { task { id dueAt } }
      ... on Error { code message }
    }
  }
`);

const HdTasks = graphql(`
  query HdTasks($filter: TaskFilter) { tasks(filter: $filter) { totalCount } }
`);

const HdTaskLiteral = graphql(`
  mutation HdTaskLiteral($cardId: ID!) {
    createTask(input: { cardId: $cardId, type: CALL, text: "literal", dueAt: "2026-12-24 18:00" }) { __typename }
  }
`);

async function deal(ws: Workspace, name: string) {
  return as((await app.as(ws.token).gql(HdCreateDeal, { input: { name } })).createDeal, 'CreateDealSuccess').deal;
}

describe('DateTime inputs', () => {
  it('failing before: refuses a DateTime without an explicit zone, in variables and literals, with a code', async () => {
    const ws = await signUpWorkspace(app);
    const d = await deal(ws, 'Zoned');
    for (const dueAt of ['2026-12-24 18:00', '2026-12-24T18:00:00', 'Dec 24 2026', '2026-12-24', '2026-12-24T18:00:00 GMT+3']) {
      const r = await app.as(ws.token).raw(HdCreateTask, { input: { cardId: d.id, type: 'CALL', text: 'x', dueAt } });
      expect(r.data ?? null, dueAt).toBeNull();
      expect(r.errors?.[0].extensions?.code, dueAt).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0].message, dueAt).toMatch(/DateTime/);
    }
    // A number is not an instant either.
    const num = await app.as(ws.token).raw(HdCreateTask, { input: { cardId: d.id, type: 'CALL', text: 'x', dueAt: 0 as unknown as string } });
    expect(num.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const lit = await app.as(ws.token).raw(HdTaskLiteral, { cardId: d.id });
    expect(lit.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(lit.errors?.[0].message).toMatch(/DateTime/);
    expect((await app.as(ws.token).gql(HdTasks, { filter: { cardId: d.id } })).tasks.totalCount).toBe(0);
  });

  it('accepts ISO-8601 with Z or an offset, and answers UTC', async () => {
    const ws = await signUpWorkspace(app);
    const d = await deal(ws, 'Zoned ok');
    const cases: [string, string][] = [
      ['2026-12-24T18:00:00+03:00', '2026-12-24T15:00:00.000Z'],
      ['2026-12-24T18:00Z', '2026-12-24T18:00:00.000Z'],
      ['2026-12-24T18:00:00.123456z', '2026-12-24T18:00:00.123Z'],
      ['2026-12-24T18:00:00-0130', '2026-12-24T19:30:00.000Z'],
    ];
    for (const [dueAt, utc] of cases) {
      const r = await app.as(ws.token).gql(HdCreateTask, { input: { cardId: d.id, type: 'CALL', text: 'x', dueAt } });
      expect(as(r.createTask, 'CreateTaskSuccess').task.dueAt, dueAt).toBe(utc);
    }
  });
});

const HdDeals = graphql(`
  query HdDeals($filter: DealFilter, $first: Int, $last: Int) {
    deals(filter: $filter, first: $first, last: $last) { totalCount edges { node { id name version } } }
  }
`);

const HdUsers = graphql(`
  query HdUsers($filter: UserFilter) { users(filter: $filter) { totalCount } }
`);

const HdTimeline = graphql(`
  query HdTimeline($cardId: ID!, $filter: TimelineFilter) { timeline(cardId: $cardId, filter: $filter) { edges { cursor } } }
`);

type ListResult = { data?: unknown; errors?: readonly { message: string; extensions?: Record<string, unknown> }[] };
/** A list request refused as a bad filter: VALIDATION_FAILED naming the field, no data. */
function refusedFilter(r: ListResult, field: string) {
  expect(r.data ?? null, JSON.stringify(r)).toBeNull();
  expect(r.errors?.[0].extensions?.code, JSON.stringify(r)).toBe('VALIDATION_FAILED');
  expect(r.errors?.[0].extensions?.fields, JSON.stringify(r)).toEqual([{ field, message: expect.stringContaining('NUL') }]);
}

describe('NUL characters', () => {
  it('failing before: a NUL in a name or text is a ValidationError naming the field, and nothing is written', async () => {
    const ws = await signUpWorkspace(app);
    const r = (await app.as(ws.token).gql(HdCreateDeal, { input: { name: 'Bad\u0000name' } })).createDeal;
    expect(as(r, 'ValidationError').fields).toEqual([{ field: 'name', message: expect.stringContaining('NUL') }]);
    expect((await app.as(ws.token).gql(HdDeals, {})).deals.totalCount).toBe(0);
    const d = await deal(ws, 'Fine');
    const t = (await app.as(ws.token).gql(HdCreateTask, { input: { cardId: d.id, type: 'CALL', text: 'a\u0000b', dueAt: '2026-12-24T18:00:00Z' } })).createTask;
    expect(t).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
    expect((await app.as(ws.token).gql(HdTasks, { filter: { cardId: d.id } })).tasks.totalCount).toBe(0);
  });

  it('failing before: a NUL in a list search is refused as a bad filter naming filter.search', async () => {
    const ws = await signUpWorkspace(app);
    const d = await deal(ws, 'Searchable');
    refusedFilter(await app.as(ws.token).raw(HdDeals, { filter: { search: 'Sea\u0000rch' } }), 'filter.search');
    refusedFilter(await app.as(ws.token).raw(HdDeals, { filter: { or: [{ search: '\u0000' }] } }), 'filter.or[0].search');
    refusedFilter(await app.as(ws.token).raw(HdUsers, { filter: { search: 'a\u0000' } }), 'filter.search');
    refusedFilter(await app.as(ws.token).raw(HdTimeline, { cardId: d.id, filter: { search: 'a\u0000' } }), 'filter.search');
    expect((await app.as(ws.token).gql(HdDeals, { filter: { search: 'Search' } })).deals.totalCount).toBe(1);
  });
});

describe('file downloads', () => {
  it('failing before: a malformed percent-encoding in /files/<id> answers 404 like any unknown id', async () => {
    const ws = await signUpWorkspace(app);
    const origin = new URL(await app.start()).origin;
    for (const path of ['/files/%E0%A4%A', '/files/%', '/files/%ZZ', '/files/nonsense']) {
      const res = await fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${ws.token}` } });
      expect(res.status, path).toBe(404);
      expect(await res.json(), path).toEqual({ error: 'File not found' });
    }
  });
});

const HdLogCall = graphql(`
  mutation HdLogCall($input: LogCallInput!) {
    logCall(input: $input) {
      __typename
      ... on ValidationError { fields { field message } }
      ... on Error { message code }
    }
  }
`);

const HdCreateCompany = graphql(`
  mutation HdCreateCompany($input: CreateCompanyInput!) {
    createCompany(input: $input) {
      __typename
      ... on CreateCompanySuccess { company { id website } }
      ... on ValidationError { fields { field message } }
      ... on Error { message code }
    }
  }
`);

const NOT_WEB = [
  'javascript:alert(1)',
  'JavaScript://example.com/%0Aalert(1)',
  'data:text/html,<script>alert(1)</script>',
  'ftp://example.com/a.mp3',
  'vbscript:msgbox(1)',
];

describe('URL inputs', () => {
  it('failing before: a call recording URL must be http(s)', async () => {
    const ws = await signUpWorkspace(app);
    const d = await deal(ws, 'Called');
    for (const recordingUrl of NOT_WEB) {
      const r = (await app.as(ws.token).gql(HdLogCall, { input: { cardId: d.id, direction: 'OUTBOUND', number: '+79161234567', recordingUrl } })).logCall;
      expect(
        as(r, 'ValidationError').fields.map((f) => f.field),
        recordingUrl,
      ).toEqual(['recordingUrl']);
    }
    const ok = (
      await app
        .as(ws.token)
        .gql(HdLogCall, { input: { cardId: d.id, direction: 'OUTBOUND', number: '+79161234567', recordingUrl: 'https://rec.example.com/1.mp3' } })
    ).logCall;
    expect(ok.__typename).toBe('LogCallSuccess');
  });

  it('a company website must be http(s)', async () => {
    const ws = await signUpWorkspace(app);
    for (const website of NOT_WEB) {
      const r = (await app.as(ws.token).gql(HdCreateCompany, { input: { name: 'Acme', website } })).createCompany;
      expect(
        as(r, 'ValidationError').fields.map((f) => f.field),
        website,
      ).toEqual(['website']);
    }
    const ok = (await app.as(ws.token).gql(HdCreateCompany, { input: { name: 'Acme', website: 'acme.example.com' } })).createCompany;
    expect(as(ok, 'CreateCompanySuccess').company.website).toBe('https://acme.example.com');
  });
});

const HdUsersLiteral = graphql(`
  query HdUsersLiteral { users(first: 1, last: 1) { totalCount } }
`);

const HdTimelinePage = graphql(`
  query HdTimelinePage($cardId: ID!, $first: Int, $last: Int) { timeline(cardId: $cardId, first: $first, last: $last) { edges { cursor } } }
`);

describe('connection pages', () => {
  it('failing before: first together with last is refused on every connection, in variables and literals', async () => {
    const ws = await signUpWorkspace(app);
    const d = await deal(ws, 'Paged');
    for (const r of [
      await app.as(ws.token).raw(HdDeals, { first: 2, last: 2 }),
      await app.as(ws.token).raw(HdUsersLiteral, {}),
      await app.as(ws.token).raw(HdTimelinePage, { cardId: d.id, first: 1, last: 1 }),
    ]) {
      expect(r.data ?? null, JSON.stringify(r)).toBeNull();
      expect(r.errors?.[0].extensions?.code, JSON.stringify(r)).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0].message).toMatch(/first.*last/);
    }
    // Either alone still pages, and an explicit null counts as not given.
    expect((await app.as(ws.token).gql(HdDeals, { first: 1 })).deals.edges).toHaveLength(1);
    expect((await app.as(ws.token).gql(HdDeals, { last: 1 })).deals.edges).toHaveLength(1);
    expect((await app.as(ws.token).gql(HdDeals, { first: 1, last: null })).deals.edges).toHaveLength(1);
  });
});

const HdCreateField = graphql(`
  mutation HdCreateField($input: CreateCustomFieldInput!) {
    createCustomField(input: $input) {
      __typename
      ... on CreateCustomFieldSuccess { field { id options { id label } } }
      ... on Error { message code }
    }
  }
`);

const HdDeleteOption = graphql(`
  mutation HdDeleteOption($id: ID!, $moveToOptionId: ID) {
    deleteFieldOption(id: $id, moveToOptionId: $moveToOptionId) { __typename ... on Error { message code } }
  }
`);

const HdDeal = graphql(`
  query HdDeal($id: ID!) {
    node(id: $id) {
      ... on Deal {
        id version updatedAt
        customFields {
          __typename
          ... on SelectFieldValue { option { id label } }
          ... on MultiSelectFieldValue { options { id label } }
        }
      }
    }
  }
`);

const HdUpdateDeal = graphql(`
  mutation HdUpdateDeal($input: UpdateDealInput!) {
    updateDeal(input: $input) {
      __typename
      ... on UpdateDealSuccess { deal { id version } }
      ... on ConflictError { currentVersion }
      ... on Error { message code }
    }
  }
`);

describe('deleting a field option', () => {
  it('failing before: cards whose value moved to another option get a new version and updatedAt', async () => {
    const ws = await signUpWorkspace(app);
    const define = async (type: 'SELECT' | 'MULTISELECT', name: string) =>
      as(
        (await app.as(ws.token).gql(HdCreateField, { input: { entityType: 'DEAL', type, name, options: ['A', 'B'] } })).createCustomField,
        'CreateCustomFieldSuccess',
      ).field;
    const one = await define('SELECT', 'Source');
    const many = await define('MULTISELECT', 'Interests');
    const [a, b] = one.options;
    const [ma, mb] = many.options;
    const create = async (name: string, customFields: CustomFieldInput[]) =>
      as((await app.as(ws.token).gql(HdCreateDeal, { input: { name, customFields } })).createDeal, 'CreateDealSuccess').deal;
    const held = await create('Holds A', [
      { fieldId: one.id, value: { optionId: a.id } },
      { fieldId: many.id, value: { optionIds: [ma.id] } },
    ]);
    const other = await create('Holds B', [{ fieldId: one.id, value: { optionId: b.id } }]);
    const read = async (id: string) => {
      const n = (await app.as(ws.token).gql(HdDeal, { id })).node;
      if (!n || !('version' in n)) throw new Error(`no deal ${id}`);
      return n;
    };
    const before = await read(held.id);
    const untouched = await read(other.id);
    expect(before.version).toBe(1);

    expect((await app.as(ws.token).gql(HdDeleteOption, { id: a.id, moveToOptionId: b.id })).deleteFieldOption.__typename).toBe('DeleteFieldOptionSuccess');
    const moved = await read(held.id);
    expect(moved.customFields).toContainEqual({ __typename: 'SelectFieldValue', option: { id: b.id, label: 'B' } });
    expect(moved.version).toBe(2);
    expect(Date.parse(moved.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt));
    // A card that held nothing of the removed option keeps its version.
    expect((await read(other.id)).version).toBe(untouched.version);

    expect((await app.as(ws.token).gql(HdDeleteOption, { id: ma.id, moveToOptionId: mb.id })).deleteFieldOption.__typename).toBe('DeleteFieldOptionSuccess');
    expect((await read(held.id)).version).toBe(3);

    // A client still holding version 1 cannot write its old value back over the moved one.
    const stale = (await app.as(ws.token).gql(HdUpdateDeal, { input: { id: held.id, version: 1, name: 'Stale write' } })).updateDeal;
    expect(stale).toMatchObject({ __typename: 'ConflictError', currentVersion: 3 });
  });
});
