// Hardening against an adversarial review: bad input gets a clear, typed error and changes
// nothing (DateTimes without a zone, NUL bytes, malformed file paths, non-web URLs, first+last
// on connections, option deletes that must bump card versions).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { signUpWorkspace, type Workspace } from './helpers/fixtures.js';
import { as } from './helpers/results.js';
import { graphql } from './gql/index.js';

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
  return as((await app.ok(HdCreateDeal, { input: { name } }, ws.token)).createDeal, 'CreateDealSuccess').deal;
}

describe('DateTime inputs', () => {
  it('failing before: refuses a DateTime without an explicit zone, in variables and literals, with a code', async () => {
    const ws = await signUpWorkspace(app);
    const d = await deal(ws, 'Zoned');
    for (const dueAt of ['2026-12-24 18:00', '2026-12-24T18:00:00', 'Dec 24 2026', '2026-12-24', '2026-12-24T18:00:00 GMT+3']) {
      const r = await app.gql(HdCreateTask, { input: { cardId: d.id, type: 'CALL', text: 'x', dueAt } }, ws.token);
      expect(r.data ?? null, dueAt).toBeNull();
      expect(r.errors?.[0].extensions?.code, dueAt).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0].message, dueAt).toMatch(/DateTime/);
    }
    // A number is not an instant either.
    const num = await app.gql(HdCreateTask, { input: { cardId: d.id, type: 'CALL', text: 'x', dueAt: 0 as unknown as string } }, ws.token);
    expect(num.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const lit = await app.gql(HdTaskLiteral, { cardId: d.id }, ws.token);
    expect(lit.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(lit.errors?.[0].message).toMatch(/DateTime/);
    expect((await app.ok(HdTasks, { filter: { cardId: d.id } }, ws.token)).tasks.totalCount).toBe(0);
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
      const r = await app.ok(HdCreateTask, { input: { cardId: d.id, type: 'CALL', text: 'x', dueAt } }, ws.token);
      expect(as(r.createTask, 'CreateTaskSuccess').task.dueAt, dueAt).toBe(utc);
    }
  });
});
