// Pipelines, stages and loss reasons.
import { builder } from '../../builder.js';
import { authed } from '../../context.js';
import { IdParser, parseId } from '../../lib/ids.js';
import { WRITE_ERRORS } from '../common/common.schema.js';
import { inWorkspace, registerNode } from '../cards/cards.schema.js';
import * as pipelines from './pipelines.service.js';

for (const n of ['Pipeline', 'Stage', 'LossReason']) registerNode(n);

export const StageKind = builder.enumType('StageKind', {
  values: {
    OPEN: { description: 'The deal is in progress.' },
    WON: { description: 'Closed successfully; entering it sets closedAt.' },
    LOST: { description: 'Closed unsuccessfully; entering it sets closedAt and may take a loss reason.' },
  } as const,
});

export const Pipeline = builder.prismaNode('Pipeline', {
  id: { field: 'id' },
  // Select mode: only the columns the asked fields need are read.
  select: { id: true },
  findUnique: inWorkspace,
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name'),
    sortOrder: t.exposeInt('sortOrder'),
    archived: t.exposeBoolean('archived'),
    stages: t.relation('stages', { query: { orderBy: { sortOrder: 'asc' } } }),
    lossReasons: t.relation('lossReasons', { query: { orderBy: { sortOrder: 'asc' } } }),
  }),
});

export const Stage = builder.prismaNode('Stage', {
  id: { field: 'id' },
  // Select mode: only the columns the asked fields need are read.
  select: { id: true },
  findUnique: inWorkspace,
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name'),
    kind: t.expose('kind', { type: StageKind }),
    sortOrder: t.exposeInt('sortOrder'),
    color: t.exposeString('color', { nullable: true }),
    pipeline: t.relation('pipeline'),
  }),
});

export const LossReason = builder.prismaNode('LossReason', {
  id: { field: 'id' },
  findUnique: inWorkspace,
  nullable: true,
  fields: (t) => ({ name: t.exposeString('name'), pipeline: t.relation('pipeline') }),
});

builder.queryField('pipelines', (t) =>
  t.prismaField({
    type: ['Pipeline'],
    authScopes: { member: true },
    args: { includeArchived: t.arg.boolean({ defaultValue: false }) },
    resolve: (query, _r, a, ctx) => pipelines.listPipelines(authed(ctx), !!a.includeArchived, query),
  }),
);

const StageInput = builder.inputType('StageInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    kind: t.field({ type: StageKind, defaultValue: 'OPEN' }),
    color: t.string({ description: 'A colour such as #99ccff.' }),
  }),
});

const CreatePipelineInput = builder.inputType('CreatePipelineInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    stages: t.field({
      type: [StageInput],
      required: true,
      description: 'In board order. A WON and a LOST stage are added when none is given.',
    }),
    lossReasons: t.stringList(),
  }),
});

builder.mutationField('createPipeline', (t) =>
  t.field({
    type: Pipeline,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'pipeline' } },
    args: { input: t.arg({ type: CreatePipelineInput, required: true }) },
    resolve: (_r, { input }, ctx) =>
      pipelines.createPipeline(authed(ctx), {
        name: input.name,
        stages: input.stages.map((s) => ({ name: s.name, kind: s.kind ?? 'OPEN', color: s.color })),
        lossReasons: input.lossReasons ?? [],
      }),
  }),
);

const UpdatePipelineInput = builder.inputType('UpdatePipelineInput', {
  fields: (t) => ({ id: t.id({ required: true }), name: t.string(), archived: t.boolean(), sortOrder: t.int() }),
});

builder.mutationField('updatePipeline', (t) =>
  t.field({
    type: Pipeline,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'pipeline' } },
    args: { input: t.arg({ type: UpdatePipelineInput, required: true }) },
    resolve: (_r, { input }, ctx) => pipelines.updatePipeline(authed(ctx), parseId('Pipeline', input.id), input),
  }),
);

builder.mutationField('deletePipeline', (t) =>
  t.id({
    authScopes: { writer: true },
    description: 'Deletes an empty pipeline (no deals, trash included).',
    errors: { types: WRITE_ERRORS },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_r, a, ctx) => {
      await pipelines.deletePipeline(authed(ctx), parseId('Pipeline', a.id));
      return a.id;
    },
  }),
);

const CreateStageInput = builder.inputType('CreateStageInput', {
  fields: (t) => ({
    pipelineId: t.id({ required: true }),
    name: t.string({ required: true }),
    kind: t.field({ type: StageKind, defaultValue: 'OPEN' }),
    color: t.string(),
    position: t.int({ description: 'Zero-based place on the board; the end when left out.' }),
  }),
});

builder.mutationField('createStage', (t) =>
  t.field({
    type: Stage,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'stage' } },
    args: { input: t.arg({ type: CreateStageInput, required: true }) },
    resolve: (_r, { input }, ctx) => pipelines.createStage(authed(ctx), { ...input, pipelineId: parseId('Pipeline', input.pipelineId, 'pipelineId') }),
  }),
);

const UpdateStageInput = builder.inputType('UpdateStageInput', {
  fields: (t) => ({ id: t.id({ required: true }), name: t.string(), color: t.string() }),
});

builder.mutationField('updateStage', (t) =>
  t.field({
    type: Stage,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'stage' } },
    args: { input: t.arg({ type: UpdateStageInput, required: true }) },
    resolve: (_r, { input }, ctx) => pipelines.updateStage(authed(ctx), parseId('Stage', input.id), input),
  }),
);

builder.mutationField('reorderStages', (t) =>
  t.field({
    type: Pipeline,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'pipeline' } },
    args: { pipelineId: t.arg.id({ required: true }), stageIds: t.arg.idList({ required: true }) },
    resolve: (_r, a, ctx) => {
      const ids = new IdParser();
      const pipelineId = ids.one('pipelineId', 'Pipeline', a.pipelineId);
      const stageIds = ids.many('stageIds', 'Stage', a.stageIds)!;
      ids.done();
      return pipelines.reorderStages(authed(ctx), pipelineId, stageIds);
    },
  }),
);

// The deleted row is answered as read before the delete, with what the client selected of its
// relations: loaded afterwards, they would look for a row that no longer exists.
builder.mutationField('deleteStage', (t) =>
  t.prismaField({
    type: Stage,
    authScopes: { writer: true },
    description: 'Deletes an empty stage (no deals, trash included).',
    errors: { types: WRITE_ERRORS, dataField: { name: 'stage' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _r, a, ctx) => pipelines.deleteStage(authed(ctx), parseId('Stage', a.id), query),
  }),
);

builder.mutationField('createLossReason', (t) =>
  t.field({
    type: LossReason,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'lossReason' } },
    args: { pipelineId: t.arg.id({ required: true }), name: t.arg.string({ required: true }) },
    resolve: (_r, a, ctx) => pipelines.createLossReason(authed(ctx), parseId('Pipeline', a.pipelineId, 'pipelineId'), a.name),
  }),
);

builder.mutationField('deleteLossReason', (t) =>
  t.prismaField({
    type: LossReason,
    authScopes: { writer: true },
    description: 'Deletes a loss reason; deals that gave it keep their LOST stage.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'lossReason' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _r, a, ctx) => pipelines.deleteLossReason(authed(ctx), parseId('LossReason', a.id), query),
  }),
);
