// Deals through the public API: create / update / trash / restore, contacts and company links,
// moving between stages and pipelines, refused input, and the board list with its filters,
// search, sorting and cursor pagination.
import { describe, expect, it, test, type Workspace } from './kit/fixtures.js';
import type { Client } from './kit/app.js';
import type { Member } from './kit/workspace.js';
import { as, rawId } from './kit/results.js';
import {
  createCompany as newCompany,
  createContact as newContact,
  createDeal as newDeal,
  createPipeline as newPipeline,
  readCompany,
  readContact,
  readDeal as read,
} from './kit/cards.js';
import { names, walk as walkList } from './kit/lists.js';
import { backdate, spreadCreation } from './kit/clock.js';
import { CreateDeal, Deals, DeleteDeal, MoveDeal, RestoreDeal, UpdateDeal } from './kit/documents/deals.js';
import { DeleteContact } from './kit/documents/contacts.js';
import { DeleteCompany, RestoreCompany } from './kit/documents/companies.js';
import { CreateLossReason, ReorderStages } from './kit/documents/pipelines.js';
import { DeactivateUser } from './kit/documents/users.js';
import type { CreateDealInput, DealFilter, DealOrder, DealsQuery, DealsQueryVariables, StageInput, UpdateDealInput } from './gql/graphql.js';

describe('deals', () => {
  it('creates a deal in the first open stage with the server-kept system fields', async ({ workspace: ws }) => {
    const r = await ws.gql(CreateDeal, { input: { name: 'Big order', amount: '1500.50', tags: ['Hot', 'Hot', 'VIP'] } });
    expect(r.createDeal.__typename).toBe('CreateDealSuccess');
    if (r.createDeal.__typename !== 'CreateDealSuccess') return;
    const d = r.createDeal.deal;
    expect(d).toMatchObject({
      name: 'Big order',
      amount: '1500.50',
      currency: 'RUB',
      version: 1,
      closedAt: null,
      stage: { id: ws.open[0].id },
      responsible: { id: ws.admin.id },
      createdBy: { id: ws.admin.id },
    });
    expect(d.tags.map((t) => t.name)).toEqual(['Hot', 'VIP']);
  });
});

const ms = (iso: string | null | undefined) => (iso ? new Date(iso).getTime() : NaN);

const createDeal = (c: Client, input: CreateDealInput) => newDeal(c, input);
async function updateDeal(c: Client, input: UpdateDealInput) {
  return (await c.gql(UpdateDeal, { input })).updateDeal;
}
async function moveDeal(c: Client, input: { id: string; version: number; stageId: string; lossReasonId?: string | null }) {
  return (await c.gql(MoveDeal, { input })).moveDeal;
}
/** A deal as node(id) reads it, comparable with what its mutations answer. */
async function readDeal(c: Client, id: string) {
  const { __typename, ...deal } = await read(c, id);
  return deal;
}
const createContact = (c: Client, input: { name: string; phones?: string[]; emails?: string[] }) => newContact(c, input);
const createCompany = (c: Client, input: { name: string; phones?: string[]; emails?: string[] }) => newCompany(c, input);
const createPipeline = (c: Client, name: string, stages: StageInput[], lossReasons: string[] = []) => newPipeline(c, { name, stages, lossReasons });
async function list(c: Client, vars: DealsQueryVariables = {}) {
  return (await c.gql(Deals, { first: 100, ...vars })).deals;
}
/** The deals a contact or company card lists. */
const dealsOfContact = async (c: Client, id: string) => readContact(c, id).then(({ id, deals }) => ({ id, deals }));
const dealsOfCompany = async (c: Client, id: string) => readCompany(c, id).then(({ id, deals }) => ({ id, deals }));
const fieldsOf = (e: { fields: { field: string }[] }) => e.fields.map((f) => f.field).sort();

describe('deals: create, update, trash, restore', () => {
  it('links contacts in the order given (main first, each once) and a company, seen from both sides', async ({ workspace: ws }) => {
    const [anna, boris, cyril] = [
      await createContact(ws, { name: 'Anna' }),
      await createContact(ws, { name: 'Boris' }),
      await createContact(ws, { name: 'Cyril' }),
    ];
    const acme = await createCompany(ws, { name: 'Acme' });
    const d = await createDeal(ws, { name: 'Order', contactIds: [cyril.id, anna.id, boris.id, cyril.id], companyId: acme.id });
    expect(d.contacts.map((c) => c.name)).toEqual(['Cyril', 'Anna', 'Boris']);
    expect(d.company).toEqual({ id: acme.id, name: 'Acme' });
    expect(await readDeal(ws, d.id)).toEqual(d);
    for (const c of [anna, boris, cyril]) {
      expect(await dealsOfContact(ws, c.id)).toEqual({ id: c.id, deals: [{ id: d.id, name: 'Order' }] });
    }
    expect(await dealsOfCompany(ws, acme.id)).toEqual({ id: acme.id, deals: [{ id: d.id, name: 'Order' }] });

    // Replacing the contacts keeps the new order; a contact dropped no longer lists the deal.
    const u = as(await updateDeal(ws, { id: d.id, version: d.version, contactIds: [boris.id, anna.id] }), 'UpdateDealSuccess').deal;
    expect(u.contacts.map((c) => c.name)).toEqual(['Boris', 'Anna']);
    expect(await dealsOfContact(ws, cyril.id)).toEqual({ id: cyril.id, deals: [] });
    // A null company unlinks it.
    const u2 = as(await updateDeal(ws, { id: d.id, version: u.version, companyId: null }), 'UpdateDealSuccess').deal;
    expect(u2.company).toBeNull();
    expect(await dealsOfCompany(ws, acme.id)).toEqual({ id: acme.id, deals: [] });
    expect(u2.contacts.map((c) => c.name)).toEqual(['Boris', 'Anna']);
  });

  it('creates a deal where it is told: a pipeline, a stage, a closing stage with its loss reason, another currency', async ({ workspace: ws }) => {
    const member = await ws.member('Seller');
    const p2 = await createPipeline(ws, 'Partners', [{ name: 'Lead' }, { name: 'Talks' }], ['Too expensive']);
    const inP2 = await createDeal(ws, { name: 'A', pipelineId: p2.id });
    expect(inP2).toMatchObject({ pipeline: { id: p2.id }, stage: { id: p2.stages[0].id, name: 'Lead' }, closedAt: null });
    const inStage = await createDeal(ws, { name: 'B', stageId: ws.open[2].id, responsibleId: member.user.id, currency: 'usd', amount: '10' });
    expect(inStage).toMatchObject({
      pipeline: { id: ws.pipeline.id },
      stage: { id: ws.open[2].id },
      responsible: { id: member.user.id },
      currency: 'USD',
      amount: '10.00',
    });
    const won = await createDeal(ws, { name: 'C', stageId: ws.won.id });
    expect(won.closedAt).not.toBeNull();
    expect(won.stageEnteredAt).toBe(won.closedAt);
    const p2lost = p2.stages.find((s) => s.kind === 'LOST')!;
    const lost = await createDeal(ws, { name: 'D', stageId: p2lost.id, lossReasonId: p2.lossReasons[0].id });
    expect(lost).toMatchObject({ stage: { id: p2lost.id }, pipeline: { id: p2.id }, lossReason: { name: 'Too expensive' } });
    expect(lost.closedAt).not.toBeNull();
    const byMember = await createDeal(member, { name: 'F' });
    expect(byMember).toMatchObject({ responsible: { id: member.user.id }, createdBy: { id: member.user.id }, stage: { id: ws.open[0].id } });
    // A stage together with its own pipeline is fine.
    const both = await createDeal(ws, { name: 'E', pipelineId: p2.id, stageId: p2.stages[1].id });
    expect(both.stage.id).toBe(p2.stages[1].id);
  });

  it('updates only the fields given, bumps the version and stamps who and when', async ({ workspace: ws, app }) => {
    const member = await ws.member('Editor');
    const created = await createDeal(ws, { name: 'Order', amount: '100', tags: ['A', 'B'] });
    // Written a minute ago, so that the update's times are later.
    await backdate(app, 'Deal', created.id, 60_000);
    const d = await readDeal(ws, created.id);
    const u = as(await updateDeal(member, { id: d.id, version: 1, amount: '2500.5' }), 'UpdateDealSuccess').deal;
    expect(u).toMatchObject({
      name: 'Order',
      amount: '2500.50',
      currency: 'RUB',
      version: 2,
      stage: d.stage,
      stageEnteredAt: d.stageEnteredAt,
      closedAt: null,
      tags: [{ name: 'A' }, { name: 'B' }],
      createdAt: d.createdAt,
      createdBy: { id: ws.admin.id },
      updatedBy: { id: member.user.id },
      responsible: { id: ws.admin.id },
    });
    expect(ms(u.updatedAt)).toBeGreaterThan(ms(d.updatedAt));
    expect(ms(u.lastActivityAt)).toBeGreaterThan(ms(d.lastActivityAt));
    const u2 = as(
      await updateDeal(ws, { id: d.id, version: 2, name: 'Bigger order', tags: ['C', 'A', 'C'], currency: 'EUR', responsibleId: member.user.id }),
      'UpdateDealSuccess',
    ).deal;
    expect(u2).toMatchObject({ name: 'Bigger order', amount: '2500.50', currency: 'EUR', version: 3, responsible: { id: member.user.id } });
    expect(u2.tags.map((t) => t.name)).toEqual(['A', 'C']);
    expect(await readDeal(ws, d.id)).toEqual(u2);
  });

  it('moves a deleted deal to the trash, hides it everywhere, and restores it unchanged', async ({ workspace: ws }) => {
    const ivan = await createContact(ws, { name: 'Ivan' });
    const acme = await createCompany(ws, { name: 'Acme' });
    const d = await createDeal(ws, { name: 'Gone', amount: '10', contactIds: [ivan.id], companyId: acme.id, tags: ['T'], stageId: ws.open[1].id });
    await createDeal(ws, { name: 'Stays' });

    const t = as((await ws.gql(DeleteDeal, { id: d.id, version: 1 })).deleteDeal, 'DeleteDealSuccess').deal;
    expect(t.deletedAt).not.toBeNull();
    expect(t.version).toBe(2);
    expect(names(await list(ws))).toEqual(['Stays']);
    expect((await list(ws)).totalCount).toBe(1);
    const trash = await list(ws, { inTrash: true });
    expect(names(trash)).toEqual(['Gone']);
    expect(trash.totalCount).toBe(1);
    expect((await list(ws, { filter: { search: 'gone' } })).totalCount).toBe(0);
    expect(await dealsOfContact(ws, ivan.id)).toEqual({ id: ivan.id, deals: [] });
    expect(await dealsOfCompany(ws, acme.id)).toEqual({ id: acme.id, deals: [] });

    // A deal in the trash can be neither updated, moved nor deleted again.
    const upd = as(await updateDeal(ws, { id: d.id, version: 2, name: 'Back' }), 'NotFoundError');
    expect(upd).toMatchObject({ code: 'IN_TRASH', entity: 'Deal', id: d.id });
    const mv = as(await moveDeal(ws, { id: d.id, version: 2, stageId: ws.won.id }), 'NotFoundError');
    expect(mv).toMatchObject({ code: 'IN_TRASH', entity: 'Deal', id: d.id });
    expect(as((await ws.gql(DeleteDeal, { id: d.id })).deleteDeal, 'NotFoundError').code).toBe('IN_TRASH');
    expect(await readDeal(ws, d.id)).toEqual(t);

    const r = as((await ws.gql(RestoreDeal, { id: d.id })).restoreDeal, 'RestoreDealSuccess').deal;
    const strip = ({ version: _v, updatedAt: _u, lastActivityAt: _l, deletedAt: _d, ...rest }: typeof r) => rest;
    expect(r.deletedAt).toBeNull();
    expect(strip(r)).toEqual(strip(d));
    expect(names(await list(ws, { orderBy: [{ field: 'NAME' }] }))).toEqual(['Gone', 'Stays']);
    expect((await list(ws, { inTrash: true })).totalCount).toBe(0);
    expect(await dealsOfContact(ws, ivan.id)).toEqual({ id: ivan.id, deals: [{ id: d.id, name: 'Gone' }] });
    expect(await dealsOfCompany(ws, acme.id)).toEqual({ id: acme.id, deals: [{ id: d.id, name: 'Gone' }] });
    // A restored deal can be moved again.
    as(await moveDeal(ws, { id: d.id, version: r.version, stageId: ws.won.id }), 'MoveDealSuccess');
  });
});

describe('deals: refused input changes nothing', () => {
  it('names every bad field of a new deal at once and creates nothing', async ({ workspace: ws, signUp }) => {
    const member = await ws.member('Leaver');
    await ws.gql(DeactivateUser, { id: member.user.id });
    const other = await signUp();
    const foreignCompany = await createCompany(other, { name: 'Theirs' });
    const ivan = await createContact(ws, { name: 'Ivan' });
    const r = await ws.gql(CreateDeal, {
      input: {
        name: 'n'.repeat(300),
        amount: 'abc',
        currency: 'XYZ',
        companyId: foreignCompany.id,
        contactIds: [ivan.id, 'not-an-id'],
        responsibleId: member.user.id,
        tags: ['t'.repeat(65)],
      },
    });
    const e = as(r.createDeal, 'ValidationError');
    expect(e.code).toBe('VALIDATION_FAILED');
    expect([...new Set(fieldsOf(e))]).toEqual(['amount', 'companyId', 'contactIds[1]', 'currency', 'name', 'responsibleId', 'tags[0]']);
    expect((await list(ws)).totalCount).toBe(0);
    expect((await list(ws, { inTrash: true })).totalCount).toBe(0);
  });

  it('refuses amounts that are not non-negative numbers with at most two decimals', async ({ workspace: ws }) => {
    for (const amount of ['abc', '-5', '1.234', '1e3', '', '12,50', '12345678901234567']) {
      const e = as((await ws.gql(CreateDeal, { input: { name: 'X', amount } })).createDeal, 'ValidationError');
      expect([...new Set(fieldsOf(e))], amount).toEqual(['amount']);
    }
    expect((await list(ws)).totalCount).toBe(0);
    for (const [amount, stored] of [
      ['0', '0.00'],
      ['7', '7.00'],
      [' 10.5 ', '10.50'],
      ['99999.99', '99999.99'],
      ['9999999999999999.99', '9999999999999999.99'],
    ]) {
      expect((await createDeal(ws, { name: 'Y', amount })).amount).toBe(stored);
    }
    // Left out, the amount is zero.
    expect((await createDeal(ws, { name: 'Z' })).amount).toBe('0.00');
    // Numbers are accepted as well as strings.
    const asNumber = await ws.raw(CreateDeal, { input: { name: 'N', amount: 1500.5 as unknown as string } });
    expect(as(asNumber.data!.createDeal, 'CreateDealSuccess').deal.amount).toBe('1500.50');
  });

  it('refuses unknown stages, stages of another pipeline and misplaced loss reasons', async ({ workspace: ws, signUp }) => {
    const other = await signUp();
    const p2 = await createPipeline(ws, 'Second', [{ name: 'Lead' }], ['No budget']);
    const lr = as((await ws.gql(CreateLossReason, { pipelineId: ws.pipeline.id, name: 'Went silent' })).createLossReason, 'CreateLossReasonSuccess').lossReason;
    const cases: [CreateDealInput, string[]][] = [
      [{ name: 'X', stageId: other.open[0].id }, ['stageId']],
      [{ name: 'X', stageId: 'Zm9v' }, ['stageId']],
      [{ name: 'X', pipelineId: other.pipeline.id }, ['pipelineId']],
      [{ name: 'X', pipelineId: ws.pipeline.id, stageId: p2.stages[0].id }, ['stageId']],
      [{ name: 'X', stageId: ws.open[0].id, lossReasonId: lr.id }, ['lossReasonId']],
      [{ name: 'X', stageId: ws.won.id, lossReasonId: lr.id }, ['lossReasonId']],
      [{ name: 'X', stageId: ws.lost.id, lossReasonId: p2.lossReasons[0].id }, ['lossReasonId']],
      [{ name: 'X', stageId: ws.lost.id, lossReasonId: other.pipeline.id }, ['lossReasonId']],
      [{ name: '', stageId: 'bad', pipelineId: 'bad', lossReasonId: 'bad' }, ['lossReasonId', 'name', 'pipelineId', 'stageId']],
    ];
    for (const [input, fields] of cases) {
      const e = as((await ws.gql(CreateDeal, { input })).createDeal, 'ValidationError');
      expect(fieldsOf(e), JSON.stringify(input)).toEqual(fields);
    }
    expect((await list(ws)).totalCount).toBe(0);
    // The loss reason that fits is taken.
    expect((await createDeal(ws, { name: 'Lost', stageId: ws.lost.id, lossReasonId: lr.id })).lossReason?.name).toBe('Went silent');
  });

  it('refuses a bad update as a whole and leaves the deal as it was', async ({ workspace: ws }) => {
    const member = await ws.member('Leaver');
    await ws.gql(DeactivateUser, { id: member.user.id });
    const ivan = await createContact(ws, { name: 'Ivan' });
    const gone = await createContact(ws, { name: 'Gone' });
    await ws.gql(DeleteContact, { id: gone.id });
    const d = await createDeal(ws, { name: 'Order', amount: '100', contactIds: [ivan.id], tags: ['A'] });
    const bad: [Omit<UpdateDealInput, 'id' | 'version'>, string[]][] = [
      [{ amount: '-5' }, ['amount']],
      [{ amount: '1.234', name: 'x'.repeat(300), currency: 'ABC' }, ['amount', 'currency', 'name']],
      [{ name: '  ' }, ['name']],
      [{ responsibleId: member.user.id }, ['responsibleId']],
      [{ contactIds: [gone.id] }, ['contactIds[0]']],
      [{ stageId: 'junk', tags: ['B'] }, ['stageId']],
      [{ companyId: 'junk', amount: 'abc' }, ['amount', 'companyId']],
    ];
    for (const [input, fields] of bad) {
      const e = as(await updateDeal(ws, { id: d.id, version: d.version, ...input }), 'ValidationError');
      expect([...new Set(fieldsOf(e))], JSON.stringify(input)).toEqual(fields);
      expect(await readDeal(ws, d.id)).toEqual(d);
    }
  });

  it('answers NotFoundError for a deal of another workspace and ValidationError for a malformed id', async ({ workspace: ws, signUp }) => {
    const other = await signUp();
    const theirs = await createDeal(other, { name: 'Theirs' });
    expect(as(await updateDeal(ws, { id: theirs.id, version: 1, name: 'Mine' }), 'NotFoundError')).toMatchObject({
      code: 'NOT_FOUND',
      entity: 'Deal',
      id: theirs.id,
    });
    as(await moveDeal(ws, { id: theirs.id, version: 1, stageId: ws.won.id }), 'NotFoundError');
    as((await ws.gql(DeleteDeal, { id: theirs.id })).deleteDeal, 'NotFoundError');
    as((await ws.gql(RestoreDeal, { id: theirs.id })).restoreDeal, 'NotFoundError');
    expect(await readDeal(other, theirs.id)).toEqual(theirs);
    expect(fieldsOf(as(await moveDeal(ws, { id: 'abc', version: 1, stageId: ws.won.id }), 'ValidationError'))).toEqual(['id']);
    expect(fieldsOf(as(await updateDeal(ws, { id: ws.won.id, version: 1 }), 'ValidationError'))).toEqual(['id']);
  });
});

describe('moveDeal', () => {
  it('moves within a pipeline: the stage, when it was entered, and closedAt on WON / LOST, cleared on OPEN', async ({ workspace: ws, app }) => {
    const lr = as((await ws.gql(CreateLossReason, { pipelineId: ws.pipeline.id, name: 'Price' })).createLossReason, 'CreateLossReasonSuccess').lossReason;
    const d = await createDeal(ws, { name: 'Order' });
    // Each stage entered a minute before the next move.
    const created = await backdate(app, 'Deal', d.id, 60_000);
    const m1 = as(await moveDeal(ws, { id: d.id, version: 1, stageId: ws.open[2].id }), 'MoveDealSuccess').deal;
    expect(m1).toMatchObject({ stage: { id: ws.open[2].id }, closedAt: null, version: 2, lossReason: null, pipeline: { id: ws.pipeline.id } });
    expect(ms(m1.stageEnteredAt)).toBeGreaterThan(ms(created.stageEnteredAt));

    const moved = await backdate(app, 'Deal', d.id, 60_000);
    const won = as(await moveDeal(ws, { id: d.id, version: 2, stageId: ws.won.id }), 'MoveDealSuccess').deal;
    expect(won).toMatchObject({ stage: { kind: 'WON' }, version: 3 });
    expect(won.closedAt).not.toBeNull();
    expect(won.closedAt).toBe(won.stageEnteredAt);
    expect(ms(won.stageEnteredAt)).toBeGreaterThan(ms(moved.stageEnteredAt));

    const reopened = as(await moveDeal(ws, { id: d.id, version: 3, stageId: ws.open[0].id }), 'MoveDealSuccess').deal;
    expect(reopened).toMatchObject({ stage: { id: ws.open[0].id }, closedAt: null, version: 4 });

    const lost = as(await moveDeal(ws, { id: d.id, version: 4, stageId: ws.lost.id, lossReasonId: lr.id }), 'MoveDealSuccess').deal;
    expect(lost).toMatchObject({ stage: { kind: 'LOST' }, lossReason: { id: lr.id, name: 'Price' } });
    expect(lost.closedAt).not.toBeNull();
    // Leaving LOST drops the loss reason with closedAt.
    const back = as(await moveDeal(ws, { id: d.id, version: 5, stageId: ws.open[1].id }), 'MoveDealSuccess').deal;
    expect(back).toMatchObject({ closedAt: null, lossReason: null, version: 6 });
    // The pipeline has loss reasons, so LOST asks for one; nothing changes without it.
    const refused = await moveDeal(ws, { id: d.id, version: 6, stageId: ws.lost.id });
    expect(refused).toMatchObject({ __typename: 'StageRequirementsError', code: 'STAGE_REQUIREMENTS' });
    expect(await readDeal(ws, d.id)).toEqual(back);
  });

  it('moves to a stage of another pipeline, and the deal changes pipeline', async ({ workspace: ws }) => {
    const p2 = await createPipeline(ws, 'Second', [{ name: 'Lead' }, { name: 'Offer' }]);
    const d = await createDeal(ws, { name: 'Order', stageId: ws.won.id });
    const m = as(await moveDeal(ws, { id: d.id, version: 1, stageId: p2.stages[1].id }), 'MoveDealSuccess').deal;
    expect(m).toMatchObject({ pipeline: { id: p2.id, name: 'Second' }, stage: { id: p2.stages[1].id }, closedAt: null, version: 2 });
    expect(names(await list(ws, { filter: { pipelineIds: [p2.id] } }))).toEqual(['Order']);
    expect(names(await list(ws, { filter: { pipelineIds: [ws.pipeline.id] } }))).toEqual([]);
    const p2won = p2.stages.find((s) => s.kind === 'WON')!;
    const w = as(await moveDeal(ws, { id: d.id, version: 2, stageId: p2won.id }), 'MoveDealSuccess').deal;
    expect(w.closedAt).not.toBeNull();
  });

  it('refuses loss reasons off a LOST stage or of another pipeline, and unknown stages, changing nothing', async ({ workspace: ws, signUp }) => {
    const other = await signUp();
    const p2 = await createPipeline(ws, 'Second', [{ name: 'Lead' }], ['Elsewhere']);
    const lr = as((await ws.gql(CreateLossReason, { pipelineId: ws.pipeline.id, name: 'Price' })).createLossReason, 'CreateLossReasonSuccess').lossReason;
    const d = await createDeal(ws, { name: 'Order' });
    const cases: [{ stageId: string; lossReasonId?: string }, string[]][] = [
      [{ stageId: ws.won.id, lossReasonId: lr.id }, ['lossReasonId']],
      [{ stageId: ws.open[1].id, lossReasonId: lr.id }, ['lossReasonId']],
      [{ stageId: ws.lost.id, lossReasonId: p2.lossReasons[0].id }, ['lossReasonId']],
      [{ stageId: other.open[1].id }, ['stageId']],
      [{ stageId: 'bogus', lossReasonId: 'bogus' }, ['lossReasonId', 'stageId']],
      [{ stageId: d.id }, ['stageId']],
    ];
    for (const [input, fields] of cases) {
      const e = as(await moveDeal(ws, { id: d.id, version: 1, ...input }), 'ValidationError');
      expect(fieldsOf(e), JSON.stringify(input)).toEqual(fields);
      expect(await readDeal(ws, d.id)).toEqual(d);
    }
  });

  it('applies the same rules when updateDeal is given a stageId', async ({ workspace: ws, app }) => {
    const p2 = await createPipeline(ws, 'Second', [{ name: 'Lead' }, { name: 'Offer' }]);
    const lr = as((await ws.gql(CreateLossReason, { pipelineId: ws.pipeline.id, name: 'Price' })).createLossReason, 'CreateLossReasonSuccess').lossReason;
    const d = await createDeal(ws, { name: 'Order' });
    // Its stage entered a minute ago.
    const created = await backdate(app, 'Deal', d.id, 60_000);
    const won = as(await updateDeal(ws, { id: d.id, version: 1, stageId: ws.won.id, amount: '50' }), 'UpdateDealSuccess').deal;
    expect(won).toMatchObject({ stage: { id: ws.won.id }, amount: '50.00', version: 2 });
    expect(won.closedAt).toBe(won.stageEnteredAt);
    expect(ms(won.stageEnteredAt)).toBeGreaterThan(ms(created.stageEnteredAt));

    for (const [input, fields] of [
      [{ stageId: ws.won.id, lossReasonId: lr.id }, ['lossReasonId']],
      [{ stageId: ws.open[0].id, lossReasonId: lr.id }, ['lossReasonId']],
      [{ stageId: p2.stages[0].id, pipelineId: ws.pipeline.id }, ['stageId']],
      // The deal's own stage named with another pipeline is a contradiction too.
      [{ stageId: ws.won.id, pipelineId: p2.id }, ['stageId']],
    ] as [Omit<UpdateDealInput, 'id' | 'version'>, string[]][]) {
      const e = as(await updateDeal(ws, { id: d.id, version: 2, ...input }), 'ValidationError');
      expect(fieldsOf(e), JSON.stringify(input)).toEqual(fields);
      expect(await readDeal(ws, d.id)).toEqual(won);
    }

    const lost = as(await updateDeal(ws, { id: d.id, version: 2, stageId: ws.lost.id, lossReasonId: lr.id }), 'UpdateDealSuccess').deal;
    expect(lost).toMatchObject({ stage: { id: ws.lost.id }, lossReason: { id: lr.id } });
    expect(lost.closedAt).not.toBeNull();
    const open = as(await updateDeal(ws, { id: d.id, version: 3, stageId: p2.stages[1].id, pipelineId: p2.id }), 'UpdateDealSuccess').deal;
    expect(open).toMatchObject({ stage: { id: p2.stages[1].id }, pipeline: { id: p2.id }, closedAt: null, lossReason: null });
  });

  it("lands a deal given only a pipelineId in that pipeline's first open stage", async ({ workspace: ws, signUp }) => {
    const p2 = await createPipeline(ws, 'Second', [{ name: 'Won early', kind: 'WON' }, { name: 'Lead' }, { name: 'Offer' }]);
    const [wonEarly, lead, offer, ...rest] = p2.stages;
    // Put Offer before Lead: the first open stage is the first on the board.
    as(
      (await ws.gql(ReorderStages, { pipelineId: p2.id, stageIds: [wonEarly.id, offer.id, lead.id, ...rest.map((s) => s.id)] })).reorderStages,
      'ReorderStagesSuccess',
    );
    const d = await createDeal(ws, { name: 'Order', stageId: ws.won.id });
    const u = as(await updateDeal(ws, { id: d.id, version: 1, pipelineId: p2.id }), 'UpdateDealSuccess').deal;
    expect(u).toMatchObject({ pipeline: { id: p2.id }, stage: { id: offer.id, name: 'Offer' }, closedAt: null, version: 2 });
    // Naming the pipeline it is already in moves nothing.
    const same = as(await updateDeal(ws, { id: d.id, version: 2, pipelineId: p2.id, name: 'Renamed' }), 'UpdateDealSuccess').deal;
    expect(same).toMatchObject({ stage: { id: offer.id }, stageEnteredAt: u.stageEnteredAt, name: 'Renamed' });
    const other = await signUp();
    const e = as(await updateDeal(ws, { id: d.id, version: 3, pipelineId: other.pipeline.id }), 'ValidationError');
    expect(fieldsOf(e)).toEqual(['pipelineId']);
    expect(await readDeal(ws, d.id)).toEqual(same);
  });
});

describe('deals: filters and search', () => {
  let ws: Workspace;
  let member: Member;
  let p2: Awaited<ReturnType<typeof createPipeline>>;
  const ids: Record<string, string> = {};
  const contacts: Record<string, string> = {};
  const companies: Record<string, string> = {};
  const createdAt: Record<string, string> = {};
  const closedAt: Record<string, string> = {};

  test.beforeAll(async ({ signUp, app }) => {
    ws = await signUp();
    member = await ws.member('Seller');
    p2 = await createPipeline(ws, 'Second', [{ name: 'Q1' }, { name: 'Q2' }]);
    contacts.ivan = (await createContact(ws, { name: 'Ivan Petrov', phones: ['8 (912) 345-67-89'], emails: ['ivan@megacorp.example'] })).id;
    contacts.olga = (await createContact(ws, { name: 'Olga Smirnova', emails: ['olga@smallshop.example'] })).id;
    contacts.gone = (await createContact(ws, { name: 'Trashed Person', phones: ['+7 999 111 22 33'] })).id;
    companies.acme = (await createCompany(ws, { name: 'Acme Corp', phones: ['+7 495 111-22-33'] })).id;
    companies.globex = (await createCompany(ws, { name: 'Globex', emails: ['info@globex.example'] })).id;
    const specs: [string, Omit<CreateDealInput, 'name'>][] = [
      ['Alpha supply', { amount: '100', stageId: ws.open[0].id, tags: ['hot'], companyId: companies.acme, contactIds: [contacts.ivan] }],
      [
        'Bravo service',
        { amount: '250.50', stageId: ws.open[1].id, tags: ['cold'], companyId: companies.globex, contactIds: [contacts.olga], responsibleId: member.user.id },
      ],
      ['Charlie boxes', { amount: '250.50', stageId: ws.open[2].id, tags: ['hot', 'vip'], contactIds: [contacts.olga, contacts.ivan] }],
      ['Delta license', { amount: '0', stageId: ws.won.id, companyId: companies.acme, responsibleId: member.user.id }],
      ['Echo upgrade', { amount: '1000', stageId: ws.lost.id, tags: ['vip'], contactIds: [contacts.gone] }],
      ['Foxtrot pilot', { amount: '75', pipelineId: p2.id, contactIds: [contacts.ivan], responsibleId: member.user.id }],
      ['Golf renewal', { amount: '5000', stageId: ws.won.id }],
      ['Hotel audit', { amount: '250.50', stageId: ws.open[0].id }],
    ];
    for (const [name, input] of specs) {
      const d = await createDeal(ws, { ...input, name });
      ids[name] = d.id;
    }
    // Created (and closed) a second apart, in this order.
    const at = await spreadCreation(app, 'Deal', Object.values(ids));
    for (const [name, id] of Object.entries(ids)) {
      createdAt[name] = at[id].createdAt!;
      if (at[id].closedAt) closedAt[name] = at[id].closedAt!;
    }
    await ws.gql(DeleteContact, { id: contacts.gone });
  });

  const f = async (filter: DealFilter) => {
    const r = await list(ws, { filter, orderBy: [{ field: 'NAME' }] });
    expect(r.totalCount, JSON.stringify(filter)).toBe(r.edges.length);
    return names(r);
  };

  it('filters by pipeline, stage, stage kind and responsible', async () => {
    expect(await f({ pipelineIds: [p2.id] })).toEqual(['Foxtrot pilot']);
    expect((await f({ pipelineIds: [ws.pipeline.id] })).length).toBe(7);
    expect(await f({ stageIds: [ws.open[0].id] })).toEqual(['Alpha supply', 'Hotel audit']);
    expect(await f({ stageIds: [ws.open[1].id, ws.open[2].id] })).toEqual(['Bravo service', 'Charlie boxes']);
    expect(await f({ stageKinds: ['WON'] })).toEqual(['Delta license', 'Golf renewal']);
    expect(await f({ stageKinds: ['WON', 'LOST'] })).toEqual(['Delta license', 'Echo upgrade', 'Golf renewal']);
    expect((await f({ stageKinds: ['OPEN'] })).length).toBe(5);
    expect(await f({ responsibleIds: [member.user.id] })).toEqual(['Bravo service', 'Delta license', 'Foxtrot pilot']);
  });

  it('filters by company, contact, tags and amount range', async () => {
    expect(await f({ companyIds: [companies.acme] })).toEqual(['Alpha supply', 'Delta license']);
    expect(await f({ companyIds: [companies.acme, companies.globex] })).toEqual(['Alpha supply', 'Bravo service', 'Delta license']);
    expect(await f({ contactIds: [contacts.ivan] })).toEqual(['Alpha supply', 'Charlie boxes', 'Foxtrot pilot']);
    expect(await f({ contactIds: [contacts.olga] })).toEqual(['Bravo service', 'Charlie boxes']);
    expect(await f({ tags: ['vip'] })).toEqual(['Charlie boxes', 'Echo upgrade']);
    expect(await f({ tags: ['hot', 'cold'] })).toEqual(['Alpha supply', 'Bravo service', 'Charlie boxes']);
    // Bounds are inclusive.
    expect(await f({ amount: { min: '250.50', max: '1000' } })).toEqual(['Bravo service', 'Charlie boxes', 'Echo upgrade', 'Hotel audit']);
    expect(await f({ amount: { max: '75' } })).toEqual(['Delta license', 'Foxtrot pilot']);
    expect(await f({ amount: { min: '1000.01' } })).toEqual(['Golf renewal']);
  });

  it('filters by creation and closing time', async () => {
    expect(await f({ createdAt: { from: createdAt['Foxtrot pilot'] } })).toEqual(['Foxtrot pilot', 'Golf renewal', 'Hotel audit']);
    expect(await f({ createdAt: { to: createdAt['Bravo service'] } })).toEqual(['Alpha supply', 'Bravo service']);
    expect(await f({ createdAt: { from: createdAt['Charlie boxes'], to: createdAt['Echo upgrade'] } })).toEqual([
      'Charlie boxes',
      'Delta license',
      'Echo upgrade',
    ]);
    expect(await f({ closedAt: { from: closedAt['Echo upgrade'] } })).toEqual(['Echo upgrade', 'Golf renewal']);
    expect(await f({ closedAt: { to: closedAt['Delta license'] } })).toEqual(['Delta license']);
  });

  it('combines conditions, and nests and / or', async () => {
    expect(await f({ tags: ['hot'], stageIds: [ws.open[0].id] })).toEqual(['Alpha supply']);
    expect(await f({ or: [{ tags: ['cold'] }, { stageKinds: ['LOST'] }] })).toEqual(['Bravo service', 'Echo upgrade']);
    expect(await f({ and: [{ or: [{ companyIds: [companies.acme] }, { contactIds: [contacts.olga] }] }, { responsibleIds: [ws.admin.id] }] })).toEqual([
      'Alpha supply',
      'Charlie boxes',
    ]);
    expect(await f({ stageKinds: ['OPEN'], or: [{ amount: { min: '1000' } }, { and: [{ tags: ['hot'] }, { tags: ['vip'] }] }] })).toEqual(['Charlie boxes']);
  });

  it("searches the deal's name and its contacts' and company's names, phones and e-mails", async () => {
    expect(await f({ search: 'LICENSE' })).toEqual(['Delta license']);
    // Ivan's phone, typed in several ways, finds his deals.
    for (const q of ['+7 912 345 67 89', '89123456789', '345-67-89', '8 (912) 345-67-89']) {
      expect(await f({ search: q }), q).toEqual(['Alpha supply', 'Charlie boxes', 'Foxtrot pilot']);
    }
    expect(await f({ search: 'smallshop' })).toEqual(['Bravo service', 'Charlie boxes']);
    expect(await f({ search: 'petrov' })).toEqual(['Alpha supply', 'Charlie boxes', 'Foxtrot pilot']);
    expect(await f({ search: 'acme' })).toEqual(['Alpha supply', 'Delta license']);
    expect(await f({ search: '8 495 111 22 33' })).toEqual(['Alpha supply', 'Delta license']);
    expect(await f({ search: 'info@globex' })).toEqual(['Bravo service']);
    // A contact in the trash no longer finds its deals.
    expect(await f({ search: 'trashed person' })).toEqual([]);
    expect(await f({ search: '+7 999 111 22 33' })).toEqual([]);
    expect(await f({ search: 'acme', stageKinds: ['WON'] })).toEqual(['Delta license']);
  });

  it('answers a bad filter with a validation error naming it, not an unexpected error', async () => {
    const r = await ws.raw(Deals, { first: 10, filter: { amount: { min: 'abc' }, or: [{ pipelineIds: ['nope'] }] } });
    expect(r.data).toBeNull();
    const codes = (r.errors ?? []).map((e) => e.extensions?.code);
    expect(codes.length).toBeGreaterThan(0);
    expect(
      codes.every((c) => c === 'VALIDATION_FAILED'),
      JSON.stringify(r.errors),
    ).toBe(true);
    const fields = (r.errors![0].extensions!.fields as { field: string }[]).map((x) => x.field);
    expect(fields.length).toBeGreaterThan(0);
    expect(fields.join(' ')).toMatch(/pipelineIds|amount/);
    const r2 = await ws.raw(Deals, { first: 10, filter: { amount: { max: '-1' } } });
    expect((r2.errors![0].extensions!.fields as { field: string }[]).map((x) => x.field)).toEqual(['filter.amount.max']);
  });
});

describe('deals: sorting and cursor pagination', () => {
  let ws: Workspace;
  /** A listed deal, with the position of its stage on the board (where the test put it). */
  type Node = DealsQuery['deals']['edges'][number]['node'] & { stageOrder: number };
  let all: Node[];

  test.beforeAll(async ({ signUp, app }) => {
    ws = await signUp();
    // Amounts with ties, stages across the board, some closed (at different times) and some open.
    const specs: [string, string, string][] = [
      ['Kilo', '300', ws.open[0].id],
      ['Alpha', '100', ws.won.id],
      ['Lima', '100', ws.open[2].id],
      ['Bravo', '300', ws.lost.id],
      ['Mike', '50', ws.open[1].id],
      ['Charlie', '100', ws.open[0].id],
      ['Juliet', '999.99', ws.won.id],
      ['Delta', '0', ws.open[3].id],
      ['November', '300', ws.lost.id],
      ['Echo', '100', ws.open[1].id],
    ];
    const ids = [];
    for (const [name, amount, stageId] of specs) ids.push((await createDeal(ws, { name, amount, stageId })).id);
    // Created (and closed) a second apart, in this order.
    await spreadCreation(app, 'Deal', ids);
    const stageOrder = (name: string) => ws.pipeline.stages.find((s) => s.id === specs.find(([n]) => n === name)![2])!.sortOrder;
    all = (await list(ws)).edges.map((e) => ({ ...e.node, stageOrder: stageOrder(e.node.name) }));
    expect(all.length).toBe(10);
  });

  type Cmp = (a: Node, b: Node) => number;
  const byId =
    (dir: 1 | -1): Cmp =>
    (a, b) =>
      dir * (rawId(a.id) < rawId(b.id) ? -1 : rawId(a.id) > rawId(b.id) ? 1 : 0);
  const then =
    (...cmps: Cmp[]): Cmp =>
    (a, b) => {
      for (const c of cmps) {
        const r = c(a, b);
        if (r) return r;
      }
      return 0;
    };
  const expected = (cmp: Cmp) => [...all].sort(cmp).map((n) => n.name);

  const ORDERS: [string, DealOrder[], Cmp][] = [
    ['NAME ASC', [{ field: 'NAME' }], (a, b) => a.name.localeCompare(b.name)],
    ['NAME DESC', [{ field: 'NAME', direction: 'DESC' }], (a, b) => b.name.localeCompare(a.name)],
    ['AMOUNT ASC', [{ field: 'AMOUNT' }], then((a, b) => Number(a.amount) - Number(b.amount), byId(1))],
    ['AMOUNT DESC', [{ field: 'AMOUNT', direction: 'DESC' }], then((a, b) => Number(b.amount) - Number(a.amount), byId(-1))],
    [
      'AMOUNT DESC, NAME ASC',
      [{ field: 'AMOUNT', direction: 'DESC' }, { field: 'NAME' }],
      then(
        (a, b) => Number(b.amount) - Number(a.amount),
        (a, b) => a.name.localeCompare(b.name),
      ),
    ],
    ['CREATED_AT ASC', [{ field: 'CREATED_AT' }], then((a, b) => ms(a.createdAt) - ms(b.createdAt), byId(1))],
    ['STAGE ASC', [{ field: 'STAGE' }], then((a, b) => a.stageOrder - b.stageOrder, byId(1))],
    ['STAGE DESC', [{ field: 'STAGE', direction: 'DESC' }], then((a, b) => b.stageOrder - a.stageOrder, byId(-1))],
    [
      'CLOSED_AT ASC',
      [{ field: 'CLOSED_AT' }],
      then(
        (a, b) => (a.closedAt ? 0 : 1) - (b.closedAt ? 0 : 1),
        (a, b) => (a.closedAt && b.closedAt ? ms(a.closedAt) - ms(b.closedAt) : 0),
        byId(1),
      ),
    ],
    [
      'CLOSED_AT DESC',
      [{ field: 'CLOSED_AT', direction: 'DESC' }],
      then(
        (a, b) => (a.closedAt ? 0 : 1) - (b.closedAt ? 0 : 1),
        (a, b) => (a.closedAt && b.closedAt ? ms(b.closedAt) - ms(a.closedAt) : 0),
        byId(-1),
      ),
    ],
  ];

  it('lists the newest first when no order is given', async () => {
    expect(all.map((n) => n.name)).toEqual(expected(then((a, b) => ms(b.createdAt) - ms(a.createdAt), byId(-1))));
    expect(all.map((n) => n.name)).toEqual(['Echo', 'November', 'Delta', 'Juliet', 'Charlie', 'Mike', 'Bravo', 'Lima', 'Alpha', 'Kilo']);
  });

  it('sorts by each field, nulls of CLOSED_AT last either way', async () => {
    for (const [label, orderBy, cmp] of ORDERS) {
      expect(names(await list(ws, { orderBy })), label).toEqual(expected(cmp));
    }
    const closedAsc = names(await list(ws, { orderBy: [{ field: 'CLOSED_AT' }] }));
    expect(closedAsc.slice(0, 4)).toEqual(['Alpha', 'Bravo', 'Juliet', 'November']);
    const closedDesc = names(await list(ws, { orderBy: [{ field: 'CLOSED_AT', direction: 'DESC' }] }));
    expect(closedDesc.slice(0, 4)).toEqual(['November', 'Juliet', 'Bravo', 'Alpha']);
  });

  /** Pages through all ten deals in an order (see kit/lists.ts walk). */
  const walk = (vars: DealsQueryVariables, size: number, backward: boolean) =>
    walkList((page) => list(ws, { ...vars, first: undefined, ...page }), size, backward, 10);

  it('walks every deal exactly once, in order, with first / after', async () => {
    for (const [label, orderBy, cmp] of ORDERS) {
      for (const size of [1, 3, 4]) {
        expect(await walk({ orderBy }, size, false), `${label}, first ${size}`).toEqual(expected(cmp));
      }
    }
  });

  it('walks every deal exactly once, in order, with last / before', async () => {
    for (const [label, orderBy, cmp] of ORDERS) {
      for (const size of [1, 3, 4]) {
        expect(await walk({ orderBy }, size, true), `${label}, last ${size}`).toEqual(expected(cmp));
      }
    }
  });

  it('paginates a filtered list with a totalCount that matches the filter', async () => {
    const open = expected(then((a, b) => Number(a.amount) - Number(b.amount), byId(1))).filter((n) =>
      ['Kilo', 'Lima', 'Mike', 'Charlie', 'Delta', 'Echo'].includes(n),
    );
    const out: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: DealsQuery['deals'] = await list(ws, { filter: { stageKinds: ['OPEN'] }, orderBy: [{ field: 'AMOUNT' }], first: 4, after });
      expect(page.totalCount).toBe(6);
      out.push(...names(page));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(out).toEqual(open);
  });
});

describe('links to cards in the trash', () => {
  it('hides a company in the trash from its deals, and shows it again once restored', async ({ workspace: ws }) => {
    const co = await newCompany(ws, { name: 'Binned Ltd' });
    const d = await newDeal(ws, { name: 'Kept deal', companyId: co.id });
    expect((await read(ws, d.id)).company).toEqual({ id: co.id, name: 'Binned Ltd' });
    as((await ws.gql(DeleteCompany, { id: co.id })).deleteCompany, 'DeleteCompanySuccess');
    expect((await read(ws, d.id)).company).toBeNull();
    as((await ws.gql(RestoreCompany, { id: co.id })).restoreCompany, 'RestoreCompanySuccess');
    expect((await read(ws, d.id)).company).toEqual({ id: co.id, name: 'Binned Ltd' });
  });
});
