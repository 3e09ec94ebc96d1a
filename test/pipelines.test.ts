// Pipelines, stages and loss reasons through the public API: what administrators may set up,
// what is refused (and then left as it was), and that members may only read.
import { describe, expect, it, test, type Workspace } from './kit/fixtures.js';
import type { Client } from './kit/app.js';
import type { Member } from './kit/workspace.js';
import { as } from './kit/results.js';
import { createPipeline as newPipeline, readDeal } from './kit/cards.js';
import { CreateDeal, DeleteDeal, MoveDeal, RestoreDeal } from './kit/documents/deals.js';
import {
  CreateLossReason,
  CreatePipeline,
  CreateStage,
  DeleteLossReason,
  DeletePipeline,
  DeleteStage,
  Pipelines,
  ReorderStages,
  UpdatePipeline,
  UpdateStage,
} from './kit/documents/pipelines.js';
import type { CreatePipelineInput, StageInput } from './gql/graphql.js';

const fieldsOf = (e: { fields: { field: string }[] }) => e.fields.map((f) => f.field).sort();

async function pipelines(c: Client, includeArchived = false) {
  return (await c.gql(Pipelines, { includeArchived })).pipelines;
}
const createPipeline = (c: Client, input: CreatePipelineInput) => newPipeline(c, input);
async function readPipeline(ws: Client, id: string) {
  return (await pipelines(ws, true)).find((p) => p.id === id)!;
}
const stageNames = (p: { stages: { name: string; kind: string }[] }) => p.stages.map((s) => `${s.name}:${s.kind}`);
const open = (...names: string[]): StageInput[] => names.map((name) => ({ name }));

describe('createPipeline', () => {
  it('keeps the stages in the order given and adds a WON and a LOST stage when missing', async ({ workspace: ws }) => {
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

  it('names the added closing stages in the workspace language', async ({ signUp }) => {
    const ws = await signUp({ locale: 'ru' });
    const p = await createPipeline(ws, { name: 'Партнёры', stages: open('Заявка') });
    expect(stageNames(p)).toEqual(['Заявка:OPEN', 'Успешно реализовано:WON', 'Закрыто и не реализовано:LOST']);
  });

  it('adds the closing stages even when an open stage already has their name', async ({ workspace: ws }) => {
    const p = await createPipeline(ws, { name: 'Tricky', stages: open('Won', 'Lost') });
    expect(p.stages.filter((s) => s.kind === 'WON')).toHaveLength(1);
    expect(p.stages.filter((s) => s.kind === 'LOST')).toHaveLength(1);
    expect(stageNames(p)).toEqual(['Won:OPEN', 'Lost:OPEN', 'Won 2:WON', 'Lost 2:LOST']);
  });

  it('refuses duplicate stage names, a pipeline with no open stage, a taken name and bad values, creating nothing', async ({ workspace: ws }) => {
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
      const e = as((await ws.gql(CreatePipeline, { input })).createPipeline, 'ValidationError');
      expect([...new Set(fieldsOf(e))], JSON.stringify(input).slice(0, 120)).toEqual(fields);
    }
    expect(await pipelines(ws, true)).toEqual(before);
  });
});

describe('stages', () => {
  it('creates a stage at a position, at the end when none is given, and refuses a taken name', async ({ workspace: ws }) => {
    const p = await createPipeline(ws, { name: 'P', stages: open('A', 'B') });
    const s1 = as(
      (await ws.gql(CreateStage, { input: { pipelineId: p.id, name: 'Between', position: 1, color: '#123abc' } })).createStage,
      'CreateStageSuccess',
    ).stage;
    expect(s1).toMatchObject({ name: 'Between', kind: 'OPEN', color: '#123abc', sortOrder: 1, pipeline: { id: p.id } });
    expect(stageNames(await readPipeline(ws, p.id))).toEqual(['A:OPEN', 'Between:OPEN', 'B:OPEN', 'Won:WON', 'Lost:LOST']);
    as((await ws.gql(CreateStage, { input: { pipelineId: p.id, name: 'Last', kind: 'LOST' } })).createStage, 'CreateStageSuccess');
    as((await ws.gql(CreateStage, { input: { pipelineId: p.id, name: 'First', position: 0 } })).createStage, 'CreateStageSuccess');
    as((await ws.gql(CreateStage, { input: { pipelineId: p.id, name: 'Far', position: 99 } })).createStage, 'CreateStageSuccess');
    const after = await readPipeline(ws, p.id);
    expect(stageNames(after)).toEqual(['First:OPEN', 'A:OPEN', 'Between:OPEN', 'B:OPEN', 'Won:WON', 'Lost:LOST', 'Last:LOST', 'Far:OPEN']);
    expect(after.stages.map((s) => s.sortOrder)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    for (const [input, fields] of [
      [{ pipelineId: p.id, name: 'between' }, ['name']],
      [{ pipelineId: p.id, name: ' ' }, ['name']],
      [{ pipelineId: p.id, name: 'Ok', color: 'red' }, ['color']],
      [{ pipelineId: 'bad', name: 'Ok' }, ['pipelineId']],
    ] as const) {
      const e = as((await ws.gql(CreateStage, { input: { ...input } })).createStage, 'ValidationError');
      expect(fieldsOf(e), JSON.stringify(input)).toEqual(fields);
    }
    expect(await readPipeline(ws, p.id)).toEqual(after);
    // The same name in another pipeline is fine.
    as((await ws.gql(CreateStage, { input: { pipelineId: ws.pipeline.id, name: 'Between' } })).createStage, 'CreateStageSuccess');
  });

  it('reorders the stages, and refuses a list that is not exactly the pipeline’s stages', async ({ workspace: ws }) => {
    const p = await createPipeline(ws, { name: 'P', stages: open('A', 'B', 'C') });
    const [a, b, c, won, lost] = p.stages;
    const r = as((await ws.gql(ReorderStages, { pipelineId: p.id, stageIds: [c.id, a.id, lost.id, b.id, won.id] })).reorderStages, 'ReorderStagesSuccess');
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
      const e = as((await ws.gql(ReorderStages, { pipelineId: p.id, stageIds })).reorderStages, 'ValidationError');
      expect([...new Set(fieldsOf(e))]).toEqual(fields);
    }
    expect(await readPipeline(ws, p.id)).toEqual(after);
  });

  it('renames and recolours a stage, refusing a name another stage has', async ({ workspace: ws, signUp }) => {
    const [first, second] = ws.open;
    const u = as((await ws.gql(UpdateStage, { input: { id: first.id, name: 'First call', color: '#00ff00' } })).updateStage, 'UpdateStageSuccess').stage;
    expect(u).toMatchObject({ id: first.id, name: 'First call', color: '#00ff00', kind: 'OPEN', sortOrder: 0 });
    // Only the case changes: it is still this stage's own name.
    const cased = as((await ws.gql(UpdateStage, { input: { id: first.id, name: 'FIRST CALL' } })).updateStage, 'UpdateStageSuccess').stage;
    expect(cased).toMatchObject({ name: 'FIRST CALL', color: '#00ff00' });
    const before = await readPipeline(ws, ws.pipeline.id);
    for (const [input, fields] of [
      [{ id: second.id, name: 'first call' }, ['name']],
      [{ id: second.id, color: '#zzzzzz' }, ['color']],
      [{ id: second.id, name: 'y'.repeat(121) }, ['name']],
      [{ id: 'bad' }, ['id']],
    ] as const) {
      const e = as((await ws.gql(UpdateStage, { input: { ...input } })).updateStage, 'ValidationError');
      expect(fieldsOf(e)).toEqual(fields);
    }
    const other = await signUp();
    const nf = as((await ws.gql(UpdateStage, { input: { id: other.open[0].id, name: 'Mine' } })).updateStage, 'NotFoundError');
    expect(nf).toMatchObject({ entity: 'Stage', id: other.open[0].id });
    expect(await readPipeline(ws, ws.pipeline.id)).toEqual(before);
    expect(await readPipeline(other, other.pipeline.id)).toMatchObject({ stages: other.pipeline.stages.map((s) => ({ id: s.id, name: s.name })) });
  });

  it('refuses to delete a stage that holds deals, trashed ones included, and deletes it once empty', async ({ workspace: ws }) => {
    const target = ws.open[1];
    const d = as((await ws.gql(CreateDeal, { input: { name: 'Here', stageId: target.id } })).createDeal, 'CreateDealSuccess').deal;
    const e = as((await ws.gql(DeleteStage, { id: target.id })).deleteStage, 'ValidationError');
    expect(fieldsOf(e)).toEqual(['id']);
    const t = as((await ws.gql(DeleteDeal, { id: d.id })).deleteDeal, 'DeleteDealSuccess').deal;
    as((await ws.gql(DeleteStage, { id: target.id })).deleteStage, 'ValidationError');
    expect((await readPipeline(ws, ws.pipeline.id)).stages.map((s) => s.id)).toContain(target.id);

    // Restore and move the deal elsewhere: the stage is empty now.
    as((await ws.gql(RestoreDeal, { id: d.id })).restoreDeal, 'RestoreDealSuccess');
    as((await ws.gql(MoveDeal, { input: { id: d.id, version: t.version + 1, stageId: ws.open[0].id } })).moveDeal, 'MoveDealSuccess');
    const del = as((await ws.gql(DeleteStage, { id: target.id })).deleteStage, 'DeleteStageSuccess');
    expect({ id: del.stage.id, name: del.stage.name }).toEqual({ id: target.id, name: target.name });
    const stages = (await readPipeline(ws, ws.pipeline.id)).stages;
    expect(stages.map((s) => s.id)).not.toContain(target.id);
    expect(stages).toHaveLength(ws.pipeline.stages.length - 1);
    as((await ws.gql(DeleteStage, { id: target.id })).deleteStage, 'NotFoundError');
  });

  it('refuses to delete the last open stage of a pipeline', async ({ workspace: ws }) => {
    const p = await createPipeline(ws, { name: 'P', stages: open('Only') });
    const e = as((await ws.gql(DeleteStage, { id: p.stages[0].id })).deleteStage, 'ValidationError');
    expect(fieldsOf(e)).toEqual(['id']);
    expect(await readPipeline(ws, p.id)).toEqual(p);
  });

  it('refuses to delete the only WON or the only LOST stage, so deals can always be closed', async ({ workspace: ws }) => {
    for (const stage of [ws.won, ws.lost]) {
      const e = as((await ws.gql(DeleteStage, { id: stage.id })).deleteStage, 'ValidationError');
      expect(fieldsOf(e)).toEqual(['id']);
    }
    expect((await readPipeline(ws, ws.pipeline.id)).stages.filter((s) => s.kind !== 'OPEN')).toHaveLength(2);
  });
});

describe('loss reasons', () => {
  it('creates loss reasons in order, refuses a duplicate, and deletes one while its deals stay lost', async ({ workspace: ws }) => {
    const mk = async (name: string) =>
      as((await ws.gql(CreateLossReason, { pipelineId: ws.pipeline.id, name })).createLossReason, 'CreateLossReasonSuccess').lossReason;
    const price = await mk('Price');
    await mk('Competitor');
    expect(price.pipeline.id).toBe(ws.pipeline.id);
    expect((await readPipeline(ws, ws.pipeline.id)).lossReasons.map((r) => r.name)).toEqual(['Price', 'Competitor']);
    for (const [pipelineId, name, fields] of [
      [ws.pipeline.id, 'Price', ['name']],
      [ws.pipeline.id, '  ', ['name']],
      ['bad', 'X', ['pipelineId']],
    ] as const) {
      const e = as((await ws.gql(CreateLossReason, { pipelineId, name })).createLossReason, 'ValidationError');
      expect(fieldsOf(e)).toEqual(fields);
    }
    expect((await readPipeline(ws, ws.pipeline.id)).lossReasons).toHaveLength(2);

    const d = as((await ws.gql(CreateDeal, { input: { name: 'Lost one', stageId: ws.lost.id, lossReasonId: price.id } })).createDeal, 'CreateDealSuccess').deal;
    expect(d.lossReason?.id).toBe(price.id);
    const del = as((await ws.gql(DeleteLossReason, { id: price.id })).deleteLossReason, 'DeleteLossReasonSuccess');
    expect(del.lossReason).toEqual({ id: price.id, name: 'Price', pipeline: { id: ws.pipeline.id, name: ws.pipeline.name } });
    expect((await readPipeline(ws, ws.pipeline.id)).lossReasons.map((r) => r.name)).toEqual(['Competitor']);
    const after = await readDeal(ws, d.id);
    expect(after).toMatchObject({ stage: { id: ws.lost.id, kind: 'LOST' }, lossReason: null, closedAt: expect.any(String) });
    as((await ws.gql(DeleteLossReason, { id: price.id })).deleteLossReason, 'NotFoundError');
    // A deleted reason can no longer be given.
    const e = as((await ws.gql(CreateDeal, { input: { name: 'X', stageId: ws.lost.id, lossReasonId: price.id } })).createDeal, 'ValidationError');
    expect(fieldsOf(e)).toEqual(['lossReasonId']);
  });
});

describe('updatePipeline and deletePipeline', () => {
  it('treats pipeline names that differ only in case as the same name', async ({ workspace: ws }) => {
    await createPipeline(ws, { name: 'Wholesale', stages: open('New') });
    const e = as((await ws.gql(CreatePipeline, { input: { name: 'WHOLESALE', stages: open('New') } })).createPipeline, 'ValidationError');
    expect(fieldsOf(e)).toEqual(['name']);
  });

  it('renames and archives a pipeline: archived ones are listed only on request and take no deals', async ({ workspace: ws }) => {
    const p = await createPipeline(ws, { name: 'Old', stages: open('Lead') });
    const d = as((await ws.gql(CreateDeal, { input: { name: 'Before', pipelineId: p.id } })).createDeal, 'CreateDealSuccess').deal;
    expect(d.pipeline.id).toBe(p.id);
    const renamed = as((await ws.gql(UpdatePipeline, { input: { id: p.id, name: 'Renamed' } })).updatePipeline, 'UpdatePipelineSuccess').pipeline;
    expect(renamed).toMatchObject({ name: 'Renamed', archived: false });
    const taken = as((await ws.gql(UpdatePipeline, { input: { id: p.id, name: 'Sales pipeline' } })).updatePipeline, 'ValidationError');
    expect(fieldsOf(taken)).toEqual(['name']);

    const archived = as((await ws.gql(UpdatePipeline, { input: { id: p.id, archived: true } })).updatePipeline, 'UpdatePipelineSuccess').pipeline;
    expect(archived).toMatchObject({ name: 'Renamed', archived: true });
    expect((await pipelines(ws)).map((x) => x.id)).toEqual([ws.pipeline.id]);
    expect((await pipelines(ws, true)).map((x) => x.id)).toEqual([ws.pipeline.id, p.id]);

    const c = as((await ws.gql(CreateDeal, { input: { name: 'New', pipelineId: p.id } })).createDeal, 'ValidationError');
    expect(fieldsOf(c)).toEqual(['pipelineId']);
    const s = as((await ws.gql(CreateDeal, { input: { name: 'New', stageId: p.stages[0].id } })).createDeal, 'ValidationError');
    expect(fieldsOf(s)).toEqual(['stageId']);
    const other = as((await ws.gql(CreateDeal, { input: { name: 'Other' } })).createDeal, 'CreateDealSuccess').deal;
    const m = as((await ws.gql(MoveDeal, { input: { id: other.id, version: 1, stageId: p.stages[0].id } })).moveDeal, 'ValidationError');
    expect(fieldsOf(m)).toEqual(['stageId']);

    // Unarchived, it takes deals again.
    as((await ws.gql(UpdatePipeline, { input: { id: p.id, archived: false } })).updatePipeline, 'UpdatePipelineSuccess');
    as((await ws.gql(MoveDeal, { input: { id: other.id, version: 1, stageId: p.stages[0].id } })).moveDeal, 'MoveDealSuccess');
  });

  it('sends new deals to the first pipeline that is not archived', async ({ workspace: ws }) => {
    const p = await createPipeline(ws, { name: 'Next', stages: open('Intake') });
    as((await ws.gql(UpdatePipeline, { input: { id: ws.pipeline.id, archived: true } })).updatePipeline, 'UpdatePipelineSuccess');
    const d = as((await ws.gql(CreateDeal, { input: { name: 'Where' } })).createDeal, 'CreateDealSuccess').deal;
    expect(d).toMatchObject({ pipeline: { id: p.id }, stage: { id: p.stages[0].id } });
  });

  it('deletes only an empty pipeline, trash included', async ({ workspace: ws }) => {
    const p = await createPipeline(ws, { name: 'Temp', stages: open('Lead') });
    const d = as((await ws.gql(CreateDeal, { input: { name: 'D', pipelineId: p.id } })).createDeal, 'CreateDealSuccess').deal;
    as((await ws.gql(DeleteDeal, { id: d.id })).deleteDeal, 'DeleteDealSuccess');
    const e = as((await ws.gql(DeletePipeline, { id: p.id })).deletePipeline, 'ValidationError');
    expect(fieldsOf(e)).toEqual(['id']);
    expect((await pipelines(ws)).map((x) => x.id)).toContain(p.id);

    const empty = await createPipeline(ws, { name: 'Empty', stages: open('Lead') });
    const ok = as((await ws.gql(DeletePipeline, { id: empty.id })).deletePipeline, 'DeletePipelineSuccess');
    expect(ok.data).toBe(empty.id);
    expect((await pipelines(ws, true)).map((x) => x.id)).not.toContain(empty.id);
    as((await ws.gql(DeletePipeline, { id: empty.id })).deletePipeline, 'NotFoundError');
  });
});

describe('rights', () => {
  let ws: Workspace;
  let member: Member;
  let p: Awaited<ReturnType<typeof createPipeline>>;
  let reason: { id: string };
  test.beforeAll(async ({ signUp }) => {
    ws = await signUp();
    member = await ws.member('Seller');
    p = await createPipeline(ws, { name: 'Admin made', stages: open('Lead', 'Talks'), lossReasons: ['Price'] });
    reason = p.lossReasons[0];
  });

  it('lets a member read pipelines but change none of them', async () => {
    const before = await pipelines(ws, true);
    expect(await pipelines(member, true)).toEqual(before);
    const attempts = [
      async () => (await member.gql(CreatePipeline, { input: { name: 'Mine', stages: open('A') } })).createPipeline,
      async () => (await member.gql(UpdatePipeline, { input: { id: p.id, name: 'Mine', archived: true } })).updatePipeline,
      async () => (await member.gql(DeletePipeline, { id: p.id })).deletePipeline,
      async () => (await member.gql(CreateStage, { input: { pipelineId: p.id, name: 'Mine', position: 0 } })).createStage,
      async () => (await member.gql(UpdateStage, { input: { id: p.stages[0].id, name: 'Mine' } })).updateStage,
      async () => (await member.gql(ReorderStages, { pipelineId: p.id, stageIds: [...p.stages].reverse().map((s) => s.id) })).reorderStages,
      async () => (await member.gql(DeleteStage, { id: p.stages[1].id })).deleteStage,
      async () => (await member.gql(CreateLossReason, { pipelineId: p.id, name: 'Mine' })).createLossReason,
      async () => (await member.gql(DeleteLossReason, { id: reason.id })).deleteLossReason,
    ];
    for (const [i, attempt] of attempts.entries()) {
      const r = await attempt();
      expect(r.__typename, `attempt ${i}: ${JSON.stringify(r)}`).toBe('ForbiddenError');
      expect((r as { code?: string }).code).toBe('FORBIDDEN');
    }
    expect(await pipelines(ws, true)).toEqual(before);
  });

  it('lets a member work with deals on the pipelines', async () => {
    const d = as((await member.gql(CreateDeal, { input: { name: 'By member', pipelineId: p.id } })).createDeal, 'CreateDealSuccess').deal;
    const m = as((await member.gql(MoveDeal, { input: { id: d.id, version: 1, stageId: p.stages[1].id } })).moveDeal, 'MoveDealSuccess');
    expect(m.deal.stage.id).toBe(p.stages[1].id);
  });
});
