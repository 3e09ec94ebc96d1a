// Messages follow Accept-Language, else the workspace's locale (Russian for the demo's users).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { print } from 'graphql';
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

const BadContact = graphql(`
  mutation I18nBadContact($input: CreateContactInput!) {
    createContact(input: $input) {
      __typename
      ... on ValidationError { message fields { field message } }
    }
  }
`);

async function post(body: object, headers: Record<string, string>) {
  const res = await app.yoga.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return (await res.json()) as any;
}

describe('messages', () => {
  const input = { name: '', phones: ['12'], emails: ['not-an-email'] };

  it('are Russian for a Russian workspace', async () => {
    const ws = await signUpWorkspace(app, { locale: 'ru' });
    const r = await app.ok(BadContact, { input }, ws.token);
    if (r.createContact.__typename !== 'ValidationError') throw new Error('expected a ValidationError');
    expect(r.createContact.fields).toEqual([
      { field: 'name', message: 'не может быть пустым' },
      { field: 'phones[0]', message: '«12» — неверный номер телефона' },
      { field: 'emails[0]', message: 'неверный адрес e-mail' },
    ]);
    expect(r.createContact.message).toMatch(/^Неверные данные: name: не может быть пустым/);
  });

  it('follow Accept-Language over the workspace locale', async () => {
    const ws = await signUpWorkspace(app, { locale: 'ru' });
    const r = await post(
      { query: print(BadContact), variables: { input } },
      { authorization: `Bearer ${ws.token}`, 'accept-language': 'en-GB,en;q=0.9' },
    );
    expect(r.data.createContact.fields[0]).toEqual({ field: 'name', message: 'must not be empty' });
  });

  it('cover authentication errors too', async () => {
    const r = await post({ query: '{ me { id } }' }, { authorization: 'Bearer crm_s_nonsense', 'accept-language': 'ru-RU' });
    expect(r.errors[0]).toMatchObject({ message: 'Токен недействителен; войдите снова', extensions: { code: 'UNAUTHENTICATED' } });
  });
});
