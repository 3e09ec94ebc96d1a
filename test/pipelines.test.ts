// Pipelines, stages and loss reasons through the public API: what administrators may set up,
// what is refused (and then left as it was), and that members may only read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './kit/app.js';
import { signUpWorkspace, type Workspace } from './kit/workspace.js';
import { graphql } from './gql/index.js';
import { as } from './kit/results.js';
import type { CreatePipelineInput, StageInput } from './gql/graphql.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app?.stop();
});

void graphql(`
  fragment PlPipelineFields on Pipeline {
    id name archived sortOrder
    stages { id name kind color sortOrder pipeline { id } }
    lossReasons { id name }
  }
`);

void graphql(`
  fragment PlErrorFields on Error {
    __typename code message
    ... on ValidationError { fields { field message } }
    ... on NotFoundError { entity id }
  }
`);

const Pipelines = graphql(`
  query PlPipelines($includeArchived: Boolean) {
    pipelines(includeArchived: $includeArchived) { ...PlPipelineFields }
  }
`);

const CreatePipeline = graphql(`
  mutation PlCreatePipeline($input: CreatePipelineInput!) {
    createPipeline(input: $input) {
      __typename
      ... on CreatePipelineSuccess { pipeline { ...PlPipelineFields } }
      ...PlErrorFields
    }
  }
`);

const UpdatePipeline = graphql(`
  mutation PlUpdatePipeline($input: UpdatePipelineInput!) {
    updatePipeline(input: $input) {
      __typename
      ... on UpdatePipelineSuccess { pipeline { ...PlPipelineFields } }
      ...PlErrorFields
    }
  }
`);

const DeletePipeline = graphql(`
  mutation PlDeletePipeline($id: ID!) {
    deletePipeline(id: $id) { __typename ... on DeletePipelineSuccess { data } ...PlErrorFields }
  }
`);

const CreateStage = graphql(`
  mutation PlCreateStage($input: CreateStageInput!) {
    createStage(input: $input) {
      __typename
      ... on CreateStageSuccess { stage { id name kind color sortOrder pipeline { id } } }
      ...PlErrorFields
    }
  }
`);

const UpdateStage = graphql(`
  mutation PlUpdateStage($input: UpdateStageInput!) {
    updateStage(input: $input) {
      __typename
      ... on UpdateStageSuccess { stage { id name kind color sortOrder } }
      ...PlErrorFields
    }
  }
`);

const ReorderStages = graphql(`
  mutation PlReorderStages($pipelineId: ID!, $stageIds: [ID!]!) {
    reorderStages(pipelineId: $pipelineId, stageIds: $stageIds) {
      __typename
      ... on ReorderStagesSuccess { pipeline { id stages { id name sortOrder } } }
      ...PlErrorFields
    }
  }
`);

const DeleteStage = graphql(`
  mutation PlDeleteStage($id: ID!) {
    deleteStage(id: $id) { __typename ... on DeleteStageSuccess { stage { id name } } ...PlErrorFields }
  }
`);

const CreateLossReason = graphql(`
  mutation PlCreateLossReason($pipelineId: ID!, $name: String!) {
    createLossReason(pipelineId: $pipelineId, name: $name) {
      __typename
      ... on CreateLossReasonSuccess { lossReason { id name pipeline { id } } }
      ...PlErrorFields
    }
  }
`);

const DeleteLossReason = graphql(`
  mutation PlDeleteLossReason($id: ID!) {
    deleteLossReason(id: $id) { __typename ... on DeleteLossReasonSuccess { lossReason { id name } } ...PlErrorFields }
  }
`);

const CreateDeal = graphql(`
  mutation PlCreateDeal($input: CreateDealInput!) {
    createDeal(input: $input) {
      __typename
      ... on CreateDealSuccess { deal { id version stage { id } pipeline { id } lossReason { id } } }
      ...PlErrorFields
    }
  }
`);

const MoveDeal = graphql(`
  mutation PlMoveDeal($input: MoveDealInput!) {
    moveDeal(input: $input) {
      __typename
      ... on MoveDealSuccess { deal { id version stage { id } } }
      ...PlErrorFields
    }
  }
`);

const DeleteDeal = graphql(`
  mutation PlDeleteDeal($id: ID!) {
    deleteDeal(id: $id) { __typename ... on DeleteDealSuccess { deal { id version } } ...PlErrorFields }
  }
`);

const RestoreDeal = graphql(`
  mutation PlRestoreDeal($id: ID!) {
    restoreDeal(id: $id) { __typename ...PlErrorFields }
  }
`);

const DealNode = graphql(`
  query PlDeal($id: ID!) {
    node(id: $id) { ... on Deal { id closedAt stage { id kind } lossReason { id } } }
  }
`);

const fieldsOf = (e: { fields: { field: string }[] }) => e.fields.map((f) => f.field).sort();

async function pipelines(ws: Workspace, includeArchived = false, token = ws.token) {
  return (await app.ok(Pipelines, { includeArchived }, token)).pipelines;
}
async function createPipeline(ws: Workspace, input: CreatePipelineInput) {
  return as((await app.ok(CreatePipeline, { input }, ws.token)).createPipeline, 'CreatePipelineSuccess').pipeline;
}
async function readPipeline(ws: Workspace, id: string) {
  return (await pipelines(ws, true)).find((p) => p.id === id)!;
}
const stageNames = (p: { stages: { name: string; kind: string }[] }) => p.stages.map((s) => `${s.name}:${s.kind}`);
const open = (...names: string[]): StageInput[] => names.map((name) => ({ name }));

describe('createPipeline', () => {
  it('keeps the stages in the order given and adds a WON and a LOST stage when missing', async () => {
    const ws = await signUpWorkspace(app);
    const p = await createPipeline(ws, {
      name: 'Partners',
      stages: [{ name: 'Lead', color: '#99ccff' }, { name: 'Talks' }],
      lossReasons: ['Price', 'Timing', 'Price'],
    });
    expect(p).toMatchObject({ name: 'Partners', archived: false, sortOrder: 1 });
    expect(stageNames(p)).toEqual(['Lead:OPEN', 'Talks:OPEN', 'Won:WON', 'Lost:LOST']);
    expect(p.stages.map((s) => s.sortOrder)).toEqual([0, 1, 2, 3]);
    expect(p.stages[0].color).toBe('#99ccff');
    expect(p.stages.every((s) => s.pipeline.id === p.id)).toBe(true);
    expect(p.lossReasons.map((r) => r.name)).toEqual(['Price', 'Timing']);
    expect((await pipelines(ws)).map((x) => x.name)).toEqual(['Sales pipeline', 'Partners']);
    expect(await readPipeline(ws, p.id)).toEqual(p);

    // Closing stages given are kept as given; only the missing kind is added.
    const withWon = await createPipeline(ws, { name: 'Second', stages: [{ name: 'Signed', kind: 'WON' }, { name: 'Start' }] });
    expect(stageNames(withWon)).toEqual(['Signed:WON', 'Start:OPEN', 'Lost:LOST']);
    const full = await createPipeline(ws, { name: 'Third', stages: [{ name: 'A' }, { name: 'Dropped', kind: 'LOST' }, { name: 'Done', kind: 'WON' }] });
    expect(stageNames(full)).toEqual(['A:OPEN', 'Dropped:LOST', 'Done:WON']);
  });

  it('names the added closing stages in the workspace language', async () => {
    const ws = await signUpWorkspace(app, { locale: 'ru' });
    const p = await createPipeline(ws, { name: 'Партнёры', stages: open('Заявка') });
    expect(stageNames(p)).toEqual(['Заявка:OPEN', 'Успешно реализовано:WON', 'Закрыто и не реализовано:LOST']);
  });

  it('adds the closing stages even when an open stage already has their name', async () => {
    const ws = await signUpWorkspace(app);
    const p = await createPipeline(ws, { name: 'Tricky', stages: open('Won', 'Lost') });
    expect(p.stages.filter((s) => s.kind === 'WON')).toHaveLength(1);
    expect(p.stages.filter((s) => s.kind === 'LOST')).toHaveLength(1);
    expect(stageNames(p)).toEqual(['Won:OPEN', 'Lost:OPEN', 'Won 2:WON', 'Lost 2:LOST']);
  });

  it('refuses duplicate stage names, a pipeline with no open stage, a taken name and bad values, creating nothing', async () => {
    const ws = await signUpWorkspace(app);
    const before = await pipelines(ws, true);
    const cases: [CreatePipelineInput, string[]][] = [
      [{ name: 'P', stages: open('Lead', 'Talks', 'lead') }, ['stages[2].name']],
      [{ name: 'P', stages: [{ name: 'Won', kind: 'WON' }] }, ['stages']],
      [{ name: 'P', stages: [] }, ['stages']],
      [{ name: 'Sales pipeline', stages: open('Lead') }, ['name']],
      [{ name: 'x'.repeat(300), stages: [{ name: 'Lead', color: 'blue' }, { name: '' }] }, ['name', 'stages[0].color', 'stages[1].name']],
      [{ name: 'P', stages: open('Lead'), lossReasons: [''] }, ['lossReasons[0]']],
    ];
    for (const [input, fields] of cases) {
      const e = as((await app.ok(CreatePipeline, { input }, ws.token)).createPipeline, 'ValidationError');
      expect([...new Set(fieldsOf(e))], JSON.stringify(input).slice(0, 120)).toEqual(fields);
    }
    expect(await pipelines(ws, true)).toEqual(before);
  });
});

describe('stages', () => {
  it('creates a stage at a position, at the end when none is given, and refuses a taken name', async () => {
    const ws = await signUpWorkspace(app);
    const p = await createPipeline(ws, { name: 'P', stages: open('A', 'B') });
    const s1 = as((await app.ok(CreateStage, { input: { pipelineId: p.id, name: 'Between', position: 1, color: '#123abc' } }, ws.token)).createStage, 'CreateStageSuccess').stage;
    expect(s1).toMatchObject({ name: 'Between', kind: 'OPEN', color: '#123abc', sortOrder: 1, pipeline: { id: p.id } });
    expect(stageNames(await readPipeline(ws, p.id))).toEqual(['A:OPEN', 'Between:OPEN', 'B:OPEN', 'Won:WON', 'Lost:LOST']);
    as((await app.ok(CreateStage, { input: { pipelineId: p.id, name: 'Last', kind: 'LOST' } }, ws.token)).createStage, 'CreateStageSuccess');
    as((await app.ok(CreateStage, { input: { pipelineId: p.id, name: 'First', position: 0 } }, ws.token)).createStage, 'CreateStageSuccess');
    as((await app.ok(CreateStage, { input: { pipelineId: p.id, name: 'Far', position: 99 } }, ws.token)).createStage, 'CreateStageSuccess');
    const after = await readPipeline(ws, p.id);
    expect(stageNames(after)).toEqual(['First:OPEN', 'A:OPEN', 'Between:OPEN', 'B:OPEN', 'Won:WON', 'Lost:LOST', 'Last:LOST', 'Far:OPEN']);
    expect(after.stages.map((s) => s.sortOrder)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    for (const [input, fields] of [
      [{ pipelineId: p.id, name: 'between' }, ['name']],
      [{ pipelineId: p.id, name: ' ' }, ['name']],
      [{ pipelineId: p.id, name: 'Ok', color: 'red' }, ['color']],
      [{ pipelineId: 'bad', name: 'Ok' }, ['pipelineId']],
    ] as const) {
      const e = as((await app.ok(CreateStage, { input: { ...input } }, ws.token)).createStage, 'ValidationError');
      expect(fieldsOf(e), JSON.stringify(input)).toEqual(fields);
    }
    expect(await readPipeline(ws, p.id)).toEqual(after);
    // The same name in another pipeline is fine.
    as((await app.ok(CreateStage, { input: { pipelineId: ws.pipeline.id, name: 'Between' } }, ws.token)).createStage, 'CreateStageSuccess');
  });

  it('reorders the stages, and refuses a list that is not exactly the pipeline’s stages', async () => {
    const ws = await signUpWorkspace(app);
    const p = await createPipeline(ws, { name: 'P', stages: open('A', 'B', 'C') });
    const [a, b, c, won, lost] = p.stages;
    const r = as(
      (await app.ok(ReorderStages, { pipelineId: p.id, stageIds: [c.id, a.id, lost.id, b.id, won.id] }, ws.token)).reorderStages,
      'ReorderStagesSuccess',
    );
    expect(r.pipeline.stages.map((s) => s.name)).toEqual(['C', 'A', 'Lost', 'B', 'Won']);
    const after = await readPipeline(ws, p.id);
    expect(after.stages.map((s) => s.name)).toEqual(['C', 'A', 'Lost', 'B', 'Won']);
    expect(after.stages.map((s) => s.sortOrder)).toEqual([0, 1, 2, 3, 4]);

    const cases: [string[], string[]][] = [
      [[a.id, b.id, c.id, won.id], ['stageIds']],
      [[a.id, b.id, c.id, won.id, lost.id, a.id], ['stageIds']],
      [[a.id, b.id, c.id, won.id, ws.open[0].id], ['stageIds[4]']],
      [[a.id, b.id, c.id, won.id, 'bad'], ['stageIds[4]']],
    ];
    for (const [stageIds, fields] of cases) {
      const e = as((await app.ok(ReorderStages, { pipelineId: p.id, stageIds }, ws.token)).reorderStages, 'ValidationError');
      expect([...new Set(fieldsOf(e))]).toEqual(fields);
    }
    expect(await readPipeline(ws, p.id)).toEqual(after);
  });

  it('renames and recolours a stage, refusing a name another stage has', async () => {
    const ws = await signUpWorkspace(app);
    const [first, second] = ws.open;
    const u = as((await app.ok(UpdateStage, { input: { id: first.id, name: 'First call', color: '#00ff00' } }, ws.token)).updateStage, 'UpdateStageSuccess').stage;
    expect(u).toMatchObject({ id: first.id, name: 'First call', color: '#00ff00', kind: 'OPEN', sortOrder: 0 });
    // Only the case changes: it is still this stage's own name.
    const cased = as((await app.ok(UpdateStage, { input: { id: first.id, name: 'FIRST CALL' } }, ws.token)).updateStage, 'UpdateStageSuccess').stage;
    expect(cased).toMatchObject({ name: 'FIRST CALL', color: '#00ff00' });
    const before = await readPipeline(ws, ws.pipeline.id);
    for (const [input, fields] of [
      [{ id: second.id, name: 'first call' }, ['name']],
      [{ id: second.id, color: '#zzzzzz' }, ['color']],
      [{ id: second.id, name: 'y'.repeat(121) }, ['name']],
      [{ id: 'bad' }, ['id']],
    ] as const) {
      const e = as((await app.ok(UpdateStage, { input: { ...input } }, ws.token)).updateStage, 'ValidationError');
      expect(fieldsOf(e)).toEqual(fields);
    }
    const other = await signUpWorkspace(app);
    const nf = as((await app.ok(UpdateStage, { input: { id: other.open[0].id, name: 'Mine' } }, ws.token)).updateStage, 'NotFoundError');
    expect(nf).toMatchObject({ entity: 'Stage', id: other.open[0].id });
    expect(await readPipeline(ws, ws.pipeline.id)).toEqual(before);
    expect(await readPipeline(other, other.pipeline.id)).toMatchObject({ stages: other.pipeline.stages.map((s) => ({ id: s.id, name: s.name })) });
  });

  it('refuses to delete a stage that holds deals, trashed ones included, and deletes it once empty', async () => {
    const ws = await signUpWorkspace(app);
    const target = ws.open[1];
    const d = as((await app.ok(CreateDeal, { input: { name: 'Here', stageId: target.id } }, ws.token)).createDeal, 'CreateDealSuccess').deal;
    const e = as((await app.ok(DeleteStage, { id: target.id }, ws.token)).deleteStage, 'ValidationError');
    expect(fieldsOf(e)).toEqual(['id']);
    const t = as((await app.ok(DeleteDeal, { id: d.id }, ws.token)).deleteDeal, 'DeleteDealSuccess').deal;
    as((await app.ok(DeleteStage, { id: target.id }, ws.token)).deleteStage, 'ValidationError');
    expect((await readPipeline(ws, ws.pipeline.id)).stages.map((s) => s.id)).toContain(target.id);

    // Restore and move the deal elsewhere: the stage is empty now.
    as((await app.ok(RestoreDeal, { id: d.id }, ws.token)).restoreDeal, 'RestoreDealSuccess');
    as((await app.ok(MoveDeal, { input: { id: d.id, version: t.version + 1, stageId: ws.open[0].id } }, ws.token)).moveDeal, 'MoveDealSuccess');
    const del = as((await app.ok(DeleteStage, { id: target.id }, ws.token)).deleteStage, 'DeleteStageSuccess');
    expect(del.stage).toEqual({ id: target.id, name: target.name });
    const stages = (await readPipeline(ws, ws.pipeline.id)).stages;
    expect(stages.map((s) => s.id)).not.toContain(target.id);
    expect(stages).toHaveLength(ws.pipeline.stages.length - 1);
    as((await app.ok(DeleteStage, { id: target.id }, ws.token)).deleteStage, 'NotFoundError');
  });

  it('refuses to delete the last open stage of a pipeline', async () => {
    const ws = await signUpWorkspace(app);
    const p = await createPipeline(ws, { name: 'P', stages: open('Only') });
    const e = as((await app.ok(DeleteStage, { id: p.stages[0].id }, ws.token)).deleteStage, 'ValidationError');
    expect(fieldsOf(e)).toEqual(['id']);
    expect(await readPipeline(ws, p.id)).toEqual(p);
  });

  it('refuses to delete the only WON or the only LOST stage, so deals can always be closed', async () => {
    const ws = await signUpWorkspace(app);
    for (const stage of [ws.won, ws.lost]) {
      const e = as((await app.ok(DeleteStage, { id: stage.id }, ws.token)).deleteStage, 'ValidationError');
      expect(fieldsOf(e)).toEqual(['id']);
    }
    expect((await readPipeline(ws, ws.pipeline.id)).stages.filter((s) => s.kind !== 'OPEN')).toHaveLength(2);
  });
});

describe('loss reasons', () => {
  it('creates loss reasons in order, refuses a duplicate, and deletes one while its deals stay lost', async () => {
    const ws = await signUpWorkspace(app);
    const mk = async (name: string) =>
      as((await app.ok(CreateLossReason, { pipelineId: ws.pipeline.id, name }, ws.token)).createLossReason, 'CreateLossReasonSuccess').lossReason;
    const price = await mk('Price');
    await mk('Competitor');
    expect(price.pipeline.id).toBe(ws.pipeline.id);
    expect((await readPipeline(ws, ws.pipeline.id)).lossReasons.map((r) => r.name)).toEqual(['Price', 'Competitor']);
    for (const [pipelineId, name, fields] of [
      [ws.pipeline.id, 'Price', ['name']],
      [ws.pipeline.id, '  ', ['name']],
      ['bad', 'X', ['pipelineId']],
    ] as const) {
      const e = as((await app.ok(CreateLossReason, { pipelineId, name }, ws.token)).createLossReason, 'ValidationError');
      expect(fieldsOf(e)).toEqual(fields);
    }
    expect((await readPipeline(ws, ws.pipeline.id)).lossReasons).toHaveLength(2);

    const d = as((await app.ok(CreateDeal, { input: { name: 'Lost one', stageId: ws.lost.id, lossReasonId: price.id } }, ws.token)).createDeal, 'CreateDealSuccess').deal;
    expect(d.lossReason?.id).toBe(price.id);
    const del = as((await app.ok(DeleteLossReason, { id: price.id }, ws.token)).deleteLossReason, 'DeleteLossReasonSuccess');
    expect(del.lossReason).toEqual({ id: price.id, name: 'Price' });
    expect((await readPipeline(ws, ws.pipeline.id)).lossReasons.map((r) => r.name)).toEqual(['Competitor']);
    const after = (await app.ok(DealNode, { id: d.id }, ws.token)).node;
    expect(after).toMatchObject({ stage: { id: ws.lost.id, kind: 'LOST' }, lossReason: null, closedAt: expect.any(String) });
    as((await app.ok(DeleteLossReason, { id: price.id }, ws.token)).deleteLossReason, 'NotFoundError');
    // A deleted reason can no longer be given.
    const e = as((await app.ok(CreateDeal, { input: { name: 'X', stageId: ws.lost.id, lossReasonId: price.id } }, ws.token)).createDeal, 'ValidationError');
    expect(fieldsOf(e)).toEqual(['lossReasonId']);
  });
});

describe('updatePipeline and deletePipeline', () => {
  it('treats pipeline names that differ only in case as the same name', async () => {
    const ws = await signUpWorkspace(app);
    await createPipeline(ws, { name: 'Wholesale', stages: open('New') });
    const e = as((await app.ok(CreatePipeline, { input: { name: 'WHOLESALE', stages: open('New') } }, ws.token)).createPipeline, 'ValidationError');
    expect(fieldsOf(e)).toEqual(['name']);
  });


  it('renames and archives a pipeline: archived ones are listed only on request and take no deals', async () => {
    const ws = await signUpWorkspace(app);
    const p = await createPipeline(ws, { name: 'Old', stages: open('Lead') });
    const d = as((await app.ok(CreateDeal, { input: { name: 'Before', pipelineId: p.id } }, ws.token)).createDeal, 'CreateDealSuccess').deal;
    expect(d.pipeline.id).toBe(p.id);
    const renamed = as((await app.ok(UpdatePipeline, { input: { id: p.id, name: 'Renamed' } }, ws.token)).updatePipeline, 'UpdatePipelineSuccess').pipeline;
    expect(renamed).toMatchObject({ name: 'Renamed', archived: false });
    const taken = as((await app.ok(UpdatePipeline, { input: { id: p.id, name: 'Sales pipeline' } }, ws.token)).updatePipeline, 'ValidationError');
    expect(fieldsOf(taken)).toEqual(['name']);

    const archived = as((await app.ok(UpdatePipeline, { input: { id: p.id, archived: true } }, ws.token)).updatePipeline, 'UpdatePipelineSuccess').pipeline;
    expect(archived).toMatchObject({ name: 'Renamed', archived: true });
    expect((await pipelines(ws)).map((x) => x.id)).toEqual([ws.pipeline.id]);
    expect((await pipelines(ws, true)).map((x) => x.id)).toEqual([ws.pipeline.id, p.id]);

    const c = as((await app.ok(CreateDeal, { input: { name: 'New', pipelineId: p.id } }, ws.token)).createDeal, 'ValidationError');
    expect(fieldsOf(c)).toEqual(['pipelineId']);
    const s = as((await app.ok(CreateDeal, { input: { name: 'New', stageId: p.stages[0].id } }, ws.token)).createDeal, 'ValidationError');
    expect(fieldsOf(s)).toEqual(['stageId']);
    const other = as((await app.ok(CreateDeal, { input: { name: 'Other' } }, ws.token)).createDeal, 'CreateDealSuccess').deal;
    const m = as((await app.ok(MoveDeal, { input: { id: other.id, version: 1, stageId: p.stages[0].id } }, ws.token)).moveDeal, 'ValidationError');
    expect(fieldsOf(m)).toEqual(['stageId']);

    // Unarchived, it takes deals again.
    as((await app.ok(UpdatePipeline, { input: { id: p.id, archived: false } }, ws.token)).updatePipeline, 'UpdatePipelineSuccess');
    as((await app.ok(MoveDeal, { input: { id: other.id, version: 1, stageId: p.stages[0].id } }, ws.token)).moveDeal, 'MoveDealSuccess');
  });

  it('sends new deals to the first pipeline that is not archived', async () => {
    const ws = await signUpWorkspace(app);
    const p = await createPipeline(ws, { name: 'Next', stages: open('Intake') });
    as((await app.ok(UpdatePipeline, { input: { id: ws.pipeline.id, archived: true } }, ws.token)).updatePipeline, 'UpdatePipelineSuccess');
    const d = as((await app.ok(CreateDeal, { input: { name: 'Where' } }, ws.token)).createDeal, 'CreateDealSuccess').deal;
    expect(d).toMatchObject({ pipeline: { id: p.id }, stage: { id: p.stages[0].id } });
  });

  it('deletes only an empty pipeline, trash included', async () => {
    const ws = await signUpWorkspace(app);
    const p = await createPipeline(ws, { name: 'Temp', stages: open('Lead') });
    const d = as((await app.ok(CreateDeal, { input: { name: 'D', pipelineId: p.id } }, ws.token)).createDeal, 'CreateDealSuccess').deal;
    as((await app.ok(DeleteDeal, { id: d.id }, ws.token)).deleteDeal, 'DeleteDealSuccess');
    const e = as((await app.ok(DeletePipeline, { id: p.id }, ws.token)).deletePipeline, 'ValidationError');
    expect(fieldsOf(e)).toEqual(['id']);
    expect((await pipelines(ws)).map((x) => x.id)).toContain(p.id);

    const empty = await createPipeline(ws, { name: 'Empty', stages: open('Lead') });
    const ok = as((await app.ok(DeletePipeline, { id: empty.id }, ws.token)).deletePipeline, 'DeletePipelineSuccess');
    expect(ok.data).toBe(empty.id);
    expect((await pipelines(ws, true)).map((x) => x.id)).not.toContain(empty.id);
    as((await app.ok(DeletePipeline, { id: empty.id }, ws.token)).deletePipeline, 'NotFoundError');
  });
});

describe('rights', () => {
  let ws: Workspace;
  let member: Awaited<ReturnType<Workspace['member']>>;
  let p: Awaited<ReturnType<typeof createPipeline>>;
  let reason: { id: string };
  beforeAll(async () => {
    ws = await signUpWorkspace(app);
    member = await ws.member('Seller');
    p = await createPipeline(ws, { name: 'Admin made', stages: open('Lead', 'Talks'), lossReasons: ['Price'] });
    reason = p.lossReasons[0];
  });

  it('lets a member read pipelines but change none of them', async () => {
    const before = await pipelines(ws, true);
    expect(await pipelines(ws, true, member.token)).toEqual(before);
    const attempts = [
      async () => (await app.ok(CreatePipeline, { input: { name: 'Mine', stages: open('A') } }, member.token)).createPipeline,
      async () => (await app.ok(UpdatePipeline, { input: { id: p.id, name: 'Mine', archived: true } }, member.token)).updatePipeline,
      async () => (await app.ok(DeletePipeline, { id: p.id }, member.token)).deletePipeline,
      async () => (await app.ok(CreateStage, { input: { pipelineId: p.id, name: 'Mine', position: 0 } }, member.token)).createStage,
      async () => (await app.ok(UpdateStage, { input: { id: p.stages[0].id, name: 'Mine' } }, member.token)).updateStage,
      async () =>
        (await app.ok(ReorderStages, { pipelineId: p.id, stageIds: [...p.stages].reverse().map((s) => s.id) }, member.token)).reorderStages,
      async () => (await app.ok(DeleteStage, { id: p.stages[1].id }, member.token)).deleteStage,
      async () => (await app.ok(CreateLossReason, { pipelineId: p.id, name: 'Mine' }, member.token)).createLossReason,
      async () => (await app.ok(DeleteLossReason, { id: reason.id }, member.token)).deleteLossReason,
    ];
    for (const [i, attempt] of attempts.entries()) {
      const r = await attempt();
      expect(r.__typename, `attempt ${i}: ${JSON.stringify(r)}`).toBe('ForbiddenError');
      expect((r as { code?: string }).code).toBe('FORBIDDEN');
    }
    expect(await pipelines(ws, true)).toEqual(before);
  });

  it('lets a member work with deals on the pipelines', async () => {
    const d = as((await app.ok(CreateDeal, { input: { name: 'By member', pipelineId: p.id } }, member.token)).createDeal, 'CreateDealSuccess').deal;
    const m = as((await app.ok(MoveDeal, { input: { id: d.id, version: 1, stageId: p.stages[1].id } }, member.token)).moveDeal, 'MoveDealSuccess');
    expect(m.deal.stage.id).toBe(p.stages[1].id);
  });
});
