// Stage requirements: a deal enters a stage only with the fields that stage requires (and those
// that apply through a condition), and a LOST stage asks for a loss reason when the pipeline has
// some. Every path that puts a deal in a stage obeys: moveDeal, updateDeal with a stage, and
// createDeal straight into a stage. A refusal names every missing field and changes nothing.
import { describe, expect, it, test, type Workspace } from './kit/fixtures.js';
import type { Client } from './kit/app.js';
import { as } from './kit/results.js';
import { createPipeline, defineField, readDeal } from './kit/cards.js';
import { CreateDeal, MoveDeal, UpdateDeal } from './kit/documents/deals.js';
import { ArchiveCustomField } from './kit/documents/custom-fields.js';
import { CreateLossReason } from './kit/documents/pipelines.js';
import type { CreateCustomFieldInput, CreateDealInput, MoveDealInput, UpdateDealInput } from './gql/graphql.js';

const define = (c: Client, input: Omit<CreateCustomFieldInput, 'entityType'>) => defineField(c, { entityType: 'DEAL', ...input });
const create = async (c: Client, input: CreateDealInput) => (await c.gql(CreateDeal, { input })).createDeal;
const update = async (c: Client, input: UpdateDealInput) => (await c.gql(UpdateDeal, { input })).updateDeal;
const move = async (c: Client, input: MoveDealInput) => (await c.gql(MoveDeal, { input })).moveDeal;
/** A deal as node(id) reads it, comparable with what its mutations answer. */
const read = async (c: Client, id: string) => readDeal(c, id).then(({ __typename, ...deal }) => deal);

describe('required fields of a stage', () => {
  let ws: Workspace;
  let contract: string;
  let inn: { id: string };
  let address: { id: string };
  let kind: { id: string; options: { id: string; label: string }[] };
  let license: { id: string };

  test.beforeAll(async ({ signUp }) => {
    ws = await signUp();
    contract = ws.open[3].id;
    inn = await define(ws, { type: 'TEXT', name: 'INN', code: 'inn', requiredStageIds: [contract] });
    address = await define(ws, { type: 'TEXT', name: 'Legal address', code: 'address', requiredStageIds: [contract, ws.won.id] });
    kind = await define(ws, { type: 'SELECT', name: 'Client kind', code: 'kind', options: ['Company', 'Person'] });
    // Needed at the contract stage only for companies.
    license = await define(ws, {
      type: 'TEXT',
      name: 'License',
      code: 'license',
      requiredStageIds: [contract],
      condition: { fieldId: kind.id, values: [{ optionId: kind.options[0].id }] },
    });
  });

  it('moveDeal names every missing field, in the order of the card, and changes nothing', async () => {
    const d = as(await create(ws, { name: 'Supply' }), 'CreateDealSuccess').deal;
    const r = await move(ws, { id: d.id, version: d.version, stageId: contract });
    expect(r).toMatchObject({ __typename: 'StageRequirementsError', code: 'STAGE_REQUIREMENTS', stageId: contract, lossReasonRequired: false });
    const e = as(r, 'StageRequirementsError');
    expect(e.missingFields.map((f) => [f.id, f.name])).toEqual([
      [inn.id, 'INN'],
      [address.id, 'Legal address'],
    ]);
    expect(e.message).toContain('INN');
    expect(await read(ws, d.id)).toEqual(d);

    // Filled one by one, the list shrinks; then the move goes through.
    const d2 = as(
      await update(ws, { id: d.id, version: d.version, customFields: [{ fieldId: inn.id, value: { text: '7701234567' } }] }),
      'UpdateDealSuccess',
    ).deal;
    const r2 = as(await move(ws, { id: d.id, version: d2.version, stageId: contract }), 'StageRequirementsError');
    expect(r2.missingFields.map((f) => f.code)).toEqual(['address']);
    const d3 = as(
      await update(ws, { id: d.id, version: d2.version, customFields: [{ fieldId: address.id, value: { text: 'Moscow' } }] }),
      'UpdateDealSuccess',
    ).deal;
    const moved = as(await move(ws, { id: d.id, version: d3.version, stageId: contract }), 'MoveDealSuccess').deal;
    expect(moved.stage.id).toBe(contract);
  });

  it('a stage with no requirements takes the deal as it is', async () => {
    const d = as(await create(ws, { name: 'Quick' }), 'CreateDealSuccess').deal;
    const moved = as(await move(ws, { id: d.id, version: d.version, stageId: ws.open[1].id }), 'MoveDealSuccess').deal;
    expect(moved.stage.id).toBe(ws.open[1].id);
    // WON requires the address only.
    const r = as(await move(ws, { id: d.id, version: moved.version, stageId: ws.won.id }), 'StageRequirementsError');
    expect(r.missingFields.map((f) => f.code)).toEqual(['address']);
  });

  it('updateDeal with a stage obeys the same rule, and values sent in the same write count', async () => {
    const d = as(await create(ws, { name: 'Lease' }), 'CreateDealSuccess').deal;
    const r = as(await update(ws, { id: d.id, version: d.version, stageId: contract, name: 'Lease 2' }), 'StageRequirementsError');
    expect(r.missingFields.map((f) => f.code)).toEqual(['inn', 'address']);
    // Nothing of the refused write is kept, not even the name.
    expect(await read(ws, d.id)).toEqual(d);
    const ok = as(
      await update(ws, {
        id: d.id,
        version: d.version,
        stageId: contract,
        customFields: [
          { fieldId: inn.id, value: { text: '7701234567' } },
          { fieldId: address.id, value: { text: 'Kazan' } },
        ],
      }),
      'UpdateDealSuccess',
    ).deal;
    expect(ok.stage.id).toBe(contract);
    // Emptying a required field while staying in the stage is not entering it: allowed.
    const cleared = as(await update(ws, { id: d.id, version: ok.version, customFields: [{ fieldId: inn.id, value: null }] }), 'UpdateDealSuccess').deal;
    expect(cleared.stage.id).toBe(contract);
  });

  it('createDeal straight into a stage needs its fields too', async () => {
    const r = as(await create(ws, { name: 'Direct', stageId: contract }), 'StageRequirementsError');
    expect(r.missingFields.map((f) => f.code)).toEqual(['inn', 'address']);
    const ok = as(
      await create(ws, {
        name: 'Direct',
        stageId: contract,
        customFields: [
          { fieldId: inn.id, value: { text: '7701234567' } },
          { fieldId: address.id, value: { text: 'Omsk' } },
        ],
      }),
      'CreateDealSuccess',
    ).deal;
    expect(ok.stage.id).toBe(contract);
  });

  it('a conditional requirement holds only while its condition does', async () => {
    const base = [
      { fieldId: inn.id, value: { text: '7701234567' } },
      { fieldId: address.id, value: { text: 'Tver' } },
    ];
    const person = as(
      await create(ws, { name: 'Person deal', customFields: [...base, { fieldId: kind.id, value: { optionId: kind.options[1].id } }] }),
      'CreateDealSuccess',
    ).deal;
    expect(as(await move(ws, { id: person.id, version: person.version, stageId: contract }), 'MoveDealSuccess').deal.stage.id).toBe(contract);

    const company = as(
      await create(ws, { name: 'Company deal', customFields: [...base, { fieldId: kind.id, value: { optionId: kind.options[0].id } }] }),
      'CreateDealSuccess',
    ).deal;
    const r = as(await move(ws, { id: company.id, version: company.version, stageId: contract }), 'StageRequirementsError');
    expect(r.missingFields.map((f) => [f.id, f.code])).toEqual([[license.id, 'license']]);
  });

  it('an archived field no longer holds a deal back', async ({ workspace: w }) => {
    const f = await define(w, { type: 'NUMBER', name: 'Budget', requiredStageIds: [w.open[2].id] });
    const d = as(await create(w, { name: 'Later' }), 'CreateDealSuccess').deal;
    expect((await move(w, { id: d.id, version: d.version, stageId: w.open[2].id })).__typename).toBe('StageRequirementsError');
    await w.gql(ArchiveCustomField, { id: f.id });
    expect((await move(w, { id: d.id, version: d.version, stageId: w.open[2].id })).__typename).toBe('MoveDealSuccess');
  });
});

describe('loss reasons', () => {
  it('LOST asks for a reason when the pipeline has some, and only then', async ({ workspace: ws }) => {
    const d = as(await create(ws, { name: 'Gone' }), 'CreateDealSuccess').deal;
    // No reasons defined yet: LOST without one is fine.
    const lost = as(await move(ws, { id: d.id, version: d.version, stageId: ws.lost.id }), 'MoveDealSuccess').deal;
    expect(lost.stage.kind).toBe('LOST');
    const back = as(await move(ws, { id: d.id, version: lost.version, stageId: ws.open[0].id }), 'MoveDealSuccess').deal;

    const reason = (await ws.gql(CreateLossReason, { pipelineId: ws.pipeline.id, name: 'Too expensive' })).createLossReason;
    const reasonId = as(reason, 'CreateLossReasonSuccess').lossReason.id;
    const r = as(await move(ws, { id: d.id, version: back.version, stageId: ws.lost.id }), 'StageRequirementsError');
    expect(r).toMatchObject({ lossReasonRequired: true, missingFields: [], stageId: ws.lost.id });
    expect(await read(ws, d.id)).toEqual(back);
    // Creating a deal straight into LOST asks too.
    expect((await create(ws, { name: 'Gone too', stageId: ws.lost.id })).__typename).toBe('StageRequirementsError');

    const ok = as(await move(ws, { id: d.id, version: back.version, stageId: ws.lost.id, lossReasonId: reasonId }), 'MoveDealSuccess').deal;
    expect(ok.lossReason?.name).toBe('Too expensive');

    // Another pipeline without reasons is not affected.
    const p2 = await createPipeline(ws, { name: 'Second', stages: [{ name: 'New' }] });
    const lost2 = p2.stages.find((s) => s.kind === 'LOST')!;
    expect((await create(ws, { name: 'Elsewhere', stageId: lost2.id })).__typename).toBe('CreateDealSuccess');
  });

  it('missing fields and a missing reason are reported together', async ({ workspace: ws }) => {
    await ws.gql(CreateLossReason, { pipelineId: ws.pipeline.id, name: 'No budget' });
    await define(ws, { type: 'TEXT', name: 'Why', code: 'why', requiredStageIds: [ws.lost.id] });
    const d = as(await create(ws, { name: 'Both' }), 'CreateDealSuccess').deal;
    const r = as(await move(ws, { id: d.id, version: d.version, stageId: ws.lost.id }), 'StageRequirementsError');
    expect(r.lossReasonRequired).toBe(true);
    expect(r.missingFields.map((f) => f.code)).toEqual(['why']);
    expect(r.message).toMatch(/Why/);
    expect(r.message).toMatch(/loss reason/i);
  });
});
