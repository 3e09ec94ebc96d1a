// Merging duplicates through the public API (SPEC §3): `mergePreview` shows per field each card's
// value and the one kept; `merge` of contacts and of companies with choices of system and custom
// fields moves every deal, contact, task, note and file to the kept card in one transaction, puts
// the others in the trash pointing at it, writes a MERGED timeline entry and an audit entry.
// Rights (EDIT on the kept card, DELETE on the merged ones), fields hidden or read-only for the
// role, and bad input, which changes nothing. What live views hear of a merge: test/realtime.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print } from 'graphql';
import { describe, expect, testWith, type TestApp, type Workspace } from './kit/fixtures.js';
import type { Client } from './kit/app.js';
import { as } from './kit/results.js';
import { createCompany, createContact, createDeal, defineField, readCompany, readContact, readDeal } from './kit/cards.js';
import { DeleteContact, RestoreContact } from './kit/documents/contacts.js';
import { DeleteCompany } from './kit/documents/companies.js';
import { AddNote, Timeline } from './kit/documents/timeline.js';
import { CreateTask, Tasks } from './kit/documents/tasks.js';
import { Attachments, UploadFile } from './kit/documents/files.js';
import { AuditLog, SetFieldAccess } from './kit/documents/users.js';
import { UpdateCustomField } from './kit/documents/custom-fields.js';
import { Merge, MergedEntries, MergedInto, MergePreview, MergeContacts } from './kit/documents/leads.js';
import type { MergeInput, RoleRightInput } from './gql/graphql.js';

const dataDir = mkdtempSync(join(tmpdir(), 'crm-merge-'));
const it = testWith({ DATA_DIR: dataDir });
let app: TestApp;
it.beforeAll(({ app: fileApp }) => {
  app = fileApp;
});
it.afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

async function upload(c: { token: string }, cardId: string, name: string) {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: print(UploadFile), variables: { file: null, cardId } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new File([new Uint8Array(100).fill(65)], name, { type: 'text/plain' }));
  const res = await app.yoga.fetch('http://test/graphql', { method: 'POST', headers: { authorization: `Bearer ${c.token}` }, body: form });
  const body = (await res.json()) as { data?: { uploadFile: { __typename: string } } };
  expect(body.data?.uploadFile.__typename).toBe('UploadFileSuccess');
}

const merge = async (c: Client, input: MergeInput) => (await c.gql(Merge, { input })).merge;
const fieldsOf = (e: { fields?: { field: string }[] }) => (e.fields ?? []).map((f) => f.field);
const due = () => new Date(Date.now() + 3_600_000).toISOString();
const notes = async (c: Client, cardId: string) =>
  (await c.gql(Timeline, { cardId, filter: { kinds: ['NOTE'] }, first: 50 })).timeline.edges.map((e) => e.node.text);
const taskTexts = async (c: Client, cardId: string) => (await c.gql(Tasks, { filter: { cardId }, first: 10 })).tasks.edges.map((e) => e.node.text);
const mergedEntries = async (c: Client, cardId: string) => (await c.gql(MergedEntries, { cardId })).timeline.edges.map((e) => e.node);
const node = async (c: Client, id: string) =>
  (await c.gql(MergedInto, { id })).node as { deletedAt: string | null; version: number; mergedInto: { id: string } | null };
const ALL: RoleRightInput[] = (['CONTACT', 'COMPANY', 'DEAL'] as const).flatMap((entityType) =>
  (['VIEW', 'CREATE', 'EDIT', 'DELETE'] as const).map((action) => ({ entityType, action, scope: 'ALL' as const })),
);

describe('merging contacts', () => {
  it('previews each field, then takes the chosen values and everything of the others; they go to the trash pointing at it', async ({ workspace: ws }) => {
    const acme = await createCompany(ws, { name: 'Acme' });
    const hoofs = await createCompany(ws, { name: 'Horns & Hoofs' });
    const source = await defineField(ws, { entityType: 'CONTACT', type: 'TEXT', name: 'Source' });
    const score = await defineField(ws, { entityType: 'CONTACT', type: 'NUMBER', name: 'Score' });
    const interests = await defineField(ws, { entityType: 'CONTACT', type: 'MULTISELECT', name: 'Interests', options: ['Steel', 'Wood', 'Glass'] });
    const [steel, , glass] = interests.options.map((o) => o.id);
    const keep = await createContact(ws, {
      name: 'Ivan Petrov',
      phones: ['+79123456789'],
      companyId: acme.id,
      tags: ['vip'],
      customFields: [
        { fieldId: source.id, value: { text: 'expo' } },
        { fieldId: interests.id, value: { optionIds: [glass] } },
      ],
    });
    const first = await createContact(ws, {
      name: 'I. Petrov',
      position: 'Buyer',
      phones: ['+79123456789', '+79000000001'],
      emails: ['ivan@acme.com'],
      companyId: hoofs.id,
      tags: ['lead'],
      customFields: [
        { fieldId: source.id, value: { text: 'web' } },
        { fieldId: score.id, value: { number: '5' } },
        { fieldId: interests.id, value: { optionIds: [steel] } },
      ],
    });
    const second = await createContact(ws, { name: 'Petrov Ivan', position: 'CEO', emails: ['petrov@mail.ru'] });
    const alone = await createDeal(ws, { name: 'Order', contactIds: [first.id] });
    const shared = await createDeal(ws, { name: 'Shared', contactIds: [keep.id, first.id] });
    const both = await createDeal(ws, { name: 'Both merged', contactIds: [first.id, second.id] });
    as((await ws.gql(CreateTask, { input: { cardId: second.id, type: 'CALL', text: 'Call Ivan', dueAt: due() } })).createTask, 'CreateTaskSuccess');
    as((await ws.gql(AddNote, { input: { cardId: first.id, text: 'Met at the expo' } })).addNote, 'AddNoteSuccess');
    await upload(ws, first.id, 'card.txt');

    const preview = (
      await ws.gql(MergePreview, { entityType: 'CONTACT', keepId: keep.id, mergeIds: [first.id, second.id], choices: [{ field: 'NAME', cardId: second.id }] })
    ).mergePreview;
    expect(preview.cardIds).toEqual([keep.id, first.id, second.id]);
    const byName = new Map(preview.fields.map((f) => [f.field ?? f.customField!.name, f]));
    expect([...byName.keys()]).toEqual(['NAME', 'POSITION', 'COMPANY', 'RESPONSIBLE', 'PHONES', 'EMAILS', 'Source', 'Score', 'Interests']);
    expect(byName.get('NAME')).toMatchObject({
      joined: false,
      editable: true,
      chosenCardId: second.id,
      result: 'Petrov Ivan',
      candidates: [
        { cardId: keep.id, value: 'Ivan Petrov' },
        { cardId: first.id, value: 'I. Petrov' },
        { cardId: second.id, value: 'Petrov Ivan' },
      ],
    });
    // Empty on the kept card: the first merged card holding a value.
    expect(byName.get('POSITION')).toMatchObject({ chosenCardId: first.id, result: 'Buyer' });
    expect(byName.get('COMPANY')).toMatchObject({
      chosenCardId: keep.id,
      result: 'Acme',
      candidates: [{ value: 'Acme' }, { value: 'Horns & Hoofs' }, { value: null }],
    });
    expect(byName.get('PHONES')).toMatchObject({ joined: true, chosenCardId: null, result: '+79123456789, +79000000001' });
    expect(byName.get('Score')).toMatchObject({ chosenCardId: first.id, result: '5', resultValue: { __typename: 'NumberFieldValue', number: '5' } });
    expect(byName.get('Interests')).toMatchObject({ joined: true, result: 'Steel, Glass' });
    expect(byName.get('Source')!.candidates.map((c) => c.customValue)).toEqual([
      { __typename: 'TextFieldValue', field: { id: source.id, code: expect.any(String) }, text: 'expo' },
      { __typename: 'TextFieldValue', field: { id: source.id, code: expect.any(String) }, text: 'web' },
      null,
    ]);

    const kept = as(
      await merge(ws, {
        entityType: 'CONTACT',
        keepId: keep.id,
        version: keep.version,
        mergeIds: [first.id, second.id],
        choices: [
          { field: 'NAME', cardId: second.id },
          { field: 'COMPANY', cardId: first.id },
          { customFieldId: source.id, cardId: first.id },
        ],
      }),
      'MergeSuccess',
    ).kept;
    expect(kept.company).toBeNull();
    expect(kept.contact).toMatchObject({
      id: keep.id,
      name: 'Petrov Ivan',
      position: 'Buyer',
      company: { id: hoofs.id },
      phones: [{ e164: '+79123456789' }, { e164: '+79000000001' }],
      emails: ['ivan@acme.com', 'petrov@mail.ru'],
      version: keep.version + 1,
    });
    expect(kept.contact!.tags.map((t) => t.name).sort()).toEqual(['lead', 'vip']);
    const values = Object.fromEntries(kept.contact!.customFields.map((v) => [v.field.id, v]));
    expect(values[source.id]).toMatchObject({ text: 'web' });
    expect(values[score.id]).toMatchObject({ number: '5' });
    expect(values[interests.id]).toMatchObject({ options: [{ id: steel }, { id: glass }] });

    // Each deal has the kept contact once.
    for (const d of [alone, shared, both]) expect((await readDeal(ws, d.id)).contacts.map((c) => c.id)).toEqual([keep.id]);
    expect(kept.contact!.deals.map((d) => d.name).sort()).toEqual(['Both merged', 'Order', 'Shared']);
    expect(await taskTexts(ws, keep.id)).toEqual(['Call Ivan']);
    expect(await notes(ws, keep.id)).toEqual(['Met at the expo']);
    expect((await ws.gql(Attachments, { cardId: keep.id })).attachments.map((a) => a.name)).toEqual(['card.txt']);
    expect((await ws.gql(Attachments, { cardId: first.id })).attachments).toEqual([]);

    for (const m of [first, second]) {
      expect(await node(ws, m.id)).toMatchObject({ deletedAt: expect.any(String), mergedInto: { id: keep.id } });
    }
    expect(await node(ws, keep.id)).toMatchObject({ deletedAt: null, mergedInto: null });
    expect(await mergedEntries(ws, keep.id)).toEqual([
      {
        kind: 'MERGED',
        author: { id: ws.admin.id },
        merged: [
          { id: first.id, name: 'I. Petrov' },
          { id: second.id, name: 'Petrov Ivan' },
        ],
      },
    ]);
    const audit = (await ws.gql(AuditLog, { first: 10 })).auditLog.edges.map((e) => e.node).find((e) => e.action === 'CARDS_MERGED')!;
    expect(audit.subjectId).toBe(keep.id);
    expect(JSON.parse(audit.before!)).toMatchObject({ kept: { name: 'Ivan Petrov' }, merged: [{ name: 'I. Petrov' }, { name: 'Petrov Ivan' }] });
    expect(JSON.parse(audit.after!)).toMatchObject({ kept: { name: 'Petrov Ivan', position: 'Buyer' } });

    // Restored, a merged card is its own again: no pointer; what moved stays with the kept card.
    const back = as((await ws.gql(RestoreContact, { id: first.id })).restoreContact, 'RestoreContactSuccess').contact;
    expect(back).toMatchObject({ deletedAt: null, name: 'I. Petrov', deals: [] });
    expect(await node(ws, first.id)).toMatchObject({ mergedInto: null });
    expect(await notes(ws, first.id)).toEqual([]);
    expect(await notes(ws, keep.id)).toEqual(['Met at the expo']);
    expect(await mergedEntries(ws, keep.id)).toHaveLength(1);
  });

  it('keeps mergeContacts working: merge of two contacts with no choices', async ({ workspace: ws }) => {
    const keep = await createContact(ws, { name: 'Anna' });
    const other = await createContact(ws, { name: 'Anna K.', position: 'Lawyer' });
    const merged = as((await ws.gql(MergeContacts, { keepId: keep.id, version: 1, mergeId: other.id })).mergeContacts, 'MergeContactsSuccess').contact;
    expect(merged).toMatchObject({ name: 'Anna', position: 'Lawyer', version: 2 });
    expect(await node(ws, other.id)).toMatchObject({ mergedInto: { id: keep.id } });
    expect(await mergedEntries(ws, keep.id)).toHaveLength(1);
  });
});

describe('the company of merged contacts', () => {
  it("keeps the kept contact's company when the viewer may not see it; one in the trash counts as none", async ({ workspace: ws }) => {
    const member = await ws.member('Own companies', {
      rights: [...ALL.filter((r) => r.entityType === 'CONTACT'), { entityType: 'COMPANY', action: 'VIEW', scope: 'OWN' }],
    });
    const unseen = await createCompany(ws, { name: 'Unseen Co' });
    const mine = await createCompany(ws, { name: 'Mine Co', responsibleId: member.user.id });
    const gone = await createCompany(ws, { name: 'Gone Co' });
    const keep = await createContact(ws, { name: 'Keep', companyId: unseen.id });
    const other = await createContact(ws, { name: 'Other', companyId: mine.id });
    const preview = (await member.gql(MergePreview, { entityType: 'CONTACT', keepId: keep.id, mergeIds: [other.id] })).mergePreview;
    expect(preview.fields.find((f) => f.field === 'COMPANY')).toMatchObject({ chosenCardId: keep.id, candidates: [{ value: null }, { value: 'Mine Co' }] });
    as(await merge(member, { entityType: 'CONTACT', keepId: keep.id, version: 1, mergeIds: [other.id] }), 'MergeSuccess');
    expect((await readContact(ws, keep.id)).company).toMatchObject({ id: unseen.id });

    const keep2 = await createContact(ws, { name: 'Keep 2', companyId: gone.id });
    const other2 = await createContact(ws, { name: 'Other 2', companyId: mine.id });
    as((await ws.gql(DeleteCompany, { id: gone.id })).deleteCompany, 'DeleteCompanySuccess');
    const kept = as(await merge(ws, { entityType: 'CONTACT', keepId: keep2.id, version: 1, mergeIds: [other2.id] }), 'MergeSuccess').kept;
    expect(kept.contact!.company).toMatchObject({ id: mine.id });
  });
});

describe('merging companies', () => {
  it("moves the others' deals, contacts, tasks and notes to the kept company, with the chosen address and the website the kept one lacked", async ({
    workspace: ws,
  }) => {
    const keep = await createCompany(ws, { name: 'Acme', address: 'Moscow' });
    const other = await createCompany(ws, { name: 'ACME Ltd', website: 'https://acme.example', address: 'Kazan', phones: ['+74950000001'] });
    const person = await createContact(ws, { name: 'Olga', companyId: other.id });
    const deal = await createDeal(ws, { name: 'Supply', companyId: other.id });
    await createDeal(ws, { name: 'Old', companyId: other.id });
    as((await ws.gql(CreateTask, { input: { cardId: other.id, type: 'CALL', text: 'Send the offer', dueAt: due() } })).createTask, 'CreateTaskSuccess');
    as((await ws.gql(AddNote, { input: { cardId: other.id, text: 'Their office moved' } })).addNote, 'AddNoteSuccess');

    const preview = (await ws.gql(MergePreview, { entityType: 'COMPANY', keepId: keep.id, mergeIds: [other.id] })).mergePreview;
    expect(preview.fields.map((f) => f.field)).toEqual(['NAME', 'ADDRESS', 'WEBSITE', 'RESPONSIBLE', 'PHONES', 'EMAILS']);
    expect(preview.fields.find((f) => f.field === 'WEBSITE')).toMatchObject({ chosenCardId: other.id, result: 'https://acme.example' });

    const kept = as(
      await merge(ws, { entityType: 'COMPANY', keepId: keep.id, version: 1, mergeIds: [other.id], choices: [{ field: 'ADDRESS', cardId: other.id }] }),
      'MergeSuccess',
    ).kept;
    expect(kept.contact).toBeNull();
    expect(kept.company).toMatchObject({ name: 'Acme', address: 'Kazan', website: 'https://acme.example', phones: [{ e164: '+74950000001' }], version: 2 });
    expect(kept.company!.contacts.map((c) => c.id)).toEqual([person.id]);
    expect(kept.company!.deals.map((d) => d.name).sort()).toEqual(['Old', 'Supply']);
    const moved = await readDeal(ws, deal.id);
    expect(moved.company).toMatchObject({ id: keep.id });
    expect(moved.version).toBe(2);
    expect((await readContact(ws, person.id)).company).toMatchObject({ id: keep.id });
    expect(await taskTexts(ws, keep.id)).toEqual(['Send the offer']);
    expect(await notes(ws, keep.id)).toEqual(['Their office moved']);
    expect(await node(ws, other.id)).toMatchObject({ deletedAt: expect.any(String), mergedInto: { id: keep.id, name: 'Acme' } });
    expect((await readCompany(ws, other.id)).deals).toEqual([]);
    expect(await mergedEntries(ws, keep.id)).toMatchObject([{ merged: [{ id: other.id, name: 'ACME Ltd' }] }]);
  });
});

describe('rights and field access', () => {
  it('needs EDIT on the kept card and DELETE on each merged one; a card outside VIEW is not found', async ({ workspace: ws }) => {
    const keep = await createContact(ws, { name: 'Keep' });
    const other = await createContact(ws, { name: 'Other', position: 'CEO' });
    const input = { entityType: 'CONTACT' as const, keepId: keep.id, version: 1, mergeIds: [other.id] };
    const noDelete = await ws.member('No delete', {
      rights: [
        { entityType: 'CONTACT', action: 'VIEW', scope: 'ALL' },
        { entityType: 'CONTACT', action: 'EDIT', scope: 'ALL' },
      ],
    });
    expect(as(await merge(noDelete, input), 'ForbiddenError').code).toBe('FORBIDDEN');
    const noEdit = await ws.member('No edit', {
      rights: [
        { entityType: 'CONTACT', action: 'VIEW', scope: 'ALL' },
        { entityType: 'CONTACT', action: 'DELETE', scope: 'ALL' },
      ],
    });
    expect(as(await merge(noEdit, input), 'ForbiddenError').code).toBe('FORBIDDEN');
    const own = await ws.member('Own', {
      rights: [
        { entityType: 'CONTACT', action: 'VIEW', scope: 'OWN' },
        { entityType: 'CONTACT', action: 'CREATE', scope: 'OWN' },
        { entityType: 'CONTACT', action: 'EDIT', scope: 'OWN' },
        { entityType: 'CONTACT', action: 'DELETE', scope: 'OWN' },
      ],
    });
    const mine = await createContact(own, { name: 'Mine' });
    const refused = as(await merge(own, { ...input, keepId: mine.id }), 'NotFoundError');
    expect(refused.id).toBe(other.id);
    const hidden = await own.raw(MergePreview, { entityType: 'CONTACT', keepId: mine.id, mergeIds: [other.id] });
    expect(hidden.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(await node(ws, keep.id)).toMatchObject({ version: 1, deletedAt: null });
    expect(await node(ws, other.id)).toMatchObject({ version: 1, deletedAt: null });

    const full = await ws.member('Full', { rights: ALL });
    expect(as(await merge(full, input), 'MergeSuccess').kept.contact).toMatchObject({ position: 'CEO' });
  });

  it('leaves hidden fields out of the preview and refuses choices of hidden or read-only fields; the kept card keeps those values', async ({
    workspace: ws,
  }) => {
    const secret = await defineField(ws, { entityType: 'CONTACT', type: 'TEXT', name: 'Secret' });
    const grade = await defineField(ws, { entityType: 'CONTACT', type: 'TEXT', name: 'Grade' });
    const member = await ws.member('Restricted', { rights: ALL });
    const access = async (input: { access: 'HIDDEN' | 'READ'; systemField?: 'PHONES' | 'RESPONSIBLE'; customFieldId?: string }) =>
      as((await ws.gql(SetFieldAccess, { input: { roleId: member.roleId!, entityType: 'CONTACT', ...input } })).setFieldAccess, 'SetFieldAccessSuccess');
    await access({ access: 'HIDDEN', customFieldId: secret.id });
    await access({ access: 'HIDDEN', systemField: 'PHONES' });
    await access({ access: 'READ', systemField: 'RESPONSIBLE' });
    await access({ access: 'READ', customFieldId: grade.id });
    const keep = await createContact(ws, { name: 'Keep', phones: ['+79000000001'] });
    const other = await createContact(ws, {
      name: 'Other',
      phones: ['+79000000002'],
      responsibleId: member.user.id,
      customFields: [
        { fieldId: secret.id, value: { text: 'classified' } },
        { fieldId: grade.id, value: { text: 'A' } },
      ],
    });

    const preview = (await member.gql(MergePreview, { entityType: 'CONTACT', keepId: keep.id, mergeIds: [other.id] })).mergePreview;
    expect(preview.fields.map((f) => f.field ?? f.customField!.name)).toEqual(['NAME', 'POSITION', 'COMPANY', 'RESPONSIBLE', 'EMAILS', 'Grade']);
    expect(JSON.stringify(preview)).not.toContain('classified');
    expect(JSON.stringify(preview)).not.toContain('+7900000000');
    expect(preview.fields.find((f) => f.field === 'RESPONSIBLE')).toMatchObject({ editable: false, chosenCardId: keep.id });
    expect(preview.fields.find((f) => f.customField?.name === 'Grade')).toMatchObject({ editable: false, chosenCardId: keep.id, result: null });

    const input = { entityType: 'CONTACT' as const, keepId: keep.id, version: 1, mergeIds: [other.id] };
    for (const [choice, field] of [
      [{ customFieldId: secret.id, cardId: other.id }, 'choices[0].customFieldId'],
      [{ field: 'PHONES' as const, cardId: other.id }, 'choices[0].field'],
      [{ field: 'RESPONSIBLE' as const, cardId: other.id }, 'choices[0].field'],
      [{ customFieldId: grade.id, cardId: other.id }, 'choices[0].customFieldId'],
    ] as const) {
      const e = as(await merge(member, { ...input, choices: [choice] }), 'ValidationError');
      expect(fieldsOf(e)).toEqual([field]);
    }
    const hiddenError = as(await merge(member, { ...input, choices: [{ field: 'PHONES', cardId: other.id }] }), 'ValidationError');
    expect(hiddenError.fields![0].message).toContain('PHONES');

    as(await merge(member, input), 'MergeSuccess');
    const kept = await readContact(ws, keep.id);
    // What the role may not edit stays as the kept card had it; the merged card keeps its own in the trash.
    expect(kept.customFields).toEqual([]);
    expect(kept.phones.map((p) => p.e164)).toEqual(['+79000000001']);
    expect(kept.responsible).toMatchObject({ id: ws.admin.id });
    expect((await readContact(ws, other.id)).customFields.map((v) => v.field.id).sort()).toEqual([secret.id, grade.id].sort());
  });
});

describe('bad input', () => {
  let ws: Workspace;
  it.beforeAll(async ({ signUp }) => {
    ws = await signUp();
  });

  it('refuses it with a typed error naming what is wrong, and changes nothing', async ({ signUp }) => {
    const keep = await createContact(ws, { name: 'Keep' });
    const other = await createContact(ws, { name: 'Other', position: 'CEO' });
    const deal = await createDeal(ws, { name: 'Order', contactIds: [other.id] });
    const trashed = await createContact(ws, { name: 'Trashed' });
    as((await ws.gql(DeleteContact, { id: trashed.id })).deleteContact, 'DeleteContactSuccess');
    const elsewhere = await createContact(await signUp(), { name: 'Elsewhere' });
    const company = await createCompany(ws, { name: 'Acme' });
    const base = { entityType: 'CONTACT' as const, keepId: keep.id, version: 1, mergeIds: [other.id] };
    const many = await Promise.all(Array.from({ length: 21 }, (_, i) => createContact(ws, { name: `Twin ${i}` })));

    const invalid: [Partial<MergeInput>, string[]][] = [
      [{ mergeIds: [keep.id] }, ['mergeIds[0]']],
      [{ mergeIds: [other.id, other.id] }, ['mergeIds[1]']],
      [{ mergeIds: [] }, ['mergeIds']],
      [{ mergeIds: many.map((m) => m.id) }, ['mergeIds']],
      [{ mergeIds: [company.id] }, ['mergeIds[0]']],
      [{ entityType: 'COMPANY' }, ['keepId', 'mergeIds[0]']],
      [{ choices: [{ field: 'NAME', cardId: trashed.id }] }, ['choices[0].cardId']],
      [
        {
          choices: [
            { field: 'NAME', customFieldId: null, cardId: other.id },
            { field: 'NAME', cardId: keep.id },
          ],
        },
        ['choices[1]'],
      ],
      [{ choices: [{ cardId: other.id }] }, ['choices[0]']],
      [{ choices: [{ field: 'WEBSITE', cardId: other.id }] }, ['choices[0].field']],
    ];
    for (const [change, fields] of invalid) {
      expect(fieldsOf(as(await merge(ws, { ...base, ...change }), 'ValidationError')), JSON.stringify(change)).toEqual(fields);
    }
    const notFound: [Partial<MergeInput>, string, string?][] = [
      [{ mergeIds: [elsewhere.id] }, elsewhere.id],
      [{ mergeIds: [trashed.id] }, trashed.id, 'IN_TRASH'],
      [{ keepId: elsewhere.id }, elsewhere.id],
    ];
    for (const [change, id, code] of notFound) {
      const e = as(await merge(ws, { ...base, ...change }), 'NotFoundError');
      expect(e.id).toBe(id);
      if (code) expect(e.code).toBe(code);
    }
    expect(as(await merge(ws, { ...base, version: 7 }), 'ConflictError').currentVersion).toBe(1);
    const preview = await ws.raw(MergePreview, { entityType: 'CONTACT', keepId: keep.id, mergeIds: [keep.id] });
    expect(preview.errors?.[0].extensions).toMatchObject({ code: 'VALIDATION_FAILED' });

    expect(await readContact(ws, keep.id)).toMatchObject({ version: 1, position: null, deletedAt: null });
    expect(await readContact(ws, other.id)).toMatchObject({ version: 1, deletedAt: null });
    expect((await readDeal(ws, deal.id)).contacts.map((c) => c.id)).toEqual([other.id]);
    expect(await mergedEntries(ws, keep.id)).toEqual([]);
  });

  it('two merges into the same card at once: one wins, the other is a ConflictError and its card stays', async () => {
    const keep = await createContact(ws, { name: 'Keep' });
    const a = await createContact(ws, { name: 'A', position: 'First' });
    const b = await createContact(ws, { name: 'B', position: 'Second' });
    const results = await Promise.all(
      [a, b].map(async (m) => (await merge(ws, { entityType: 'CONTACT', keepId: keep.id, version: 1, mergeIds: [m.id] })).__typename),
    );
    expect(results.sort()).toEqual(['ConflictError', 'MergeSuccess']);
    const kept = await readContact(ws, keep.id);
    const [won, lost] = kept.position === 'First' ? [a, b] : [b, a];
    expect(kept.version).toBe(2);
    expect(await node(ws, won.id)).toMatchObject({ deletedAt: expect.any(String), mergedInto: { id: keep.id } });
    expect(await node(ws, lost.id)).toMatchObject({ deletedAt: null, mergedInto: null, version: 1 });
    expect(await mergedEntries(ws, keep.id)).toHaveLength(1);
  });

  it('two contacts merged into each other at once: one wins, the other is refused with a typed error', async () => {
    const a = await createContact(ws, { name: 'A' });
    const b = await createContact(ws, { name: 'B' });
    const results = await Promise.all([
      merge(ws, { entityType: 'CONTACT', keepId: a.id, version: 1, mergeIds: [b.id] }),
      merge(ws, { entityType: 'CONTACT', keepId: b.id, version: 1, mergeIds: [a.id] }),
    ]);
    const won = results.findIndex((r) => r.__typename === 'MergeSuccess');
    expect(won).toBeGreaterThanOrEqual(0);
    expect(['ConflictError', 'NotFoundError']).toContain(results[1 - won].__typename);
    const [kept, gone] = won === 0 ? [a, b] : [b, a];
    expect(await node(ws, kept.id)).toMatchObject({ deletedAt: null, version: 2 });
    expect(await node(ws, gone.id)).toMatchObject({ deletedAt: expect.any(String), mergedInto: { id: kept.id } });
  });

  it('fails as a whole when the kept card cannot take a chosen value: nothing moves', async () => {
    const segment = await defineField(ws, { entityType: 'CONTACT', type: 'TEXT', name: 'Segment' });
    const keep = await createContact(ws, { name: 'Keep', customFields: [{ fieldId: segment.id, value: { text: 'B2B' } }] });
    const other = await createContact(ws, { name: 'Other', customFields: [{ fieldId: segment.id, value: { text: 'B2C' } }] });
    const third = await createContact(ws, { name: 'Third' });
    as((await ws.gql(UpdateCustomField, { input: { id: segment.id, required: true } })).updateCustomField, 'UpdateCustomFieldSuccess');
    const deal = await createDeal(ws, { name: 'Order', contactIds: [other.id] });
    as((await ws.gql(AddNote, { input: { cardId: other.id, text: 'Stays here' } })).addNote, 'AddNoteSuccess');
    // The third card has no Segment: choosing its (empty) value would clear a required field.
    const e = as(
      await merge(ws, {
        entityType: 'CONTACT',
        keepId: keep.id,
        version: 1,
        mergeIds: [other.id, third.id],
        choices: [{ customFieldId: segment.id, cardId: third.id }],
      }),
      'ValidationError',
    );
    expect(fieldsOf(e)).toEqual(['customFields']);
    expect((await readDeal(ws, deal.id)).contacts.map((c) => c.id)).toEqual([other.id]);
    expect(await notes(ws, other.id)).toEqual(['Stays here']);
    expect(await readContact(ws, other.id)).toMatchObject({ deletedAt: null });
    expect(await readContact(ws, third.id)).toMatchObject({ deletedAt: null });
    expect(await readContact(ws, keep.id)).toMatchObject({ version: 1 });
  });
});
