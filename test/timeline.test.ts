// The timeline of deals, contacts and companies through the public API: the entries the server
// writes itself in the transaction of a change (card created, fields changed old → new, a new
// responsible, a new stage) and none for a write that changes nothing or is refused; notes
// (plain or from a template with [placeholders]), calls, e-mails, meetings and chat messages
// with their validation; reading newest first with cursor pages, filters and Russian/English
// keyword search; cards in the trash and of other workspaces; and the live `timelineUpdated`
// feed over graphql-ws, delivered as soon as the write commits (not at the next outbox poll).
import { describe, expect, it, test, type Workspace } from './kit/fixtures.js';
import { createTestApp, type Client } from './kit/app.js';
import { signUpWorkspace, type Member } from './kit/workspace.js';
import { subscribe } from './kit/subscribe.js';
import { as } from './kit/results.js';
import { defineField } from './kit/cards.js';
import { CreateDeal, DeleteDeal, MoveDeal, UpdateDeal } from './kit/documents/deals.js';
import { CreateContact, UpdateContact } from './kit/documents/contacts.js';
import { CreateCompany, UpdateCompany } from './kit/documents/companies.js';
import {
  AddNote,
  CreateNoteTemplate,
  DeleteNoteTemplate,
  LogCall,
  LogChatMessage,
  LogEmail,
  LogMeeting,
  NoteTemplates,
  Timeline,
  TimelineUpdated,
} from './kit/documents/timeline.js';
import type {
  AddNoteInput,
  CreateCompanyInput,
  CreateContactInput,
  CreateCustomFieldInput,
  CreateDealInput,
  LogCallInput,
  LogMeetingInput,
  MoveDealInput,
  TimelineEntryFieldsFragment,
  TimelineFilter,
  UpdateCompanyInput,
  UpdateContactInput,
  UpdateDealInput,
} from './gql/graphql.js';

let url: string;
test.beforeAll(({ url: serverUrl }) => {
  url = serverUrl;
});

// Helpers

type Who = Client;

const define = (ws: Who, input: CreateCustomFieldInput) => defineField(ws, input);
const createDeal = async (ws: Who, input: CreateDealInput) => (await ws.gql(CreateDeal, { input })).createDeal;
const updateDeal = async (ws: Who, input: UpdateDealInput) => (await ws.gql(UpdateDeal, { input })).updateDeal;
const moveDeal = async (ws: Who, input: MoveDealInput) => (await ws.gql(MoveDeal, { input })).moveDeal;
const newDeal = async (ws: Who, input: CreateDealInput = { name: 'Supply' }) => as(await createDeal(ws, input), 'CreateDealSuccess').deal;
const newContact = async (ws: Who, input: CreateContactInput) => as((await ws.gql(CreateContact, { input })).createContact, 'CreateContactSuccess').contact;
const updateContact = async (ws: Who, input: UpdateContactInput) => (await ws.gql(UpdateContact, { input })).updateContact;
const newCompany = async (ws: Who, input: CreateCompanyInput) => as((await ws.gql(CreateCompany, { input })).createCompany, 'CreateCompanySuccess').company;
const updateCompany = async (ws: Who, input: UpdateCompanyInput) => (await ws.gql(UpdateCompany, { input })).updateCompany;
const addNote = async (ws: Who, input: AddNoteInput) => (await ws.gql(AddNote, { input })).addNote;
const note = async (ws: Who, cardId: string, text: string) => as(await addNote(ws, { cardId, text }), 'AddNoteSuccess').entry;
const logCall = async (ws: Who, input: LogCallInput) => (await ws.gql(LogCall, { input })).logCall;
const logMeeting = async (ws: Who, input: LogMeetingInput) => (await ws.gql(LogMeeting, { input })).logMeeting;

/** The whole timeline of a card (newest first), as its entries. */
async function timeline(ws: Who, cardId: string, filter?: TimelineFilter): Promise<TimelineEntryFieldsFragment[]> {
  const r = await ws.gql(Timeline, { cardId, filter, first: 100 });
  expect(r.timeline.pageInfo.hasNextPage).toBe(false);
  return r.timeline.edges.map((e) => e.node);
}
const kinds = (entries: TimelineEntryFieldsFragment[]) => entries.map((e) => e.kind);
const texts = (entries: TimelineEntryFieldsFragment[]) => entries.map((e) => e.text);
/** Field changes as [field, old, new], sorted: the entries of one write share their instant. */
const changes = (entries: TimelineEntryFieldsFragment[]) =>
  entries
    .filter((e) => e.kind === 'FIELD_CHANGED')
    .map((e) => [e.fieldChange!.field, e.fieldChange!.oldValue, e.fieldChange!.newValue])
    .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));
/** The field problems of a ValidationError, sorted by field. */
const fieldsOf = (r: { __typename?: string }) =>
  (as(r as { __typename?: 'ValidationError'; fields?: { field: string }[] }, 'ValidationError').fields ?? []).map((f) => f.field).sort();

// System entries

describe('entries the server writes', () => {
  let ws: Workspace;
  let member: Member;
  let source: { id: string; options: { id: string; label: string }[] };
  let budget: { id: string };
  test.beforeAll(async ({ signUp }) => {
    ws = await signUp();
    member = await ws.member('Maria');
    source = await define(ws, { entityType: 'DEAL', type: 'SELECT', name: 'Source', options: ['Website', 'Referral'] });
    budget = await define(ws, { entityType: 'DEAL', type: 'MONEY', name: 'Budget' });
  });

  it('a new deal, contact and company each start with CARD_CREATED by whoever created them', async () => {
    const deal = await newDeal(member, { name: 'First order' });
    const dealTl = await timeline(ws, deal.id);
    expect(dealTl).toHaveLength(1);
    expect(dealTl[0]).toMatchObject({ kind: 'CARD_CREATED', cardId: deal.id, author: { id: member.user.id, name: 'Maria' }, text: null, fieldChange: null });

    const contact = await newContact(ws, { name: 'Ivan Petrov' });
    const company = await newCompany(member, { name: 'Romashka LLC' });
    expect(await timeline(ws, contact.id)).toMatchObject([{ kind: 'CARD_CREATED', cardId: contact.id, author: { id: ws.admin.id } }]);
    expect(await timeline(ws, company.id)).toMatchObject([{ kind: 'CARD_CREATED', cardId: company.id, author: { id: member.user.id } }]);
    expect(await timeline(ws, contact.id)).toHaveLength(1);
    expect(await timeline(ws, company.id)).toHaveLength(1);
  });

  it('updateDeal records every changed field old → new (option labels, money with currency) and a new responsible', async () => {
    const deal = await newDeal(ws, {
      name: 'Supply',
      amount: '100',
      customFields: [{ fieldId: source.id, value: { optionId: source.options[0].id } }],
    });
    expect(deal.responsible?.id).toBe(ws.admin.id);
    const updated = as(
      await updateDeal(member, {
        id: deal.id,
        version: deal.version,
        name: 'Supply of pipes',
        amount: '250.5',
        currency: 'USD',
        responsibleId: member.user.id,
        customFields: [
          { fieldId: source.id, value: { optionId: source.options[1].id } },
          { fieldId: budget.id, value: { money: { amount: '100' } } },
        ],
      }),
      'UpdateDealSuccess',
    ).deal;
    expect(updated.responsible?.id).toBe(member.user.id);

    const tl = await timeline(ws, deal.id);
    // Newest first: the update's entries, then the card's creation.
    expect(tl.at(-1)!.kind).toBe('CARD_CREATED');
    const update = tl.slice(0, -1);
    expect(kinds(update).sort()).toEqual(['FIELD_CHANGED', 'FIELD_CHANGED', 'FIELD_CHANGED', 'FIELD_CHANGED', 'FIELD_CHANGED', 'RESPONSIBLE_CHANGED']);
    for (const e of update) expect(e.author?.id).toBe(member.user.id);
    expect(changes(update)).toEqual([
      ['Budget', null, '100.00 RUB'],
      ['Source', 'Website', 'Referral'],
      ['amount', '100.00', '250.50'],
      ['currency', 'RUB', 'USD'],
      ['name', 'Supply', 'Supply of pipes'],
    ]);
    // Custom field changes name their field; system ones do not.
    const byField = Object.fromEntries(update.filter((e) => e.fieldChange).map((e) => [e.fieldChange!.field, e.fieldChange!.customFieldId]));
    expect(byField).toEqual({ Budget: budget.id, Source: source.id, amount: null, currency: null, name: null });
    const resp = update.find((e) => e.kind === 'RESPONSIBLE_CHANGED')!;
    expect(resp.responsibleChange).toEqual({ from: { id: ws.admin.id, name: 'Admin' }, to: { id: member.user.id, name: 'Maria' } });
    expect(resp.fieldChange).toBeNull();

    // Clearing a value records old → null.
    const cleared = as(
      await updateDeal(ws, { id: deal.id, version: updated.version, customFields: [{ fieldId: source.id, value: null }] }),
      'UpdateDealSuccess',
    ).deal;
    const after = await timeline(ws, deal.id);
    expect(after).toHaveLength(tl.length + 1);
    expect(after[0]).toMatchObject({
      kind: 'FIELD_CHANGED',
      author: { id: ws.admin.id },
      fieldChange: { field: 'Source', customFieldId: source.id, oldValue: 'Referral', newValue: null },
    });
    expect(cleared.version).toBe(updated.version + 1);
  });

  it('moveDeal records STAGE_CHANGED with the stages left and entered', async () => {
    const deal = await newDeal(ws, { name: 'Mover' });
    const [first, second] = ws.open;
    const moved = as(await moveDeal(member, { id: deal.id, version: deal.version, stageId: second.id }), 'MoveDealSuccess').deal;
    as(await moveDeal(ws, { id: deal.id, version: moved.version, stageId: ws.won.id }), 'MoveDealSuccess');
    const tl = await timeline(ws, deal.id);
    expect(kinds(tl)).toEqual(['STAGE_CHANGED', 'STAGE_CHANGED', 'CARD_CREATED']);
    expect(tl[1]).toMatchObject({
      author: { id: member.user.id },
      stageChange: { from: { id: first.id, name: first.name }, to: { id: second.id, name: second.name } },
      fieldChange: null,
      responsibleChange: null,
    });
    expect(tl[0]).toMatchObject({ author: { id: ws.admin.id }, stageChange: { from: { id: second.id }, to: { id: ws.won.id, name: ws.won.name } } });
  });

  it('an update that changes nothing writes no entry', async () => {
    const deal = await newDeal(ws, { name: 'Same', amount: '100', customFields: [{ fieldId: source.id, value: { optionId: source.options[0].id } }] });
    const before = await timeline(ws, deal.id);
    expect(kinds(before)).toEqual(['CARD_CREATED']);
    // The same values, written differently ("100.00" for 100), and the same stage and responsible.
    const same = as(
      await updateDeal(ws, {
        id: deal.id,
        version: deal.version,
        name: 'Same',
        amount: '100.00',
        currency: 'RUB',
        responsibleId: ws.admin.id,
        customFields: [
          { fieldId: source.id, value: { optionId: source.options[0].id } },
          { fieldId: budget.id, value: null },
        ],
      }),
      'UpdateDealSuccess',
    ).deal;
    as(await updateDeal(ws, { id: deal.id, version: same.version, stageId: deal.stage.id, tags: ['quiet'] }), 'UpdateDealSuccess');
    expect(await timeline(ws, deal.id)).toEqual(before);
  });

  it('a refused update or move writes no entry', async () => {
    const gate = ws.open[2];
    await define(ws, { entityType: 'DEAL', type: 'TEXT', name: 'Contract number', requiredStageIds: [gate.id] });
    const deal = await newDeal(ws, { name: 'Guarded', amount: '10' });
    const before = await timeline(ws, deal.id);

    const invalid = await updateDeal(ws, { id: deal.id, version: deal.version, name: '  ', amount: '-5', responsibleId: member.user.id });
    expect(fieldsOf(invalid)).toEqual(['amount', 'name']);
    const blocked = await moveDeal(ws, { id: deal.id, version: deal.version, stageId: gate.id });
    expect(blocked.__typename).toBe('StageRequirementsError');
    const blockedUpdate = await updateDeal(ws, { id: deal.id, version: deal.version, stageId: gate.id, name: 'Renamed', responsibleId: member.user.id });
    expect(blockedUpdate.__typename).toBe('StageRequirementsError');
    const stale = await updateDeal(ws, { id: deal.id, version: deal.version + 1, name: 'Too late' });
    expect(stale).toMatchObject({ __typename: 'ConflictError', currentVersion: deal.version });

    expect(await timeline(ws, deal.id)).toEqual(before);
  });
});

describe('two concurrent moves from the same version', () => {
  it('one wins with ConflictError for the other, and only the winner’s STAGE_CHANGED is on the timeline', async ({ workspace: ws }) => {
    for (let round = 0; round < 3; round++) {
      const deal = await newDeal(ws, { name: `Race ${round}` });
      const targets = [ws.open[1], ws.open[2]];
      const results = await Promise.all(targets.map((s) => moveDeal(ws, { id: deal.id, version: deal.version, stageId: s.id })));
      const wins = results.filter((r) => r.__typename === 'MoveDealSuccess');
      const losses = results.filter((r) => r.__typename === 'ConflictError');
      expect(wins, JSON.stringify(results)).toHaveLength(1);
      expect(losses, JSON.stringify(results)).toHaveLength(1);
      const winner = targets[results.indexOf(wins[0])];
      expect(as(wins[0], 'MoveDealSuccess').deal.stage.id).toBe(winner.id);

      const tl = await timeline(ws, deal.id);
      expect(kinds(tl)).toEqual(['STAGE_CHANGED', 'CARD_CREATED']);
      expect(tl[0].stageChange).toEqual({ from: { id: ws.open[0].id, name: ws.open[0].name }, to: { id: winner.id, name: winner.name } });
    }
  });
});

describe('two concurrent updates from the same version', () => {
  it('one wins with ConflictError for the other, and only the winner’s FIELD_CHANGED is on the timeline', async ({ workspace: ws }) => {
    for (let round = 0; round < 3; round++) {
      const deal = await newDeal(ws, { name: `Update race ${round}`, amount: '100' });
      const amounts = ['200.00', '300.00'];
      const results = await Promise.all(amounts.map((amount) => updateDeal(ws, { id: deal.id, version: deal.version, amount })));
      const won = results.findIndex((r) => r.__typename === 'UpdateDealSuccess');
      expect(results.map((r) => r.__typename).sort(), JSON.stringify(results)).toEqual(['ConflictError', 'UpdateDealSuccess']);
      const tl = await timeline(ws, deal.id);
      expect(kinds(tl)).toEqual(['FIELD_CHANGED', 'CARD_CREATED']);
      expect(tl[0].fieldChange).toMatchObject({ field: 'amount', newValue: expect.stringContaining(amounts[won].replace('.00', '')) });
      expect(tl[0].fieldChange!.newValue).not.toContain(amounts[1 - won].replace('.00', ''));
    }
  });
});

// Notes and templates

describe('notes and note templates', () => {
  let ws: Workspace;
  let member: Member;
  let template: { id: string; name: string; text: string; placeholders: string[] };
  test.beforeAll(async ({ signUp }) => {
    ws = await signUp();
    member = await ws.member('Oleg');
    template = as(
      (await ws.gql(CreateNoteTemplate, { name: 'Client call', text: 'Call to client about [topic]' })).createNoteTemplate,
      'CreateNoteTemplateSuccess',
    ).template;
  });

  it('addNote puts the note on top of the timeline, by its author', async () => {
    const deal = await newDeal(ws);
    const entry = await note(member, deal.id, 'Client asked for a discount');
    expect(entry).toMatchObject({
      kind: 'NOTE',
      cardId: deal.id,
      text: 'Client asked for a discount',
      author: { id: member.user.id, name: 'Oleg' },
      call: null,
    });
    const tl = await timeline(ws, deal.id);
    expect(kinds(tl)).toEqual(['NOTE', 'CARD_CREATED']);
    expect(tl[0]).toEqual(entry);
  });

  it('failing before: a name with %, _ or \\ is taken only by the same name, case aside', async () => {
    // The check was an ILIKE: "Client%" and "C_ient call" were refused as taken by "Client call", and a lone "\\" failed the statement.
    const made = async (name: string) => (await ws.gql(CreateNoteTemplate, { name, text: 'x' })).createNoteTemplate;
    for (const name of ['Client%', 'C_ient call', '\\', 'a\\%']) expect(as(await made(name), 'CreateNoteTemplateSuccess').template.name).toBe(name);
    expect(await made('CLIENT%')).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'name' }] });
    expect(await made('client call')).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'name' }] });
    for (const t of (await ws.gql(NoteTemplates, {})).noteTemplates.filter((t) => t.name !== 'Client call')) await ws.gql(DeleteNoteTemplate, { id: t.id });
  });

  it('lists templates with their placeholders; only an administrator creates them, anyone uses them', async () => {
    expect(template).toMatchObject({ name: 'Client call', text: 'Call to client about [topic]', placeholders: ['topic'] });
    const two = as(
      (await ws.gql(CreateNoteTemplate, { name: 'Meeting set', text: 'Meeting with [who] on [day]; bring [who]’s papers' })).createNoteTemplate,
      'CreateNoteTemplateSuccess',
    ).template;
    expect(two.placeholders).toEqual(['who', 'day']);

    const refused = (await member.gql(CreateNoteTemplate, { name: 'Mine', text: 'Hello [name]' })).createNoteTemplate;
    expect(refused).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    const listed = (await member.gql(NoteTemplates, {})).noteTemplates;
    expect(listed.map((t) => [t.name, t.placeholders])).toEqual([
      ['Client call', ['topic']],
      ['Meeting set', ['who', 'day']],
    ]);

    const deal = await newDeal(ws);
    const filled = as(
      await addNote(member, { cardId: deal.id, templateId: template.id, values: [{ name: 'topic', value: 'delivery' }] }),
      'AddNoteSuccess',
    ).entry;
    expect(filled).toMatchObject({ kind: 'NOTE', text: 'Call to client about delivery', author: { id: member.user.id } });
    const both = as(
      await addNote(ws, {
        cardId: deal.id,
        templateId: two.id,
        values: [
          { name: 'day', value: 'Monday' },
          { name: 'who', value: 'Anna' },
        ],
      }),
      'AddNoteSuccess',
    ).entry;
    expect(both.text).toBe('Meeting with Anna on Monday; bring Anna’s papers');
    expect(texts(await timeline(ws, deal.id))).toEqual([both.text, filled.text, null]);

    // A member cannot delete one either; an administrator can, and then it is gone.
    expect((await member.gql(DeleteNoteTemplate, { id: two.id })).deleteNoteTemplate.__typename).toBe('ForbiddenError');
    as((await ws.gql(DeleteNoteTemplate, { id: two.id })).deleteNoteTemplate, 'DeleteNoteTemplateSuccess');
    expect((await ws.gql(NoteTemplates, {})).noteTemplates.map((t) => t.name)).toEqual(['Client call']);
    const gone = await addNote(ws, {
      cardId: deal.id,
      templateId: two.id,
      values: [
        { name: 'day', value: 'Friday' },
        { name: 'who', value: 'Anna' },
      ],
    });
    expect(fieldsOf(gone)).toEqual(['templateId']);
  });

  it('refuses a template with unknown or missing values, text with a template, and empty text, writing nothing', async () => {
    const deal = await newDeal(ws);
    const before = await timeline(ws, deal.id);

    const unknown = await addNote(member, { cardId: deal.id, templateId: template.id, values: [{ name: 'subject', value: 'delivery' }] });
    expect(unknown).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
    expect(fieldsOf(unknown)).toEqual(['values', 'values[0].name']);
    expect(as(unknown, 'ValidationError').message).toContain('[subject]');

    const extra = await addNote(member, {
      cardId: deal.id,
      templateId: template.id,
      values: [
        { name: 'topic', value: 'delivery' },
        { name: 'price', value: '10' },
      ],
    });
    expect(fieldsOf(extra)).toEqual(['values[1].name']);
    expect(fieldsOf(await addNote(member, { cardId: deal.id, templateId: template.id, values: [] }))).toEqual(['values']);
    expect(fieldsOf(await addNote(member, { cardId: deal.id, templateId: template.id }))).toEqual(['values']);
    const withText = await addNote(member, { cardId: deal.id, text: 'Mine', templateId: template.id, values: [{ name: 'topic', value: 'delivery' }] });
    expect(fieldsOf(withText)).toEqual(['text']);
    expect(fieldsOf(await addNote(member, { cardId: deal.id, text: 'Loose', values: [{ name: 'topic', value: 'x' }] }))).toEqual(['values']);
    expect(fieldsOf(await addNote(member, { cardId: deal.id, text: '' }))).toEqual(['text']);
    expect(fieldsOf(await addNote(member, { cardId: deal.id, text: '  \n ' }))).toEqual(['text']);
    expect(fieldsOf(await addNote(member, { cardId: deal.id }))).toEqual(['text']);
    expect(fieldsOf(await addNote(member, { cardId: deal.id, templateId: 'bogus', values: [] }))).toEqual(['templateId']);

    expect(await timeline(ws, deal.id)).toEqual(before);
  });
});

// Calls, e-mails, meetings and chat messages

describe('calls, e-mails, meetings and chat messages', () => {
  let ws: Workspace;
  test.beforeAll(async ({ signUp }) => {
    ws = await signUp();
  });

  it('logs each with its details, newest first', async () => {
    const deal = await newDeal(ws);
    const call = as(
      await logCall(ws, {
        cardId: deal.id,
        direction: 'OUTBOUND',
        number: '8 (916) 123-45-67',
        durationSeconds: 125,
        recordingUrl: 'https://pbx.example.com/rec/1.mp3',
        result: 'Agreed on a demo',
      }),
      'LogCallSuccess',
    ).entry;
    expect(call).toMatchObject({
      kind: 'CALL',
      text: null,
      author: { id: ws.admin.id },
      call: {
        direction: 'OUTBOUND',
        number: '+79161234567',
        durationSeconds: 125,
        recordingUrl: 'https://pbx.example.com/rec/1.mp3',
        result: 'Agreed on a demo',
      },
      email: null,
    });
    // Other formats of numbers, and a call with nothing but its number.
    const plain = as(await logCall(ws, { cardId: deal.id, direction: 'INBOUND', number: '+7 495 123 45 67' }), 'LogCallSuccess').entry;
    expect(plain.call).toEqual({ direction: 'INBOUND', number: '+74951234567', durationSeconds: null, recordingUrl: null, result: null });
    const us = as(await logCall(ws, { cardId: deal.id, direction: 'INBOUND', number: '+1 (650) 253-0000', durationSeconds: 0 }), 'LogCallSuccess').entry;
    expect(us.call).toMatchObject({ number: '+16502530000', durationSeconds: 0 });

    const email = as(
      (
        await ws.gql(LogEmail, {
          input: { cardId: deal.id, direction: 'INBOUND', subject: 'Invoice', body: 'Please find the invoice attached.', mailbox: 'sales@example.com' },
        })
      ).logEmail,
      'LogEmailSuccess',
    ).entry;
    expect(email).toMatchObject({
      kind: 'EMAIL',
      text: null,
      email: { direction: 'INBOUND', subject: 'Invoice', body: 'Please find the invoice attached.', mailbox: 'sales@example.com' },
      call: null,
    });

    const meeting = as(
      await logMeeting(ws, {
        cardId: deal.id,
        subject: 'Demo',
        startsAt: '2026-03-02T10:00:00+03:00',
        endsAt: '2026-03-02T11:30:00+03:00',
        place: 'Client office',
        notes: 'Bring the price list',
      }),
      'LogMeetingSuccess',
    ).entry;
    expect(meeting).toMatchObject({
      kind: 'MEETING',
      meeting: {
        subject: 'Demo',
        startsAt: '2026-03-02T07:00:00.000Z',
        endsAt: '2026-03-02T08:30:00.000Z',
        place: 'Client office',
        notes: 'Bring the price list',
      },
    });
    const open = as(await logMeeting(ws, { cardId: deal.id, subject: 'Call back', startsAt: '2026-03-03T09:00:00Z' }), 'LogMeetingSuccess').entry;
    expect(open.meeting).toEqual({ subject: 'Call back', startsAt: '2026-03-03T09:00:00.000Z', endsAt: null, place: null, notes: null });

    const chat = as(
      (await ws.gql(LogChatMessage, { input: { cardId: deal.id, direction: 'INBOUND', channel: 'Telegram', text: 'Hello! Is the offer still valid?' } }))
        .logChatMessage,
      'LogChatMessageSuccess',
    ).entry;
    expect(chat).toMatchObject({ kind: 'CHAT', text: 'Hello! Is the offer still valid?', chat: { direction: 'INBOUND', channel: 'Telegram' }, meeting: null });

    const tl = await timeline(ws, deal.id);
    expect(tl.map((e) => e.id)).toEqual([chat.id, open.id, meeting.id, email.id, us.id, plain.id, call.id, tl.at(-1)!.id]);
    expect(kinds(tl)).toEqual(['CHAT', 'MEETING', 'MEETING', 'EMAIL', 'CALL', 'CALL', 'CALL', 'CARD_CREATED']);
    expect(tl[6]).toEqual(call);
  });

  it('refuses bad input naming each field, and writes nothing', async () => {
    const deal = await newDeal(ws);
    const before = await timeline(ws, deal.id);

    const call = await logCall(ws, { cardId: deal.id, direction: 'OUTBOUND', number: 'call me maybe', durationSeconds: -5, recordingUrl: 'not a link' });
    expect(call).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
    expect(fieldsOf(call)).toEqual(['durationSeconds', 'number', 'recordingUrl']);
    expect(fieldsOf(await logCall(ws, { cardId: deal.id, direction: 'OUTBOUND', number: '123' }))).toEqual(['number']);
    expect(fieldsOf(await logCall(ws, { cardId: deal.id, direction: 'OUTBOUND', number: '+79161234567', durationSeconds: 90_000 }))).toEqual([
      'durationSeconds',
    ]);

    const backwards = await logMeeting(ws, { cardId: deal.id, subject: 'Demo', startsAt: '2026-03-02T10:00:00Z', endsAt: '2026-03-02T09:59:00Z' });
    expect(fieldsOf(backwards)).toEqual(['endsAt']);
    expect(fieldsOf(await logMeeting(ws, { cardId: deal.id, subject: ' ', startsAt: '2026-03-02T10:00:00Z', endsAt: '2026-03-01T10:00:00Z' }))).toEqual([
      'endsAt',
      'subject',
    ]);

    const chat = (await ws.gql(LogChatMessage, { input: { cardId: deal.id, direction: 'OUTBOUND', channel: '', text: '   ' } })).logChatMessage;
    expect(fieldsOf(chat)).toEqual(['channel', 'text']);

    expect(await timeline(ws, deal.id)).toEqual(before);
  });
});

// Reading

describe('reading a timeline', () => {
  let ws: Workspace;
  let member: Member;
  test.beforeAll(async ({ signUp }) => {
    ws = await signUp();
    member = await ws.member('Second');
  });

  const pageOf = (cardId: string, first: number, after: string | null | undefined, filter?: TimelineFilter) =>
    ws.gql(Timeline, { cardId, first, after, filter });

  /** Walks a card's timeline page by page; returns the page sizes and the entries in order. */
  async function walk(cardId: string, size: number, filter?: TimelineFilter) {
    const seen: TimelineEntryFieldsFragment[] = [];
    const pages: number[] = [];
    let after: string | null | undefined = null;
    for (let guard = 0; guard < 20; guard++) {
      const page = await pageOf(cardId, size, after, filter);
      pages.push(page.timeline.edges.length);
      seen.push(...page.timeline.edges.map((e) => e.node));
      if (!page.timeline.pageInfo.hasNextPage) break;
      after = page.timeline.pageInfo.endCursor;
    }
    return { pages, seen };
  }

  it('pages newest first with first/after, each entry once', async () => {
    const deal = await newDeal(ws);
    const notes = [];
    for (let i = 1; i <= 6; i++) notes.push(await note(ws, deal.id, `Note ${i}`));
    // 7 entries: six notes and the creation.
    const expected = [...notes.reverse().map((n) => n.text), null];

    const { pages, seen } = await walk(deal.id, 3);
    expect(pages).toEqual([3, 3, 1]);
    expect(texts(seen)).toEqual(expected);
    expect(texts(await timeline(ws, deal.id))).toEqual(expected);
    // With a filter, the pages walk the matching entries only.
    const notesOnly = await walk(deal.id, 4, { kinds: ['NOTE'] });
    expect(notesOnly.pages).toEqual([4, 2]);
    expect(texts(notesOnly.seen)).toEqual(expected.slice(0, 6));
  });

  it('pages through the entries one write made at the same instant without losing or repeating any', async () => {
    const deal = await newDeal(ws, { name: 'Batch', amount: '1' });
    const updated = as(
      await updateDeal(ws, { id: deal.id, version: deal.version, name: 'Batch 2', amount: '2', currency: 'EUR', responsibleId: member.user.id }),
      'UpdateDealSuccess',
    ).deal;
    as(await moveDeal(ws, { id: deal.id, version: updated.version, stageId: ws.open[1].id }), 'MoveDealSuccess');
    const all = await timeline(ws, deal.id);
    // The move, the update's four entries, the creation.
    expect(kinds(all)).toEqual(['STAGE_CHANGED', ...kinds(all.slice(1, 5)), 'CARD_CREATED']);
    expect(kinds(all.slice(1, 5)).sort()).toEqual(['FIELD_CHANGED', 'FIELD_CHANGED', 'FIELD_CHANGED', 'RESPONSIBLE_CHANGED']);
    for (const size of [1, 2, 4]) {
      const { seen } = await walk(deal.id, size);
      expect(
        seen.map((e) => e.id),
        `page size ${size}`,
      ).toEqual(all.map((e) => e.id));
    }
  });

  it('filters by kinds and by authors', async () => {
    const deal = await newDeal(ws);
    await note(ws, deal.id, 'From the admin');
    as(await logCall(member, { cardId: deal.id, direction: 'INBOUND', number: '+79161234567' }), 'LogCallSuccess');
    await note(member, deal.id, 'From the member');
    const moved = as(await moveDeal(member, { id: deal.id, version: deal.version, stageId: ws.open[1].id }), 'MoveDealSuccess').deal;
    expect(moved.stage.id).toBe(ws.open[1].id);

    expect(texts(await timeline(ws, deal.id, { kinds: ['NOTE'] }))).toEqual(['From the member', 'From the admin']);
    expect(kinds(await timeline(ws, deal.id, { kinds: ['CALL', 'CARD_CREATED', 'STAGE_CHANGED'] }))).toEqual(['STAGE_CHANGED', 'CALL', 'CARD_CREATED']);
    expect(kinds(await timeline(ws, deal.id, { kinds: ['EMAIL'] }))).toEqual([]);

    expect(kinds(await timeline(ws, deal.id, { authorIds: [member.user.id] }))).toEqual(['STAGE_CHANGED', 'NOTE', 'CALL']);
    expect(kinds(await timeline(ws, deal.id, { authorIds: [ws.admin.id] }))).toEqual(['NOTE', 'CARD_CREATED']);
    expect(kinds(await timeline(ws, deal.id, { authorIds: [ws.admin.id, member.user.id] }))).toHaveLength(5);
    expect(texts(await timeline(ws, deal.id, { authorIds: [member.user.id], kinds: ['NOTE'] }))).toEqual(['From the member']);

    const bad = await ws.raw(Timeline, { cardId: deal.id, filter: { authorIds: ['nope'] } });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'filter.authorIds[0]' }] });
  });

  it('searches keywords in Russian and English word forms, alone or with kinds', async () => {
    const deal = await newDeal(ws);
    await note(ws, deal.id, 'Отправили договоры клиенту');
    await note(ws, deal.id, 'The client signed the contract yesterday');
    await note(ws, deal.id, 'Asked about delivery times');
    as(await logCall(ws, { cardId: deal.id, direction: 'OUTBOUND', number: '+7 916 765-43-21', result: 'Discussed the contract terms' }), 'LogCallSuccess');
    as(
      (await ws.gql(LogEmail, { input: { cardId: deal.id, direction: 'OUTBOUND', subject: 'Счёт на оплату', body: 'Высылаем счета за поставку' } })).logEmail,
      'LogEmailSuccess',
    );
    // Another card's matching note stays out.
    const other = await newDeal(ws);
    await note(ws, other.id, 'Another contract, another договор');

    const search = async (q: string, kindsOf?: TimelineFilter['kinds']) => {
      const found = await timeline(ws, deal.id, { search: q, kinds: kindsOf });
      for (const e of found) expect(e.cardId).toBe(deal.id);
      return found.map((e) => e.text ?? e.call?.result ?? e.email?.subject);
    };
    expect(await search('договор')).toEqual(['Отправили договоры клиенту']);
    expect(await search('contracts')).toEqual(['Discussed the contract terms', 'The client signed the contract yesterday']);
    expect(await search('contracts', ['NOTE'])).toEqual(['The client signed the contract yesterday']);
    expect(await search('contract', ['CALL'])).toEqual(['Discussed the contract terms']);
    expect(await search('счёт')).toEqual(['Счёт на оплату']);
    expect(await search('поставки')).toEqual(['Счёт на оплату']);
    expect(await search('79167654321')).toEqual(['Discussed the contract terms']);
    // websearch syntax: both words, a phrase, a word left out.
    expect(await search('client contract')).toEqual(['The client signed the contract yesterday']);
    expect(await search('"signed the contract"')).toEqual(['The client signed the contract yesterday']);
    expect(await search('contract -signed')).toEqual(['Discussed the contract terms']);
    expect(await search('invoice')).toEqual([]);
    expect(await search('договор', ['CALL'])).toEqual([]);
  });
});

// Trash and other workspaces

describe('cards in the trash and of other workspaces', () => {
  it('a trashed deal refuses new entries but its timeline can still be read', async ({ workspace: ws }) => {
    const deal = await newDeal(ws);
    await note(ws, deal.id, 'Before the trash');
    as((await ws.gql(DeleteDeal, { id: deal.id })).deleteDeal, 'DeleteDealSuccess');

    const refused = await addNote(ws, { cardId: deal.id, text: 'After the trash' });
    expect(refused).toMatchObject({ __typename: 'NotFoundError', code: 'IN_TRASH', entity: 'Deal', id: deal.id });
    expect((await logCall(ws, { cardId: deal.id, direction: 'INBOUND', number: '+79161234567' })).__typename).toBe('NotFoundError');
    expect(texts(await timeline(ws, deal.id))).toEqual(['Before the trash', null]);
  });

  it('a card of another workspace is not found, and a malformed card id is a ValidationError', async ({ signUp }) => {
    const a = await signUp();
    const b = await signUp();
    const deal = await newDeal(a);
    const contact = await newContact(a, { name: 'Secret contact' });
    await note(a, deal.id, 'Internal');

    for (const cardId of [deal.id, contact.id]) {
      const read = await b.raw(Timeline, { cardId, first: 10 });
      expect(read.data).toBeNull();
      expect(read.errors).toHaveLength(1);
      expect(read.errors![0].extensions).toMatchObject({ code: 'NOT_FOUND' });
      expect(JSON.stringify(read)).not.toContain('Internal');
      const write = await addNote(b, { cardId, text: 'Hijack' });
      expect(write).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', id: cardId });
    }
    expect(texts(await timeline(a, deal.id))).toEqual(['Internal', null]);
    expect(await timeline(a, contact.id)).toHaveLength(1);

    // Not an id at all, and the id of something that has no timeline.
    for (const cardId of ['not-an-id', a.pipeline.id, Buffer.from('Deal:42').toString('base64')]) {
      const read = await a.raw(Timeline, { cardId, first: 10 });
      expect(read.errors?.[0].extensions, cardId).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'cardId' }] });
      expect(fieldsOf(await addNote(a, { cardId, text: 'x' }))).toEqual(['cardId']);
      expect(fieldsOf(await logCall(a, { cardId, direction: 'INBOUND', number: '+79161234567' }))).toEqual(['cardId']);
    }
  });
});

// Live

type Sub = ReturnType<typeof watch>;

/**
 * Subscribes to one card's timeline over graphql-ws; collects entries and errors. The card's
 * own CARD_CREATED entry is left out: the outbox may publish it before or after the
 * subscription starts, since the card has to exist before anyone can subscribe to it.
 */
function watch(token: string, cardId: string, on = url) {
  const s = subscribe(
    on,
    token,
    TimelineUpdated,
    { cardId },
    (d) => d.timelineUpdated as TimelineEntryFieldsFragment,
    (e) => e.kind !== 'CARD_CREATED',
  );
  return { ...s, entries: s.events, waitFor: (n: number, ms = 5000) => s.waitFor((e) => e.length >= n, ms) };
}

describe('timelineUpdated over WebSocket', () => {
  const subs: Sub[] = [];
  test.afterAll(async () => {
    await Promise.all(subs.map((s) => s.close()));
  });

  it('delivers the new note and the new stage of the card, and nothing of other cards', async ({ workspace: ws }) => {
    const deal = await newDeal(ws, { name: 'Watched' });
    const other = await newDeal(ws, { name: 'Elsewhere' });
    const sub = watch(ws.token, deal.id);
    subs.push(sub);
    await sub.ready;

    await note(ws, other.id, 'Not for this card');
    const added = await note(ws, deal.id, 'Live note');
    await sub.waitFor(1);
    expect(sub.errors).toEqual([]);
    expect(sub.entries).toHaveLength(1);
    expect(sub.entries[0]).toEqual(added);

    as(await moveDeal(ws, { id: deal.id, version: deal.version, stageId: ws.open[1].id }), 'MoveDealSuccess');
    await sub.waitFor(2);
    expect(sub.entries).toHaveLength(2);
    expect(sub.entries[1]).toMatchObject({
      kind: 'STAGE_CHANGED',
      cardId: deal.id,
      author: { id: ws.admin.id },
      stageChange: { from: { id: ws.open[0].id, name: ws.open[0].name }, to: { id: ws.open[1].id, name: ws.open[1].name } },
    });
    // What arrived is what the timeline shows.
    expect((await timeline(ws, deal.id)).slice(0, 2)).toEqual([sub.entries[1], sub.entries[0]]);
    // A refused write sends nothing: entries go out in commit order, so anything it had sent
    // would arrive before the next accepted note.
    expect((await addNote(ws, { cardId: deal.id, text: ' ' })).__typename).toBe('ValidationError');
    const next = await note(ws, deal.id, 'After the refused one');
    await sub.waitFor(3);
    expect(sub.entries).toHaveLength(3);
    expect(sub.entries[2]).toEqual(next);
  });

  it('delivers at once, not at the next outbox poll, for contacts and companies as for deals', { timeout: 90_000 }, async () => {
    // An app of its own database whose outbox is only drained when a write asks for it: the
    // poll is a minute away, and no other app drains that outbox for it. (Migrating a database
    // of its own takes most of the test's time, and long on a loaded machine: hence the timeout.)
    const slow = await createTestApp({}, { own: true, outboxPollMs: 60_000 });
    // Its own subscribers: a run past its timeout must not close the next test's.
    const subs: Sub[] = [];
    try {
      const slowUrl = await slow.start();
      const ws = await signUpWorkspace(slow);
      const deal = as((await ws.gql(CreateDeal, { input: { name: 'Prompt' } })).createDeal, 'CreateDealSuccess').deal;
      const contact = as((await ws.gql(CreateContact, { input: { name: 'Prompt contact' } })).createContact, 'CreateContactSuccess').contact;
      const company = as((await ws.gql(CreateCompany, { input: { name: 'Prompt company' } })).createCompany, 'CreateCompanySuccess').company;
      const [dealSub, contactSub, companySub] = [deal.id, contact.id, company.id].map((id) => watch(ws.token, id, slowUrl));
      subs.push(dealSub, contactSub, companySub);
      await Promise.all([dealSub.ready, contactSub.ready, companySub.ready]);

      as((await ws.gql(AddNote, { input: { cardId: deal.id, text: 'Quick note' } })).addNote, 'AddNoteSuccess');
      as((await ws.gql(MoveDeal, { input: { id: deal.id, version: deal.version, stageId: ws.open[1].id } })).moveDeal, 'MoveDealSuccess');
      as((await ws.gql(UpdateContact, { input: { id: contact.id, version: contact.version, position: 'CEO' } })).updateContact, 'UpdateContactSuccess');
      as(
        (await ws.gql(UpdateCompany, { input: { id: company.id, version: company.version, website: 'prompt.example.com' } })).updateCompany,
        'UpdateCompanySuccess',
      );
      await Promise.all([dealSub.waitFor(2, 2000), contactSub.waitFor(1, 2000), companySub.waitFor(1, 2000)]);

      expect(kinds(dealSub.entries)).toEqual(['NOTE', 'STAGE_CHANGED']);
      expect(contactSub.entries.map((e) => e.fieldChange)).toEqual([{ field: 'position', customFieldId: null, oldValue: null, newValue: 'CEO' }]);
      expect(companySub.entries.map((e) => e.fieldChange)).toEqual([
        { field: 'website', customFieldId: null, oldValue: null, newValue: 'https://prompt.example.com' },
      ]);
      expect([...dealSub.errors, ...contactSub.errors, ...companySub.errors]).toEqual([]);
    } finally {
      await Promise.all(subs.splice(0).map((s) => s.close()));
      await slow.stop();
    }
  });

  it('refuses a subscriber of another workspace with NOT_FOUND and sends it nothing', async ({ signUp }) => {
    const a = await signUp();
    const b = await signUp();
    const deal = await newDeal(a);
    const stranger = watch(b.token, deal.id);
    const owner = watch(a.token, deal.id);
    subs.push(stranger, owner);
    await Promise.all([stranger.waitFor(1, 15_000), owner.ready]);
    expect(JSON.stringify(stranger.errors)).toContain('NOT_FOUND');
    await note(a, deal.id, 'Private');
    await owner.waitFor(1);
    // The stranger's subscription was ended by its error: nothing can reach it any more.
    expect(owner.entries.map((e) => e.text)).toEqual(['Private']);
    expect(stranger.entries).toEqual([]);
  });
});

// Contacts and companies

describe('contact and company changes', () => {
  let ws: Workspace;
  test.beforeAll(async ({ signUp }) => {
    ws = await signUp();
  });

  it('records phones, e-mails and position of a contact as shown (E.164, lower case)', async () => {
    const contact = await newContact(ws, { name: 'Ivan', phones: ['+7 916 123-45-67'], emails: ['ivan@example.com'] });
    const updated = as(
      await updateContact(ws, {
        id: contact.id,
        version: contact.version,
        phones: ['8 (916) 123-45-67', '+7 495 123 45 67'],
        emails: ['Ivan.Petrov@Example.com'],
        position: 'Buyer',
      }),
      'UpdateContactSuccess',
    ).contact;
    expect(updated.phones.map((p) => p.e164)).toEqual(['+79161234567', '+74951234567']);
    const tl = await timeline(ws, contact.id);
    expect(kinds(tl)).toEqual(['FIELD_CHANGED', 'FIELD_CHANGED', 'FIELD_CHANGED', 'CARD_CREATED']);
    expect(changes(tl)).toEqual([
      ['emails', 'ivan@example.com', 'ivan.petrov@example.com'],
      ['phones', '+79161234567', '+79161234567, +74951234567'],
      ['position', null, 'Buyer'],
    ]);
    // The same numbers in another format change nothing.
    as(await updateContact(ws, { id: contact.id, version: updated.version, phones: ['+79161234567', '84951234567'] }), 'UpdateContactSuccess');
    expect(await timeline(ws, contact.id)).toEqual(tl);
    // People add entries to a contact as to a deal.
    const entry = await note(ws, contact.id, 'Prefers e-mail');
    expect(entry).toMatchObject({ kind: 'NOTE', cardId: contact.id });
    expect((await timeline(ws, contact.id))[0]).toEqual(entry);
  });

  it('records a custom field change of a company, and its system fields', async () => {
    const revenue = await define(ws, { entityType: 'COMPANY', type: 'MONEY', name: 'Revenue' });
    const size = await define(ws, { entityType: 'COMPANY', type: 'SELECT', name: 'Size', options: ['Small', 'Large'] });
    const industries = await define(ws, { entityType: 'COMPANY', type: 'MULTISELECT', name: 'Industries', options: ['Retail', 'Logistics', 'IT'] });
    const company = await newCompany(ws, { name: 'Romashka', customFields: [{ fieldId: size.id, value: { optionId: size.options[0].id } }] });
    const updated = as(
      await updateCompany(ws, {
        id: company.id,
        version: company.version,
        website: 'romashka.ru',
        customFields: [
          { fieldId: revenue.id, value: { money: { amount: '5000000', currency: 'usd' } } },
          { fieldId: size.id, value: { optionId: size.options[1].id } },
          { fieldId: industries.id, value: { optionIds: [industries.options[2].id, industries.options[0].id] } },
        ],
      }),
      'UpdateCompanySuccess',
    ).company;
    expect(updated.website).toBe('https://romashka.ru');
    const tl = await timeline(ws, company.id);
    expect(changes(tl)).toEqual([
      ['Industries', null, 'Retail, IT'],
      ['Revenue', null, '5000000.00 USD'],
      ['Size', 'Small', 'Large'],
      ['website', null, 'https://romashka.ru'],
    ]);
    expect(tl.find((e) => e.fieldChange?.field === 'Revenue')!.fieldChange!.customFieldId).toBe(revenue.id);
    const call = as(
      await logCall(ws, { cardId: company.id, direction: 'INBOUND', number: '+7 495 123-45-67', result: 'Asked for a quote' }),
      'LogCallSuccess',
    ).entry;
    expect((await timeline(ws, company.id))[0]).toEqual(call);
    // Another workspace's or another card type's timeline does not show them.
    const contact = await newContact(ws, { name: 'Unrelated' });
    expect(kinds(await timeline(ws, contact.id))).toEqual(['CARD_CREATED']);
  });
});
