// Custom field values as a card write stores them (src/kernel/fields/card-values.ts): checked
// against their definitions, defaults on create, required fields, formulas, who may write
// which field, FILE values naming files the writer may see, and what card search finds.
import { ForbiddenError } from '../../src/lib/errors.js';
import { createRecord, updateRecord } from '../../src/kernel/records.js';
import { searchableValues } from '../../src/kernel/fields/card-values.js';
import { definitions } from '../../src/kernel/fields/definitions.js';
import { describe, en, expect, failure, issuesOf, test } from './kit.js';

const ALL = { VIEW: 'ALL', CREATE: 'ALL', EDIT: 'ALL', DELETE: 'ALL' } as const;

describe('custom field values of a card', () => {
  test('are stored by field, emptied by null or an empty value, and stamp when each field was last written', async ({ kernel: k }) => {
    const size = await k.field('CONTACT', 'NUMBER', 'Size');
    const note = await k.field('CONTACT', 'TEXT', 'Note');
    const unused = await k.field('CONTACT', 'TEXT', 'Unused');
    const c = await createRecord(k.admin, 'CONTACT', {
      fields: { name: 'Ann' },
      customFields: [
        { fieldId: size.id, value: { number: '12' } },
        { fieldId: note.id, value: { text: 'hi' } },
      ],
    });
    expect(c.customFields).toEqual({ [size.key]: '12', [note.key]: 'hi' });
    expect((await k.db.customField.findUniqueOrThrow({ where: { id: size.id } })).lastWrittenAt).toBeInstanceOf(Date);
    const u = await updateRecord(k.admin, 'CONTACT', c.id, 1, {
      customFields: [
        { fieldId: size.id, value: null },
        { fieldId: note.id, value: { text: '' } },
      ],
    });
    expect(u.customFields).toEqual({});
    const [event] = await k.events('record.updated');
    expect(event.diff).toEqual([
      { field: 'Size', customFieldId: size.id, old: '12', new: null },
      { field: 'Note', customFieldId: note.id, old: 'hi', new: null },
    ]);
    // An update that names no custom field leaves them as they are and stamps none.
    const touched = await updateRecord(k.admin, 'CONTACT', c.id, 2, { customFields: [{ fieldId: note.id, value: { text: 'back' } }] });
    const before = (await k.db.customField.findUniqueOrThrow({ where: { id: size.id } })).lastWrittenAt;
    expect((await updateRecord(k.admin, 'CONTACT', c.id, 3, { fields: { name: 'Anna' } })).customFields).toEqual(touched.customFields);
    expect((await k.db.customField.findUniqueOrThrow({ where: { id: size.id } })).lastWrittenAt).toEqual(before);
    // A field no card has been written in has no stamp.
    expect((await k.db.customField.findUniqueOrThrow({ where: { id: unused.id } })).lastWrittenAt).toBeNull();
  });

  test("a phone without a country code is read in the workspace's region, a sum without a currency is in the workspace's currency", async ({ kernel: k }) => {
    const phone = await k.field('CONTACT', 'PHONE', 'Mobile');
    const budget = await k.field('CONTACT', 'MONEY', 'Budget');
    const write = {
      fields: { name: 'Ann' },
      customFields: [
        { fieldId: phone.id, value: { phone: '8 (912) 345-67-89' } },
        { fieldId: budget.id, value: { money: { amount: '10' } } },
      ],
    };
    expect((await createRecord(k.admin, 'CONTACT', write)).customFields).toEqual({ [phone.key]: '+79123456789', [budget.key]: { a: '10.00', c: 'RUB' } });
    // A workspace in Britain (its settings come with the signed-in viewer).
    const admin = k.admin;
    const british = { ...admin, viewer: { ...admin.viewer, phoneRegion: 'GB', currency: 'GBP' } };
    const gb = { ...write, customFields: [{ fieldId: phone.id, value: { phone: '07400 123456' } }, write.customFields[1]] };
    expect((await createRecord(british, 'CONTACT', gb)).customFields).toEqual({ [phone.key]: '+447400123456', [budget.key]: { a: '10.00', c: 'GBP' } });
  });

  test('bad values are refused, each named by its place in the input; nothing is written', async ({ kernel: k }) => {
    const size = await k.field('CONTACT', 'NUMBER', 'Size', { min: '0' });
    const old = await k.field('CONTACT', 'TEXT', 'Old');
    await k.changeField(old.id, { archived: true });
    const issues = await issuesOf(
      createRecord(k.admin, 'CONTACT', {
        fields: { name: 'Ann' },
        customFields: [
          { fieldId: size.id, value: { number: '-1' } },
          { fieldId: '01900000-0000-7000-8000-000000000000', value: { text: 'x' } },
          { fieldId: old.id, value: { text: 'x' } },
          { fieldId: size.id, value: { number: '2' } },
        ],
      }),
    );
    expect(issues).toHaveLength(4);
    expect(issues[0]).toMatch(/^customFields\[0\]: field "Size" must be/);
    expect(issues[1]).toBe('customFields[1].fieldId: no such field');
    expect(issues[2]).toMatch(/^customFields\[2\]: .*is archived/);
    expect(issues[3]).toMatch(/^customFields\[3\]\.fieldId: .*Size/);
    expect(await k.db.contact.count({ where: { workspaceId: k.workspaceId } })).toBe(0);
  });

  test('defaults fill the fields left empty on create, not on update; archived fields get none', async ({ kernel: k }) => {
    const stage = await k.field('CONTACT', 'TEXT', 'Source', { defaultValue: { text: 'web' } });
    const old = await k.field('CONTACT', 'TEXT', 'Old', { defaultValue: { text: 'legacy' } });
    await k.changeField(old.id, { archived: true });
    const a = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Ann' } });
    expect(a.customFields).toEqual({ [stage.key]: 'web' });
    const b = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Bob' }, customFields: [{ fieldId: stage.id, value: { text: 'phone' } }] });
    expect(b.customFields).toEqual({ [stage.key]: 'phone' });
    const cleared = await updateRecord(k.admin, 'CONTACT', a.id, 1, { customFields: [{ fieldId: stage.id, value: null }] });
    expect(cleared.customFields).toEqual({});
  });

  test('a required field must be given on create, and may not be emptied later', async ({ kernel: k }) => {
    const email = await k.field('CONTACT', 'TEXT', 'Code', { required: true });
    expect(await issuesOf(createRecord(k.admin, 'CONTACT', { fields: { name: 'Ann' } }))).toEqual(['customFields: field "Code" is required']);
    const c = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Ann' }, customFields: [{ fieldId: email.id, value: { text: 'A1' } }] });
    expect(await issuesOf(updateRecord(k.admin, 'CONTACT', c.id, 1, { customFields: [{ fieldId: email.id, value: null }] }))).toEqual([
      'customFields: field "Code" is required',
    ]);
  });

  test('a field made required later does not block unrelated edits of older cards', async ({ kernel: k }) => {
    const code = await k.field('CONTACT', 'TEXT', 'Code');
    const note = await k.field('CONTACT', 'TEXT', 'Note');
    const c = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Ann' } });
    await k.changeField(code.id, { required: true });
    const u = await updateRecord(k.admin, 'CONTACT', c.id, 1, { customFields: [{ fieldId: note.id, value: { text: 'x' } }] });
    expect(u.customFields).toEqual({ [note.key]: 'x' });
  });

  test('a required field that applies under a condition is required once the condition is met', async ({ kernel: k }) => {
    const kind = await k.field('CONTACT', 'SELECT', 'Kind', { options: ['Person', 'Firm'] });
    const options = await k.db.customFieldOption.findMany({ where: { fieldId: kind.id } });
    const firm = options.find((o) => o.label === 'Firm')!;
    const person = options.find((o) => o.label === 'Person')!;
    const tax = await k.field('CONTACT', 'TEXT', 'Tax id', { required: true, condition: { fieldId: kind.id, values: [{ optionId: firm.id }] } });
    const c = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Ann' }, customFields: [{ fieldId: kind.id, value: { optionId: person.id } }] });
    expect(await issuesOf(updateRecord(k.admin, 'CONTACT', c.id, 1, { customFields: [{ fieldId: kind.id, value: { optionId: firm.id } }] }))).toEqual([
      'customFields: field "Tax id" is required',
    ]);
    const ok = await updateRecord(k.admin, 'CONTACT', c.id, 1, {
      customFields: [
        { fieldId: kind.id, value: { optionId: firm.id } },
        { fieldId: tax.id, value: { text: '77' } },
      ],
    });
    expect(ok.customFields).toMatchObject({ [tax.key]: '77' });
  });

  test('formulas are computed on every write and cannot be written', async ({ kernel: k }) => {
    const qty = await k.field('DEAL', 'NUMBER', 'Qty', { code: 'qty' });
    const price = await k.field('DEAL', 'NUMBER', 'Price', { code: 'price' });
    const total = await k.field('DEAL', 'FORMULA', 'Total', { formula: 'qty * price' });
    const d = await createRecord(k.admin, 'DEAL', {
      fields: { name: 'Order' },
      customFields: [
        { fieldId: qty.id, value: { number: '3' } },
        { fieldId: price.id, value: { number: '2.5' } },
      ],
    });
    expect((d.customFields as Record<string, unknown>)[total.key]).toBe('7.5');
    expect(await issuesOf(updateRecord(k.admin, 'DEAL', d.id, 1, { customFields: [{ fieldId: total.id, value: null }] }))).toEqual([
      'customFields[0]: field "Total" is computed by its formula and cannot be written',
    ]);
    const u = await updateRecord(k.admin, 'DEAL', d.id, 1, { customFields: [{ fieldId: qty.id, value: { number: '4' } }] });
    expect((u.customFields as Record<string, unknown>)[total.key]).toBe('10');
  });

  test('a field the role may only read is refused, naming every such field; a hidden one is unknown', async ({ kernel: k }) => {
    const seller = await k.user('Seller');
    const a = await k.field('CONTACT', 'TEXT', 'Alpha');
    const b = await k.field('CONTACT', 'TEXT', 'Beta');
    const secret = await k.field('CONTACT', 'TEXT', 'Secret');
    const access = { CONTACT: { [a.id]: 'READ', [b.id]: 'READ', [secret.id]: 'HIDDEN' } } as const;
    const ctx = k.as(seller, { CONTACT: ALL }, { fieldAccess: access });
    const e = await failure(
      createRecord(ctx, 'CONTACT', {
        fields: { name: 'Ann' },
        customFields: [
          { fieldId: a.id, value: { text: 'x' } },
          { fieldId: b.id, value: { text: 'y' } },
        ],
      }),
    );
    expect(e).toBeInstanceOf(ForbiddenError);
    expect(en(e)).toBe('Your role may only read "Alpha", "Beta"');
    expect(await issuesOf(createRecord(ctx, 'CONTACT', { fields: { name: 'Ann' }, customFields: [{ fieldId: secret.id, value: { text: 'x' } }] }))).toEqual([
      'customFields[0].fieldId: no such field',
    ]);
    await k.changeField(secret.id, { required: true });
    expect(await issuesOf(createRecord(k.as(seller, { CONTACT: ALL }, { fieldAccess: access }), 'CONTACT', { fields: { name: 'Ann' } }))).toEqual([
      'customFields: a field your role cannot see is required; ask an administrator',
    ]);
  });

  test('a FILE value must name a file the writer may see', async ({ kernel: k }) => {
    const seller = await k.user('Seller');
    const doc = await k.field('CONTACT', 'FILE', 'Contract');
    const own = await k.file(seller);
    const foreign = await k.file(k.adminId);
    const ctx = k.as(seller, { CONTACT: ALL });
    expect(
      await issuesOf(createRecord(ctx, 'CONTACT', { fields: { name: 'Ann' }, customFields: [{ fieldId: doc.id, value: { fileId: foreign.id } }] })),
    ).toEqual(['customFields[0].value.fileId: no such file; upload it with uploadFile first']);
    const c = await createRecord(ctx, 'CONTACT', { fields: { name: 'Ann' }, customFields: [{ fieldId: doc.id, value: { fileId: own.id } }] });
    expect(c.customFields).toEqual({ [doc.key]: own.id });
  });

  test('custom phones and e-mails are found by card search', async ({ kernel: k }) => {
    const phone = await k.field('CONTACT', 'PHONE', 'Mobile');
    const mail = await k.field('CONTACT', 'EMAIL', 'Private mail');
    await k.field('CONTACT', 'TEXT', 'Note');
    const c = await createRecord(k.admin, 'CONTACT', {
      fields: { name: 'Ann' },
      customFields: [
        { fieldId: phone.id, value: { phone: '+1 212 555 0199' } },
        { fieldId: mail.id, value: { email: 'Ann@Home.test' } },
      ],
    });
    expect(c.searchText).toBe('ann ann@home.test 12125550199');
    const defs = await definitions(k.admin, 'CONTACT');
    expect(searchableValues(defs, null)).toEqual({ phones: [], emails: [] });
    // The PHONE and EMAIL fields' values in the document, not those of keys no such field has.
    expect(searchableValues(defs, { [phone.key]: '+12125550199', [mail.key]: 'A@B.test', 999: 'x' })).toEqual({
      phones: ['+12125550199'],
      emails: ['a@b.test'],
    });
  });
});
