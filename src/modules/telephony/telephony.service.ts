// Telephony: call events from a phone system (started, answered, ended), taken once per call and
// event. When a call ends: a known number (a contact's phone) gets a CALL entry on the timeline
// of the contact's open deal, else the contact's own, and a missed call a call-back task for its
// responsible; an unknown caller becomes an incoming lead (source CALL). Everything goes through
// the same services as the GraphQL API, acting as the API key's user.
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
import type { CardRef } from '../../kernel/records.js';
import { logCall } from '../timeline/timeline.service.js';
import { createTask } from '../tasks/tasks.service.js';
import { receiveLead } from '../leads/leads.service.js';
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
export type CallResult = { timelineEntry?: string; lead?: string; task?: string; notified?: string };

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
  if (!known) {
    if (e.direction === 'OUTBOUND') return {};
    const lead = await receiveLead(ctx, {
      source: 'CALL',
      channel: e.to,
      phones: [raw],
      message: '',
      data: { callId: e.callId, ...(missed ? { missed: 'yes' } : {}), ...(e.recordingUrl ? { recording: e.recordingUrl } : {}) },
    });
    return { lead: encodeGlobalId('IncomingLead', lead.id) };
  }
  const entry = await logCall(ctx, known.card, {
    direction: e.direction,
    number: raw,
    durationSeconds: e.durationSeconds ?? 0,
    recordingUrl: e.recordingUrl ?? null,
    result: missed ? 'missed' : null,
  });
  const out: CallResult = { timelineEntry: encodeGlobalId('TimelineEntry', entry) };
  if (missed && e.direction === 'INBOUND') {
    const card = await cardTable(ctx.db, known.card.entityType).findUniqueOrThrow({ where: { id: known.card.id }, select: { responsibleId: true } });
    const task = await createTask(ctx, known.card, {
      type: 'CALL',
      text: render(TELEPHONY.callBack({ number: number! }), ctx.viewer.locale),
      dueAt: new Date(Date.now() + 15 * 60_000),
      responsibleId: card.responsibleId,
    });
    out.task = encodeGlobalId('Task', task.id);
  }
  return out;
}
