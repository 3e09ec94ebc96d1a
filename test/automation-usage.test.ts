// Removing what an automation uses (SPEC §8, bad input): a stage, a pipeline, a custom field or a
// user named in an automation's trigger, conditions or actions, or owning it, cannot go away
// while the automation exists; the refusal names the automation, and nothing changes.
import { describe, expect, it } from './kit/fixtures.js';
import { as } from './kit/results.js';
import { createPipeline, defineField } from './kit/cards.js';
import { automate } from './kit/automations.js';
import { DeleteAutomation } from './kit/documents/automations.js';
import { CreateStage, DeletePipeline, DeleteStage } from './kit/documents/pipelines.js';
import { ArchiveCustomField } from './kit/documents/custom-fields.js';
import { DeactivateUser, Roles, UpdateUser } from './kit/documents/users.js';

describe('removing what an automation uses', () => {
  it('failing before: refuses to delete a stage or pipeline, archive a field or deactivate a user an automation names, naming it', async ({
    workspace: ws,
  }) => {
    const stage = async (pipelineId: string, name: string) =>
      as((await ws.gql(CreateStage, { input: { pipelineId, name } })).createStage, 'CreateStageSuccess').stage;
    const entered = await stage(ws.pipeline.id, 'Entered');
    const target = await stage(ws.pipeline.id, 'Target');
    const unused = await stage(ws.pipeline.id, 'Unused');
    const other = await createPipeline(ws, { name: 'Other', stages: [{ name: 'Elsewhere' }] });
    const otherStage = other.stages[0];
    const budget = await defineField(ws, { entityType: 'DEAL', type: 'NUMBER', name: 'Budget' });
    const note = await defineField(ws, { entityType: 'DEAL', type: 'TEXT', name: 'Note' });
    const spare = await defineField(ws, { entityType: 'DEAL', type: 'TEXT', name: 'Spare' });
    const seller = await ws.member('Seller');
    const idle = await ws.member('Idle');

    const route = await automate(ws, {
      name: 'Route',
      trigger: { type: 'STAGE_ENTERED', stageId: entered.id },
      conditions: { deal: { customFields: [{ fieldId: budget.id, gt: '100' }] } },
      actions: [{ setResponsible: { userId: seller.user.id } }, { moveToStage: { stageId: target.id } }],
    });
    const fill = await automate(ws, {
      name: 'Fill note',
      trigger: { type: 'CARD_CREATED', cardKind: 'DEAL' },
      conditions: { deal: { stageIds: [otherStage.id] } },
      actions: [{ setField: { customFieldId: note.id, value: { text: 'new' } } }],
    });

    const refusal = async (r: Promise<Record<string, { __typename?: string } & Record<string, unknown>>>) => {
      const answer = Object.values(await r)[0] as { __typename: string; fields?: { field: string; message: string }[] };
      expect(answer.__typename).toBe('ValidationError');
      return answer.fields!.map((f) => f.message).join(' | ');
    };
    expect(await refusal(ws.gql(DeleteStage, { id: entered.id }))).toMatch(/«Route»/);
    expect(await refusal(ws.gql(DeleteStage, { id: target.id }))).toMatch(/«Route»/);
    expect(await refusal(ws.gql(DeletePipeline, { id: other.id }))).toMatch(/«Fill note»/);
    expect(await refusal(ws.gql(ArchiveCustomField, { id: budget.id }))).toMatch(/«Route»/);
    expect(await refusal(ws.gql(ArchiveCustomField, { id: note.id }))).toMatch(/«Fill note»/);
    expect(await refusal(ws.gql(DeactivateUser, { id: seller.user.id }))).toMatch(/«Route»/);

    // What no automation uses goes as before.
    expect((await ws.gql(DeleteStage, { id: unused.id })).deleteStage.__typename).toBe('DeleteStageSuccess');
    expect((await ws.gql(ArchiveCustomField, { id: spare.id })).archiveCustomField.__typename).toBe('ArchiveCustomFieldSuccess');
    expect((await ws.gql(DeactivateUser, { id: idle.user.id })).deactivateUser.__typename).toBe('DeactivateUserSuccess');

    // Nothing changed by the refusals; once the automations are gone, everything may go.
    for (const a of [route, fill]) expect((await ws.gql(DeleteAutomation, { id: a.id })).deleteAutomation.__typename).toBe('DeleteAutomationSuccess');
    expect((await ws.gql(DeleteStage, { id: entered.id })).deleteStage.__typename).toBe('DeleteStageSuccess');
    expect((await ws.gql(DeletePipeline, { id: other.id })).deletePipeline.__typename).toBe('DeletePipelineSuccess');
    expect((await ws.gql(ArchiveCustomField, { id: budget.id })).archiveCustomField.__typename).toBe('ArchiveCustomFieldSuccess');
    expect((await ws.gql(DeactivateUser, { id: seller.user.id })).deactivateUser.__typename).toBe('DeactivateUserSuccess');
  });

  it("refuses to deactivate the administrator an automation acts as, in the caller's language", async ({ workspace: ws }) => {
    const second = await ws.member('Second admin');
    const adminRole = (await ws.gql(Roles, {})).roles.find((r) => r.isAdmin)!;
    expect((await ws.gql(UpdateUser, { input: { id: second.user.id, roleId: adminRole.id } })).updateUser.__typename).toBe('UpdateUserSuccess');
    const theirs = await automate(second, { name: 'Ping', trigger: { type: 'CARD_CREATED', cardKind: 'CONTACT' }, actions: [{ addTag: { tag: 'new' } }] });
    const r = (await ws.raw(DeactivateUser, { id: second.user.id }, { 'accept-language': 'ru' })).data!;
    expect(r.deactivateUser).toMatchObject({
      __typename: 'ValidationError',
      fields: [{ field: 'id', message: expect.stringContaining('автоматизация «Ping»') }],
    });
    expect((await ws.gql(DeleteAutomation, { id: theirs.id })).deleteAutomation.__typename).toBe('DeleteAutomationSuccess');
    expect((await ws.gql(DeactivateUser, { id: second.user.id })).deactivateUser.__typename).toBe('DeactivateUserSuccess');
  });
});
