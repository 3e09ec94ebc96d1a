// E-mail through the real HTTP server and a real SMTP server (smtp-server on a port of this file's
// own): raw messages posted to `POST /integrations/mail/<key>/messages` with an API key land on
// the card of their sender (a contact's open deal), follow their thread (In-Reply-To /
// References), bring their attachments as files, make an incoming lead of an unknown sender and
// nothing twice; sendEmail sends through the mailbox's SMTP server and records the e-mail so its
// reply threads back; personal mailboxes stay their owner's; bad keys and bodies are refused and
// change nothing. Limits are small here (MAIL_MAX_MB, FILE_MAX_MB) so the oversized cases are cheap.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSmtp } from './kit/smtp.js';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { describe, expect, testWith, type Workspace } from './kit/fixtures.js';
import { as } from './kit/results.js';
import { createContact, createDeal, createCompany } from './kit/cards.js';
import { CreateApiKey, RevokeApiKey } from './kit/documents/users.js';
import { ConvertLead, IncomingLeads } from './kit/documents/leads.js';
import { CreateMailboxWithSmtp, EmailTimeline, MailboxList, SendEmail, UpdateMailbox } from './kit/documents/mail.js';
import type { RightEntity, RoleRightInput } from './gql/graphql.js';

const dataDir = mkdtempSync(join(tmpdir(), 'crm-mail-'));
const test = testWith({ DATA_DIR: dataDir, MAIL_MAX_MB: '1', FILE_MAX_MB: '0.1' });
const it = test;
test.afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** How many files the storage holds. */
const storedFiles = () =>
  existsSync(join(dataDir, 'files')) ? readdirSync(join(dataDir, 'files'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length : 0;

let base: string;
test.beforeAll(async ({ app }) => {
  base = (await app.start()).replace(/\/graphql$/, '');
});

let smtp: Awaited<ReturnType<typeof startSmtp>>;
let smtpUrl: string;
test.beforeAll(async () => {
  smtp = await startSmtp();
  smtpUrl = smtp.url;
});
test.afterAll(() => smtp.close());

const sentTo = (address: string) => smtp.mails.filter((r) => r.to.includes(address));

async function apiKey(ws: Workspace, scopes: ('READ' | 'WRITE')[] = ['READ', 'WRITE']) {
  return as((await ws.gql(CreateApiKey, { name: 'Mail relay', scopes })).createApiKey, 'CreateApiKeySuccess').created;
}

async function mailbox(c: { gql: Workspace['gql'] }, personal = false, extra: { smtpUrl?: string } = {}) {
  const address = `sales.${randomUUID().slice(0, 8)}@shop.example`;
  return as((await c.gql(CreateMailboxWithSmtp, { input: { address, personal, ...extra } })).createMailbox, 'CreateMailboxSuccess').mailbox;
}

/** A raw RFC 822 message, built by nodemailer's composer. */
async function message(m: Partial<Mail.Options> & { from: string; to: string }): Promise<Buffer> {
  const opts: Mail.Options = { subject: 'Hello', text: 'Body text', messageId: `<${randomUUID()}@client.example>`, ...m };
  return new MailComposer(opts).compile().build();
}

async function post(key: string | null, mailboxKey: string, body: Buffer | string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/integrations/mail/${encodeURIComponent(mailboxKey)}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'message/rfc822', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: string; fields?: { field: string; message: string }[] } };
}

const emails = async (c: { gql: Workspace['gql'] }, cardId: string) => (await c.gql(EmailTimeline, { cardId })).timeline.edges.map((e) => e.node);
const leads = async (ws: Workspace) => (await ws.gql(IncomingLeads, { first: 20, filter: { sources: ['EMAIL'] } })).incomingLeads.edges.map((e) => e.node);

describe('inbound e-mail', () => {
  it("a known sender's e-mail goes on the contact's open deal with its attachment as a file; posted again, nothing more", async ({ workspace: ws }) => {
    const { key } = await apiKey(ws);
    const box = await mailbox(ws);
    const contact = await createContact(ws, { name: 'Ivan', emails: ['ivan@client.example'] });
    const deal = await createDeal(ws, { name: 'Supply', contactIds: [contact.id] });
    const raw = await message({
      from: 'Ivan Petrov <Ivan@Client.example>',
      to: box.address,
      cc: 'boss@client.example',
      subject: 'Order for March',
      text: 'Please send the invoice.',
      attachments: [{ filename: 'order.csv', content: 'sku,qty\nA1,3\n', contentType: 'text/csv' }],
    });
    const r = await post(key, box.key!, raw);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ ok: true, direction: 'INBOUND', card: deal.id });
    const [entry] = await emails(ws, deal.id);
    expect(entry.id).toBe(r.body.timelineEntry);
    expect(entry.email).toMatchObject({
      direction: 'INBOUND',
      subject: 'Order for March',
      body: 'Please send the invoice.',
      mailbox: box.address,
      from: 'ivan@client.example',
      to: [box.address],
      cc: ['boss@client.example'],
      attachments: [{ name: 'order.csv', size: 13, contentType: 'text/csv' }],
    });
    expect(entry.email!.messageId).toMatch(/^<.+@client\.example>$/);
    // The file is stored and served to those who see the card.
    const file = await fetch(`${base}/files/${entry.email!.attachments[0].id}`, { headers: { authorization: `Bearer ${ws.token}` } });
    expect(file.status).toBe(200);
    expect(await file.text()).toBe('sku,qty\nA1,3\n');
    // The same message again (a relay retrying): answered as before, nothing made twice.
    const again = await post(key, box.key!, raw);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ replayed: true, timelineEntry: r.body.timelineEntry, card: deal.id });
    expect(await emails(ws, deal.id)).toHaveLength(1);
    expect(await leads(ws)).toEqual([]);
  });

  it('a reply goes on the card of the message it answers, whoever sends it; a company address finds the company', async ({ workspace: ws }) => {
    const { key } = await apiKey(ws);
    const box = await mailbox(ws);
    const contact = await createContact(ws, { name: 'Olga', emails: ['olga@client.example'] });
    const firstDeal = await createDeal(ws, { name: 'First', contactIds: [contact.id] });
    const original = await message({ from: 'olga@client.example', to: box.address, subject: 'Question' });
    expect((await post(key, box.key!, original)).body.card).toBe(firstDeal.id);
    const originalId = (await emails(ws, firstDeal.id))[0].email!.messageId!;
    // A newer open deal of the contact would take new e-mails; the reply still follows its thread,
    // even from an address no card has.
    await createDeal(ws, { name: 'Second', contactIds: [contact.id] });
    const reply = await message({
      from: 'assistant@elsewhere.example',
      to: box.address,
      subject: 'Re: Question',
      inReplyTo: originalId,
      references: [originalId],
    });
    const r = await post(key, box.key!, reply);
    expect(r.body).toMatchObject({ card: firstDeal.id, threaded: true });
    expect((await emails(ws, firstDeal.id)).map((e) => e.email!.subject)).toEqual(['Re: Question', 'Question']);
    expect(await leads(ws)).toEqual([]);
    const company = await createCompany(ws, { name: 'Horns Ltd', emails: ['info@horns.example'] });
    expect((await post(key, box.key!, await message({ from: 'info@horns.example', to: box.address }))).body.card).toBe(company.id);
  });

  it('an unknown sender becomes an incoming lead of source EMAIL with the message and its files; a reply in its thread joins it', async ({ workspace: ws }) => {
    const { key } = await apiKey(ws);
    const box = await mailbox(ws);
    const raw = await message({
      from: 'Anna Smirnova <anna@new.example>',
      to: box.address,
      subject: 'Price list',
      text: 'Could you send prices?',
      attachments: [{ filename: 'logo.png', content: Buffer.from([137, 80, 78, 71]), contentType: 'image/png' }],
    });
    const r = await post(key, box.key!, raw);
    expect(r.status).toBe(200);
    const [lead] = await leads(ws);
    expect(r.body.lead).toBe(lead.id);
    expect(lead).toMatchObject({ source: 'EMAIL', status: 'NEW', channel: box.address, name: 'Anna Smirnova', emails: ['anna@new.example'] });
    expect(lead.message).toBe('Price list\n\nCould you send prices?');
    expect(r.body.attachments).toHaveLength(1);
    const messageId = (await simpleParser(raw)).messageId!;
    const reply = await message({ from: 'anna@new.example', to: box.address, subject: 'Re: Price list', text: 'Also delivery terms', inReplyTo: messageId });
    expect((await post(key, box.key!, reply)).body).toMatchObject({ lead: lead.id, threaded: true });
    const after = await leads(ws);
    expect(after).toHaveLength(1);
    expect(after[0].message).toContain('Also delivery terms');
    expect((await post(key, box.key!, raw)).body).toMatchObject({ replayed: true, lead: lead.id });
    expect(await leads(ws)).toHaveLength(1);
    // Once the lead is converted, its thread goes on the deal it became.
    const converted = as((await ws.gql(ConvertLead, { input: { id: lead.id, version: after[0].version } })).convertLead, 'ConvertLeadSuccess').lead;
    const later = await message({ from: 'anna@new.example', to: box.address, subject: 'Re: Price list', text: 'Any news?', references: [messageId] });
    expect((await post(key, box.key!, later)).body).toMatchObject({ card: converted.deal!.id, threaded: true });
    expect((await emails(ws, converted.deal!.id)).map((e) => e.email!.body)).toEqual(['Any news?']);
  });

  it('reads MIME as mail clients write it: encoded Russian headers, another charset, an HTML-only body as text', async ({ workspace: ws }) => {
    const { key } = await apiKey(ws);
    const box = await mailbox(ws);
    const contact = await createContact(ws, { name: 'Сергей', emails: ['sergey@client.example'] });
    const subject = Buffer.from('Счёт на оплату', 'utf8').toString('base64');
    const body = Buffer.from('<html><body><p>Добрый день!</p><p>Оплатим <b>завтра</b>.</p></body></html>', 'utf8').toString('base64');
    const raw = [
      'From: =?UTF-8?B?0KHQtdGA0LPQtdC5?= <sergey@client.example>',
      `To: ${box.address}`,
      `Subject: =?UTF-8?B?${subject}?=`,
      `Message-ID: <${randomUUID()}@client.example>`,
      'MIME-Version: 1.0',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      body,
      '',
    ].join('\r\n');
    expect((await post(key, box.key!, raw)).body.card).toBe(contact.id);
    const [entry] = await emails(ws, contact.id);
    expect(entry.email!.subject).toBe('Счёт на оплату');
    expect(entry.email!.body).toMatch(/^Добрый день!\s+Оплатим завтра\.$/);
    const latin = [
      'From: jose@client.example',
      `To: ${box.address}`,
      'Subject: =?ISO-8859-1?Q?Ma=F1ana?=',
      `Message-ID: <${randomUUID()}@x>`,
      'Content-Type: text/plain; charset=iso-8859-1',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Se=F1or',
      '',
    ].join('\r\n');
    const lead = await post(key, box.key!, latin);
    expect(lead.status).toBe(200);
    expect((await leads(ws))[0]).toMatchObject({ message: 'Mañana\n\nSeñor' });
  });

  it("a message the mailbox sent itself (From its own address) is OUTBOUND on the recipient's card", async ({ workspace: ws }) => {
    const { key } = await apiKey(ws);
    const box = await mailbox(ws);
    const contact = await createContact(ws, { name: 'Petr', emails: ['petr@client.example'] });
    const r = await post(key, box.key!, await message({ from: box.address, to: 'Petr <petr@client.example>', subject: 'Our offer' }));
    expect(r.body).toMatchObject({ direction: 'OUTBOUND', card: contact.id });
    expect((await emails(ws, contact.id))[0].email).toMatchObject({ direction: 'OUTBOUND', subject: 'Our offer', to: ['petr@client.example'] });
  });

  it("a personal mailbox's e-mails and files are its owner's alone, on a card others see", async ({ workspace: ws }) => {
    const all: RoleRightInput[] = (['CONTACT', 'COMPANY', 'DEAL', 'LEAD', 'TASK'] as RightEntity[]).flatMap((entityType) =>
      (['VIEW', 'CREATE', 'EDIT'] as const).map((action) => ({ entityType, action, scope: 'ALL' as const })),
    );
    const owner = await ws.member('Owner', { rights: all });
    const colleague = await ws.member('Colleague', { rights: all });
    const box = await mailbox(owner, true);
    expect(box.key).toBeTruthy();
    // Only the owner (and administrators) see the inbound key.
    expect((await colleague.gql(MailboxList, {})).mailboxes.map((m) => m.id)).not.toContain(box.id);
    const contact = await createContact(ws, { name: 'Client', emails: ['client@private.example'] });
    // API keys are administrators' to make: the admin's key posts the owner's mail.
    const { key } = await apiKey(ws);
    const raw = await message({
      from: 'client@private.example',
      to: box.address,
      subject: 'Personal matter',
      attachments: [{ filename: 'note.txt', content: 'secret', contentType: 'text/plain' }],
    });
    const r = await post(key, box.key!, raw);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const mine = await emails(owner, contact.id);
    expect(mine.map((e) => e.email!.subject)).toEqual(['Personal matter']);
    expect(await emails(colleague, contact.id)).toEqual([]);
    expect(await emails(ws, contact.id)).toEqual([]);
    const fileId = mine[0].email!.attachments[0].id;
    expect((await fetch(`${base}/files/${fileId}`, { headers: { authorization: `Bearer ${owner.token}` } })).status).toBe(200);
    expect((await fetch(`${base}/files/${fileId}`, { headers: { authorization: `Bearer ${colleague.token}` } })).status).toBe(404);
  });
});

describe('sendEmail', () => {
  it("sends through the mailbox's SMTP server and records the e-mail; the reply threads back to the card", async ({ workspace: ws }) => {
    const box = await mailbox(ws, false, { smtpUrl });
    expect(box).toMatchObject({ smtpConfigured: true, smtpServer: `127.0.0.1:${new URL(smtpUrl).port}` });
    const named = as((await ws.gql(UpdateMailbox, { id: box.id, input: { fromName: 'Shop sales' } })).updateMailbox, 'UpdateMailboxSuccess').mailbox;
    expect(named.fromName).toBe('Shop sales');
    const address = `buyer.${randomUUID().slice(0, 8)}@client.example`;
    const contact = await createContact(ws, { name: 'Buyer', emails: [address] });
    const deal = await createDeal(ws, { name: 'Order 42', contactIds: [contact.id] });
    const r = await ws.gql(SendEmail, { input: { cardId: deal.id, mailboxId: box.id, subject: 'Invoice for order 42', text: 'Please find the invoice.' } });
    const entry = as(r.sendEmail, 'SendEmailSuccess').entry;
    expect(entry.email).toMatchObject({
      direction: 'OUTBOUND',
      subject: 'Invoice for order 42',
      body: 'Please find the invoice.',
      mailbox: box.address,
      to: [address],
    });
    const [got] = sentTo(address);
    expect(got).toBeDefined();
    const parsed = await simpleParser(got.data);
    expect(parsed.from?.value[0]).toMatchObject({ address: box.address, name: 'Shop sales' });
    expect(parsed.subject).toBe('Invoice for order 42');
    expect(parsed.text?.trim()).toBe('Please find the invoice.');
    expect(parsed.messageId).toBe(entry.email!.messageId);
    expect((await emails(ws, deal.id)).map((e) => e.id)).toEqual([entry.id]);
    // The buyer answers: the reply lands on the deal the e-mail was sent from.
    const { key } = await apiKey(ws);
    const reply = await message({
      from: address,
      to: box.address,
      subject: 'Re: Invoice for order 42',
      inReplyTo: parsed.messageId,
      references: [parsed.messageId!],
    });
    expect((await post(key, box.key!, reply)).body).toMatchObject({ card: deal.id, threaded: true });
    // Answering it from the CRM carries the thread's headers.
    const replyEntry = (await emails(ws, deal.id))[0];
    const answer = await ws.gql(SendEmail, {
      input: { cardId: deal.id, mailboxId: box.id, subject: 'Re: Invoice', text: 'Paid, thanks', replyToId: replyEntry.id },
    });
    as(answer.sendEmail, 'SendEmailSuccess');
    const second = await simpleParser(sentTo(address)[1].data);
    expect(second.inReplyTo).toBe(replyEntry.email!.messageId);
    expect(second.references).toEqual([parsed.messageId, replyEntry.email!.messageId]);
  });

  it('refuses without the card, with another user’s personal mailbox, without SMTP or an address, sending and recording nothing', async ({ workspace: ws }) => {
    const viewOnly = await ws.member('Viewer', {
      rights: [
        { entityType: 'DEAL', action: 'VIEW', scope: 'ALL' },
        { entityType: 'CONTACT', action: 'VIEW', scope: 'ALL' },
      ],
    });
    const shared = await mailbox(ws, false, { smtpUrl });
    const noSmtp = await mailbox(ws);
    const address = `nobody.${randomUUID().slice(0, 8)}@client.example`;
    const contact = await createContact(ws, { name: 'Silent', emails: [address] });
    const deal = await createDeal(ws, { name: 'Quiet deal', contactIds: [contact.id] });
    const input = { cardId: deal.id, mailboxId: shared.id, subject: 'Hi', text: 'Text' };
    expect((await viewOnly.gql(SendEmail, { input })).sendEmail).toMatchObject({ __typename: 'ForbiddenError' });
    const other = await ws.member('Other', {
      rights: [
        { entityType: 'DEAL', action: 'EDIT', scope: 'ALL' },
        { entityType: 'DEAL', action: 'VIEW', scope: 'ALL' },
      ],
    });
    const personal = await mailbox(other, true, { smtpUrl });
    expect((await ws.gql(SendEmail, { input: { ...input, mailboxId: personal.id } })).sendEmail).toMatchObject({ __typename: 'ForbiddenError' });
    const editor = await ws.member('Editor', {
      rights: [
        { entityType: 'DEAL', action: 'EDIT', scope: 'ALL' },
        { entityType: 'DEAL', action: 'VIEW', scope: 'ALL' },
      ],
    });
    expect((await editor.gql(SendEmail, { input: { ...input, mailboxId: personal.id } })).sendEmail).toMatchObject({ __typename: 'NotFoundError' });
    const v = as((await ws.gql(SendEmail, { input: { ...input, mailboxId: noSmtp.id, to: ['not an address'] } })).sendEmail, 'ValidationError');
    expect(v.fields.map((f) => f.field).sort()).toEqual(['mailboxId', 'to[0]']);
    const lonely = await createDeal(ws, { name: 'No contact' });
    const w = as((await ws.gql(SendEmail, { input: { ...input, cardId: lonely.id } })).sendEmail, 'ValidationError');
    expect(w.fields).toEqual([{ field: 'to', message: 'give at least one address, or send from a card with an e-mail' }]);
    const bad = as((await ws.gql(SendEmail, { input: { ...input, replyToId: deal.id } })).sendEmail, 'ValidationError');
    expect(bad.fields.map((f) => f.field)).toEqual(['replyToId']);
    expect(sentTo(address)).toEqual([]);
    expect(await emails(ws, deal.id)).toEqual([]);
  });

  it('an SMTP server that refuses the e-mail is a clear error and records nothing', async ({ workspace: ws }) => {
    const refusing = await startSmtp(0, { refuse: 'Mailbox unavailable' });
    try {
      const box = await mailbox(ws, false, { smtpUrl: refusing.url });
      const deal = await createDeal(ws, { name: 'Bounce' });
      const r = as(
        (await ws.gql(SendEmail, { input: { cardId: deal.id, mailboxId: box.id, to: ['x@client.example'], subject: 's', text: 't' } })).sendEmail,
        'ValidationError',
      );
      expect(r.fields[0].field).toBe('mailboxId');
      expect(r.fields[0].message).toMatch(/^The SMTP server did not take the e-mail: .*Mailbox unavailable/);
      expect(await emails(ws, deal.id)).toEqual([]);
    } finally {
      await refusing.close();
    }
  });
});

describe('mailbox settings', () => {
  it('the owner (or an administrator, for a shared one) sets a mailbox up; others neither see its key nor change it', async ({ workspace: ws }) => {
    const member = await ws.member('Seller');
    const shared = await mailbox(ws);
    const mine = await mailbox(member, true);
    const seen = (await member.gql(MailboxList, {})).mailboxes;
    expect(seen.find((m) => m.id === shared.id)).toMatchObject({ key: null, smtpServer: null, smtpConfigured: false });
    expect(seen.find((m) => m.id === mine.id)!.key).toBe(mine.key);
    expect((await member.gql(UpdateMailbox, { id: shared.id, input: { smtpUrl } })).updateMailbox).toMatchObject({
      __typename: 'ForbiddenError',
      message: 'Only an administrator may set up a shared mailbox',
    });
    const other = await ws.member('Other');
    expect((await other.gql(UpdateMailbox, { id: mine.id, input: { fromName: 'x' } })).updateMailbox.__typename).toBe('NotFoundError');
    const bad = as((await member.gql(UpdateMailbox, { id: mine.id, input: { smtpUrl: 'http://mail.example' } })).updateMailbox, 'ValidationError');
    expect(bad.fields).toEqual([{ field: 'smtpUrl', message: 'is not an smtp:// or smtps:// URL' }]);
    const set = as(
      (await member.gql(UpdateMailbox, { id: mine.id, input: { smtpUrl: 'smtps://me:secret@mail.example' } })).updateMailbox,
      'UpdateMailboxSuccess',
    );
    expect(set.mailbox).toMatchObject({ smtpConfigured: true, smtpServer: 'mail.example:465', key: mine.key });
    // The credentials are never shown back, to anyone.
    expect(JSON.stringify(await ws.gql(MailboxList, {}))).not.toContain('secret');
  });
});

describe('bad input', () => {
  it('refuses a missing, wrong, revoked or read-only key and an unknown or foreign mailbox key, making nothing', async ({ workspace: ws, signUp }) => {
    const { key, apiKey: keyRow } = await apiKey(ws);
    const box = await mailbox(ws);
    const contact = await createContact(ws, { name: 'Known', emails: ['known@client.example'] });
    const raw = await message({ from: 'known@client.example', to: box.address });
    expect((await post(null, box.key!, raw)).status).toBe(401);
    const wrong = await post('crm_key_wrong', box.key!, raw);
    expect(wrong).toMatchObject({ status: 401, body: { error: 'Send an API key with the WRITE scope as a Bearer token' } });
    expect((await post(ws.token, box.key!, raw)).status).toBe(401); // a session is not an integration key
    const readOnly = await apiKey(ws, ['READ']);
    expect((await post(readOnly.key, box.key!, raw)).status).toBe(403);
    const unknown = await post(key, 'no-such-mailbox', raw);
    expect(unknown).toMatchObject({ status: 404, body: { error: 'There is no such mailbox' } });
    const other = await signUp();
    const foreign = await apiKey(other);
    expect((await post(foreign.key, box.key!, raw)).status).toBe(404);
    as((await ws.gql(RevokeApiKey, { id: keyRow.id })).revokeApiKey, 'RevokeApiKeySuccess');
    expect((await post(key, box.key!, raw)).status).toBe(401);
    expect(await emails(ws, contact.id)).toEqual([]);
    // A new key works, and a replaced inbound key stops the old one.
    const fresh = await apiKey(ws);
    const renewed = as((await ws.gql(UpdateMailbox, { id: box.id, input: { newKey: true } })).updateMailbox, 'UpdateMailboxSuccess').mailbox;
    expect((await post(fresh.key, box.key!, raw)).status).toBe(404);
    expect((await post(fresh.key, renewed.key!, raw)).status).toBe(200);
    expect(await emails(ws, contact.id)).toHaveLength(1);
  });

  it('refuses another body type, an empty or malformed message, naming what is missing, in the caller’s language', async ({ workspace: ws }) => {
    const { key } = await apiKey(ws);
    const box = await mailbox(ws);
    const json = await post(key, box.key!, '{"subject":"x"}', { 'content-type': 'application/json' });
    expect(json).toMatchObject({ status: 415, body: { error: 'Send the message as message/rfc822 (the raw e-mail)' } });
    expect(await post(key, box.key!, '')).toMatchObject({ status: 400, body: { error: 'The message is empty' } });
    const garbage = await post(key, box.key!, 'this is not an e-mail at all\r\n');
    expect(garbage.status).toBe(400);
    expect(garbage.body).toMatchObject({ error: 'The message is not a valid e-mail' });
    expect(garbage.body.fields!.map((f) => f.field)).toEqual(['Message-ID', 'From']);
    const noAddress = await post(key, box.key!, 'From: Just a name\r\nMessage-ID: <a1@b>\r\nSubject: x\r\n\r\nbody\r\n');
    expect(noAddress.body.fields).toEqual([{ field: 'From', message: 'has no e-mail address' }]);
    const ru = await post(key, box.key!, 'Subject: x\r\n\r\nbody\r\n', { 'accept-language': 'ru' });
    expect(ru.body).toMatchObject({
      error: 'Это не корректное письмо',
      fields: [
        { field: 'Message-ID', message: 'отсутствует' },
        { field: 'From', message: 'отсутствует' },
      ],
    });
    expect(await leads(ws)).toEqual([]);
  });

  it('refuses a message over MAIL_MAX_MB and an attachment over FILE_MAX_MB or of a refused type, storing nothing', async ({ workspace: ws }) => {
    const { key } = await apiKey(ws);
    const box = await mailbox(ws);
    const filesBefore = storedFiles();
    const huge = await message({ from: 'big@new.example', to: box.address, text: 'x'.repeat(1_200_000) });
    expect(await post(key, box.key!, huge)).toMatchObject({ status: 413, body: { error: 'The message is larger than 1 MB' } });
    const bigFile = await message({
      from: 'big@new.example',
      to: box.address,
      attachments: [
        { filename: 'ok.txt', content: 'fine', contentType: 'text/plain' },
        { filename: 'scan.pdf', content: Buffer.alloc(150_000, 1), contentType: 'application/pdf' },
      ],
    });
    const r = await post(key, box.key!, bigFile);
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ error: 'An attachment cannot be stored', fields: [{ field: 'attachments[1] scan.pdf' }] });
    expect(r.body.fields![0].message).toMatch(/0\.1 MB/);
    const exe = await message({
      from: 'big@new.example',
      to: box.address,
      attachments: [{ filename: 'run.exe', content: 'MZ', contentType: 'application/x-msdownload' }],
    });
    expect((await post(key, box.key!, exe)).status).toBe(415);
    expect(await leads(ws)).toEqual([]);
    expect(storedFiles()).toBe(filesBefore);
    // Nothing of the refused message was kept: sent again within the limits, it is taken once.
    const fixed = await message({ from: 'big@new.example', to: box.address, messageId: (await simpleParser(bigFile)).messageId, text: 'smaller' });
    const ok = await post(key, box.key!, fixed);
    expect(ok.status).toBe(200);
    expect(ok.body.replayed).toBeUndefined();
    expect(await leads(ws)).toHaveLength(1);
  });

  it('the same message posted three times at once makes one entry and keeps one copy of its file', async ({ workspace: ws }) => {
    const { key } = await apiKey(ws);
    const box = await mailbox(ws);
    const contact = await createContact(ws, { name: 'Twice', emails: ['twice@client.example'] });
    const raw = await message({
      from: 'twice@client.example',
      to: box.address,
      attachments: [{ filename: 'a.txt', content: 'once', contentType: 'text/plain' }],
    });
    const filesBefore = storedFiles();
    const results = await Promise.all([post(key, box.key!, raw), post(key, box.key!, raw), post(key, box.key!, raw)]);
    expect(results.map((x) => x.status)).toEqual([200, 200, 200]);
    expect(new Set(results.map((x) => x.body.timelineEntry)).size).toBe(1);
    expect(results.filter((x) => !x.body.replayed)).toHaveLength(1);
    const [entry] = await emails(ws, contact.id);
    expect(entry.email!.attachments.map((a) => a.name)).toEqual(['a.txt']);
    // The posts that lost the race removed the bytes they had stored.
    expect(storedFiles()).toBe(filesBefore + 1);
    expect(await emails(ws, contact.id)).toHaveLength(1);
  });
});
