// Custom fields: definitions, typed values through the @oneOf input, the CustomFieldValue union.
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

const CreateField = graphql(`
  mutation CfCreateField($input: CreateCustomFieldInput!) {
    createCustomField(input: $input) {
      __typename
      ... on CreateCustomFieldSuccess { field { id name code type options { id label } } }
      ... on ValidationError { fields { field message } }
    }
  }
`);

const CreateDeal = graphql(`
  mutation CfCreateDeal($input: CreateDealInput!) {
    createDeal(input: $input) {
      __typename
      ... on CreateDealSuccess {
        deal {
          id version
          customFields {
            __typename
            ... on TextFieldValue { field { code } text }
            ... on NumberFieldValue { field { code } number }
            ... on MoneyFieldValue { field { code } amount currency }
            ... on SelectFieldValue { field { code } option { label } }
            ... on FormulaFieldValue { field { code } number }
          }
        }
      }
      ... on ValidationError { fields { field message } }
    }
  }
`);

describe('custom field values', () => {
  it('stores typed values and computes formulas', async () => {
    const ws = await signUpWorkspace(app);
    const mk = async (input: Parameters<typeof app.ok<any, any>>[1]) => {
      const r = await app.ok(CreateField, { input }, ws.token);
      if (r.createCustomField.__typename !== 'CreateCustomFieldSuccess') throw new Error(JSON.stringify(r.createCustomField));
      return r.createCustomField.field;
    };
    const source = await mk({ entityType: 'DEAL', type: 'SELECT', name: 'Source', options: ['Site', 'Call'] });
    const qty = await mk({ entityType: 'DEAL', type: 'NUMBER', name: 'Quantity', code: 'quantity' });
    const price = await mk({ entityType: 'DEAL', type: 'MONEY', name: 'Price', code: 'price' });
    await mk({ entityType: 'DEAL', type: 'FORMULA', name: 'Total', code: 'total', formula: 'quantity * price' });
    const note = await mk({ entityType: 'DEAL', type: 'TEXT', name: 'Комментарий' });
    expect(note.code).toBe('kommentariy');
    const r = await app.ok(CreateDeal, {
      input: {
        name: 'With fields',
        customFields: [
          { fieldId: source.id, value: { optionId: source.options[1].id } },
          { fieldId: qty.id, value: { number: '3' } },
          { fieldId: price.id, value: { money: { amount: '19.90' } } },
          { fieldId: note.id, value: { text: 'Позвонить' } },
        ],
      },
    }, ws.token);
    if (r.createDeal.__typename !== 'CreateDealSuccess') throw new Error(JSON.stringify(r.createDeal));
    expect(r.createDeal.deal.customFields).toEqual([
      { __typename: 'SelectFieldValue', field: { code: 'source' }, option: { label: 'Call' } },
      { __typename: 'NumberFieldValue', field: { code: 'quantity' }, number: '3' },
      { __typename: 'MoneyFieldValue', field: { code: 'price' }, amount: '19.90', currency: 'RUB' },
      { __typename: 'FormulaFieldValue', field: { code: 'total' }, number: '59.7' },
      { __typename: 'TextFieldValue', field: { code: 'kommentariy' }, text: 'Позвонить' },
    ]);
  });
});
