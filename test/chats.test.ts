// Chat channels through the real HTTP server: `POST /integrations/chats/<key>/messages` takes a
// generic channel's messages with an API key and a Telegram channel's Update objects with its
// secret token. A new person's first message makes a lead or a contact and a deal; later ones go
// on that card and notify its responsible; a replay changes nothing; `sendChatMessage` records a
// reply and hands it, signed, to the channel's webhook; bad keys and bodies are refused, writing
// nothing. The size limits are checked on an app whose files are capped at 10 KB (FILE_MAX_MB).
import { Webhook } from 'standardwebhooks';
import { describe, expect, it, test, testWith, type Workspace } from './kit/fixtures.js';
import type { Client } from './kit/app.js';
import { as, rawId } from './kit/results.js';
import { subscribe } from './kit/subscribe.js';
import { receiver } from './kit/receiver.js';
import { createContact, readDeal } from './kit/cards.js';
import { Timeline } from './kit/documents/timeline.js';
import { Attachments } from './kit/documents/files.js';
import { CreateApiKey } from './kit/documents/users.js';
import { ConvertLead, IncomingLeads } from './kit/documents/leads.js';
import { Deals } from './kit/documents/deals.js';
import { AutomationNotifications } from './kit/documents/automations.js';
import { CreateWebhook } from './kit/documents/webhooks.js';
import { ChatChannels, CreateChatChannel, DeleteChatChannel, SendChatMessage } from './kit/documents/chats.js';
import type { CreateChatChannelInput } from './gql/graphql.js';

/** An app of its own whose files are capped at 10 KB. */
const limited = testWith({ FILE_MAX_MB: String(10 / 1024) });

let base: string;
let wsUrl: string;
test.beforeAll(({ url }) => {
  wsUrl = url;
  base = url.replace(/\/graphql$/, '');
});

async function apiKey(c: Client, scopes: ('READ' | 'WRITE')[] = ['READ', 'WRITE']) {
  return as((await c.gql(CreateApiKey, { name: 'Chat bridge', scopes })).createApiKey, 'CreateApiKeySuccess').created.key;
}

async function channel(c: Client, input: CreateChatChannelInput) {
  return as((await c.gql(CreateChatChannel, { input })).createChatChannel, 'CreateChatChannelSuccess').channel;
}

type Answer = { status: number; body: Record<string, unknown> & { fields?: { field: string; message: string }[] } };

async function post(path: string, headers: Record<string, string>, body: unknown, origin = base): Promise<Answer> {
  const res = await fetch(origin + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

let n = 0;
const message = (over: Record<string, unknown> = {}) => ({
  messageId: `m-${++n}-${Math.random()}`,
  externalUserId: 'u-1',
  name: 'Anna',
  text: 'Hello!',
  ...over,
});

const timeline = async (c: Client, cardId: string) =>
  (await c.gql(Timeline, { cardId, first: 20 })).timeline.edges.map((e) => e.node).filter((e) => e.kind === 'CHAT');

async function dealChannel(ws: Workspace, over: Partial<CreateChatChannelInput> = {}) {
  return channel(ws, { name: 'Site chat', target: 'DEAL', stageId: ws.open[1].id, ...over });
}

describe('a generic chat channel', () => {
  it("makes a contact and a deal of a new person's first message; later ones go on that deal and notify its responsible; a replay makes nothing", async ({
    workspace: ws,
  }) => {
    const key = await apiKey(ws);
    const seller = await ws.member('Seller');
    const ch = await dealChannel(ws, { responsibleId: seller.user.id });
    expect(ch.path).toBe(`/integrations/chats/${ch.key}/messages`);
    const auth = { authorization: `Bearer ${key}` };
    const first = message({ phone: '8 (903) 111-22-33', text: 'Do you deliver to Kazan?' });
    const r = await post(ch.path, auth, first);
    expect(r.status).toBe(200);
    const deal = await readDeal(ws, r.body.deal as string);
    expect(deal).toMatchObject({ name: 'Lead: Anna', stage: { id: ws.open[1].id }, responsible: { id: seller.user.id }, contacts: [{ id: r.body.contact }] });
    expect((await timeline(ws, deal.id)).map((e) => [e.text, e.chat])).toEqual([['Do you deliver to Kazan?', { direction: 'INBOUND', channel: 'Site chat' }]]);

    const notes = subscribe(wsUrl, seller.token, AutomationNotifications, {}, (d) => d.notifications);
    try {
      await notes.ready;
      const again = await post(ch.path, auth, message({ text: 'And to Samara?' }));
      expect(again.body).toMatchObject({ deal: deal.id });
      const [note] = await notes.waitFor((e) => e.length > 0);
      expect(note).toEqual({ kind: 'CHAT_MESSAGE', cardId: deal.id, text: 'Anna: And to Samara?' });
    } finally {
      await notes.close();
    }
    const replay = await post(ch.path, auth, first);
    expect(replay.body).toMatchObject({ replayed: true, deal: deal.id });
    expect((await timeline(ws, deal.id)).map((e) => e.text)).toEqual(['And to Samara?', 'Do you deliver to Kazan?']);
  });

  it('takes again a message whose taking died mid-way, after a few minutes; one still at work answers 409', async ({ workspace: ws, app }) => {
    const key = await apiKey(ws);
    const ch = await dealChannel(ws);
    const dead = message({ externalUserId: 'crash' });
    const busy = message({ externalUserId: 'busy' });
    const channelId = rawId(ch.id);
    await app.deps.db.chatMessage.create({
      data: { channelId, externalId: dead.messageId, result: { pending: true }, createdAt: new Date(Date.now() - 10 * 60_000) },
    });
    await app.deps.db.chatMessage.create({ data: { channelId, externalId: busy.messageId, result: { pending: true } } });
    const auth = { authorization: `Bearer ${key}` };
    expect((await post(ch.path, auth, busy)).status).toBe(409);
    const r = await post(ch.path, auth, dead);
    expect(r.status).toBe(200);
    expect(r.body.replayed).toBeUndefined();
    expect((await readDeal(ws, r.body.deal as string)).name).toBe('Lead: Anna');
  });

  it('attaches a first message to the contact with the same phone, and stores attachments on the deal', async ({ workspace: ws }) => {
    const key = await apiKey(ws);
    const known = await createContact(ws, { name: 'Boris', phones: ['+79031112244'] });
    const ch = await dealChannel(ws);
    const file = { name: 'photo.png', contentType: 'image/png', contentBase64: Buffer.from('not really a png').toString('base64') };
    const r = await post(
      ch.path,
      { authorization: `Bearer ${key}` },
      message({ externalUserId: 'b', phone: '+7 903 111-22-44', text: '', attachments: [file] }),
    );
    expect(r.body).toMatchObject({ contact: known.id, attachedToExisting: true });
    const files = (await ws.gql(Attachments, { cardId: r.body.deal as string })).attachments;
    expect(files).toMatchObject([{ name: 'photo.png', contentType: 'image/png', size: 16 }]);
    expect((await timeline(ws, r.body.deal as string)).map((e) => e.text)).toEqual(['[photo.png]']);
  });

  it("makes a lead of a LEAD channel's first message; later ones join it until it is converted, then go on the deal", async ({ workspace: ws }) => {
    const key = await apiKey(ws);
    const ch = await channel(ws, { name: 'WhatsApp' });
    const auth = { authorization: `Bearer ${key}` };
    const r = await post(ch.path, auth, message({ externalUserId: 'wa-7', name: 'Clara', email: 'Clara@Example.com', text: 'Price list, please' }));
    const [lead] = (await ws.gql(IncomingLeads, { first: 5 })).incomingLeads.edges.map((e) => e.node);
    expect(r.body).toMatchObject({ lead: lead?.id });
    expect(lead).toMatchObject({ source: 'CHAT', channel: 'WhatsApp', name: 'Clara', emails: ['clara@example.com'], message: 'Price list, please' });
    await post(ch.path, auth, message({ externalUserId: 'wa-7', text: 'For 2027' }));
    const [joined] = (await ws.gql(IncomingLeads, { first: 5 })).incomingLeads.edges.map((e) => e.node);
    expect(joined.message).toBe('Price list, please\n\nFor 2027');
    const converted = as((await ws.gql(ConvertLead, { input: { id: lead.id, version: joined.version } })).convertLead, 'ConvertLeadSuccess').lead;
    const after = await post(ch.path, auth, message({ externalUserId: 'wa-7', text: 'Thanks!' }));
    expect(after.body.deal).toBe(converted.deal!.id);
    expect((await timeline(ws, converted.deal!.id)).map((e) => e.text)).toEqual(['Thanks!']);
  });

  it('refuses a missing, wrong, read-only or foreign key, an unknown channel and bad bodies, writing nothing', async ({ workspace: ws, signUp }) => {
    const ch = await dealChannel(ws);
    const key = await apiKey(ws);
    const auth = { authorization: `Bearer ${key}` };
    expect((await post(ch.path, {}, message())).status).toBe(401);
    expect((await post(ch.path, { authorization: 'Bearer crm_key_wrong' }, message())).status).toBe(401);
    expect((await post(ch.path, { authorization: `Bearer ${ws.token}` }, message())).status).toBe(401);
    expect((await post(ch.path, { authorization: `Bearer ${await apiKey(ws, ['READ'])}` }, message())).status).toBe(403);
    const other = await signUp();
    expect((await post(ch.path, { authorization: `Bearer ${await apiKey(other)}` }, message())).status).toBe(404);
    expect((await post('/integrations/chats/nope/messages', auth, message())).status).toBe(404);
    expect((await post(ch.path, auth, '{oops')).status).toBe(400);
    const bad = await post(ch.path, auth, { messageId: '', externalUserId: 'x', text: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.fields!.map((f) => f.field).sort()).toEqual(['messageId', 'text']);
    // A file of a type files may not have is refused before anything is written.
    const exe = { name: 'setup.exe', contentType: 'application/x-msdownload', contentBase64: Buffer.from('MZ').toString('base64') };
    const refusedFile = await post(ch.path, auth, message({ attachments: [exe] }));
    expect([refusedFile.status, refusedFile.body.fields!.map((f) => f.field)]).toEqual([400, ['attachments[0]']]);
    // A NUL character (PostgreSQL cannot store it) is a bad field, not a server error.
    const nul = await post(ch.path, auth, message({ externalUserId: 'a\u0000b', name: 'N\u0000' }));
    expect([nul.status, nul.body.fields!.map((f) => f.field).sort()]).toEqual([400, ['externalUserId', 'name']]);
    const phone = await post(ch.path, auth, message({ phone: '12' }));
    expect([phone.status, phone.body.fields!.map((f) => f.field)]).toEqual([400, ['phone']]);
    // A refused message may be sent again, corrected.
    const fixed = message({ phone: '12' });
    expect((await post(ch.path, auth, fixed)).status).toBe(400);
    const ok = await post(ch.path, auth, { ...fixed, phone: '+79035550000' });
    expect(ok.status).toBe(200);
    // Only the corrected message made anything.
    const made = (await ws.gql(Deals, { first: 10 })).deals.edges.map((e) => e.node.id);
    expect(made).toEqual([ok.body.deal]);
    // Deleted: the endpoint answers 404.
    as((await ws.gql(DeleteChatChannel, { id: ch.id })).deleteChatChannel, 'DeleteChatChannelSuccess');
    expect((await post(ch.path, auth, message())).status).toBe(404);
  });

  it('is set up by administrators only, checking its stage, pipeline, responsible and webhook', async ({ workspace: ws }) => {
    const seller = await ws.member('Seller');
    expect((await seller.gql(CreateChatChannel, { input: { name: 'Mine' } })).createChatChannel.__typename).toBe('ForbiddenError');
    const bad = await ws.gql(CreateChatChannel, { input: { name: ' ', stageId: ws.admin.id, webhookId: ws.open[0].id } });
    expect(
      as(bad.createChatChannel, 'ValidationError')
        .fields.map((f) => f.field)
        .sort(),
    ).toEqual(['name', 'stageId', 'webhookId']);
    expect((await ws.gql(ChatChannels, {})).chatChannels).toEqual([]);
  });
});

describe('size limits', () => {
  limited('an attachment over the file limit is a bad field; a body over what ten such files make is refused whole', async ({ app, workspace: ws }) => {
    const origin = new URL(await app.start()).origin;
    const ch = await dealChannel(ws);
    const auth = { authorization: `Bearer ${await apiKey(ws)}` };
    const big = { name: 'big.png', contentType: 'image/png', contentBase64: Buffer.alloc(11 * 1024).toString('base64') };
    const tooBig = await post(ch.path, auth, message({ attachments: [big] }), origin);
    expect([tooBig.status, tooBig.body.fields!.map((f) => f.field)]).toEqual([400, ['attachments[0]']]);
    expect((await post(ch.path, auth, message({ text: 'x'.repeat(100_000) }), origin)).status).toBe(413);
    const fits = await post(ch.path, auth, message({ attachments: [{ ...big, contentBase64: Buffer.alloc(9 * 1024).toString('base64') }] }), origin);
    expect(fits.status).toBe(200);
    expect((await app.as(ws.token).gql(Attachments, { cardId: fits.body.deal as string })).attachments.map((a) => a.size)).toEqual([9 * 1024]);
  });
});

describe('a Telegram channel', () => {
  const update = (id: number, over: Record<string, unknown> = {}) => ({
    update_id: id,
    message: {
      message_id: id,
      date: 1_790_000_000,
      chat: { id: 42, type: 'private' },
      from: { id: 42, is_bot: false, first_name: 'Dmitry', last_name: 'K' },
      text: 'Hi',
      ...over,
    },
  });

  it('takes Update objects with its secret token: a new person, then their next message, a shared phone, and non-message updates acknowledged', async ({
    workspace: ws,
  }) => {
    const ch = await dealChannel(ws, { name: 'Telegram', kind: 'TELEGRAM' });
    expect(ch.secretToken).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    const token = { 'x-telegram-bot-api-secret-token': ch.secretToken! };
    expect((await post(ch.path, {}, update(1))).status).toBe(401);
    expect((await post(ch.path, { 'x-telegram-bot-api-secret-token': 'wrong' }, update(1))).status).toBe(401);
    const r = await post(ch.path, token, update(1));
    expect(r.status).toBe(200);
    const deal = await readDeal(ws, r.body.deal as string);
    expect(deal.name).toBe('Lead: Dmitry K');
    await post(ch.path, token, update(2, { text: undefined, contact: { phone_number: '+79161230000', first_name: 'Dmitry', user_id: 42 } }));
    expect((await post(ch.path, token, update(2))).body.replayed).toBe(true);
    expect((await post(ch.path, token, { update_id: 3, edited_message: { message_id: 1 } })).body).toEqual({ ok: true, ignored: true });
    expect((await timeline(ws, deal.id)).map((e) => e.text)).toEqual(['[contact +79161230000]', 'Hi']);
  });
});

describe('sendChatMessage', () => {
  it("records a reply on the card and hands it, signed, to the channel's webhook with the person's id", async ({ workspace: ws }) => {
    const rx = await receiver();
    try {
      const { webhook, secret } = as(
        (await ws.gql(CreateWebhook, { input: { url: rx.url, eventTypes: ['CHAT_MESSAGE_SENT'] } })).createWebhook,
        'CreateWebhookSuccess',
      ).result;
      const key = await apiKey(ws);
      const ch = await dealChannel(ws, { webhookId: webhook.id });
      const r = await post(ch.path, { authorization: `Bearer ${key}` }, message({ externalUserId: 'visitor-9' }));
      const dealId = r.body.deal as string;
      const sent = as((await ws.gql(SendChatMessage, { input: { cardId: dealId, text: 'Yes, we do!' } })).sendChatMessage, 'SendChatMessageSuccess');
      expect(sent.entry).toMatchObject({ kind: 'CHAT', text: 'Yes, we do!', chat: { direction: 'OUTBOUND', channel: 'Site chat' } });
      await expect.poll(() => rx.got.length, { timeout: 20_000, interval: 50 }).toBe(1);
      const payload = new Webhook(secret).verify(rx.got[0].body, rx.got[0].headers as Record<string, string>) as {
        type: string;
        data: Record<string, unknown>;
      };
      expect(payload).toMatchObject({
        type: 'chat.message.sent',
        data: {
          channel: { id: ch.id, key: ch.key, kind: 'GENERIC' },
          externalUserId: 'visitor-9',
          text: 'Yes, we do!',
          card: { type: 'Deal', id: dealId },
          timelineEntryId: sent.entry.id,
        },
      });
    } finally {
      await rx.close();
    }
  });

  it('is refused for a card nobody wrote to, a channel without a webhook, and a member without EDIT on the card', async ({ workspace: ws }) => {
    const key = await apiKey(ws);
    const ch = await dealChannel(ws);
    const r = await post(ch.path, { authorization: `Bearer ${key}` }, message({ externalUserId: 'v-1' }));
    const quiet = await createContact(ws, { name: 'Quiet' });
    const none = await ws.gql(SendChatMessage, { input: { cardId: quiet.id, text: 'Hello?' } });
    expect(as(none.sendChatMessage, 'ValidationError').fields.map((f) => f.field)).toEqual(['cardId']);
    const noHook = await ws.gql(SendChatMessage, { input: { cardId: r.body.deal as string, text: 'Hello?' } });
    expect(as(noHook.sendChatMessage, 'ValidationError').fields.map((f) => f.field)).toEqual(['channelId']);
    const viewer = await ws.member('Viewer', { rights: [{ entityType: 'DEAL', action: 'VIEW', scope: 'ALL' }] });
    expect((await viewer.gql(SendChatMessage, { input: { cardId: r.body.deal as string, text: 'Hi' } })).sendChatMessage.__typename).toBe('ForbiddenError');
    expect((await timeline(ws, r.body.deal as string)).map((e) => e.chat?.direction)).toEqual(['INBOUND']);
  });
});
