// E-mail: messages a mailbox receives (POST /integrations/mail/<key>/messages, a raw RFC 822
// message read with mailparser) and sends (sendEmail, through the mailbox's SMTP server with
// nodemailer). Each lands on a card's timeline as an EMAIL entry: a reply (In-Reply-To /
// References) on the card its thread is on, else the card of the other party's address (a
// contact's open deal, else the contact, else a company with that address); an unknown sender
// becomes an incoming lead (source EMAIL). Attachments become files. A personal mailbox's e-mails
// and files are its owner's alone. One MailMessage row per mailbox and Message-ID makes a message
// posted again change nothing, and is what replies are threaded by.
import { randomUUID } from 'node:crypto';
// mailparser and nodemailer are loaded on the first message: ~30 MB of RSS an idle server does not need.
import type { AddressObject, ParsedMail } from 'mailparser';
import { z } from 'zod';
import type { ServiceCtx } from '../../context.js';
import { IssueList, isUniqueViolation, NotFoundError, ForbiddenError, ValidationError, type FieldIssue } from '../../lib/errors.js';
import { encodeGlobalId } from '../../lib/ids.js';
import { render, type Message } from '../../lib/i18n.js';
import * as v from '../../lib/validate.js';
import type { Tx } from '../../lib/outbox.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { visible } from '../../kernel/access/visibility.js';
import { descriptor } from '../../kernel/card-kinds.js';
import { assertCanAdd, findVisible, inOneTransaction, type CardRef } from '../../kernel/records.js';
import { record as recordTimeline, canSeeEntry } from '../timeline/timeline.service.js';
import { typeAllowed } from '../files/files.service.js';
import { FILES } from '../files/files.messages.js';
import { addToLead, receiveLead, visibleLeads } from '../leads/leads.service.js';
import { TIMELINE } from '../timeline/timeline.messages.js';
import { MAIL } from './mail.messages.js';

type Mailbox = Prisma.MailboxModel;
const MB = 1024 * 1024;
const SUBJECT_MAX = 1000;
const BODY_MAX = 200_000;

/** An inbound message refused: the HTTP status, the message and the problems it names. */
export class MailRefusal extends Error {
  constructor(
    readonly status: number,
    readonly msg: Message,
    readonly fields: FieldIssue[] = [],
  ) {
    super(render(msg, 'en'));
  }
}

export type MailResult = {
  direction: 'INBOUND' | 'OUTBOUND';
  replayed?: boolean;
  /** The card it went on, the timeline entry, or the lead it made or joined. */
  card?: string;
  timelineEntry?: string;
  lead?: string;
  /** Whether it followed the thread of an earlier message (In-Reply-To / References). */
  threaded?: boolean;
  attachments?: string[];
  /** An e-mail the mailbox sent to addresses no card has: recorded as taken, on no card. */
  unmatched?: boolean;
};

const addresses = (a: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(a) ? a : a ? [a] : [])
    .flatMap((o) => o.value.flatMap((x) => (x.group ? x.group : [x])))
    .filter((x) => x.address)
    .map((x) => ({ name: x.name?.trim() ?? '', address: x.address!.trim().toLowerCase() }));

const messageIds = (s: string | string[] | undefined) =>
  (Array.isArray(s) ? s : s ? s.split(/\s+/) : []).map((x) => x.trim()).filter((x) => /^<[^<>\s]{1,900}>$/.test(x));

type Parsed = {
  messageId: string;
  from: { name: string; address: string };
  to: string[];
  cc: string[];
  subject: string;
  body: string;
  date: Date | null;
  /** The nearest first: In-Reply-To, then References from the last. */
  thread: string[];
  references: string[];
  attachments: { name: string; contentType: string; content: Buffer }[];
};

/** Reads a raw message: 400 naming what is missing, 413 / 415 for an attachment the file limits refuse. */
export async function parseMessage(ctx: Pick<ServiceCtx, 'deps'>, raw: Buffer): Promise<Parsed> {
  if (!raw.length || !raw.toString('latin1').trim()) throw new MailRefusal(400, MAIL.empty());
  let mail: ParsedMail;
  const { simpleParser } = await import('mailparser');
  try {
    mail = await simpleParser(raw, { skipTextToHtml: true, skipImageLinks: true });
  } catch {
    throw new MailRefusal(400, MAIL.invalid());
  }
  const issues = new IssueList();
  const [messageId] = messageIds(mail.messageId);
  if (!messageId) issues.add('Message-ID', MAIL.missingHeader());
  const [from] = addresses(mail.from);
  if (!mail.headers.has('from')) issues.add('From', MAIL.missingHeader());
  else if (!from || !v.email.safeParse(from.address).success) issues.add('From', MAIL.noAddress());
  if (!issues.empty) throw new MailRefusal(400, MAIL.invalid(), issues.issues);
  const { fileMaxBytes, fileTypes } = ctx.deps.config;
  const files: Parsed['attachments'] = [];
  for (const [i, a] of mail.attachments.entries()) {
    const name = (a.filename || `attachment-${i + 1}`).replace(/[\\/\r\n\t]/g, '_').slice(0, 255);
    const type = (a.contentType || 'application/octet-stream').toLowerCase();
    if (a.size > fileMaxBytes) {
      const msg = FILES.tooBig({ size: (a.size / MB).toFixed(1), max: (fileMaxBytes / MB).toFixed(0) });
      throw new MailRefusal(413, MAIL.attachmentRefused(), [{ field: `attachments[${i}] ${name}`, message: msg }]);
    }
    if (!typeAllowed(type, fileTypes))
      throw new MailRefusal(415, MAIL.attachmentRefused(), [{ field: `attachments[${i}] ${name}`, message: FILES.typeRefused({ type }) }]);
    if (a.size > 0) files.push({ name, contentType: type, content: a.content });
  }
  const references = messageIds(mail.references);
  const thread = [...new Set([...messageIds(mail.inReplyTo), ...[...references].reverse()])].filter((x) => x !== messageId);
  return {
    messageId: messageId!,
    from: from!,
    to: addresses(mail.to).map((x) => x.address),
    cc: addresses(mail.cc).map((x) => x.address),
    subject: (mail.subject ?? '').replaceAll('\u0000', '').trim().slice(0, SUBJECT_MAX),
    body: (mail.text ?? '').replaceAll('\u0000', '').trimEnd().slice(0, BODY_MAX),
    date: mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date : null,
    thread,
    references,
    attachments: files,
  };
}

type Target = { card: CardRef } | { leadId: string } | null;

/** A card that is still there (not in the trash) and that the viewer may see. */
async function live(ctx: ServiceCtx, card: CardRef): Promise<CardRef | null> {
  const row = await findVisible(ctx, card.entityType, card.id, { select: { id: true, deletedAt: true } });
  return row && !(row as { deletedAt: Date | null }).deletedAt ? card : null;
}

/** Where the thread of these Message-IDs is: the card of the nearest earlier message, or its lead (or the cards the lead became). */
async function threadTarget(ctx: ServiceCtx, thread: string[]): Promise<Target> {
  if (!thread.length) return null;
  const rows = await ctx.db.mailMessage.findMany({
    where: { workspaceId: ctx.viewer.workspaceId, messageId: { in: thread } },
    orderBy: { createdAt: 'desc' },
  });
  for (const id of thread) {
    for (const r of rows.filter((x) => x.messageId === id)) {
      if (r.entityType && r.cardId) {
        const card = await live(ctx, { entityType: r.entityType, id: r.cardId });
        if (card) return { card };
      }
      if (r.leadId) {
        const lead = await ctx.db.incomingLead.findFirst({ where: { id: r.leadId, ...visibleLeads(ctx) } });
        if (!lead) continue;
        if (lead.status === 'NEW' || lead.status === 'IN_WORK') return { leadId: lead.id };
        const card =
          (lead.dealId && (await live(ctx, { entityType: 'DEAL', id: lead.dealId }))) ||
          (lead.contactId && (await live(ctx, { entityType: 'CONTACT', id: lead.contactId })));
        if (card) return { card };
      }
    }
  }
  return null;
}

/** The card of these addresses: a contact's open deal, else the contact, else a company with one of them. */
async function addressTarget(ctx: ServiceCtx, emails: string[]): Promise<CardRef | null> {
  if (!emails.length) return null;
  const contact = await ctx.db.contact.findFirst({
    where: { ...visible(ctx, 'CONTACT'), deletedAt: null, emails: { hasSome: emails } },
    orderBy: { lastActivityAt: 'desc' },
    select: { id: true },
  });
  if (contact) {
    const deal = await ctx.db.deal.findFirst({
      where: { ...visible(ctx, 'DEAL'), deletedAt: null, closedAt: null, contacts: { some: { contactId: contact.id } } },
      orderBy: { lastActivityAt: 'desc' },
      select: { id: true },
    });
    return deal ? { entityType: 'DEAL', id: deal.id } : { entityType: 'CONTACT', id: contact.id };
  }
  const company = await ctx.db.company.findFirst({
    where: { ...visible(ctx, 'COMPANY'), deletedAt: null, emails: { hasSome: emails } },
    orderBy: { lastActivityAt: 'desc' },
    select: { id: true },
  });
  return company ? { entityType: 'COMPANY', id: company.id } : null;
}

const globalCard = (c: CardRef) => encodeGlobalId(descriptor(c.entityType).typeName, c.id);

/** What an EMAIL entry keeps of a message. */
function emailData(box: Mailbox, direction: 'INBOUND' | 'OUTBOUND', m: Omit<Parsed, 'attachments' | 'thread'>, attachmentIds: string[]) {
  return {
    direction,
    subject: m.subject,
    body: m.body,
    mailbox: box.address,
    messageId: m.messageId,
    from: m.from.address,
    fromName: m.from.name || null,
    to: m.to,
    cc: m.cc,
    references: m.references,
    sentAt: m.date?.toISOString() ?? null,
    attachmentIds,
  };
}

/**
 * Takes a raw message posted to a mailbox, acting as the API key's user. A message from the
 * mailbox's own address is one it sent (OUTBOUND, matched by its recipients); any other is
 * received (INBOUND, matched by its sender). Everything is written in one transaction after the
 * attachments' bytes are stored (and removed again if it fails); a Message-ID this mailbox
 * already took is answered from its first result.
 */
export async function receiveMessage(ctx: ServiceCtx, box: Mailbox, raw: Buffer): Promise<MailResult> {
  const m = await parseMessage(ctx, raw);
  const earlier = () => ctx.db.mailMessage.findUnique({ where: { mailboxId_messageId: { mailboxId: box.id, messageId: m.messageId } } });
  const first = await earlier();
  if (first) return { ...(first.result as MailResult), replayed: true };
  const direction = m.from.address === box.address ? 'OUTBOUND' : 'INBOUND';
  const others = direction === 'INBOUND' ? [m.from.address] : [...new Set([...m.to, ...m.cc])].filter((a) => a !== box.address);
  const fromThread = await threadTarget(ctx, m.thread);
  const target: Target = fromThread ?? ((c) => (c ? { card: c } : null))(await addressTarget(ctx, others));
  if (target && 'card' in target) await assertCanAdd(ctx, target.card);
  const ws = ctx.viewer.workspaceId;
  const privateToId = box.ownerId;
  // A personal mailbox's files hang on no card: only their uploader (the owner) and administrators see them.
  const fileCard = target && 'card' in target && !privateToId ? target.card : null;
  const files = m.attachments.map((a) => ({ ...a, id: randomUUID() }));
  const stored: string[] = [];
  try {
    for (const f of files) {
      const key = `${ws}/${f.id}`;
      await ctx.deps.storage.put(key, new Uint8Array(f.content));
      stored.push(key);
    }
    return await inOneTransaction(ctx, async (t, tx) => {
      const row = await tx.mailMessage.create({
        data: { workspaceId: ws, mailboxId: box.id, messageId: m.messageId, direction, entityType: target && 'card' in target ? target.card.entityType : null },
      });
      await writeFiles(tx, t, files, fileCard, privateToId);
      const result: MailResult = {
        direction,
        ...(fromThread ? { threaded: true } : {}),
        ...(files.length ? { attachments: files.map((f) => encodeGlobalId('Attachment', f.id)) } : {}),
      };
      const fileIds = files.map((f) => f.id);
      let link: Prisma.MailMessageUncheckedUpdateInput = {};
      if (target && 'card' in target) {
        const [entry] = await recordTimeline(tx, t, target.card, [
          { kind: 'EMAIL', text: `${m.subject}\n${m.body}`, data: emailData(box, direction, m, fileIds), privateToId },
        ]);
        Object.assign(result, { card: globalCard(target.card), timelineEntry: encodeGlobalId('TimelineEntry', entry.id) });
        link = { cardId: target.card.id, timelineEntryId: entry.id };
      } else if (target) {
        await addToLead(tx, target.leadId, [m.subject, m.body.trim()].filter(Boolean).join('\n\n'), fileIds);
        result.lead = encodeGlobalId('IncomingLead', target.leadId);
        link = { leadId: target.leadId };
      } else if (direction === 'INBOUND') {
        const lead = await receiveLead(
          t,
          {
            source: 'EMAIL',
            channel: box.address,
            name: m.from.name.slice(0, 255) || null,
            emails: [m.from.address],
            message: [m.subject, m.body.trim()].filter(Boolean).join('\n\n').slice(0, 10_000),
            responsibleId: box.ownerId ?? ctx.viewer.userId,
            data: { subject: m.subject, messageId: m.messageId, mailbox: box.address },
            fileIds,
          },
          undefined,
          tx,
        );
        result.lead = encodeGlobalId('IncomingLead', lead.id);
        link = { leadId: lead.id };
      } else result.unmatched = true;
      await tx.mailMessage.update({ where: { id: row.id }, data: { ...link, result: result as Prisma.InputJsonValue } });
      return result;
    });
  } catch (err) {
    for (const key of stored) await ctx.deps.storage.remove(key).catch(() => {});
    // The same message posted twice at once: the one that lost answers what the other made.
    if (isUniqueViolation(err)) {
      const row = await earlier();
      if (row) return { ...(row.result as MailResult), replayed: true };
    }
    throw err;
  }
}

/** The files' rows: on the card, or (a personal mailbox's) on no card and counted as the owner's, so the owner alone sees them. */
async function writeFiles(
  tx: Tx,
  ctx: ServiceCtx,
  files: { id: string; name: string; contentType: string; content: Buffer }[],
  card: CardRef | null,
  ownerId: string | null,
) {
  if (!files.length) return;
  await tx.attachment.createMany({
    data: files.map((f) => ({
      id: f.id,
      workspaceId: ctx.viewer.workspaceId,
      entityType: card?.entityType ?? null,
      cardId: card?.id ?? null,
      name: f.name,
      contentType: f.contentType,
      size: f.content.length,
      storageKey: `${ctx.viewer.workspaceId}/${f.id}`,
      uploadedById: ownerId ?? ctx.viewer.userId,
    })),
  });
}

// Sending

export type SendEmailInput = {
  mailboxId: string;
  to?: string[] | null;
  cc?: string[] | null;
  subject: string;
  text: string;
  /** The EMAIL entry (of this card) this answers: the e-mail then carries its thread's headers. */
  replyToId?: string | null;
};

/** A mailbox the viewer may send through: a shared one, or their own personal one. */
async function usableMailbox(ctx: ServiceCtx, id: string) {
  const box = await ctx.db.mailbox.findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId } });
  if (!box || (box.ownerId && box.ownerId !== ctx.viewer.userId && !ctx.viewer.isAdmin)) throw new NotFoundError('Mailbox', id);
  if (box.ownerId && box.ownerId !== ctx.viewer.userId) throw new ForbiddenError(TIMELINE.otherMailbox());
  return box;
}

/** The card's own addresses: a contact's or company's first e-mail, a deal's contacts' first ones. */
async function cardAddresses(ctx: ServiceCtx, card: CardRef): Promise<string[]> {
  if (card.entityType === 'CONTACT') return (await ctx.db.contact.findUniqueOrThrow({ where: { id: card.id }, select: { emails: true } })).emails.slice(0, 1);
  if (card.entityType === 'COMPANY') return (await ctx.db.company.findUniqueOrThrow({ where: { id: card.id }, select: { emails: true } })).emails.slice(0, 1);
  const links = await ctx.db.dealContact.findMany({
    where: { dealId: card.id, contact: { ...visible(ctx, 'CONTACT'), deletedAt: null } },
    orderBy: { position: 'asc' },
    select: { contact: { select: { emails: true } } },
  });
  return links.flatMap((l) => l.contact.emails.slice(0, 1));
}

const recipients = z.array(v.email).max(50, v.zmsg(MAIL.tooManyRecipients())).nullish();

/**
 * Sends an e-mail from a card through a mailbox's SMTP server, then records it on the card's
 * timeline (OUTBOUND, with its Message-ID, so a reply threads back to the card). Checked before
 * anything leaves: the card (EDIT scope, as for any entry), the mailbox (shared, or the sender's
 * own), the addresses and the SMTP settings. A refused send records nothing.
 */
export async function sendEmail(ctx: ServiceCtx, card: CardRef, input: SendEmailInput): Promise<string> {
  await assertCanAdd(ctx, card);
  const box = await usableMailbox(ctx, input.mailboxId);
  const issues = new IssueList();
  if (!box.smtpUrl) issues.add('mailboxId', MAIL.noSmtp());
  const data = v.parseInput(
    z.object({
      to: recipients,
      cc: recipients,
      subject: v
        .text()
        .trim()
        .max(SUBJECT_MAX, v.zmsg(v.VALIDATE.tooLong({ max: SUBJECT_MAX }))),
      text: v.text().max(BODY_MAX, v.zmsg(v.VALIDATE.tooLong({ max: BODY_MAX }))),
    }),
    input,
    issues.issues,
  );
  const to = data.to?.length ? data.to : await cardAddresses(ctx, card);
  if (!to.length) issues.add('to', MAIL.noRecipient());
  let references: string[] = [];
  if (input.replyToId) {
    const entry = await ctx.db.timelineEntry.findFirst({
      where: { id: input.replyToId, workspaceId: ctx.viewer.workspaceId, cardId: card.id, kind: 'EMAIL' },
      select: { id: true, data: true },
    });
    const d = entry?.data as { messageId?: string; references?: string[] } | undefined;
    if (!entry || !d?.messageId || !(await canSeeEntry(ctx, card, entry.id))) issues.add('replyToId', MAIL.notAnEmail());
    else references = [...(d.references ?? []), d.messageId];
  }
  issues.throwIfAny();
  const domain = box.address.split('@')[1] || 'crm.local';
  const messageId = `<${randomUUID()}@${domain}>`;
  // A server that does not answer is an error within seconds, not a request hanging for minutes.
  const u = new URL(box.smtpUrl!);
  const { createTransport } = await import('nodemailer');
  const transport = createTransport({
    host: u.hostname,
    port: Number(u.port) || (u.protocol === 'smtps:' ? 465 : 587),
    secure: u.protocol === 'smtps:',
    ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  try {
    await transport.sendMail({
      from: box.fromName ? { name: box.fromName, address: box.address } : box.address,
      to,
      cc: data.cc ?? undefined,
      subject: data.subject,
      text: data.text,
      messageId,
      ...(references.length ? { inReplyTo: references.at(-1), references } : {}),
    });
  } catch (err) {
    throw ValidationError.field('mailboxId', MAIL.sendFailed({ reason: err instanceof Error ? err.message.slice(0, 300) : String(err) }));
  } finally {
    transport.close();
  }
  const sent = {
    messageId,
    from: { name: box.fromName ?? '', address: box.address },
    to,
    cc: data.cc ?? [],
    subject: data.subject,
    body: data.text,
    date: new Date(),
    references,
  };
  return inOneTransaction(ctx, async (t, tx) => {
    const [entry] = await recordTimeline(tx, t, card, [
      { kind: 'EMAIL', text: `${sent.subject}\n${sent.body}`, data: emailData(box, 'OUTBOUND', sent, []), privateToId: box.ownerId },
    ]);
    const result: MailResult = { direction: 'OUTBOUND', card: globalCard(card), timelineEntry: encodeGlobalId('TimelineEntry', entry.id) };
    await tx.mailMessage.create({
      data: {
        workspaceId: ctx.viewer.workspaceId,
        mailboxId: box.id,
        messageId,
        direction: 'OUTBOUND',
        entityType: card.entityType,
        cardId: card.id,
        timelineEntryId: entry.id,
        result: result as Prisma.InputJsonValue,
      },
    });
    return entry.id;
  });
}
