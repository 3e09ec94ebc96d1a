// Telephony: call events from a phone system (started, answered, ended), taken once per call and
// event. When a call ends: a known number (a contact's phone) gets a CALL entry on the timeline
// of the contact's open deal, else the contact's own, and a missed call a call-back task for its
// responsible; an unknown caller becomes an incoming lead (source CALL), or a contact with a deal
// where the workspace's telephony settings say so, with a call-back task either way. Everything
// goes through the same services as the GraphQL API, acting as the API key's user, and what one
// event makes is written in one transaction.
import { z } from 'zod';
import type { ServiceCtx } from '../../context.js';
import { PENDING, takeOnce, type Taken } from '../../lib/take-once.js';
import { encodeGlobalId } from '../../lib/ids.js';
import { render } from '../../lib/i18n.js';
import * as v from '../../lib/validate.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { visible } from '../../kernel/access/visibility.js';
import { cardTable } from '../../kernel/tables.js';
import { workspaceRegion } from '../../kernel/workspace.js';
import { createRecord, inOneTransaction, type CardRef } from '../../kernel/records.js';
import { assertAdmin } from '../../kernel/access/viewer.js';
import { AppError, IssueList } from '../../lib/errors.js';
import { logCall } from '../timeline/timeline.service.js';
import { createTask, type TaskSubject } from '../tasks/tasks.service.js';
import { receiveLead } from '../leads/leads.service.js';
import { LEADS } from '../leads/leads.messages.js';
import { checkDealPlace } from '../pipelines/pipelines.service.js';
import { events } from '../../kernel/events.js';
import { TELEPHONY } from './telephony.messages.js';

export const callEvent = z.object({
  callId: v.text().trim().min(1).max(200),
  event: z.enum(['STARTED', 'ANSWERED', 'ENDED']),
  direction: z.enum(['INBOUND', 'OUTBOUND']),
  from: v.text().trim().min(1).max(50),
  to: v.text().trim().min(1).max(50),
  durationSeconds: z.number().int().min(0).max(86_400).nullish(),
  recordingUrl: v.url.nullish(),
  /** Whether anyone answered; a call that ends unanswered is missed. */
  answered: z.boolean().nullish(),
});
export type CallEvent = z.output<typeof callEvent>;
export type CallResult = {
  timelineEntry?: string;
  lead?: string;
  contact?: string;
  deal?: string;
  task?: string;
  /** Why no call-back task was made (the key's user may not add one there): the call itself is kept. */
  taskRefused?: string;
  notified?: string;
};

// Settings

export type CallTarget = 'LEAD' | 'DEAL';
export type TelephonySettings = { unknownCaller: CallTarget; pipelineId: string | null; stageId: string | null };

export async function telephonySettings(ctx: ServiceCtx): Promise<TelephonySettings> {
  assertAdmin(ctx.viewer, TELEPHONY.manage());
  const ws = await ctx.db.workspace.findUniqueOrThrow({
    where: { id: ctx.viewer.workspaceId },
    select: { callTarget: true, callPipelineId: true, callStageId: true },
  });
  return { unknownCaller: ws.callTarget, pipelineId: ws.callPipelineId, stageId: ws.callStageId };
}

/** What calls from unknown numbers become (administrators only); a pipeline and stage only for DEAL. */
export async function updateTelephonySettings(ctx: ServiceCtx, input: TelephonySettings, issues = new IssueList()) {
  assertAdmin(ctx.viewer, TELEPHONY.manage());
  if (input.unknownCaller === 'LEAD') {
    if (input.pipelineId) issues.add('pipelineId', TELEPHONY.placeForDeals());
    if (input.stageId) issues.add('stageId', TELEPHONY.placeForDeals());
  }
  await checkDealPlace(ctx, issues, input);
  issues.throwIfAny();
  await ctx.db.workspace.update({
    where: { id: ctx.viewer.workspaceId },
    data: { callTarget: input.unknownCaller, callPipelineId: input.pipelineId, callStageId: input.stageId },
  });
  return telephonySettings(ctx);
}

/** The contact with this phone that the viewer may see, and the card the call belongs on. */
async function cardOf(ctx: ServiceCtx, phone: string): Promise<{ card: CardRef; contactName: string } | null> {
  const contact = await ctx.db.contact.findFirst({
    where: { ...visible(ctx, 'CONTACT'), deletedAt: null, phones: { has: phone } },
    orderBy: { lastActivityAt: 'desc' },
    select: { id: true, name: true },
  });
  if (!contact) return null;
  const deal = await ctx.db.deal.findFirst({
    where: { ...visible(ctx, 'DEAL'), deletedAt: null, closedAt: null, contacts: { some: { contactId: contact.id } } },
    orderBy: { lastActivityAt: 'desc' },
    select: { id: true },
  });
  return { card: deal ? { entityType: 'DEAL', id: deal.id } : { entityType: 'CONTACT', id: contact.id }, contactName: contact.name };
}

/**
 * Takes a call event once (lib/take-once.ts): a replay answers what the first made, `pending`
 * while the first is still at work; one whose taking died mid-way is taken again later.
 */
export function takeCallEvent(ctx: ServiceCtx, e: CallEvent): Promise<Taken<CallResult>> {
  const ws = ctx.viewer.workspaceId;
  const key = { workspaceId_callId_event: { workspaceId: ws, callId: e.callId, event: e.event } };
  return takeOnce({
    insert: () => ctx.db.telephonyEvent.create({ data: { workspaceId: ws, callId: e.callId, event: e.event, result: PENDING } }),
    read: () => ctx.db.telephonyEvent.findUnique({ where: key }),
    takeOver: async (before) =>
      (
        await ctx.db.telephonyEvent.updateMany({
          where: { workspaceId: ws, callId: e.callId, event: e.event, result: { equals: PENDING }, createdAt: { lt: before } },
          data: { createdAt: new Date() },
        })
      ).count,
    run: async () => (e.event === 'ENDED' ? callEnded(ctx, e) : e.event === 'STARTED' ? callStarted(ctx, e) : {}),
    save: (result) => ctx.db.telephonyEvent.update({ where: key, data: { result: result as Prisma.InputJsonValue } }),
    // Refused: the provider may send it again, corrected.
    release: () => ctx.db.telephonyEvent.deleteMany({ where: { workspaceId: ws, callId: e.callId, event: e.event } }),
  });
}

/**
 * An inbound call from a known number starts ringing: its card's responsible gets an
 * INCOMING_CALL notification carrying the card, so their client can open it before they answer.
 */
async function callStarted(ctx: ServiceCtx, e: CallEvent): Promise<CallResult> {
  if (e.direction !== 'INBOUND') return {};
  const { phoneRegion } = await workspaceRegion(ctx);
  const number = v.normalizePhone(e.from, phoneRegion);
  const known = number ? await cardOf(ctx, number) : null;
  if (!known) return {};
  const card = await cardTable(ctx.db, known.card.entityType).findUniqueOrThrow({ where: { id: known.card.id }, select: { responsibleId: true } });
  await ctx.db.$transaction((tx) =>
    events.emit(tx, ctx, 'notification', [
      {
        workspaceId: ctx.viewer.workspaceId,
        userId: card.responsibleId,
        kind: 'INCOMING_CALL',
        text: render(TELEPHONY.incomingCall({ number: number!, name: known.contactName }), ctx.viewer.locale),
        card: { kind: known.card.entityType, id: known.card.id },
        occurredAt: new Date().toISOString(),
      },
    ]),
  );
  ctx.deps.outbox.kick();
  return { notified: encodeGlobalId('User', card.responsibleId) };
}

async function callEnded(ctx: ServiceCtx, e: CallEvent): Promise<CallResult> {
  const { phoneRegion } = await workspaceRegion(ctx);
  const raw = e.direction === 'INBOUND' ? e.from : e.to;
  const number = v.normalizePhone(raw, phoneRegion);
  const known = number ? await cardOf(ctx, number) : null;
  const missed = e.answered === false || (e.answered == null && !e.durationSeconds);
  if (!known) return e.direction === 'OUTBOUND' ? {} : unknownCaller(ctx, e, raw, missed);
  return inOneTransaction(ctx, async (t) => {
    const out: CallResult = { timelineEntry: encodeGlobalId('TimelineEntry', await logCall(t, known.card, callInput(e, raw, missed))) };
    if (missed && e.direction === 'INBOUND') {
      const card = await cardTable(t.db, known.card.entityType).findUniqueOrThrow({ where: { id: known.card.id }, select: { responsibleId: true } });
      Object.assign(out, await callBack(t, known.card, card.responsibleId, TELEPHONY.callBack({ number: number! })));
    }
    return out;
  });
}

const callInput = (e: CallEvent, raw: string, missed: boolean) => ({
  direction: e.direction,
  number: raw,
  durationSeconds: e.durationSeconds ?? 0,
  recordingUrl: e.recordingUrl ?? null,
  result: missed ? 'missed' : null,
});

/**
 * A call-back task for `responsibleId`, due in 15 minutes. It is the key's user who adds it: one whose
 * role may not (a refusal comes from the checks, before anything is written) still gets the call
 * recorded, with the reason instead of the task.
 */
async function callBack(ctx: ServiceCtx, subject: TaskSubject, responsibleId: string, text: Parameters<typeof render>[0]) {
  try {
    const task = await createTask(ctx, subject, {
      type: 'CALL',
      text: render(text, ctx.viewer.locale),
      dueAt: new Date(Date.now() + 15 * 60_000),
      responsibleId,
    });
    return { task: encodeGlobalId('Task', task.id) };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return { taskRefused: render(err.msg, ctx.viewer.locale) };
  }
}

/**
 * A call from a number no visible contact has: per the workspace's telephony settings, a contact
 * with a deal (the call on its timeline) or an incoming lead, and a call-back task for its
 * responsible, in one transaction. A deal that is refused (its stage gone, fields the stage requires,
 * the key's rights) falls back to a lead that says why, so no caller is lost.
 */
async function unknownCaller(ctx: ServiceCtx, e: CallEvent, raw: string, missed: boolean): Promise<CallResult> {
  const settings = await ctx.db.workspace.findUniqueOrThrow({
    where: { id: ctx.viewer.workspaceId },
    select: { callTarget: true, callPipelineId: true, callStageId: true },
  });
  const number = v.normalizePhone(raw, (await workspaceRegion(ctx)).phoneRegion) ?? raw;
  const text = missed ? TELEPHONY.callBack({ number }) : TELEPHONY.callBackNew({ number });
  let dealRefused: string | null = null;
  if (settings.callTarget === 'DEAL') {
    try {
      return await inOneTransaction(ctx, async (t) => {
        const contact = await createRecord(t, 'CONTACT', { fields: { name: number, phones: [raw] } });
        const deal = await createRecord(t, 'DEAL', {
          fields: { name: render(LEADS.dealName({ name: number }), ctx.viewer.locale) },
          extra: { pipelineId: settings.callPipelineId ?? undefined, stageId: settings.callStageId ?? undefined, contactIds: [contact.id] },
        });
        const card: CardRef = { entityType: 'DEAL', id: deal.id };
        return {
          contact: encodeGlobalId('Contact', contact.id),
          deal: encodeGlobalId('Deal', deal.id),
          timelineEntry: encodeGlobalId('TimelineEntry', await logCall(t, card, callInput(e, raw, missed))),
          ...(await callBack(t, card, deal.responsibleId, text)),
        };
      });
    } catch (err) {
      // Refused by a rule (the stage's requirements, a stage gone, the key's rights): a lead says why.
      if (!(err instanceof AppError)) throw err;
      dealRefused = render(err.msg, ctx.viewer.locale);
    }
  }
  return inOneTransaction(ctx, async (t) => {
    const lead = await receiveLead(t, {
      source: 'CALL',
      channel: e.to,
      phones: [raw],
      message: '',
      data: {
        callId: e.callId,
        ...(missed ? { missed: 'yes' } : {}),
        ...(e.recordingUrl ? { recording: e.recordingUrl } : {}),
        ...(dealRefused ? { dealRefused } : {}),
      },
    });
    const task = await callBack(t, { entityType: 'LEAD', id: lead.id }, lead.responsibleId, text);
    // The lead says why it has no call-back task, for whoever opens it.
    if (task.taskRefused)
      await t.db.incomingLead.update({ where: { id: lead.id }, data: { data: { ...(lead.data as Prisma.JsonObject), taskRefused: task.taskRefused } } });
    return { lead: encodeGlobalId('IncomingLead', lead.id), ...task };
  });
}
