// Saved views through the public API: the built-in views every workspace has, personal and
// shared views (shared ones by administrators), create / update / delete; a view used as
// `deals(viewId:)` gives exactly the list its filter gives; a view naming a field the caller's
// role hides does not reveal it; bad input names every bad field and stores nothing.
import { describe, expect, it, test, type Workspace } from './kit/fixtures.js';
import type { Member } from './kit/workspace.js';
import { as } from './kit/results.js';
import { createContact, createDeal, defineField } from './kit/cards.js';
import { CreateTask } from './kit/documents/tasks.js';
import { SetFieldAccess } from './kit/documents/users.js';
import { ContactsInView, CreateSavedView, DealsInView, DeleteSavedView, SavedViews, UpdateSavedView } from './kit/documents/saved-views.js';
import type { DealFilter } from './gql/graphql.js';

const HOUR = 3_600_000;
const names = (r: { deals: { edges: { node: { name: string } }[] } }) => r.deals.edges.map((e) => e.node.name);

async function viewList(c: Workspace | Member, viewId: string, filter?: DealFilter) {
  return names(await c.gql(DealsInView, { viewId, filter }));
}
async function filterList(c: Workspace | Member, filter: DealFilter) {
  return names(await c.gql(DealsInView, { filter }));
}

describe('built-in views', () => {
  let ws: Workspace;
  let seller: Member;
  test.beforeAll(async ({ signUp }) => {
    ws = await signUp();
    seller = await ws.member('Seller', { rights: [{ entityType: 'DEAL', action: 'VIEW', scope: 'ALL' }] });
    const mine = await createDeal(ws, { name: 'Mine open', stageId: ws.open[0].id, tags: ['Hot client'] });
    await createDeal(ws, { name: 'Mine won', stageId: ws.won.id });
    const theirs = await createDeal(ws, { name: 'Theirs open', stageId: ws.open[1].id, responsibleId: seller.user.id });
    const late = await createDeal(ws, { name: 'Late', stageId: ws.open[0].id });
    as(
      (await ws.gql(CreateTask, { input: { cardId: mine.id, type: 'CALL', text: 'Call', dueAt: new Date(Date.now() + HOUR).toISOString() } })).createTask,
      'CreateTaskSuccess',
    );
    as(
      (await ws.gql(CreateTask, { input: { cardId: late.id, type: 'CALL', text: 'Late call', dueAt: new Date(Date.now() - HOUR).toISOString() } })).createTask,
      'CreateTaskSuccess',
    );
    void theirs;
  });

  it('every workspace has them, named in its language', async () => {
    const views = (await ws.gql(SavedViews, { entityType: 'DEAL' })).savedViews;
    expect(views.map((v) => [v.name, v.builtIn, v.shared])).toEqual([
      ['My open deals', true, true],
      ['Deals without an open task', true, true],
      ['Deals with overdue tasks', true, true],
      ['Tag = Hot client', true, true],
    ]);
    expect((await ws.gql(SavedViews, { entityType: 'CONTACT' })).savedViews).toEqual([]);
  });

  it('each gives exactly the list its filter gives, for whoever uses it', async () => {
    for (const who of [ws, seller] as const) {
      const views = (await who.gql(SavedViews, { entityType: 'DEAL' })).savedViews;
      for (const v of views) expect(await viewList(who, v.id)).toEqual(await filterList(who, JSON.parse(v.filter!)));
    }
    const byName = Object.fromEntries((await ws.gql(SavedViews, { entityType: 'DEAL' })).savedViews.map((v) => [v.name, v.id]));
    expect(await viewList(ws, byName['My open deals'])).toEqual(['Late', 'Mine open']);
    expect(await viewList(seller, byName['My open deals'])).toEqual(['Theirs open']);
    expect(await viewList(ws, byName['Deals without an open task'])).toEqual(['Theirs open', 'Mine won']);
    expect(await viewList(ws, byName['Deals with overdue tasks'])).toEqual(['Late']);
    expect(await viewList(ws, byName['Tag = Hot client'])).toEqual(['Mine open']);
    // A filter given with the view narrows it further.
    expect(await viewList(ws, byName['My open deals'], { stageIds: [ws.open[0].id], search: 'mine' })).toEqual(['Mine open']);
  });

  it('cannot be changed or deleted', async () => {
    const [v] = (await ws.gql(SavedViews, { entityType: 'DEAL' })).savedViews;
    expect((await ws.gql(UpdateSavedView, { input: { id: v.id, name: 'Mine' } })).updateSavedView.__typename).toBe('ForbiddenError');
    expect((await ws.gql(DeleteSavedView, { id: v.id })).deleteSavedView.__typename).toBe('ForbiddenError');
  });
});

describe('personal and shared views', () => {
  it('creates, uses, changes and deletes a personal view that nobody else sees', async ({ workspace: ws }) => {
    const other = await ws.member('Other', { rights: [{ entityType: 'DEAL', action: 'VIEW', scope: 'ALL' }] });
    for (const [name, amount] of [
      ['Small', '100'],
      ['Large', '900'],
      ['Medium', '500'],
    ] as const)
      await createDeal(ws, { name, amount });
    const created = as(
      (
        await ws.gql(CreateSavedView, {
          input: {
            entityType: 'DEAL',
            name: '  Big ones ',
            dealFilter: { amount: { min: '400' } },
            sort: [{ field: 'AMOUNT', direction: 'DESC' }],
            columns: ['name', 'amount'],
          },
        })
      ).createSavedView,
      'CreateSavedViewSuccess',
    ).view;
    expect(created).toMatchObject({
      name: 'Big ones',
      shared: false,
      builtIn: false,
      columns: ['name', 'amount'],
      sort: [{ field: 'AMOUNT', direction: 'DESC' }],
    });
    expect(JSON.parse(created.filter!)).toEqual({ amount: { min: '400' } });
    // Its filter and its sort.
    expect(await viewList(ws, created.id)).toEqual(['Large', 'Medium']);
    expect(names(await ws.gql(DealsInView, { filter: { amount: { min: '400' } }, orderBy: [{ field: 'AMOUNT', direction: 'DESC' }] }))).toEqual([
      'Large',
      'Medium',
    ]);
    // An orderBy given replaces the view's sort.
    expect(names(await ws.gql(DealsInView, { viewId: created.id, orderBy: [{ field: 'AMOUNT', direction: 'ASC' }] }))).toEqual(['Medium', 'Large']);
    // Another user neither lists nor uses it.
    expect((await other.gql(SavedViews, { entityType: 'DEAL' })).savedViews.map((v) => v.name)).not.toContain('Big ones');
    const foreign = await other.raw(DealsInView, { viewId: created.id });
    expect(foreign.errors?.[0].message).toMatch(/not found/i);
    expect((await other.gql(DeleteSavedView, { id: created.id })).deleteSavedView.__typename).toBe('NotFoundError');

    const updated = as(
      (await ws.gql(UpdateSavedView, { input: { id: created.id, name: 'Huge', dealFilter: { amount: { min: '800' } } } })).updateSavedView,
      'UpdateSavedViewSuccess',
    ).view;
    expect(updated).toMatchObject({ name: 'Huge', sort: [{ field: 'AMOUNT', direction: 'DESC' }] });
    expect(await viewList(ws, created.id)).toEqual(['Large']);
    // null clears the filter and the sort (absent keeps them, as above): the view lists every deal.
    const cleared = as(
      (await ws.gql(UpdateSavedView, { input: { id: created.id, dealFilter: null, sort: null } })).updateSavedView,
      'UpdateSavedViewSuccess',
    ).view;
    expect({ filter: JSON.parse(cleared.filter!), sort: cleared.sort, name: cleared.name }).toEqual({ filter: {}, sort: [], name: 'Huge' });
    expect((await viewList(ws, created.id)).sort()).toEqual(['Large', 'Medium', 'Small']);
    as((await ws.gql(DeleteSavedView, { id: created.id })).deleteSavedView, 'DeleteSavedViewSuccess');
    expect((await ws.gql(SavedViews, { entityType: 'DEAL' })).savedViews.filter((v) => !v.builtIn)).toEqual([]);
  });

  it('shares a view only as an administrator; members use it but cannot change it', async ({ workspace: ws }) => {
    const rights = [
      { entityType: 'CONTACT' as const, action: 'VIEW' as const, scope: 'ALL' as const },
      { entityType: 'DEAL' as const, action: 'VIEW' as const, scope: 'ALL' as const },
    ];
    const m = await ws.member('Member', { rights });
    const refused = (await m.gql(CreateSavedView, { input: { entityType: 'DEAL', name: 'Mine for all', shared: true } })).createSavedView;
    expect(refused.__typename).toBe('ForbiddenError');
    await createContact(ws, { name: 'Ivan Petrov' });
    await createContact(ws, { name: 'Olga Ivanova' });
    const shared = as(
      (await ws.gql(CreateSavedView, { input: { entityType: 'CONTACT', name: 'Ivans', shared: true, contactFilter: { search: 'ivan' } } })).createSavedView,
      'CreateSavedViewSuccess',
    ).view;
    expect((await m.gql(SavedViews, { entityType: 'CONTACT' })).savedViews.map((v) => [v.name, v.shared])).toEqual([['Ivans', true]]);
    const list = (await m.gql(ContactsInView, { viewId: shared.id })).contacts;
    expect(list.edges.map((e) => e.node.name).sort()).toEqual(['Ivan Petrov', 'Olga Ivanova']);
    expect(list.totalCount).toBe(2);
    expect((await m.gql(UpdateSavedView, { input: { id: shared.id, name: 'Mine' } })).updateSavedView.__typename).toBe('ForbiddenError');
    expect((await m.gql(DeleteSavedView, { id: shared.id })).deleteSavedView.__typename).toBe('ForbiddenError');
    // A view of one kind is not a view of another list.
    expect((await m.raw(DealsInView, { viewId: shared.id })).errors?.[0].message).toMatch(/not found/i);
  });

  it('refuses an empty name, an unknown field, a filter of another kind and an unknown column, storing nothing', async ({ workspace: ws }) => {
    const r = (
      await ws.gql(CreateSavedView, {
        input: {
          entityType: 'DEAL',
          name: ' ',
          dealFilter: { customFields: [{ fieldId: ws.pipeline.id, isEmpty: true }] },
          contactFilter: { search: 'x' },
          columns: ['name', 'colour'],
        },
      })
    ).createSavedView;
    expect(
      as(r, 'ValidationError')
        .fields.map((f) => f.field)
        .sort(),
    ).toEqual(['columns[1]', 'contactFilter', 'dealFilter.customFields[0].fieldId', 'name']);
    expect((await ws.gql(SavedViews, { entityType: 'DEAL' })).savedViews.filter((v) => !v.builtIn)).toEqual([]);
  });
});

describe('a view naming a field the role hides', () => {
  it('shows neither the column nor the filter, and its list is refused rather than revealing anything', async ({ workspace: ws }) => {
    const margin = await defineField(ws, { entityType: 'DEAL', name: 'Margin', type: 'NUMBER' });
    const m = await ws.member('Quiet', { rights: [{ entityType: 'DEAL', action: 'VIEW', scope: 'ALL' }] });
    as(
      (await ws.gql(SetFieldAccess, { input: { roleId: m.roleId!, entityType: 'DEAL', customFieldId: margin.id, access: 'HIDDEN' } })).setFieldAccess,
      'SetFieldAccessSuccess',
    );
    await createDeal(ws, { name: 'Rich', customFields: [{ fieldId: margin.id, value: { number: '70' } }] });
    await createDeal(ws, { name: 'Poor', customFields: [{ fieldId: margin.id, value: { number: '5' } }] });
    const view = as(
      (
        await ws.gql(CreateSavedView, {
          input: {
            entityType: 'DEAL',
            name: 'High margin',
            shared: true,
            dealFilter: { customFields: [{ fieldId: margin.id, gte: '50' }] },
            columns: ['name', margin.id],
          },
        })
      ).createSavedView,
      'CreateSavedViewSuccess',
    ).view;
    expect(await viewList(ws, view.id)).toEqual(['Rich']);
    const seen = (await m.gql(SavedViews, { entityType: 'DEAL' })).savedViews.find((v) => v.id === view.id)!;
    expect(seen).toMatchObject({ name: 'High margin', columns: ['name'], filter: null });
    const used = await m.raw(DealsInView, { viewId: view.id });
    expect(used.data?.deals ?? null).toBeNull();
    expect(JSON.stringify(used)).not.toContain('Rich');
  });
});
