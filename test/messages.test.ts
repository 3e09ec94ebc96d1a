// Messages are keys with parameters, each in English and Russian in its domain's catalogue
// (lib/i18n.ts); the caller's Accept-Language picks the language of every message it reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInterfaceType } from 'graphql';
import { schema } from '../src/schema.js';
import { catalogueEntries, noun, render } from '../src/lib/i18n.js';
import { createTestApp, type TestApp } from './kit/app.js';
import { signUpWorkspace } from './kit/workspace.js';
import { graphql } from './gql/index.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app?.stop();
});

const RU = { 'accept-language': 'ru-RU,ru;q=0.9' };
const CYRILLIC = /[а-яё]/i;

describe('the catalogues', () => {
  it('give every key an English and a Russian text', () => {
    const entries = catalogueEntries();
    expect(entries.length).toBeGreaterThan(100);
    const failing = entries.filter(([, t]) => {
      for (const text of [t.en, t.ru]) {
        if (typeof text === 'string' ? !text.trim() : typeof text !== 'function') return true;
      }
      if (typeof t.en !== typeof t.ru) return true;
      // A fixed Russian text copied from the English would pass the checks above.
      return typeof t.ru === 'string' && !CYRILLIC.test(t.ru);
    });
    expect(failing.map(([key]) => key)).toEqual([]);
  });

  it('name every record type in both languages', () => {
    const node = schema.getType('Node');
    if (!isInterfaceType(node)) throw new Error('no Node interface');
    const types = schema.getPossibleTypes(node).map((t) => t.name);
    const keys = new Set(catalogueEntries().map(([key]) => key));
    expect(types.filter((t) => !keys.has(noun(t).key))).toEqual([]);
    expect(render(noun('LossReason'), 'en')).toBe('loss reason');
    expect(render(noun('LossReason'), 'ru')).toBe('причина отказа');
  });
});

const CreateContact = graphql(`
  mutation MsgCreateContact($input: CreateContactInput!) {
    createContact(input: $input) {
      __typename
      ... on CreateContactSuccess { contact { id version } }
      ... on ValidationError { message code fields { field message } }
    }
  }
`);

const DeleteContact = graphql(`
  mutation MsgDeleteContact($id: ID!, $version: Int) {
    deleteContact(id: $id, version: $version) {
      __typename
      ... on DeleteContactSuccess { contact { id version } }
    }
  }
`);

const UpdateContact = graphql(`
  mutation MsgUpdateContact($input: UpdateContactInput!) {
    updateContact(input: $input) {
      __typename
      ... on Error { message code }
    }
  }
`);

const ContactsByName = graphql(`
  query MsgContactsBadOrder {
    contacts(orderBy: [{ direction: ASC }]) { totalCount }
  }
`);

const Me = graphql(`
  query MsgMe { me { id } }
`);

describe('under Accept-Language: ru', () => {
  it('a card error is Russian, in an English workspace too', async () => {
    const ws = await signUpWorkspace(app, { locale: 'en' });
    const c = await app.as(ws.token).gql(CreateContact, { input: { name: 'Anna' } });
    if (c.createContact.__typename !== 'CreateContactSuccess') throw new Error(JSON.stringify(c.createContact));
    const { id, version } = c.createContact.contact;

    const stale = await app.as(ws.token).raw(UpdateContact, { input: { id, version: version + 5, name: 'Anna B.' } }, RU);
    expect(stale.data?.updateContact).toEqual({
      __typename: 'ConflictError',
      code: 'CONFLICT',
      message: `Контакт: запись изменил кто-то другой (версия ${version}); обновите и повторите`,
    });

    const d = await app.as(ws.token).gql(DeleteContact, { id, version });
    if (d.deleteContact.__typename !== 'DeleteContactSuccess') throw new Error(JSON.stringify(d.deleteContact));
    const input = { id, version: d.deleteContact.contact.version, name: 'Anna B.' };
    const ru = await app.as(ws.token).raw(UpdateContact, { input }, RU);
    expect(ru.data?.updateContact).toEqual({ __typename: 'NotFoundError', code: 'IN_TRASH', message: 'Контакт в корзине; сначала восстановите' });
    // Without the header the English workspace reads English.
    const en = await app.as(ws.token).raw(UpdateContact, { input });
    expect(en.data?.updateContact).toMatchObject({ code: 'IN_TRASH', message: 'Contact is in the trash; restore it first' });
  });

  it('a validation field message is Russian, and so is the whole message', async () => {
    const ws = await signUpWorkspace(app, { locale: 'en' });
    const r = await app.as(ws.token).raw(CreateContact, { input: { name: ' ', emails: ['anna@example.com', 'nope'] } }, RU);
    expect(r.data?.createContact).toEqual({
      __typename: 'ValidationError',
      code: 'VALIDATION_FAILED',
      message: 'Неверные данные: name: не может быть пустым; emails[1]: неверный адрес e-mail',
      fields: [
        { field: 'name', message: 'не может быть пустым' },
        { field: 'emails[1]', message: 'неверный адрес e-mail' },
      ],
    });
  });

  it('a failing list field is a Russian GraphQL error with its code and field problems', async () => {
    const ws = await signUpWorkspace(app, { locale: 'en' });
    const ru = await app.as(ws.token).raw(ContactsByName, {}, RU);
    expect(ru.errors?.[0]).toMatchObject({
      message: 'Неверные данные: orderBy[0]: укажите либо field, либо customFieldId',
      extensions: { code: 'VALIDATION_FAILED', fields: [{ field: 'orderBy[0]', message: 'укажите либо field, либо customFieldId' }] },
    });
    const en = await app.as(ws.token).raw(ContactsByName, {});
    expect(en.errors?.[0]).toMatchObject({
      message: 'Invalid input: orderBy[0]: give either field or customFieldId',
      extensions: { code: 'VALIDATION_FAILED', fields: [{ field: 'orderBy[0]', message: 'give either field or customFieldId' }] },
    });
  });

  it('a top-level authentication error is Russian', async () => {
    const none = await app.as(undefined).raw(Me, {}, RU);
    expect(none.errors?.[0]).toMatchObject({
      message: 'Войдите в систему: передайте действительный токен',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    const bad = await app.as('crm_s_nonsense').raw(Me, {}, RU);
    expect(bad.errors?.[0]).toMatchObject({ message: 'Токен недействителен; войдите снова', extensions: { code: 'UNAUTHENTICATED' } });
    const en = await app.as('crm_s_nonsense').raw(Me, {});
    expect(en.errors?.[0]).toMatchObject({ message: 'The token is not valid; sign in again' });
  });
});
