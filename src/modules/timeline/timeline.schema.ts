// The timeline of deals, contacts and companies: reading it (filtered, searched, newest first),
// adding notes, calls, e-mails, meetings and chat messages, note templates, and the live
// `timelineUpdated` feed of one card.
import { liveViewer, startLive } from '../auth/live-viewer.js';
import { withId } from '../../lib/prisma-query.js';
import { filter, pipe } from 'graphql-yoga';
import { builder, type Types } from '../../builder.js';
import { authed, type Context } from '../../context.js';
import { decodeGlobalId, encodeGlobalId, IdParser, isUuid, parseId } from '../../lib/ids.js';
import { LocalizedGraphQLError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { hidesPhones } from '../../kernel/access/field-access.js';
import { perRequest } from '../../lib/per-request.js';
import { onceEach, type TimelineMessage } from '../../lib/pubsub.js';
import { WRITE_ERRORS } from '../common/common.schema.js';
import { inWorkspace, registerNode, seenOrNowhere } from '../cards/cards.schema.js';
import * as tl from './timeline.service.js';
import { attachmentById } from '../files/files.service.js';
import { TIMELINE } from './timeline.messages.js';

registerNode('TimelineEntry');
registerNode('NoteTemplate');

const CARD_TYPES: Record<string, tl.EntityType> = { Deal: 'DEAL', Contact: 'CONTACT', Company: 'COMPANY' };
const TYPENAME: Record<tl.EntityType, string> = { DEAL: 'Deal', CONTACT: 'Contact', COMPANY: 'Company' };

/** A deal, contact or company id; anything else is a ValidationError naming `field`. */
export function cardRef(globalId: string, field = 'cardId'): tl.CardRef {
  const { typename, id } = decodeGlobalId(globalId);
  const entityType = CARD_TYPES[typename];
  if (!entityType || !isUuid(id)) throw ValidationError.field(field, TIMELINE.notACard());
  return { entityType, id };
}

export const TimelineKind = builder.enumType('TimelineKind', {
  values: [
    'CARD_CREATED',
    'STAGE_CHANGED',
    'FIELD_CHANGED',
    'RESPONSIBLE_CHANGED',
    'NOTE',
    'CALL',
    'EMAIL',
    'MEETING',
    'CHAT',
    'TASK_CREATED',
    'TASK_COMPLETED',
    'ATTACHMENT',
    'IMPORTED',
    'MERGED',
  ] as const,
});
const Direction = builder.enumType('Direction', { values: ['INBOUND', 'OUTBOUND'] as const });

/** An entry's stored details (its `data` JSON); each kind fills its own keys. */
type Data = {
  direction: 'INBOUND' | 'OUTBOUND';
  number?: string | null;
  durationSeconds?: number | null;
  recordingUrl?: string | null;
  result?: string | null;
  subject: string;
  body: string;
  mailbox?: string | null;
  messageId?: string | null;
  from?: string | null;
  to?: string[];
  cc?: string[];
  attachmentIds?: string[];
  startsAt: string;
  endsAt?: string | null;
  place?: string | null;
  notes?: string | null;
  channel: string;
  fromStageId: string;
  toStageId: string;
  fromUserId: string;
  toUserId: string;
  field: string;
  customFieldId?: string | null;
  old: string | null;
  new: string | null;
  attachmentId: string;
};

const CallDetails = builder.objectRef<Data>('CallDetails').implement({
  fields: (t) => ({
    direction: t.field({ type: Direction, resolve: (d) => d.direction }),
    number: t.string({
      nullable: true,
      description: "E.164; null when the viewer's role hides the phones of contacts or companies.",
      resolve: (d, _a, ctx) => (ctx.viewer && hidesPhones(ctx.viewer) ? null : d.number),
    }),
    durationSeconds: t.int({ nullable: true, resolve: (d) => d.durationSeconds }),
    recordingUrl: t.string({ nullable: true, resolve: (d) => d.recordingUrl }),
    result: t.string({ nullable: true, resolve: (d) => d.result }),
  }),
});
const EmailDetails = builder.objectRef<Data>('EmailDetails').implement({
  fields: (t) => ({
    direction: t.field({ type: Direction, resolve: (d) => d.direction }),
    subject: t.string({ resolve: (d) => d.subject }),
    body: t.string({ resolve: (d) => d.body }),
    mailbox: t.string({ nullable: true, resolve: (d) => d.mailbox }),
    messageId: t.string({
      nullable: true,
      description: 'Its Message-ID header, angle brackets included (e-mails received or sent through a mailbox).',
      resolve: (d) => d.messageId ?? null,
    }),
    from: t.string({ nullable: true, resolve: (d) => d.from ?? null }),
    to: t.stringList({ resolve: (d) => d.to ?? [] }),
    cc: t.stringList({ resolve: (d) => d.cc ?? [] }),
    attachments: t.prismaField({
      type: ['Attachment'],
      description: 'The files that came with it.',
      // Batched per request (a page of e-mails costs one query), in the order they came.
      resolve: async (query, d, _a, ctx) =>
        (await Promise.all((d.attachmentIds ?? []).map((id) => attachmentById(authed(ctx), id, query)))).filter((a) => a !== null),
    }),
  }),
});
const MeetingDetails = builder.objectRef<Data>('MeetingDetails').implement({
  fields: (t) => ({
    subject: t.string({ resolve: (d) => d.subject }),
    startsAt: t.field({ type: 'DateTime', resolve: (d) => new Date(d.startsAt) }),
    endsAt: t.field({ type: 'DateTime', nullable: true, resolve: (d) => (d.endsAt ? new Date(d.endsAt) : null) }),
    place: t.string({ nullable: true, resolve: (d) => d.place }),
    notes: t.string({ nullable: true, resolve: (d) => d.notes }),
  }),
});
const ChatDetails = builder.objectRef<Data>('ChatDetails').implement({
  fields: (t) => ({
    direction: t.field({ type: Direction, resolve: (d) => d.direction }),
    channel: t.string({ resolve: (d) => d.channel }),
  }),
});

/** The workspace's stages and users, read once per request for the entries that name them. */
const stages = (ctx: Context) =>
  perRequest(
    ctx as never,
    'timeline:stages',
    async () => new Map((await ctx.db.stage.findMany({ where: { workspaceId: ctx.viewer!.workspaceId } })).map((s) => [s.id, s])),
  );
const users = (ctx: Context) =>
  perRequest(
    ctx as never,
    'timeline:users',
    async () => new Map((await ctx.db.user.findMany({ where: { workspaceId: ctx.viewer!.workspaceId } })).map((u) => [u.id, u])),
  );

const StageChange = builder.objectRef<Data>('StageChange').implement({
  fields: (t) => ({
    from: t.prismaField({ type: 'Stage', nullable: true, resolve: async (_q, d, _a, ctx) => (await stages(ctx)).get(d.fromStageId) ?? null }),
    to: t.prismaField({ type: 'Stage', nullable: true, resolve: async (_q, d, _a, ctx) => (await stages(ctx)).get(d.toStageId) ?? null }),
  }),
});
const ResponsibleChange = builder.objectRef<Data>('ResponsibleChange').implement({
  fields: (t) => ({
    from: t.prismaField({ type: 'User', nullable: true, resolve: async (_q, d, _a, ctx) => (await users(ctx)).get(d.fromUserId) ?? null }),
    to: t.prismaField({ type: 'User', nullable: true, resolve: async (_q, d, _a, ctx) => (await users(ctx)).get(d.toUserId) ?? null }),
  }),
});
const FieldChange = builder.objectRef<Data>('FieldChange').implement({
  description: 'Values as they were shown: option labels, money with its currency; null when empty.',
  fields: (t) => ({
    field: t.string({ description: "A system field (name, amount, phones, …) or the custom field's name at the time.", resolve: (d) => d.field }),
    customFieldId: t.id({ nullable: true, resolve: (d) => (d.customFieldId ? encodeGlobalId('CustomField', d.customFieldId) : null) }),
    oldValue: t.string({ nullable: true, resolve: (d) => d.old }),
    newValue: t.string({ nullable: true, resolve: (d) => d.new }),
  }),
});

type ImportedData = { importId: string; fileName: string; outcome: 'created' | 'updated' };
const ImportOutcome = builder.enumType('ImportOutcome', { values: ['CREATED', 'UPDATED'] as const });
const ImportedDetails = builder.objectRef<ImportedData>('ImportedDetails').implement({
  description: 'IMPORTED: the import that created or updated the card, and its file.',
  fields: (t) => ({
    importId: t.id({ resolve: (d) => encodeGlobalId('Import', d.importId) }),
    fileName: t.string({ resolve: (d) => d.fileName }),
    outcome: t.field({ type: ImportOutcome, resolve: (d) => (d.outcome === 'created' ? 'CREATED' : 'UPDATED') }),
  }),
});

type MergedData = { merged: { id: string; name: string }[] };
type MergedCardRef = { entityType: tl.EntityType; id: string; name: string };
const MergedCard = builder.objectRef<MergedCardRef>('MergedCard').implement({
  description: 'MERGED: a card merged into this one (in the trash, pointing here), with its name at the time.',
  fields: (t) => ({
    id: t.id({ resolve: (c) => encodeGlobalId(TYPENAME[c.entityType], c.id) }),
    name: t.string({ resolve: (c) => c.name }),
  }),
});

const details =
  <K extends string>(kind: K) =>
  (e: { kind: string; data: unknown }) =>
    e.kind === kind ? (e.data as Data) : null;

builder.prismaNode('TimelineEntry', {
  id: { field: 'id' },
  // An entry the viewer's timeline would not show (card, personal mailbox, hidden field) is not found.
  findUnique: async (id, ctx) => seenOrNowhere(!ctx.viewer || (await tl.canSeeEntryById(authed(ctx), id)), id, ctx),
  nullable: true,
  description: "One entry of a card's timeline; the member matching `kind` holds its details.",
  fields: (t) => ({
    kind: t.expose('kind', { type: TimelineKind }),
    cardId: t.id({ resolve: (e) => encodeGlobalId(TYPENAME[e.entityType], e.cardId) }),
    author: t.relation('author', { nullable: true, description: 'Who added it, or whose change the server recorded.' }),
    byAutomation: t.exposeString('automationName', {
      nullable: true,
      description: 'Set when an automation made the change (acting for `author`): its name at the time.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    text: t.string({
      nullable: true,
      description: 'NOTE and CHAT: the message.',
      resolve: (e) => (e.kind === 'NOTE' || e.kind === 'CHAT' ? e.text : null),
    }),
    call: t.field({ type: CallDetails, nullable: true, resolve: details('CALL') }),
    email: t.field({ type: EmailDetails, nullable: true, resolve: details('EMAIL') }),
    meeting: t.field({ type: MeetingDetails, nullable: true, resolve: details('MEETING') }),
    chat: t.field({ type: ChatDetails, nullable: true, resolve: details('CHAT') }),
    stageChange: t.field({ type: StageChange, nullable: true, resolve: details('STAGE_CHANGED') }),
    responsibleChange: t.field({ type: ResponsibleChange, nullable: true, resolve: details('RESPONSIBLE_CHANGED') }),
    fieldChange: t.field({ type: FieldChange, nullable: true, resolve: details('FIELD_CHANGED') }),
    merged: t.field({
      type: [MergedCard],
      nullable: true,
      description: 'MERGED: the cards merged into this one.',
      resolve: (e) => (e.kind === 'MERGED' ? (e.data as MergedData).merged.map((m) => ({ ...m, entityType: e.entityType })) : null),
    }),
    imported: t.field({ type: ImportedDetails, nullable: true, resolve: (e) => (e.kind === 'IMPORTED' ? (e.data as ImportedData) : null) }),
    attachment: t.prismaField({
      type: 'Attachment',
      nullable: true,
      description: 'ATTACHMENT: the file.',
      resolve: (query, e, _a, ctx) =>
        e.kind === 'ATTACHMENT' ? ctx.db.attachment.findFirst({ ...query, where: { id: (e.data as Data).attachmentId, workspaceId: e.workspaceId } }) : null,
    }),
  }),
});

const NoteTemplateRef = builder.prismaNode('NoteTemplate', {
  id: { field: 'id' },
  findUnique: inWorkspace,
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name'),
    text: t.exposeString('text', { description: 'With [placeholders] that addNote fills.' }),
    placeholders: t.stringList({ resolve: (n) => [...new Set([...n.text.matchAll(/\[([^\]\n]{1,60})\]/g)].map((m) => m[1]))] }),
  }),
});

const TimelineFilter = builder.inputType('TimelineFilter', {
  fields: (t) => ({
    kinds: t.field({ type: [TimelineKind] }),
    authorIds: t.idList(),
    search: t.string({ description: 'Keywords, matched with PostgreSQL full text in Russian and English (word forms included).' }),
  }),
});

builder.queryField('timeline', (t) =>
  t.prismaConnection({
    type: 'TimelineEntry',
    cursor: 'id',
    authScopes: { member: true },
    description: "A deal's, contact's or company's timeline, newest first.",
    args: { cardId: t.arg.id({ required: true }), filter: t.arg({ type: TimelineFilter }) },
    resolve: (query, _r, a, ctx) => {
      const ids = new IdParser();
      const authorIds = ids.many('filter.authorIds', 'User', a.filter?.authorIds);
      ids.done();
      return tl.listTimeline(authed(ctx), cardRef(a.cardId), { ...a.filter, authorIds }, query);
    },
  }),
);

builder.queryField('noteTemplates', (t) =>
  t.prismaField({
    type: ['NoteTemplate'],
    authScopes: { member: true },
    resolve: (query, _r, _a, ctx) => tl.listTemplates(authed(ctx), query),
  }),
);

// Adding entries

const entryResult = (id: string, ctx: Context, query: object) => ctx.db.timelineEntry.findUniqueOrThrow({ ...withId(query), where: { id } });

const PlaceholderValue = builder.inputType('PlaceholderValue', {
  fields: (t) => ({ name: t.string({ required: true }), value: t.string({ required: true }) }),
});

const AddNoteInput = builder.inputType('AddNoteInput', {
  fields: (t) => ({
    cardId: t.id({ required: true }),
    text: t.string({ description: 'The note; or give templateId and values.' }),
    templateId: t.id(),
    values: t.field({ type: [PlaceholderValue], description: 'A value for every [placeholder] of the template.' }),
  }),
});

builder.mutationField('addNote', (t) =>
  t.prismaField({
    type: 'TimelineEntry',
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'entry' } },
    args: { input: t.arg({ type: AddNoteInput, required: true }) },
    resolve: async (query, _r, { input }, ctx) => {
      const templateId = input.templateId ? parseId('NoteTemplate', input.templateId, 'templateId') : null;
      const id = await tl.addNote(authed(ctx), cardRef(input.cardId), { text: input.text, templateId, values: input.values });
      return entryResult(id, ctx, query);
    },
  }),
);

/**
 * A mutation that logs one kind of entry on a card: `input` carries the card id and the kind's
 * fields, `log` is the service that checks and writes them; answers the new entry.
 */
export function logMutation<I extends { cardId: string }>(
  name: string,
  input: PothosSchemaTypes.InputObjectRef<Types, I>,
  log: (ctx: ReturnType<typeof authed>, card: tl.CardRef, input: I) => Promise<string>,
) {
  builder.mutationField(name, (t) =>
    t.prismaField({
      type: 'TimelineEntry',
      authScopes: { writer: true },
      errors: { types: WRITE_ERRORS, dataField: { name: 'entry' } },
      args: { input: t.arg({ type: input, required: true }) },
      resolve: async (query, _r, a, ctx) => {
        // Pothos cannot narrow a generic input's args; the input is required, so it is there.
        const value = (a as { input: I }).input;
        return entryResult(await log(authed(ctx), cardRef(value.cardId), value), ctx, query);
      },
    }),
  );
}

const LogCallInput = builder.inputType('LogCallInput', {
  fields: (t) => ({
    cardId: t.id({ required: true }),
    direction: t.field({ type: Direction, required: true }),
    number: t.string({ required: true, description: 'Any common format.' }),
    durationSeconds: t.int(),
    recordingUrl: t.string(),
    result: t.string(),
  }),
});

logMutation('logCall', LogCallInput, tl.logCall);

const LogEmailInput = builder.inputType('LogEmailInput', {
  fields: (t) => ({
    cardId: t.id({ required: true }),
    direction: t.field({ type: Direction, required: true }),
    subject: t.string({ required: true }),
    body: t.string({ required: true }),
    mailbox: t.string({ description: 'The address of the mailbox it went through.' }),
  }),
});

logMutation('logEmail', LogEmailInput, tl.logEmail);

const LogMeetingInput = builder.inputType('LogMeetingInput', {
  fields: (t) => ({
    cardId: t.id({ required: true }),
    subject: t.string({ required: true }),
    startsAt: t.field({ type: 'DateTime', required: true }),
    endsAt: t.field({ type: 'DateTime' }),
    place: t.string(),
    notes: t.string(),
  }),
});

logMutation('logMeeting', LogMeetingInput, tl.logMeeting);

const LogChatMessageInput = builder.inputType('LogChatMessageInput', {
  fields: (t) => ({
    cardId: t.id({ required: true }),
    direction: t.field({ type: Direction, required: true }),
    channel: t.string({ required: true, description: 'e.g. Telegram, WhatsApp, site chat' }),
    text: t.string({ required: true }),
  }),
});

logMutation('logChatMessage', LogChatMessageInput, tl.logChatMessage);

builder.mutationField('createNoteTemplate', (t) =>
  t.prismaField({
    type: 'NoteTemplate',
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'template' } },
    args: { name: t.arg.string({ required: true }), text: t.arg.string({ required: true }) },
    resolve: async (query, _r, a, ctx) => {
      const row = await tl.createTemplate(authed(ctx), a);
      return ctx.db.noteTemplate.findUniqueOrThrow({ ...withId(query), where: { id: row.id } });
    },
  }),
);

builder.mutationField('deleteNoteTemplate', (t) =>
  t.field({
    type: NoteTemplateRef,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'template' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, a, ctx) => tl.deleteTemplate(authed(ctx), parseId('NoteTemplate', a.id)),
  }),
);

// Live

builder.subscriptionField('timelineUpdated', (t) =>
  t.prismaField({
    type: 'TimelineEntry',
    authScopes: { member: true },
    description: "Each new entry of one card's timeline, once committed.",
    args: { cardId: t.arg.id({ required: true }) },
    subscribe: async (_r, a, ctx) => {
      const sctx = authed(ctx);
      let card: tl.CardRef;
      try {
        card = cardRef(a.cardId);
        await tl.findCard(sctx, card, false);
      } catch (e) {
        if (e instanceof NotFoundError || e instanceof ValidationError) {
          throw new LocalizedGraphQLError(TIMELINE.cardNotFound({ id: a.cardId }), { code: 'NOT_FOUND' });
        }
        throw e;
      }
      const ws = sctx.viewer.workspaceId;
      startLive(ctx);
      // Each entry is checked against the subscriber's rights at the time: the card must still
      // be visible to them, and the entry too (no hidden field's change, no other user's
      // personal e-mail).
      const fresh = onceEach((m: TimelineMessage) => m.entryId);
      return pipe(
        ctx.deps.pubsub.subscribe('timelineUpdated', card.id),
        filter(async (m: TimelineMessage) => m.workspaceId === ws && fresh(m) && tl.canSeeEntry(await liveViewer(ctx), card, m.entryId)),
      );
    },
    resolve: (query, m, _a, ctx) =>
      ctx.db.timelineEntry.findFirstOrThrow({ ...query, where: { id: (m as unknown as TimelineMessage).entryId, workspaceId: ctx.viewer!.workspaceId } }),
  }),
);
