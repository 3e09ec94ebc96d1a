// Incoming leads (the "unsorted" inbox): requests that arrived by a form, a call, an e-mail, a
// chat or the API, kept as they arrived with the contacts that look like the same person, until
// someone converts them into cards (through the kernel's one write path, in one transaction) or
// declines them (its tasks, such as a call-back, move to its cards or are closed). The LEAD rights scopes of the viewer's role apply to all of it, by the lead's
// responsible; each new lead is a `lead.received` event.
import { z } from 'zod';
import type { ServiceCtx } from '../../context.js';
import { ConflictError, IssueList, NotFoundError, ValidationError } from '../../lib/errors.js';
import * as v from '../../lib/validate.js';
import { render } from '../../lib/i18n.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { Tx } from '../../lib/outbox.js';
import * as rights from '../../kernel/access/rights.js';
import { assertCan, assertHandover } from '../../kernel/access/actions.js';
import { events } from '../../kernel/events.js';
import { findDuplicates } from '../../kernel/duplicates.js';
import { searchTerms, searchWhere } from '../../kernel/lists.js';
import { workspaceRegion } from '../../kernel/workspace.js';
import {
  assertLive,
  checkCards,
  checkResponsible,
  createRecord,
  findVisible,
  inOneTransaction,
  searchText,
  updateRecord,
  type CardRef,
} from '../../kernel/records.js';
import { record as recordTimeline } from '../timeline/timeline.service.js';
import { closeLeadTasks, moveLeadTasks } from '../tasks/tasks.service.js';
import { LEADS } from './leads.messages.js';

export type LeadSource = 'FORM' | 'CALL' | 'EMAIL' | 'CHAT' | 'API';
export type LeadStatus = 'NEW' | 'IN_WORK' | 'CONVERTED' | 'DECLINED';
export type LeadRating = 'HOT' | 'WARM' | 'COLD';
type Lead = Prisma.IncomingLeadModel;
type Query = { include?: Prisma.IncomingLeadInclude; select?: Prisma.IncomingLeadSelect };

/** The leads the viewer may see: the workspace, narrowed by the role's LEAD VIEW scope. */
export function visibleLeads(ctx: ServiceCtx): Prisma.IncomingLeadWhereInput {
  return { workspaceId: ctx.viewer.workspaceId, AND: [rights.allowed(ctx.viewer, 'LEAD', 'VIEW') as Prisma.IncomingLeadWhereInput] };
}

export function findLead(ctx: ServiceCtx, id: string, query: Query = {}) {
  return ctx.db.incomingLead.findFirst({ ...query, where: { id, ...visibleLeads(ctx) } });
}

// Receiving

export type ReceiveLeadInput = {
  source: LeadSource;
  channel?: string | null;
  name?: string | null;
  phones?: string[] | null;
  emails?: string[] | null;
  companyName?: string | null;
  message?: string | null;
  rating?: LeadRating | null;
  responsibleId?: string | null;
  /** Everything else that arrived (form fields by name), as received. */
  data?: Record<string, string | string[]>;
  /** Files that came with it, already stored (a form's uploads). */
  fileIds?: string[];
  /** A contact it was matched with by phone or e-mail: conversion attaches to it by default. */
  contactId?: string | null;
  /** The contacts that look like the same person, when the caller has searched already (a form does, to match). */
  duplicateContactIds?: string[];
};

const leadFields = (region: string) =>
  z.object({
    channel: v.optionalText(120),
    name: v.optionalText(255),
    phones: v.phones(region).default([]),
    emails: v.emails.default([]),
    companyName: v.optionalText(255),
    message: v
      .text()
      .trim()
      .max(10_000, v.zmsg(v.VALIDATE.tooLong({ max: 10_000 })))
      .nullish(),
  });

/**
 * Records a lead as it arrived, with the contacts that look like the same person, and emits
 * `lead.received`. Needs LEAD CREATE for the responsible (the caller by default).
 */
export async function receiveLead(ctx: ServiceCtx, input: ReceiveLeadInput, issues = new IssueList(), tx?: Tx) {
  const { phoneRegion } = await workspaceRegion(ctx);
  const responsibleId = await checkResponsible(ctx, issues, input.responsibleId);
  await assertCan(ctx, 'lead:create', { responsibleId });
  const data = v.parseInput(leadFields(phoneRegion), input, issues.issues);
  if (!data.name && !data.phones.length && !data.emails.length) {
    throw ValidationError.field('name', LEADS.noContactData());
  }
  const dupIds =
    input.duplicateContactIds ?? (await findDuplicates(ctx, 'CONTACT', { name: data.name, phones: data.phones, emails: data.emails })).map((d) => d.id);
  const write = async (t: Tx) => {
    const lead = await t.incomingLead.create({
      data: {
        workspaceId: ctx.viewer.workspaceId,
        source: input.source,
        rating: input.rating ?? 'WARM',
        channel: data.channel ?? '',
        name: data.name ?? '',
        phones: data.phones,
        emails: data.emails,
        companyName: data.companyName ?? null,
        message: data.message ?? '',
        data: (input.data ?? {}) as Prisma.InputJsonValue,
        searchText: leadSearch(data),
        responsibleId,
        createdById: ctx.viewer.userId,
        duplicateContactIds: dupIds,
        fileIds: input.fileIds ?? [],
        contactId: input.contactId ?? null,
      },
    });
    await events.emit(t, ctx, 'lead.received', [
      {
        workspaceId: lead.workspaceId,
        actorId: ctx.viewer.userId,
        occurredAt: lead.receivedAt.toISOString(),
        leadId: lead.id,
        source: lead.source,
        responsibleId,
        duplicateContactIds: lead.duplicateContactIds,
      },
    ]);
    return lead;
  };
  if (tx) return write(tx);
  const lead = await ctx.db.$transaction(write);
  ctx.deps.outbox.kick();
  return lead;
}

function leadSearch(d: { name?: string | null; companyName?: string | null; phones: string[]; emails: string[]; message?: string | null }) {
  return [searchText({ names: [d.name, d.companyName], phones: d.phones, emails: d.emails }), (d.message ?? '').toLowerCase().slice(0, 2000)]
    .filter(Boolean)
    .join(' ');
}

// Lists

export type LeadFilter = {
  sources?: LeadSource[] | null;
  statuses?: LeadStatus[] | null;
  ratings?: LeadRating[] | null;
  channels?: string[] | null;
  responsibleIds?: string[] | null;
  receivedAt?: { from?: Date | null; to?: Date | null } | null;
  search?: string | null;
};

export async function leadWhere(ctx: ServiceCtx, f: LeadFilter): Promise<Prisma.IncomingLeadWhereInput> {
  const and: Prisma.IncomingLeadWhereInput[] = [visibleLeads(ctx)];
  if (f.sources?.length) and.push({ source: { in: f.sources } });
  if (f.statuses?.length) and.push({ status: { in: f.statuses } });
  if (f.ratings?.length) and.push({ rating: { in: f.ratings } });
  if (f.channels?.length) and.push({ channel: { in: f.channels } });
  if (f.responsibleIds?.length) and.push({ responsibleId: { in: f.responsibleIds } });
  if (f.receivedAt?.from || f.receivedAt?.to) and.push({ receivedAt: { gte: f.receivedAt.from ?? undefined, lte: f.receivedAt.to ?? undefined } });
  if (f.search) {
    v.assertSearchable(f.search);
    const terms = searchTerms(f.search, (await workspaceRegion(ctx)).phoneRegion);
    if (terms.length) and.push({ OR: searchWhere(terms) as Prisma.IncomingLeadWhereInput[] });
  }
  return { AND: and };
}

export async function listLeads(ctx: ServiceCtx, f: LeadFilter, query: Query & { take?: number; skip?: number; cursor?: Prisma.IncomingLeadWhereUniqueInput }) {
  return ctx.db.incomingLead.findMany({ ...query, where: await leadWhere(ctx, f), orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }] });
}

export async function countLeads(ctx: ServiceCtx, f: LeadFilter) {
  return ctx.db.incomingLead.count({ where: await leadWhere(ctx, f) });
}

// Changes

/** A lead to change: visible (else NotFoundError), at this version, open, and within LEAD EDIT scope. */
async function openLead(ctx: ServiceCtx, id: string, version: number | null | undefined) {
  const lead = await findLead(ctx, id);
  if (!lead) throw new NotFoundError('IncomingLead', id);
  if (version !== null && version !== undefined && version !== lead.version) throw new ConflictError('IncomingLead', id, lead.version);
  await assertCan(ctx, 'lead:edit', lead);
  if (lead.status === 'CONVERTED' || lead.status === 'DECLINED') throw ValidationError.field('id', LEADS.decided({ status: lead.status }));
  return lead;
}

/** Writes `data` only if the lead is still at the version read; otherwise ConflictError. */
async function write(tx: Tx, lead: Lead, data: Prisma.IncomingLeadUncheckedUpdateManyInput) {
  const { count } = await tx.incomingLead.updateMany({
    where: { id: lead.id, version: lead.version },
    data: { ...data, updatedAt: new Date(), version: { increment: 1 } },
  });
  if (!count) {
    const now = await tx.incomingLead.findUnique({ where: { id: lead.id }, select: { version: true } });
    throw new ConflictError('IncomingLead', lead.id, now?.version ?? lead.version);
  }
  return tx.incomingLead.findUniqueOrThrow({ where: { id: lead.id } });
}

/**
 * Locks the lead for the rest of the transaction before a conversion or decline touches its tasks: a
 * task being added to it (tasks.service, which takes a share lock) commits first and is then moved or
 * closed with the others, or waits and finds the lead decided.
 */
async function lockLead(tx: Tx, id: string) {
  await tx.$queryRaw`select 1 from "IncomingLead" where id = ${id} for update`;
}

/**
 * A reply in the thread of an e-mail that became a lead still open: its text and files join the
 * lead, inside the caller's transaction, instead of making a second lead.
 */
export async function addToLead(tx: Tx, leadId: string, text: string, fileIds: string[]) {
  const lead = await tx.incomingLead.findUniqueOrThrow({ where: { id: leadId } });
  const message = [lead.message, text].filter(Boolean).join('\n\n---\n\n').slice(0, 10_000);
  return write(tx, lead, { message, fileIds: [...lead.fileIds, ...fileIds], searchText: leadSearch({ ...lead, message }) });
}

export type UpdateLeadInput = { responsibleId?: string | null; rating?: LeadRating | null; status?: LeadStatus | null };

/** Hands a lead to someone (within the EDIT scope too), rates it, or takes it into work. */
export async function updateLead(ctx: ServiceCtx, id: string, version: number, input: UpdateLeadInput, issues = new IssueList()) {
  const lead = await openLead(ctx, id, version);
  const responsibleId = input.responsibleId ? await checkResponsible(ctx, issues, input.responsibleId) : undefined;
  await assertHandover(ctx, 'LEAD', lead.responsibleId, responsibleId, issues);
  if (input.status && input.status !== 'NEW' && input.status !== 'IN_WORK') issues.add('status', LEADS.statusOpenOnly());
  issues.throwIfAny();
  return ctx.db.$transaction((tx) =>
    write(tx, lead, {
      ...(responsibleId ? { responsibleId } : {}),
      ...(input.rating ? { rating: input.rating } : {}),
      ...(input.status ? { status: input.status } : {}),
    }),
  );
}

export async function declineLead(ctx: ServiceCtx, id: string, version: number, reason: string) {
  const lead = await openLead(ctx, id, version);
  const clean = v.parseInput(
    z.object({
      reason: v
        .text()
        .trim()
        .min(1, v.zmsg(LEADS.reasonRequired()))
        .max(1000, v.zmsg(v.VALIDATE.tooLong({ max: 1000 }))),
    }),
    { reason },
  );
  const declined = await ctx.db.$transaction(async (tx) => {
    await lockLead(tx, lead.id);
    await closeLeadTasks(tx, ctx, lead.id, clean.reason);
    return write(tx, lead, { status: 'DECLINED', declineReason: clean.reason, decidedAt: new Date() });
  });
  ctx.deps.outbox.kick();
  return declined;
}

export type ConvertLeadInput = {
  id: string;
  version: number;
  /** Attach to this contact instead of creating one. */
  contactId?: string | null;
  /** Attach to this company instead of creating one from the lead's company name. */
  companyId?: string | null;
  /** Add the contact to this deal instead of creating one. */
  dealId?: string | null;
  /** Create a deal (unless dealId): in this pipeline and stage (default: the first pipeline's first open stage). */
  deal?: { name?: string | null; pipelineId?: string | null; stageId?: string | null; amount?: string | null } | null;
  /** Of the cards created; default the lead's. */
  responsibleId?: string | null;
};

/**
 * Converts a lead into a contact (with its company) and a deal, or onto existing cards the user
 * picks, in one transaction through the kernel's write path: each card created needs CREATE on
 * its kind, a deal joined needs EDIT, and a deal's stage requirements hold. The lead's message
 * goes on the deal's (else the contact's) timeline as a note.
 */
export async function convertLead(ctx: ServiceCtx, given: ConvertLeadInput, issues = new IssueList()) {
  let input = given;
  const lead = await openLead(ctx, input.id, input.version);
  if (input.dealId && input.deal) issues.add('deal', LEADS.dealOrExisting());
  // A lead matched with a contact when it arrived goes onto that contact unless the user picks another.
  const chosen = input.contactId ?? (lead.contactId && (await findVisible(ctx, 'CONTACT', lead.contactId))?.deletedAt === null ? lead.contactId : null);
  input = { ...input, contactId: chosen };
  if (input.contactId) await checkCards(ctx, issues, 'CONTACT', 'contactId', [input.contactId], true);
  if (input.companyId) await checkCards(ctx, issues, 'COMPANY', 'companyId', [input.companyId], true);
  if (input.dealId) await checkCards(ctx, issues, 'DEAL', 'dealId', [input.dealId], true);
  issues.throwIfAny();
  const responsibleId = input.responsibleId ?? lead.responsibleId;
  return inOneTransaction(ctx, async (t, tx) => {
    await lockLead(tx, lead.id);
    let companyId = input.companyId ?? null;
    if (!companyId && lead.companyName && !input.contactId) {
      companyId = (await createRecord(t, 'COMPANY', { fields: { name: lead.companyName }, responsibleId })).id;
    }
    let contactId = input.contactId ?? null;
    if (!contactId) {
      const name = lead.name || lead.emails[0] || lead.phones[0] || '—';
      const contact = await createRecord(t, 'CONTACT', { fields: { name, phones: lead.phones, emails: lead.emails }, companyId, responsibleId });
      contactId = contact.id;
    }
    let dealId = input.dealId ?? null;
    if (dealId) {
      const deal = assertLive('DEAL', dealId, await findVisible(t, 'DEAL', dealId));
      const linked = await t.db.dealContact.findMany({ where: { dealId }, orderBy: { position: 'asc' }, select: { contactId: true } });
      const ids = linked.map((l) => l.contactId);
      if (!ids.includes(contactId)) await updateRecord(t, 'DEAL', dealId, deal.version, { extra: { contactIds: [...ids, contactId] } });
    } else if (input.deal !== null) {
      const d = input.deal ?? {};
      const name = d.name ?? render(LEADS.dealName({ name: lead.name || lead.companyName || lead.emails[0] || lead.phones[0] || '—' }), ctx.viewer.locale);
      const deal = await createRecord(t, 'DEAL', {
        fields: { name, ...(d.amount ? { amount: d.amount } : {}) },
        companyId,
        responsibleId,
        extra: { pipelineId: d.pipelineId ?? undefined, stageId: d.stageId ?? undefined, contactIds: [contactId] },
      });
      dealId = deal.id;
    }
    const card: CardRef = dealId ? { entityType: 'DEAL', id: dealId } : { entityType: 'CONTACT', id: contactId };
    if (lead.message) await recordTimeline(tx, t, card, [{ kind: 'NOTE', text: lead.message, data: { leadId: lead.id, source: lead.source } }]);
    await moveLeadTasks(tx, t, lead.id, card);
    // The files that came with the lead go to the same card's timeline.
    if (lead.fileIds.length) {
      const files = await tx.attachment.findMany({ where: { id: { in: lead.fileIds }, workspaceId: ctx.viewer.workspaceId, cardId: null } });
      await tx.attachment.updateMany({ where: { id: { in: files.map((f) => f.id) } }, data: { entityType: card.entityType, cardId: card.id } });
      const occurredAt = new Date().toISOString();
      await events.emit(
        tx,
        t,
        'file.attached',
        files.map((f) => ({
          workspaceId: f.workspaceId,
          actorId: ctx.viewer.userId,
          occurredAt,
          card: { kind: card.entityType, id: card.id },
          file: { id: f.id, name: f.name, size: f.size, contentType: f.contentType },
        })),
      );
    }
    return write(tx, lead, { status: 'CONVERTED', contactId, companyId, dealId, decidedAt: new Date() });
  });
}
