// Messages follow Accept-Language, else the workspace's locale (Russian for the demo's users).
import { describe, expect, it } from './kit/fixtures.js';
import { CreateContact } from './kit/documents/contacts.js';
import { Me } from './kit/documents/users.js';

describe('messages', () => {
  const input = { name: '', phones: ['12'], emails: ['not-an-email'] };

  it('are Russian for a Russian workspace', async ({ signUp }) => {
    const ws = await signUp({ locale: 'ru' });
    const r = await ws.gql(CreateContact, { input });
    if (r.createContact.__typename !== 'ValidationError') throw new Error('expected a ValidationError');
    expect(r.createContact.fields).toEqual([
      { field: 'name', message: 'не может быть пустым' },
      { field: 'phones[0]', message: '«12» — неверный номер телефона' },
      { field: 'emails[0]', message: 'неверный адрес e-mail' },
    ]);
    expect(r.createContact.message).toMatch(/^Неверные данные: name: не может быть пустым/);
  });

  it('follow Accept-Language over the workspace locale', async ({ signUp }) => {
    const ws = await signUp({ locale: 'ru' });
    const r = await ws.raw(CreateContact, { input }, { 'accept-language': 'en-GB,en;q=0.9' });
    const e = r.data!.createContact;
    if (e.__typename !== 'ValidationError') throw new Error('expected a ValidationError');
    expect(e.fields[0]).toEqual({ field: 'name', message: 'must not be empty' });
  });

  it('cover authentication errors too', async ({ app }) => {
    const r = await app.as('crm_s_nonsense').raw(Me, {}, { 'accept-language': 'ru-RU' });
    expect(r.errors?.[0]).toMatchObject({ message: 'Токен недействителен; войдите снова', extensions: { code: 'UNAUTHENTICATED' } });
  });
});
