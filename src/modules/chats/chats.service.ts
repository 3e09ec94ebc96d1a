// Chat channels (SPEC §9): a site chat or messenger connected to the workspace. Each inbound
// message is taken once (by the messenger's message id). The first message of a new person makes
// an incoming lead, or a contact (the one with the same phone or e-mail, if any) and a deal in the
// channel's stage; later ones go on that conversation's card as CHAT entries and notify its
// responsible. `sendChatMessage` records a reply on the card and hands it to the channel's
// webhook, which passes it on to the messenger. Everything goes through the same services as the
// GraphQL API (the lead inbox, the kernel's one write path, the timeline), so rights, validation
// and events hold.
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ServiceCtx } from '../../context.js';
import { IssueList, NotFoundError } from '../../lib/errors.js';
import { PENDING, takeOnce, type Taken } from '../../lib/take-once.js';
import { encodeGlobalId } from '../../lib/ids.js';
import { render } from '../../lib/i18n.js';
import type { Tx } from '../../lib/outbox.js';
import * as v from '../../lib/validate.js';
import { checkDealPlace } from '../pipelines/pipelines.service.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { assertAdmin } from '../../kernel/access/viewer.js';
import { visible } from '../../kernel/access/visibility.js';
import { findDuplicates } from '../../kernel/duplicates.js';
import { events } from '../../kernel/events.js';
import { assertCanAdd, checkResponsible, createRecord, inOneTransaction, type CardRef } from '../../kernel/records.js';
import { cardTable } from '../../kernel/tables.js';
import { workspaceRegion } from '../../kernel/workspace.js';
import { logChatMessage, record as recordTimeline } from '../timeline/timeline.service.js';
import { typeAllowed, uploadFile } from '../files/files.service.js';
import { FILES } from '../files/files.messages.js';
import { receiveLead } from '../leads/leads.service.js';
import { LEADS } from '../leads/leads.messages.js';
import { queueDirectDeliveries } from '../webhooks/webhooks.service.js';
import { CHATS } from './chats.messages.js';

type Channel = Prisma.ChatChannelModel;

export type CreateChatChannelInput = {
  name: string;
  kind: 'GENERIC' | 'TELEGRAM';
  target: 'LEAD' | 'DEAL';
  pipelineId?: string | null;
  stageId?: string | null;
  responsibleId?: string | null;
  webhookId?: string | null;
};

/** Connects a channel (administrators only): a public key, and for Telegram the secret token to give setWebhook. */
export async function createChatChannel(ctx: ServiceCtx, input: CreateChatChannelInput, issues = new IssueList()) {
  assertAdmin(ctx.viewer, CHATS.manage());
  const ws = ctx.viewer.workspaceId;
  const name = v.parseInput(z.object({ name: v.name(120) }), { name: input.name }, issues.issues).name;
  await checkDealPlace(ctx, issues, input);
  if (input.responsibleId) await checkResponsible(ctx, issues, input.responsibleId);
  if (input.webhookId && !(await ctx.db.webhook.findFirst({ where: { id: input.webhookId, workspaceId: ws } }))) issues.add('webhookId', v.noSuch('Webhook'));
  issues.throwIfAny();
  return ctx.db.chatChannel.create({
    data: {
      workspaceId: ws,
      name,
      kind: input.kind,
      key: randomBytes(16).toString('base64url'),
      secretToken: input.kind === 'TELEGRAM' ? randomBytes(32).toString('base64url') : null,
      target: input.target,
      pipelineId: input.pipelineId ?? null,
      stageId: input.stageId ?? null,
      responsibleId: input.responsibleId ?? null,
      webhookId: input.webhookId ?? null,
      createdById: ctx.viewer.userId,
    },
  });
}

export function listChatChannels(ctx: ServiceCtx, query: { include?: Prisma.ChatChannelInclude; select?: Prisma.ChatChannelSelect } = {}) {
  assertAdmin(ctx.viewer, CHATS.manage());
  return ctx.db.chatChannel.findMany({ ...query, where: { workspaceId: ctx.viewer.workspaceId }, orderBy: { createdAt: 'asc' } });
}

// Inbound

const MAX_ATTACHMENTS = 10;

/** A message as the generic endpoint takes it. */
export const inboundMessage = z
  .object({
    messageId: v.text().trim().min(1).max(200),
    externalUserId: v.text().trim().min(1).max(200),
    name: v.text().trim().max(255).nullish(),
    phone: v.text().trim().max(50).nullish(),
    email: v.text().trim().max(254).nullish(),
    text: v.text().max(10_000).default(''),
    attachments: z
      .array(
        z.object({
          name: v.text().trim().min(1).max(255),
          contentType: v.text().trim().max(255).default('application/octet-stream'),
          contentBase64: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, v.zmsg(CHATS.badBase64())),
        }),
      )
      .max(MAX_ATTACHMENTS)
      .default([]),
  })
  .superRefine((m, c) => {
    if (!m.text.trim() && !m.attachments.length) c.addIssue({ code: 'custom', path: ['text'], message: v.zmsg(CHATS.empty()) });
  });
export type InboundMessage = z.output<typeof inboundMessage>;

/** A Telegram Bot API `Update` (the parts a CRM reads). */
export const telegramUpdate = z.object({
  update_id: z.number().int(),
  message: z
    .object({
      message_id: z.number().int(),
      from: z.object({
        id: z.number().int(),
        first_name: v.text().max(255).default(''),
        last_name: v.text().max(255).nullish(),
        username: v.text().max(255).nullish(),
      }),
      chat: z.object({ id: z.number().int() }),
      text: v.text().max(10_000).nullish(),
      caption: v.text().max(10_000).nullish(),
      contact: z.object({ phone_number: v.text().max(50), user_id: z.number().int().nullish() }).nullish(),
      photo: z.array(z.object({ file_id: v.text().max(255) })).nullish(),
      document: z.object({ file_id: v.text().max(255), file_name: v.text().max(255).nullish() }).nullish(),
    })
    .nullish(),
});

/**
 * A Telegram update as a channel message, or null for updates that are not a new message (an
 * edit, a button press): those are acknowledged and change nothing. Files stay in Telegram (their
 * `file_id` is noted in the text), as fetching them needs the bot's token.
 */
export function fromTelegram(u: z.output<typeof telegramUpdate>): InboundMessage | null {
  const m = u.message;
  if (!m) return null;
  const parts = [m.text ?? m.caption ?? ''];
  if (m.photo?.length) parts.push(`[photo ${m.photo.at(-1)!.file_id}]`);
  if (m.document) parts.push(`[file ${m.document.file_name ?? ''} ${m.document.file_id}]`.replace('  ', ' '));
  if (m.contact) parts.push(`[contact ${m.contact.phone_number}]`);
  const text = parts.filter(Boolean).join('\n');
  return {
    messageId: `tg:${m.chat.id}:${m.message_id}`,
    externalUserId: String(m.from.id),
    name: [m.from.first_name, m.from.last_name].filter(Boolean).join(' ') || m.from.username || null,
    phone: m.contact && (m.contact.user_id == null || m.contact.user_id === m.from.id) ? m.contact.phone_number : null,
    email: null,
    text: text || '[message]',
    attachments: [],
  };
}

export type ChatResult = { lead?: string; contact?: string; deal?: string; timelineEntry?: string; attachedToExisting?: boolean };

/**
 * Takes one message of a channel once (lib/take-once.ts): a replay answers what the first made,
 * `pending` while the first is still at work; a message that is refused may be sent again,
 * corrected; one whose taking died mid-way is taken again after a few minutes.
 */
export function takeChatMessage(ctx: ServiceCtx, channel: Channel, m: InboundMessage): Promise<Taken<ChatResult>> {
  const key = { channelId_externalId: { channelId: channel.id, externalId: m.messageId } };
  return takeOnce({
    insert: () => ctx.db.chatMessage.create({ data: { channelId: channel.id, externalId: m.messageId, result: PENDING } }),
    read: () => ctx.db.chatMessage.findUnique({ where: key }),
    takeOver: async (before) =>
      (
        await ctx.db.chatMessage.updateMany({
          where: { channelId: channel.id, externalId: m.messageId, result: { equals: PENDING }, createdAt: { lt: before } },
          data: { createdAt: new Date() },
        })
      ).count,
    run: () => deliver(ctx, channel, m),
    save: (result) => ctx.db.chatMessage.update({ where: key, data: { result: result as Prisma.InputJsonValue } }),
    release: () => ctx.db.chatMessage.deleteMany({ where: { channelId: channel.id, externalId: m.messageId } }),
  });
}

/** The message's contact data, checked: a bad phone or e-mail is a ValidationError naming it. */
async function contactData(ctx: ServiceCtx, m: InboundMessage) {
  const issues = new IssueList();
  const { phoneRegion } = await workspaceRegion(ctx);
  const phone = m.phone ? v.normalizePhone(m.phone, phoneRegion) : null;
  if (m.phone && !phone) issues.add('phone', v.VALIDATE.phone({ raw: m.phone }));
  let email: string | null = null;
  if (m.email) {
    const r = v.email.safeParse(m.email);
    if (r.success) email = r.data;
    else issues.add('email', v.issueMessage(r.error.issues[0]));
  }
  const files = m.attachments.map((a) => new File([Buffer.from(a.contentBase64, 'base64')], a.name, { type: a.contentType }));
  // Checked before anything is written: a file refused after the cards were made would leave
  // them behind, and the message, sent again, would make them twice.
  const { fileMaxBytes, fileTypes } = ctx.deps.config;
  files.forEach((f, i) => {
    if (f.size > fileMaxBytes) issues.add(`attachments[${i}]`, CHATS.tooLarge());
    else if (!typeAllowed(f.type || 'application/octet-stream', fileTypes)) issues.add(`attachments[${i}]`, FILES.typeRefused({ type: f.type }));
  });
  issues.throwIfAny();
  return { phones: phone ? [phone] : [], emails: email ? [email] : [], files };
}

/** The card a known person's new message belongs on: their deal while it is live and open, else their contact's open deal, else the contact. */
async function conversationCard(ctx: ServiceCtx, p: { contactId: string | null; dealId: string | null }): Promise<CardRef | null> {
  if (p.dealId) {
    const deal = await ctx.db.deal.findFirst({ where: { ...visible(ctx, 'DEAL'), id: p.dealId, deletedAt: null, closedAt: null }, select: { id: true } });
    if (deal) return { entityType: 'DEAL', id: deal.id };
  }
  if (!p.contactId) return null;
  const contact = await ctx.db.contact.findFirst({ where: { ...visible(ctx, 'CONTACT'), id: p.contactId, deletedAt: null }, select: { id: true } });
  if (!contact) return null;
  const deal = await ctx.db.deal.findFirst({
    where: { ...visible(ctx, 'DEAL'), deletedAt: null, closedAt: null, contacts: { some: { contactId: contact.id } } },
    orderBy: { lastActivityAt: 'desc' },
    select: { id: true },
  });
  return deal ? { entityType: 'DEAL', id: deal.id } : { entityType: 'CONTACT', id: contact.id };
}

async function deliver(ctx: ServiceCtx, channel: Channel, m: InboundMessage): Promise<ChatResult> {
  const { phones, emails, files } = await contactData(ctx, m);
  const text = [m.text.trim(), ...files.map((f) => `[${f.name}]`)].filter(Boolean).join('\n');
  let person = await ctx.db.chatPerson.findUnique({ where: { channelId_externalId: { channelId: channel.id, externalId: m.externalUserId } } });
  if (person?.leadId) {
    const lead = await ctx.db.incomingLead.findFirst({ where: { id: person.leadId, workspaceId: ctx.viewer.workspaceId } });
    if (lead && lead.status === 'CONVERTED') {
      // The lead became cards: the conversation goes on there from now on.
      person = await ctx.db.chatPerson.update({ where: { id: person.id }, data: { leadId: null, contactId: lead.contactId, dealId: lead.dealId } });
    } else if (lead && lead.status !== 'DECLINED') {
      // Still in the inbox: the message joins the lead's, and its responsible hears of it. (A
      // declined lead's person writing again starts a new conversation, below.)
      const who = person.name || m.name || m.externalUserId;
      const fileIds: string[] = [];
      for (const f of files) fileIds.push((await uploadFile(ctx, f, null)).id);
      await ctx.db.$transaction(async (tx) => {
        await tx.incomingLead.update({
          where: { id: lead.id },
          data: {
            message: [lead.message, text].filter(Boolean).join('\n\n').slice(0, 100_000),
            fileIds: [...lead.fileIds, ...fileIds],
            version: { increment: 1 },
            updatedAt: new Date(),
          },
        });
        await notify(tx, ctx, lead.responsibleId, who, text, null);
      });
      ctx.deps.outbox.kick();
      return { lead: encodeGlobalId('IncomingLead', lead.id) };
    }
  }
  if (person && (person.dealId || person.contactId)) {
    const r = await onCard(ctx, channel, person, m, text, files);
    if (r) return r;
  }
  return firstMessage(ctx, channel, person?.id ?? null, m, text, phones, emails, files);
}

/** A known person's message on their conversation's card (null when that card is gone). */
async function onCard(
  ctx: ServiceCtx,
  channel: Channel,
  person: { id: string; name: string; contactId: string | null; dealId: string | null },
  m: InboundMessage,
  text: string,
  files: File[],
): Promise<ChatResult | null> {
  const card = await conversationCard(ctx, person);
  if (!card) return null;
  const entry = await logChatMessage(ctx, card, { direction: 'INBOUND', channel: channel.name, text });
  for (const f of files) await uploadFile(ctx, f, card);
  const row = await cardTable(ctx.db, card.entityType).findUniqueOrThrow({ where: { id: card.id }, select: { responsibleId: true } });
  await ctx.db.$transaction((tx) => notify(tx, ctx, row.responsibleId, person.name || m.name || m.externalUserId, text, card));
  ctx.deps.outbox.kick();
  return {
    timelineEntry: encodeGlobalId('TimelineEntry', entry),
    ...(card.entityType === 'DEAL' ? { deal: encodeGlobalId('Deal', card.id) } : { contact: encodeGlobalId('Contact', card.id) }),
  };
}

function notify(tx: Tx, ctx: ServiceCtx, userId: string, name: string, text: string, card: CardRef | null) {
  return events.emit(tx, ctx, 'notification', [
    {
      workspaceId: ctx.viewer.workspaceId,
      userId,
      kind: 'CHAT_MESSAGE',
      text: render(CHATS.newMessage({ name, text: text.length > 200 ? `${text.slice(0, 199)}…` : text }), ctx.viewer.locale),
      ...(card ? { card: { kind: card.entityType, id: card.id } } : {}),
      occurredAt: new Date().toISOString(),
    },
  ]);
}

/** A new person's first message: an incoming lead, or a contact (matched by phone or e-mail, else new) and a deal. */
async function firstMessage(
  ctx: ServiceCtx,
  channel: Channel,
  personId: string | null,
  m: InboundMessage,
  text: string,
  phones: string[],
  emails: string[],
  files: File[],
): Promise<ChatResult> {
  const responsibleId = channel.responsibleId ?? ctx.viewer.userId;
  const match = (await findDuplicates(ctx, 'CONTACT', { phones, emails })).find((d) => d.reasons.includes('PHONE') || d.reasons.includes('EMAIL'));
  const keep = async (tx: Tx, data: { leadId?: string; contactId?: string; dealId?: string }) => {
    const row = { leadId: data.leadId ?? null, contactId: data.contactId ?? null, dealId: data.dealId ?? null, name: m.name ?? '' };
    if (personId) await tx.chatPerson.update({ where: { id: personId }, data: row });
    else await tx.chatPerson.create({ data: { channelId: channel.id, externalId: m.externalUserId, ...row } });
  };
  if (channel.target === 'LEAD') {
    const fileIds: string[] = [];
    for (const f of files) fileIds.push((await uploadFile(ctx, f, null)).id);
    // One transaction (the lead and who wrote it), its reads included: inOneTransaction's ctx.
    const lead = await inOneTransaction(ctx, async (t, tx) => {
      const made = await receiveLead(
        t,
        {
          source: 'CHAT',
          channel: channel.name,
          name: m.name ?? null,
          phones,
          emails,
          message: text,
          responsibleId,
          data: { channel: channel.key, externalUserId: m.externalUserId },
          fileIds,
          contactId: match?.id ?? null,
        },
        undefined,
        tx,
      );
      await keep(tx, { leadId: made.id });
      return made;
    });
    ctx.deps.outbox.kick();
    return { lead: encodeGlobalId('IncomingLead', lead.id), ...(match ? { contact: encodeGlobalId('Contact', match.id), attachedToExisting: true } : {}) };
  }
  const made = await inOneTransaction(ctx, async (t, tx) => {
    const contactId =
      match?.id ??
      (await createRecord(t, 'CONTACT', { fields: { name: m.name || emails[0] || phones[0] || m.externalUserId, phones, emails }, responsibleId })).id;
    const deal = await createRecord(t, 'DEAL', {
      fields: { name: render(LEADS.dealName({ name: m.name || emails[0] || phones[0] || m.externalUserId }), ctx.viewer.locale) },
      responsibleId,
      extra: { pipelineId: channel.pipelineId ?? undefined, stageId: channel.stageId ?? undefined, contactIds: [contactId] },
    });
    const [entry] = await recordTimeline(tx, t, { entityType: 'DEAL', id: deal.id }, [
      { kind: 'CHAT', text, data: { direction: 'INBOUND', channel: channel.name } },
    ]);
    await keep(tx, { contactId, dealId: deal.id });
    return { contactId, dealId: deal.id, entryId: entry.id };
  });
  for (const f of files) await uploadFile(ctx, f, { entityType: 'DEAL', id: made.dealId });
  return {
    deal: encodeGlobalId('Deal', made.dealId),
    contact: encodeGlobalId('Contact', made.contactId),
    timelineEntry: encodeGlobalId('TimelineEntry', made.entryId),
    ...(match ? { attachedToExisting: true } : {}),
  };
}

// Outbound

/**
 * Records a reply on the card's chat (the person who last wrote to it, through `channelId` or the
 * channel they last wrote through) and hands it to the channel's webhook in the same transaction:
 * a CHAT_MESSAGE_SENT delivery, signed and retried like every webhook delivery. Needs EDIT on the card.
 */
export async function sendChatMessage(ctx: ServiceCtx, card: CardRef, input: { text: string; channelId?: string | null }) {
  await assertCanAdd(ctx, card);
  const issues = new IssueList();
  const { text } = v.parseInput(z.object({ text: v.text().trim().min(1, v.zmsg(v.VALIDATE.empty())).max(10_000) }), { text: input.text }, issues.issues);
  const column = card.entityType === 'DEAL' ? 'dealId' : card.entityType === 'CONTACT' ? 'contactId' : null;
  const person = column
    ? await ctx.db.chatPerson.findFirst({
        where: { [column]: card.id, channel: { workspaceId: ctx.viewer.workspaceId, ...(input.channelId ? { id: input.channelId } : {}) } },
        orderBy: { createdAt: 'desc' },
        include: { channel: { include: { webhook: true } } },
      })
    : null;
  if (!person) issues.add(input.channelId ? 'channelId' : 'cardId', CHATS.noConversation());
  else if (!person.channel.webhook?.enabled) issues.add('channelId', CHATS.noOutbound());
  issues.throwIfAny();
  const { channel } = person!;
  const [entry] = await ctx.db.$transaction(async (tx) => {
    const rows = await recordTimeline(tx, ctx, card, [{ kind: 'CHAT', text, data: { direction: 'OUTBOUND', channel: channel.name } }]);
    const at = new Date().toISOString();
    await queueDirectDeliveries(tx, ctx.viewer.workspaceId, [channel.webhookId!], 'CHAT_MESSAGE_SENT', at, {
      channel: { id: encodeGlobalId('ChatChannel', channel.id), key: channel.key, kind: channel.kind, name: channel.name },
      externalUserId: person!.externalId,
      text,
      messageId: `crm_${randomUUID()}`,
      card: { type: card.entityType === 'DEAL' ? 'Deal' : 'Contact', id: encodeGlobalId(card.entityType === 'DEAL' ? 'Deal' : 'Contact', card.id) },
      timelineEntryId: encodeGlobalId('TimelineEntry', rows[0].id),
      author: { id: encodeGlobalId('User', ctx.viewer.userId) },
    });
    return rows;
  });
  ctx.deps.outbox.kick();
  return entry.id;
}

/** Disconnects a channel (administrators only); answers it as it was. */
export async function deleteChatChannel(ctx: ServiceCtx, id: string, query: { include?: Prisma.ChatChannelInclude; select?: Prisma.ChatChannelSelect } = {}) {
  assertAdmin(ctx.viewer, CHATS.manage());
  const row = await ctx.db.chatChannel.findFirst({ ...query, where: { id, workspaceId: ctx.viewer.workspaceId } });
  if (!row) throw new NotFoundError('ChatChannel', id);
  await ctx.db.chatChannel.delete({ where: { id } });
  return row;
}
