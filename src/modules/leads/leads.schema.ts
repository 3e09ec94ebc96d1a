// Incoming leads: the inbox (`incomingLeads`), a lead from the API (`createIncomingLead`), taking
// it into work or handing it over (`updateIncomingLead`), `convertLead`, `declineLead`, and the
// live `incomingLeadReceived`; duplicates of a contact or company (`duplicates`) and
// `mergeContacts` (deprecated: `merge`, in merge.schema.ts).
import { filter, pipe } from 'graphql-yoga';
import { builder } from '../../builder.js';
import { authed } from '../../context.js';
import { withId } from '../../lib/prisma-query.js';
import { IdParser, parseId } from '../../lib/ids.js';
import type { LeadReceivedMessage } from '../../lib/pubsub.js';
import { canSee, viewable } from '../../kernel/access/visibility.js';
import { liveViewer, startLive } from '../auth/live-viewer.js';
import { DateTimeRange, STAGE_ERRORS, WRITE_ERRORS } from '../common/common.schema.js';
import { inWorkspace, Phone, registerNode } from '../cards/cards.schema.js';
import { Contact } from '../contacts/contacts.schema.js';
import { Company } from '../companies/companies.schema.js';
import { Deal } from '../deals/deals.schema.js';
import * as leads from './leads.service.js';
import * as dups from './duplicates.service.js';

registerNode('IncomingLead');

const LeadSource = builder.enumType('LeadSource', { values: ['FORM', 'CALL', 'EMAIL', 'CHAT', 'API'] as const });
const LeadStatus = builder.enumType('LeadStatus', { values: ['NEW', 'IN_WORK', 'CONVERTED', 'DECLINED'] as const });
const LeadRating = builder.enumType('LeadRating', { values: ['HOT', 'WARM', 'COLD'] as const });

type Field = { name: string; value: string };
const LeadField = builder.objectRef<Field>('LeadField').implement({
  description: 'A value that arrived with the lead and has no place of its own (a form field by its name).',
  fields: (t) => ({ name: t.exposeString('name'), value: t.exposeString('value') }),
});

/** A linked card the viewer may see, live; else null. */
const seen = async <T extends { id: string; deletedAt: Date | null }>(
  ctx: Parameters<typeof authed>[0],
  kind: 'CONTACT' | 'COMPANY' | 'DEAL',
  row: T | null,
) => (row && !row.deletedAt && (await canSee(authed(ctx), kind, row.id)) ? row : null);

builder.prismaNode('IncomingLead', {
  id: { field: 'id' },
  findUnique: (id, ctx) => (ctx.viewer ? { ...leads.visibleLeads(authed(ctx)), id } : inWorkspace(id, ctx)),
  nullable: true,
  description: 'A request that arrived by a form, a call, an e-mail, a chat or the API, as it arrived.',
  fields: (t) => ({
    source: t.expose('source', { type: LeadSource }),
    status: t.expose('status', { type: LeadStatus }),
    rating: t.expose('rating', { type: LeadRating }),
    channel: t.exposeString('channel', { description: 'Which form, line, mailbox or chat it came through.' }),
    name: t.exposeString('name'),
    phones: t.field({ type: [Phone], resolve: (l) => l.phones }),
    emails: t.exposeStringList('emails'),
    companyName: t.exposeString('companyName', { nullable: true }),
    message: t.exposeString('message'),
    fields: t.field({
      type: [LeadField],
      resolve: (l) =>
        Object.entries((l.data ?? {}) as Record<string, string | string[]>).map(([name, value]) => ({
          name,
          value: Array.isArray(value) ? value.join(', ') : String(value),
        })),
    }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime' }),
    responsible: t.relation('responsible'),
    declineReason: t.exposeString('declineReason', { nullable: true }),
    decidedAt: t.expose('decidedAt', { type: 'DateTime', nullable: true, description: 'When it was converted or declined.' }),
    possibleDuplicates: t.field({
      type: [Contact],
      description: 'Contacts found, when it arrived, with the same phone, e-mail or name (those the viewer may see, not in the trash).',
      resolve: async (l, _a, ctx) => ctx.db.contact.findMany({ where: { id: { in: l.duplicateContactIds }, deletedAt: null, ...visibleOf(ctx, 'CONTACT') } }),
    }),
    contact: t.field({
      type: Contact,
      nullable: true,
      description: 'The contact it was converted into or attached to.',
      resolve: async (l, _a, ctx) => (l.contactId ? seen(ctx, 'CONTACT', await ctx.db.contact.findUnique({ where: { id: l.contactId } })) : null),
    }),
    company: t.field({
      type: Company,
      nullable: true,
      resolve: async (l, _a, ctx) => (l.companyId ? seen(ctx, 'COMPANY', await ctx.db.company.findUnique({ where: { id: l.companyId } })) : null),
    }),
    deal: t.field({
      type: Deal,
      nullable: true,
      resolve: async (l, _a, ctx) => (l.dealId ? seen(ctx, 'DEAL', await ctx.db.deal.findUnique({ where: { id: l.dealId } })) : null),
    }),
    version: t.exposeInt('version', { description: 'Send it back with changes; a stale one gets ConflictError.' }),
  }),
});

function visibleOf(ctx: Parameters<typeof authed>[0], kind: 'CONTACT') {
  const { viewer } = authed(ctx);
  return { workspaceId: viewer.workspaceId, AND: [viewable(viewer, kind)] };
}

const IncomingLeadFilter = builder.inputType('IncomingLeadFilter', {
  description: 'Every condition given must hold.',
  fields: (t) => ({
    sources: t.field({ type: [LeadSource] }),
    statuses: t.field({ type: [LeadStatus] }),
    ratings: t.field({ type: [LeadRating] }),
    channels: t.stringList(),
    responsibleIds: t.idList(),
    receivedAt: t.field({ type: DateTimeRange }),
    search: t.string({ description: 'Part of a name, company, e-mail, phone number (any common format) or the message.' }),
  }),
});

type RawFilter = typeof IncomingLeadFilter.$inferInput;
function decodeFilter(f: RawFilter | null | undefined): leads.LeadFilter {
  if (!f) return {};
  const ids = new IdParser();
  const responsibleIds = ids.many('filter.responsibleIds', 'User', f.responsibleIds);
  ids.done();
  return { ...f, responsibleIds };
}

builder.queryField('incomingLeads', (t) =>
  t.prismaConnection({
    type: 'IncomingLead',
    cursor: 'id',
    authScopes: { member: true },
    description: 'The inbox of incoming leads, newest first.',
    args: { filter: t.arg({ type: IncomingLeadFilter }) },
    resolve: (query, _r, a, ctx) => leads.listLeads(authed(ctx), decodeFilter(a.filter), query),
    totalCount: (_c, a, ctx) => leads.countLeads(authed(ctx), decodeFilter(a.filter)),
  }),
);

const CreateIncomingLeadInput = builder.inputType('CreateIncomingLeadInput', {
  fields: (t) => ({
    channel: t.string({ description: 'Where it came from (a site, a campaign).' }),
    name: t.string(),
    phones: t.stringList({ description: "Any common format; numbers without a country code use the workspace's phone region." }),
    emails: t.stringList(),
    companyName: t.string(),
    message: t.string(),
    rating: t.field({ type: LeadRating, description: 'WARM when left out.' }),
    responsibleId: t.id({ description: 'Defaults to the caller.' }),
  }),
});

builder.mutationField('createIncomingLead', (t) =>
  t.prismaField({
    type: 'IncomingLead',
    authScopes: { writer: true },
    description: 'Records a lead that arrived through an integration of your own (source API).',
    errors: { types: WRITE_ERRORS, dataField: { name: 'lead' } },
    args: { input: t.arg({ type: CreateIncomingLeadInput, required: true }) },
    resolve: async (query, _r, { input }, ctx) => {
      const ids = new IdParser();
      const responsibleId = ids.one('responsibleId', 'User', input.responsibleId);
      const row = await leads.receiveLead(authed(ctx), { ...input, source: 'API', responsibleId }, ids.issues);
      return ctx.db.incomingLead.findUniqueOrThrow({ ...withId(query), where: { id: row.id } });
    },
  }),
);

const UpdateIncomingLeadInput = builder.inputType('UpdateIncomingLeadInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    version: t.int({ required: true }),
    responsibleId: t.id({ description: 'Hands the lead over.' }),
    rating: t.field({ type: LeadRating }),
    status: t.field({ type: LeadStatus, description: 'NEW or IN_WORK; convertLead and declineLead decide a lead.' }),
  }),
});

builder.mutationField('updateIncomingLead', (t) =>
  t.prismaField({
    type: 'IncomingLead',
    authScopes: { writer: true },
    description: 'Hands an open lead to someone, rates it, or takes it into work.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'lead' } },
    args: { input: t.arg({ type: UpdateIncomingLeadInput, required: true }) },
    resolve: async (query, _r, { input }, ctx) => {
      const ids = new IdParser();
      const id = ids.one('id', 'IncomingLead', input.id);
      const responsibleId = ids.one('responsibleId', 'User', input.responsibleId);
      if (!id) ids.done();
      const row = await leads.updateLead(authed(ctx), id, input.version, { ...input, responsibleId }, ids.issues);
      return ctx.db.incomingLead.findUniqueOrThrow({ ...withId(query), where: { id: row.id } });
    },
  }),
);

builder.mutationField('declineLead', (t) =>
  t.prismaField({
    type: 'IncomingLead',
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'lead' } },
    args: { id: t.arg.id({ required: true }), version: t.arg.int({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: async (query, _r, a, ctx) => {
      const row = await leads.declineLead(authed(ctx), parseId('IncomingLead', a.id), a.version, a.reason);
      return ctx.db.incomingLead.findUniqueOrThrow({ ...withId(query), where: { id: row.id } });
    },
  }),
);

const ConvertDealInput = builder.inputType('ConvertLeadDealInput', {
  fields: (t) => ({
    name: t.string({ description: 'Defaults to "Lead: <name>".' }),
    pipelineId: t.id({ description: 'Defaults to the first pipeline.' }),
    stageId: t.id({ description: "Defaults to the pipeline's first open stage; its required fields must be met." }),
    amount: t.string(),
  }),
});

const ConvertLeadInput = builder.inputType('ConvertLeadInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    version: t.int({ required: true }),
    contactId: t.id({ description: 'Attach to this contact instead of creating one from the lead.' }),
    companyId: t.id({ description: "Link to this company instead of creating one from the lead's company name." }),
    dealId: t.id({ description: 'Add the contact to this deal instead of creating one.' }),
    deal: t.field({ type: ConvertDealInput, description: 'The deal to create (unless dealId).' }),
    createDeal: t.boolean({ defaultValue: true, description: 'false: only the contact (and company).' }),
    responsibleId: t.id({ description: "Of the cards created; defaults to the lead's responsible." }),
  }),
});

builder.mutationField('convertLead', (t) =>
  t.prismaField({
    type: 'IncomingLead',
    authScopes: { writer: true },
    description:
      'Converts a lead into a contact (with a company when it named one) and a deal, or onto existing cards, in one transaction; the message goes to the timeline.',
    errors: { types: STAGE_ERRORS, dataField: { name: 'lead' } },
    args: { input: t.arg({ type: ConvertLeadInput, required: true }) },
    resolve: async (query, _r, { input }, ctx) => {
      const ids = new IdParser();
      const id = ids.one('id', 'IncomingLead', input.id);
      const contactId = ids.one('contactId', 'Contact', input.contactId);
      const companyId = ids.one('companyId', 'Company', input.companyId);
      const dealId = ids.one('dealId', 'Deal', input.dealId);
      const responsibleId = ids.one('responsibleId', 'User', input.responsibleId);
      const pipelineId = ids.one('deal.pipelineId', 'Pipeline', input.deal?.pipelineId);
      const stageId = ids.one('deal.stageId', 'Stage', input.deal?.stageId);
      if (!id) ids.done();
      const deal = input.createDeal === false ? null : input.deal ? { ...input.deal, pipelineId, stageId } : undefined;
      const row = await leads.convertLead(authed(ctx), { id, version: input.version, contactId, companyId, dealId, deal, responsibleId }, ids.issues);
      return ctx.db.incomingLead.findUniqueOrThrow({ ...withId(query), where: { id: row.id } });
    },
  }),
);

const LeadReceived = builder.objectRef<LeadReceivedMessage>('IncomingLeadReceived').implement({
  fields: (t) => ({
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
    lead: t.prismaField({
      type: 'IncomingLead',
      nullable: true,
      resolve: (query, m, _a, ctx) => ctx.db.incomingLead.findFirst({ ...query, where: { id: m.leadId, ...leads.visibleLeads(authed(ctx)) } }),
    }),
  }),
});

builder.subscriptionField('incomingLeadReceived', (t) =>
  t.field({
    type: LeadReceived,
    authScopes: { member: true },
    description: 'New incoming leads, as they arrive.',
    subscribe: (_r, _a, ctx) => {
      const { workspaceId } = startLive(ctx).viewer;
      return pipe(
        ctx.deps.pubsub.subscribe('incomingLeadReceived', workspaceId),
        filter(async (m: LeadReceivedMessage) => {
          if (m.workspaceId !== workspaceId) return false;
          const live = await liveViewer(ctx);
          return !!(await live.db.incomingLead.findFirst({ where: { id: m.leadId, ...leads.visibleLeads(live) }, select: { id: true } }));
        }),
      );
    },
    resolve: (m) => m,
  }),
);

// Duplicates and merge

export const DuplicateEntity = builder.enumType('DuplicateEntityType', { values: ['CONTACT', 'COMPANY'] as const });
const DuplicateReason = builder.enumType('DuplicateReason', {
  values: {
    PHONE: { description: 'The same phone number (in E.164).' },
    EMAIL: { description: 'The same e-mail address (case aside).' },
    NAME: { description: 'A similar name: trigram similarity of at least 0.5 (case, spacing and word order aside).' },
  },
});

export type Match = { kind: 'CONTACT' | 'COMPANY'; id: string; reasons: ('PHONE' | 'EMAIL' | 'NAME')[]; score: number };
export const DuplicateMatch = builder.objectRef<Match>('DuplicateMatch').implement({
  description: 'A card that looks like the one asked about.',
  fields: (t) => ({
    reasons: t.field({ type: [DuplicateReason], resolve: (m) => m.reasons }),
    score: t.float({
      description: 'From 0 to 1: phone and e-mail count 0.6 each, the name 0.3 times its similarity (1 for the same name).',
      resolve: (m) => m.score,
    }),
    contact: t.field({
      type: Contact,
      nullable: true,
      resolve: (m, _a, ctx) => (m.kind === 'CONTACT' ? ctx.db.contact.findUnique({ where: { id: m.id } }) : null),
    }),
    company: t.field({
      type: Company,
      nullable: true,
      resolve: (m, _a, ctx) => (m.kind === 'COMPANY' ? ctx.db.company.findUnique({ where: { id: m.id } }) : null),
    }),
  }),
});

for (const kind of ['CONTACT', 'COMPANY'] as const) {
  builder.prismaObjectField(kind === 'CONTACT' ? 'Contact' : 'Company', 'possibleDuplicates', (t) =>
    t.field({
      type: [DuplicateMatch],
      description:
        'Live cards of its kind the viewer may see that look like this one, best first (as `duplicates` answers): select it on a card just created to offer a merge. One search per card, so not for long lists.',
      select: { deletedAt: true },
      resolve: async (card, _a, ctx) => (card.deletedAt ? [] : (await dups.duplicatesOf(authed(ctx), kind, card.id)).map((m) => ({ ...m, kind }))),
    }),
  );
}

builder.queryField('duplicates', (t) =>
  t.field({
    type: [DuplicateMatch],
    authScopes: { member: true },
    description: 'Contacts or companies that look like this one (same phone, e-mail or name), best first.',
    args: { entityType: t.arg({ type: DuplicateEntity, required: true }), cardId: t.arg.id({ required: true }) },
    resolve: async (_r, a, ctx) => {
      const kind = a.entityType;
      const id = parseId(kind === 'CONTACT' ? 'Contact' : 'Company', a.cardId, 'cardId');
      return (await dups.duplicatesOf(authed(ctx), kind, id)).map((m) => ({ ...m, kind }));
    },
  }),
);

builder.mutationField('mergeContacts', (t) =>
  t.field({
    type: Contact,
    authScopes: { writer: true },
    deprecationReason: 'Use `merge` (contacts and companies, with per-field choices); this is `merge` of two contacts with no choices.',
    description:
      "Merges a contact into another, as `merge` with no choices: the kept one takes the other's empty fields, phones, e-mails, deals, tasks, timeline and files; the other goes to the trash.",
    errors: { types: WRITE_ERRORS, dataField: { name: 'contact' } },
    args: { keepId: t.arg.id({ required: true }), version: t.arg.int({ required: true }), mergeId: t.arg.id({ required: true }) },
    resolve: (_r, a, ctx) => {
      const ids = new IdParser();
      const keepId = ids.one('keepId', 'Contact', a.keepId);
      const mergeId = ids.one('mergeId', 'Contact', a.mergeId);
      ids.done();
      return dups.mergeContacts(authed(ctx), keepId, a.version, mergeId) as never;
    },
  }),
);
