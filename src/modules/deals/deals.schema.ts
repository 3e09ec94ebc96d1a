// Deals, the board list, moving between stages, and the live `dealChanged` feed.
import { liveViewer, startLive } from '../auth/live-viewer.js';
import { shown } from '../../kernel/access/field-access.js';
import { canSee, coveredResponsible, seesNow, viewable, visible } from '../../kernel/access/visibility.js';
import { filter, map, pipe } from 'graphql-yoga';
import { builder } from '../../builder.js';
import { answered, cardList, cardMutations, cardSystemFields } from '../cards/card-api.js';
import { authed } from '../../context.js';
import { IdParser, encodeGlobalId, tryDecodeId } from '../../lib/ids.js';
import { onceEach, type DealChangedMessage } from '../../lib/pubsub.js';
import { DateTimeRange, DecimalRange, STAGE_ERRORS } from '../common/common.schema.js';
import { CustomFieldFilter, inScope, registerNode } from '../cards/cards.schema.js';
import { Contact } from '../contacts/contacts.schema.js';
import { StageKind } from '../pipelines/pipelines.schema.js';
import { findPipeline } from '../pipelines/pipelines.service.js';
import { Company } from '../companies/companies.schema.js';
import * as deals from './deals.service.js';
import { LocalizedGraphQLError } from '../../lib/errors.js';
import { DEALS } from './deals.messages.js';

registerNode('Deal');
cardSystemFields('DEAL');

export const Deal = builder.prismaNode('Deal', {
  id: { field: 'id' },
  // Select mode: only the columns the asked fields need are read.
  select: { id: true },
  findUnique: inScope('DEAL'),
  nullable: true,
  fields: (t) => ({
    amount: t.field({
      type: 'Decimal',
      nullable: true,
      description: "Null when the viewer's role hides it.",
      select: { amount: true },
      resolve: (d, _a, ctx) => shown(ctx.viewer, 'DEAL', 'amount', d.amount, null),
    }),
    currency: t.string({
      nullable: true,
      description: 'Hidden with the amount.',
      select: { currency: true },
      resolve: (d, _a, ctx) => shown(ctx.viewer, 'DEAL', 'amount', d.currency, null),
    }),
    pipeline: t.relation('pipeline'),
    stage: t.relation('stage'),
    stageEnteredAt: t.expose('stageEnteredAt', { type: 'DateTime' }),
    company: t.field({
      type: Company,
      nullable: true,
      description: 'The company, unless it is in the trash.',
      select: (_a, _c, nested) => ({ company: nested({ select: { id: true, deletedAt: true } }) }),
      // Left out when the viewer's role does not let them see it.
      resolve: async (c, _a, ctx) => (c.company && !c.company.deletedAt && (await canSee(authed(ctx), 'COMPANY', c.company.id)) ? c.company : null),
    }),
    contacts: t.field({
      type: [Contact],
      description: 'Linked contacts, the main contact first; contacts in the trash are left out.',
      select: (_a, ctx, nested) => ({
        contacts: {
          where: { contact: { deletedAt: null, AND: [viewable(authed(ctx).viewer, 'CONTACT')] } },
          orderBy: { position: 'asc' },
          select: { contact: nested(true) },
        },
      }),
      resolve: (d) => d.contacts.map((c) => c.contact),
    }),
    lossReason: t.relation('lossReason', { nullable: true }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true, description: 'Set on entering a WON or LOST stage.' }),
  }),
});

builder.prismaObjectField('Contact', 'deals', (t) =>
  t.field({
    type: [Deal],
    description: 'Deals this contact takes part in, trash left out.',
    select: (_a, ctx, nested) => ({
      deals: { where: { deal: { deletedAt: null, AND: [viewable(authed(ctx).viewer, 'DEAL')] } }, select: { deal: nested(true) } },
    }),
    resolve: (c) => c.deals.map((d) => d.deal),
  }),
);

builder.prismaObjectField('Company', 'deals', (t) =>
  t.relation('deals', {
    query: (_a, ctx) => ({ where: { deletedAt: null, AND: [viewable(authed(ctx).viewer, 'DEAL')] }, orderBy: { createdAt: 'desc' } }),
  }),
);

type Filter = deals.DealFilter;
export const DealFilter = builder.inputRef<Filter>('DealFilter').implement({
  description: 'Every condition given must hold; `and` / `or` nest further filters.',
  fields: (t) => ({
    search: t.string({
      description: "Part of the deal's name, or of its contacts' or company's names, e-mails or phones.",
    }),
    responsibleIds: t.idList(),
    pipelineIds: t.idList(),
    stageIds: t.idList(),
    stageKinds: t.field({ type: [StageKind] }),
    companyIds: t.idList(),
    contactIds: t.idList(),
    tags: t.stringList({ description: 'Deals with any of these tags.' }),
    amount: t.field({ type: DecimalRange }),
    createdAt: t.field({ type: DateTimeRange }),
    updatedAt: t.field({ type: DateTimeRange }),
    closedAt: t.field({ type: DateTimeRange }),
    hasOpenTask: t.boolean({ description: 'false: deals with no open task.' }),
    hasOverdueTask: t.boolean({ description: 'true: deals with an open task past its due time.' }),
    customFields: t.field({ type: [CustomFieldFilter], description: 'Conditions on custom fields; all must hold.' }),
    and: t.field({ type: [DealFilter] }),
    or: t.field({ type: [DealFilter] }),
  }),
});

export const ID_FIELDS = { responsibleIds: 'User', pipelineIds: 'Pipeline', stageIds: 'Stage', companyIds: 'Company', contactIds: 'Contact' };

cardList('DEAL', { filter: DealFilter, ids: ID_FIELDS });

cardMutations('DEAL', {
  type: Deal,
  fields: (t, create) => ({
    name: t.string({ required: create }),
    amount: t.field({ type: 'Decimal', description: 'Non-negative, at most 2 decimals.' }),
    currency: t.string({ description: create ? "ISO 4217; the workspace's currency when left out." : undefined }),
    pipelineId: t.id({ description: 'With no stageId, the deal goes to the first open stage of this pipeline.' }),
    stageId: t.id(),
    lossReasonId: t.id({ description: 'Only with a LOST stage, of the same pipeline.' }),
    companyId: t.id(),
    contactIds: t.idList({ description: create ? 'The first is the main contact.' : 'Replaces the contacts when given.' }),
  }),
  ids: {
    pipelineId: { type: 'Pipeline' },
    stageId: { type: 'Stage' },
    lossReasonId: { type: 'LossReason' },
    responsibleId: { type: 'User' },
    companyId: { type: 'Company' },
    contactIds: { type: 'Contact', many: true },
  },
  errors: STAGE_ERRORS,
  updateDescription: 'Changes the fields given; a new stageId moves the deal under the same rules as moveDeal.',
});

const MoveDealInput = builder.inputType('MoveDealInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    version: t.int({ required: true }),
    stageId: t.id({ required: true, description: 'A stage of this or another pipeline.' }),
    lossReasonId: t.id({ description: 'Why the deal was lost, when moving to a LOST stage.' }),
  }),
});

builder.mutationField('moveDeal', (t) =>
  t.field({
    type: Deal,
    authScopes: { writer: true },
    description: 'Moves a deal to a stage; WON and LOST set closedAt, OPEN clears it.',
    errors: { types: STAGE_ERRORS, dataField: { name: 'deal' } },
    args: { input: t.arg({ type: MoveDealInput, required: true }) },
    resolve: async (_r, { input }, ctx, info) => {
      const ids = new IdParser();
      const id = ids.one('id', 'Deal', input.id);
      const stageId = ids.one('stageId', 'Stage', input.stageId);
      const lossReasonId = ids.one('lossReasonId', 'LossReason', input.lossReasonId);
      if (!id) ids.done();
      return answered(ctx, info, 'DEAL', await deals.moveDeal(authed(ctx), id, input.version, stageId, lossReasonId, ids.issues));
    },
  }),
);

// Live board

const DealChangeKind = builder.enumType('DealChangeKind', {
  values: {
    CREATED: {},
    UPDATED: {},
    MOVED: {},
    DELETED: {},
    RESTORED: {},
    REMOVED: { description: 'The deal left what the subscriber may see (handed to someone else): drop it from the board; `deal` is null.' },
  } as const,
});

const DealChangedEvent = builder.objectRef<DealChangedMessage>('DealChangedEvent').implement({
  description: "A change on a pipeline's board. MOVED reaches both the old and the new pipeline when a deal changes pipeline.",
  fields: (t) => ({
    kind: t.expose('kind', { type: DealChangeKind }),
    dealId: t.id({ resolve: (m) => encodeGlobalId('Deal', m.dealId) }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
    deal: t.prismaField({
      type: 'Deal',
      nullable: true,
      description: 'The deal as it is now (in the trash after DELETED).',
      resolve: (query, m, _a, ctx) =>
        // Read under the subscriber's VIEW scope again: a deal handed away between the filter and
        // this read is null rather than shown.
        ctx.db.deal.findFirst({ ...query, where: { id: m.dealId, ...visible(authed(ctx), 'DEAL') } }),
    }),
  }),
});

builder.subscriptionField('dealChanged', (t) =>
  t.field({
    type: DealChangedEvent,
    authScopes: { member: true },
    description: 'Deals created, changed, moved, trashed or restored on a pipeline.',
    args: { pipelineId: t.arg.id({ required: true }) },
    subscribe: async (_r, a, ctx) => {
      const sctx = authed(ctx);
      const pipelineId = tryDecodeId('Pipeline', a.pipelineId);
      if (!pipelineId || !(await findPipeline(sctx, pipelineId))) {
        throw new LocalizedGraphQLError(DEALS.pipelineNotFound({ id: a.pipelineId }), { code: 'NOT_FOUND' });
      }
      const ws = sctx.viewer.workspaceId;
      startLive(ctx);
      // Only deals the subscriber's role lets them see at the time of the event; the deal's
      // fields are then resolved with the same rights, hidden ones left out. A deal handed away
      // from what they could see comes once more, as REMOVED, so their board drops it.
      const fresh = onceEach((m: DealChangedMessage) => `${m.dealId} ${m.kind} ${m.occurredAt}`);
      return pipe(
        ctx.deps.pubsub.subscribe('dealChanged', pipelineId),
        filter((m: DealChangedMessage) => m.workspaceId === ws && fresh(m)),
        map(async (m: DealChangedMessage): Promise<DealChangedMessage | null> => {
          const live = await liveViewer(ctx);
          if (await seesNow(live, 'DEAL', m.dealId)) return m;
          if (m.formerResponsibleId && (await coveredResponsible(live, 'DEAL', m.formerResponsibleId))) return { ...m, kind: 'REMOVED' };
          return null;
        }),
        filter((m: DealChangedMessage | null): m is DealChangedMessage => m !== null),
      ) as AsyncIterable<DealChangedMessage>;
    },
    resolve: (m) => m,
  }),
);
