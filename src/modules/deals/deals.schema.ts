// Deals, the board list, moving between stages, and the live `dealChanged` feed.
import { liveViewer, startLive } from '../auth/live-viewer.js';
import { shown } from '../../kernel/access/field-access.js';
import { User } from '../users/users.schema.js';
import { scopeOf } from '../../kernel/access/rights.js';
import { canSee, viewable, visible } from '../cards/cards.service.js';
import { GraphQLError } from 'graphql';
import { filter, pipe } from 'graphql-yoga';
import { builder, type InputFields } from '../../builder.js';
import { authed } from '../../context.js';
import { IdParser, encodeGlobalId, parseId, tryDecodeId } from '../../lib/ids.js';
import type { DealChangedMessage } from '../../lib/pubsub.js';
import { DateTimeRange, DecimalRange, STAGE_ERRORS, WRITE_ERRORS } from '../common/common.schema.js';
import { cardListArgs, COMMON_SORT_FIELDS, CustomFieldFilter, inScope, inWorkspace, orderInput, registerNode, Tag } from '../cards/cards.schema.js';
import { Contact } from '../contacts/contacts.schema.js';
import { StageKind } from '../pipelines/pipelines.schema.js';
import { findPipeline } from '../pipelines/pipelines.service.js';
import { Company } from '../companies/companies.schema.js';
import * as deals from './deals.service.js';
import { customFieldsArg, decodeFieldInputs } from '../custom-fields/custom-fields.schema.js';

registerNode('Deal');

export const Deal = builder.prismaNode('Deal', {
  id: { field: 'id' },
  findUnique: inScope('deal'),
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name'),
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
    responsible: t.field({
      type: User,
      nullable: true,
      description: "Null when the viewer's role hides it.",
      select: (_a, _c, nested) => ({ responsible: nested(true) }),
      resolve: (c, _a, ctx) => shown(ctx.viewer, 'DEAL', 'responsible', c.responsible, null),
    }),
    company: t.field({
      type: Company,
      nullable: true,
      description: 'The company, unless it is in the trash.',
      select: (_a, _c, nested) => ({ company: nested(true) }),
      // Left out when the viewer's role does not let them see it.
      resolve: async (c, _a, ctx) =>
        c.company && !c.company.deletedAt && (await canSee(authed(ctx), 'company', c.company.id)) ? c.company : null,
    }),
    contacts: t.field({
      type: [Contact],
      description: 'Linked contacts, the main contact first; contacts in the trash are left out.',
      select: (_a, ctx, nested) => ({
        contacts: {
          where: { contact: { deletedAt: null, AND: [viewable(authed(ctx).viewer, 'contact')] } },
          orderBy: { position: 'asc' },
          select: { contact: nested(true) },
        },
      }),
      resolve: (d) => d.contacts.map((c) => c.contact),
    }),
    tags: t.field({
      type: [Tag],
      select: (_a, _c, nested) => ({ tags: { select: { tag: nested(true) }, orderBy: { tag: { name: 'asc' } } } }),
      resolve: (d) => d.tags.map((x) => x.tag),
    }),
    lossReason: t.relation('lossReason', { nullable: true }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true, description: 'Set on entering a WON or LOST stage.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    createdBy: t.relation('createdBy', { nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    updatedBy: t.relation('updatedBy', { nullable: true }),
    lastActivityAt: t.expose('lastActivityAt', { type: 'DateTime' }),
    deletedAt: t.expose('deletedAt', { type: 'DateTime', nullable: true, description: 'Set while in the trash.' }),
    version: t.exposeInt('version', { description: 'Send it back with updates; a stale one gets ConflictError.' }),
  }),
});

builder.prismaObjectField('Contact', 'deals', (t) =>
  t.field({
    type: [Deal],
    description: 'Deals this contact takes part in, trash left out.',
    select: (_a, ctx, nested) => ({
      deals: { where: { deal: { deletedAt: null, AND: [viewable(authed(ctx).viewer, 'deal')] } }, select: { deal: nested(true) } },
    }),
    resolve: (c) => c.deals.map((d) => d.deal),
  }),
);

builder.prismaObjectField('Company', 'deals', (t) =>
  t.relation('deals', {
    query: (_a, ctx) => ({ where: { deletedAt: null, AND: [viewable(authed(ctx).viewer, 'deal')] }, orderBy: { createdAt: 'desc' } }),
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


const DealOrder = orderInput('Deal', [...COMMON_SORT_FIELDS, 'AMOUNT', 'CLOSED_AT', 'STAGE']);
const ID_FIELDS = { responsibleIds: 'User', pipelineIds: 'Pipeline', stageIds: 'Stage', companyIds: 'Company', contactIds: 'Contact' };


builder.queryField('deals', (t) =>
  t.prismaConnection({
    type: 'Deal',
    cursor: 'id',
    authScopes: { member: true },
    args: {
      filter: t.arg({ type: DealFilter }),
      orderBy: t.arg({ type: [DealOrder], description: 'Newest first when left out.' }),
      inTrash: t.arg.boolean({ defaultValue: false, description: 'List the trash instead.' }),
    },
    resolve: (query, _r, a, ctx) => deals.listDeals(authed(ctx), cardListArgs(a, ID_FIELDS), query),
    totalCount: (_c, a, ctx) => deals.countDeals(authed(ctx), cardListArgs(a, ID_FIELDS)),
  }),
);

const dealFields = (t: InputFields, create: boolean) => ({
  name: t.string({ required: create }),
  amount: t.field({ type: 'Decimal', description: 'Non-negative, at most 2 decimals.' }),
  currency: t.string({ description: create ? "ISO 4217; the workspace's currency when left out." : undefined }),
  pipelineId: t.id({ description: 'With no stageId, the deal goes to the first open stage of this pipeline.' }),
  stageId: t.id(),
  lossReasonId: t.id({ description: 'Only with a LOST stage, of the same pipeline.' }),
  responsibleId: t.id({ description: create ? 'Defaults to the caller.' : undefined }),
  companyId: t.id(),
  contactIds: t.idList({ description: create ? 'The first is the main contact.' : 'Replaces the contacts when given.' }),
  tags: t.stringList({ description: create ? 'Tag names; new ones are created.' : 'Replaces the tags when given.' }),
  customFields: customFieldsArg(t),
});

const CreateDealInput = builder.inputType('CreateDealInput', { fields: (t) => dealFields(t, true) });
const UpdateDealInput = builder.inputType('UpdateDealInput', {
  fields: (t) => ({ id: t.id({ required: true }), version: t.int({ required: true }), ...dealFields(t, false) }),
});

type RawDealInput = Omit<deals.DealInput, 'customFields'> & { customFields?: Parameters<typeof decodeFieldInputs>[1] };

function decodeInput(ids: IdParser, input: RawDealInput): deals.DealInput {
  return {
    ...input,
    customFields: decodeFieldInputs(ids, input.customFields),
    pipelineId: ids.one('pipelineId', 'Pipeline', input.pipelineId),
    stageId: ids.one('stageId', 'Stage', input.stageId),
    lossReasonId: ids.one('lossReasonId', 'LossReason', input.lossReasonId),
    responsibleId: ids.one('responsibleId', 'User', input.responsibleId),
    companyId: ids.one('companyId', 'Company', input.companyId),
    contactIds: ids.many('contactIds', 'Contact', input.contactIds),
  };
}

builder.mutationField('createDeal', (t) =>
  t.field({
    type: Deal,
    authScopes: { writer: true },
    errors: { types: STAGE_ERRORS, dataField: { name: 'deal' } },
    args: { input: t.arg({ type: CreateDealInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const ids = new IdParser();
      const data = decodeInput(ids, input);
      // Malformed ids travel on to be listed with the service's own findings.
      return deals.createDeal(authed(ctx), data, ids.issues);
    },
  }),
);

builder.mutationField('updateDeal', (t) =>
  t.field({
    type: Deal,
    authScopes: { writer: true },
    description: 'Changes the fields given; a new stageId moves the deal under the same rules as moveDeal.',
    errors: { types: STAGE_ERRORS, dataField: { name: 'deal' } },
    args: { input: t.arg({ type: UpdateDealInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const ids = new IdParser();
      const id = ids.one('id', 'Deal', input.id);
      const data = decodeInput(ids, input);
      if (!id) ids.done();
      return deals.updateDeal(authed(ctx), id, input.version, data, ids.issues);
    },
  }),
);

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
    resolve: (_r, { input }, ctx) => {
      const ids = new IdParser();
      const id = ids.one('id', 'Deal', input.id);
      const stageId = ids.one('stageId', 'Stage', input.stageId);
      const lossReasonId = ids.one('lossReasonId', 'LossReason', input.lossReasonId);
      if (!id) ids.done();
      return deals.moveDeal(authed(ctx), id, input.version, stageId, lossReasonId, ids.issues);
    },
  }),
);

builder.mutationField('deleteDeal', (t) =>
  t.field({
    type: Deal,
    authScopes: { writer: true },
    description: 'Moves the deal to the trash, from which restoreDeal brings it back.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'deal' } },
    args: { id: t.arg.id({ required: true }), version: t.arg.int() },
    resolve: (_r, a, ctx) => deals.trashDeal(authed(ctx), parseId('Deal', a.id), a.version),
  }),
);

builder.mutationField('restoreDeal', (t) =>
  t.field({
    type: Deal,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'deal' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, a, ctx) => deals.restoreDeal(authed(ctx), parseId('Deal', a.id)),
  }),
);

// Live board

const DealChangeKind = builder.enumType('DealChangeKind', {
  values: ['CREATED', 'UPDATED', 'MOVED', 'DELETED', 'RESTORED'] as const,
});

const DealChangedEvent = builder.objectRef<DealChangedMessage>('DealChangedEvent').implement({
  description:
    "A change on a pipeline's board. MOVED reaches both the old and the new pipeline when a deal changes pipeline.",
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
        ctx.db.deal.findFirst({ ...query, where: { id: m.dealId, ...visible(authed(ctx), 'deal') } }),
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
        throw new GraphQLError(`Pipeline ${a.pipelineId} was not found`, { extensions: { code: 'NOT_FOUND' } });
      }
      const ws = sctx.viewer.workspaceId;
      startLive(ctx);
      // Only deals the subscriber's role lets them see at the time of the event; the deal's
      // fields are then resolved with the same rights, hidden ones left out.
      return pipe(
        ctx.deps.pubsub.subscribe('dealChanged', pipelineId),
        filter(async (m: DealChangedMessage) => {
          if (m.workspaceId !== ws) return false;
          const live = await liveViewer(ctx);
          if (scopeOf(live.viewer, 'DEAL', 'VIEW') === 'ALL') return true;
          return !!(await ctx.db.deal.findFirst({ where: { id: m.dealId, ...visible(live, 'deal') }, select: { id: true } }));
        }),
      );
    },
    resolve: (m) => m,
  }),
);
