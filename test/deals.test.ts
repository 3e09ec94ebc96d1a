import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { signUpWorkspace } from './helpers/fixtures.js';
import { graphql } from './gql/index.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app?.stop();
});

const CreateDeal = graphql(`
  mutation CreateDeal($input: CreateDealInput!) {
    createDeal(input: $input) {
      __typename
      ... on CreateDealSuccess {
        deal {
          id name amount currency version closedAt
          stage { id name kind }
          pipeline { id }
          responsible { id name }
          createdBy { id }
          tags { name }
        }
      }
      ... on ValidationError { message fields { field message } }
      ... on Error { message code }
    }
  }
`);

describe('deals', () => {
  it('creates a deal in the first open stage with the server-kept system fields', async () => {
    const ws = await signUpWorkspace(app);
    const r = await app.ok(CreateDeal, { input: { name: 'Big order', amount: '1500.50', tags: ['Hot', 'Hot', 'VIP'] } }, ws.token);
    expect(r.createDeal.__typename).toBe('CreateDealSuccess');
    if (r.createDeal.__typename !== 'CreateDealSuccess') return;
    const d = r.createDeal.deal;
    expect(d).toMatchObject({
      name: 'Big order',
      amount: '1500.50',
      currency: 'RUB',
      version: 1,
      closedAt: null,
      stage: { id: ws.open[0].id },
      responsible: { id: ws.admin.id },
      createdBy: { id: ws.admin.id },
    });
    expect(d.tags.map((t) => t.name)).toEqual(['Hot', 'VIP']);
  });
});
