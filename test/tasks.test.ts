// Tasks through the public API: create on a deal, contact or company, change with versions,
// complete with a result, reopen; the lists (overdue, due today in the workspace's time zone,
// by responsible, by card); the deal filters "no open task" and "has overdue task"; timeline
// entries; and the `notifications` subscription (task assigned, task due) over graphql-ws.
import { describe, expect, it, test, type Workspace } from './kit/fixtures.js';
import type { Client } from './kit/app.js';
import type { Member } from './kit/workspace.js';
import { subscribe } from './kit/subscribe.js';
import { as, rawId } from './kit/results.js';
import { dueReminders } from '../src/modules/tasks/tasks.consumers.js';
import { createContact, createDeal } from './kit/cards.js';
import { Deals, DeleteDeal } from './kit/documents/deals.js';
import { Timeline } from './kit/documents/timeline.js';
import { CompleteTask as Complete, CreateTask as Create, Notifications, ReopenTask as Reopen, Tasks, UpdateTask as Update } from './kit/documents/tasks.js';
import { graphql } from './gql/index.js';
import type { CreateTaskInput, DealFilter, TasksQueryVariables } from './gql/graphql.js';

let url: string;
test.beforeAll(({ url: serverUrl }) => {
  url = serverUrl;
});

const HOUR = 3_600_000;

const DealsWithOpenTask = graphql(`
  query DealsWithOpenTask {
    deals(first: 50) { edges { node { name openTask { text } } } }
  }
`);
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

const deal = (c: Client, name: string) => createDeal(c, { name });
async function create(c: Client, input: CreateTaskInput) {
  return (await c.gql(Create, { input })).createTask;
}
async function mustCreate(c: Client, input: CreateTaskInput) {
  return as(await create(c, input), 'CreateTaskSuccess').task;
}
async function list(c: Client, filter: TasksQueryVariables['filter']) {
  const r = (await c.gql(Tasks, { filter, first: 100 })).tasks;
  return { count: r.totalCount, texts: r.edges.map((e) => e.node.text) };
}

describe('tasks: create, change, complete, reopen', () => {
  let ws: Workspace;
  test.beforeAll(async ({ signUp }) => {
    ws = await signUp();
  });

  it('creates a task on a deal for the caller by default, and the deal timeline shows it', async () => {
    const d = await deal(ws, 'Supply');
    const t = await mustCreate(ws, { cardId: d.id, type: 'CALL', text: '  Call the buyer  ', dueAt: at(HOUR) });
    expect(t).toMatchObject({
      type: 'CALL',
      text: 'Call the buyer',
      cardId: d.id,
      completedAt: null,
      overdue: false,
      version: 1,
      responsible: { name: 'Admin' },
    });
    expect(t.createdBy?.id).toBe(t.responsible.id);
    const kinds = (await ws.gql(Timeline, { cardId: d.id, first: 20 })).timeline.edges.map((e) => e.node.kind);
    expect(kinds).toEqual(['TASK_CREATED', 'CARD_CREATED']);
  });

  it('works on contacts too, and names every bad field at once without creating anything', async () => {
    const c = await createContact(ws, { name: 'Ivan' });
    expect((await mustCreate(ws, { cardId: c.id, type: 'MEETING', text: 'Meet', dueAt: at(HOUR) })).cardId).toBe(c.id);
    const before = (await list(ws, { cardId: c.id })).count;
    const r = as(await create(ws, { cardId: c.id, type: 'CUSTOM', text: ' ', dueAt: at(HOUR), responsibleId: 'bad' }), 'ValidationError');
    expect(r.fields.map((f) => f.field).sort()).toEqual(['responsibleId', 'text']);
    expect((await list(ws, { cardId: c.id })).count).toBe(before);
    // A due time that is not a date is refused by the schema.
    const bad = await ws.raw(Create, { input: { cardId: c.id, type: 'CALL', text: 'x', dueAt: 'next tuesday' } });
    expect(bad.errors?.[0].message).toMatch(/DateTime/);
    expect((await list(ws, { cardId: c.id })).count).toBe(before);
  });

  it('refuses a card in the trash, of another workspace, or not a card at all', async ({ signUp }) => {
    const d = await deal(ws, 'Gone');
    await ws.gql(DeleteDeal, { id: d.id });
    expect(await create(ws, { cardId: d.id, type: 'CALL', text: 'x', dueAt: at(HOUR) })).toMatchObject({ __typename: 'NotFoundError', code: 'IN_TRASH' });
    const other = await signUp();
    const theirs = await deal(other, 'Theirs');
    expect(await create(ws, { cardId: theirs.id, type: 'CALL', text: 'x', dueAt: at(HOUR) })).toMatchObject({ __typename: 'NotFoundError' });
    expect((await list(other, { cardId: theirs.id })).count).toBe(0);
    expect(await create(ws, { cardId: ws.pipeline.id, type: 'CALL', text: 'x', dueAt: at(HOUR) })).toMatchObject({ __typename: 'ValidationError' });
  });

  it('updates with the version read; a stale one gets ConflictError and changes nothing', async () => {
    const d = await deal(ws, 'Versioned');
    const t = await mustCreate(ws, { cardId: d.id, type: 'CALL', text: 'First', dueAt: at(HOUR) });
    const u = as((await ws.gql(Update, { input: { id: t.id, version: 1, text: 'Second', type: 'FOLLOW_UP' } })).updateTask, 'UpdateTaskSuccess').task;
    expect(u).toMatchObject({ text: 'Second', type: 'FOLLOW_UP', version: 2, dueAt: t.dueAt });
    const stale = (await ws.gql(Update, { input: { id: t.id, version: 1, text: 'Third' } })).updateTask;
    expect(stale).toMatchObject({ __typename: 'ConflictError', currentVersion: 2 });
    expect((await list(ws, { cardId: d.id })).texts).toEqual(['Second']);
  });

  it('completes with a result (once), shows it in the timeline, and reopens', async () => {
    const d = await deal(ws, 'Done');
    const t = await mustCreate(ws, { cardId: d.id, type: 'CALL', text: 'Call back', dueAt: at(-HOUR) });
    expect(t.overdue).toBe(true);
    const c = as((await ws.gql(Complete, { id: t.id, version: 1, result: 'Agreed on Friday' })).completeTask, 'CompleteTaskSuccess').task;
    expect(c).toMatchObject({ result: 'Agreed on Friday', overdue: false, version: 2 });
    expect(c.completedAt).not.toBeNull();
    expect((await ws.gql(Complete, { id: t.id, version: 2 })).completeTask).toMatchObject({ __typename: 'ValidationError' });
    const kinds = (await ws.gql(Timeline, { cardId: d.id, first: 20 })).timeline.edges.map((e) => e.node.kind);
    expect(kinds).toEqual(['TASK_COMPLETED', 'TASK_CREATED', 'CARD_CREATED']);
    const r = as((await ws.gql(Reopen, { id: t.id, version: 2 })).reopenTask, 'ReopenTaskSuccess').task;
    expect(r).toMatchObject({ completedAt: null, result: null, overdue: true, version: 3 });
  });
});

describe('tasks: lists and deal filters', () => {
  let ws: Workspace;
  let member: Member;

  // Noon in Moscow (the workspace's default time zone) on the day `offset` days from today there.
  function moscowNoon(offset: number) {
    const ymd = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow' }).format(new Date());
    return new Date(Date.parse(`${ymd}T09:00:00Z`) + offset * 24 * HOUR).toISOString();
  }

  test.beforeAll(async ({ signUp }) => {
    ws = await signUp();
    member = await ws.member('Maria');
    const a = await deal(ws, 'A: overdue task');
    const b = await deal(ws, 'B: open task later');
    const c = await deal(ws, 'C: completed task only');
    await deal(ws, 'D: no tasks');
    await mustCreate(ws, { cardId: a.id, type: 'CALL', text: 'yesterday', dueAt: moscowNoon(-1) });
    await mustCreate(ws, { cardId: b.id, type: 'CALL', text: 'tomorrow', dueAt: moscowNoon(1), responsibleId: member.user.id });
    await mustCreate(ws, { cardId: b.id, type: 'MEETING', text: 'today', dueAt: moscowNoon(0), responsibleId: member.user.id });
    const done = await mustCreate(ws, { cardId: c.id, type: 'CALL', text: 'done', dueAt: moscowNoon(-2) });
    await ws.gql(Complete, { id: done.id, version: 1 });
  });

  it('lists by due time, earliest first, with every filter', async () => {
    expect(await list(ws, {})).toEqual({ count: 4, texts: ['done', 'yesterday', 'today', 'tomorrow'] });
    expect((await list(ws, { completed: false })).texts).toEqual(['yesterday', 'today', 'tomorrow']);
    expect((await list(ws, { completed: true })).texts).toEqual(['done']);
    expect((await list(ws, { responsibleIds: [member.user.id] })).texts).toEqual(['today', 'tomorrow']);
    expect((await list(ws, { dueToday: true })).texts).toEqual(['today']);
    expect((await list(ws, { dueToday: true, responsibleIds: [ws.admin.id] })).texts).toEqual([]);
    // Noon today in Moscow may still be ahead or already past: today's task is overdue only after it.
    const todayPast = Date.parse(moscowNoon(0)) < Date.now();
    expect((await list(ws, { overdue: true })).texts).toEqual(todayPast ? ['yesterday', 'today'] : ['yesterday']);
    expect((await list(ws, { overdue: false })).texts).toEqual(todayPast ? ['done', 'tomorrow'] : ['done', 'today', 'tomorrow']);
  });

  it('a member sees the workspace tasks; another workspace sees none of them', async ({ signUp }) => {
    expect((await list(member, {})).count).toBe(4);
    const other = await signUp();
    expect(await list(other, {})).toEqual({ count: 0, texts: [] });
  });

  it('filters deals with no open task and with an overdue task', async () => {
    const names = async (filter: DealFilter) => (await ws.gql(Deals, { first: 50, filter })).deals.edges.map((e) => e.node.name).sort();
    expect(await names({ hasOpenTask: false })).toEqual(['C: completed task only', 'D: no tasks']);
    expect(await names({ hasOpenTask: true })).toEqual(['A: overdue task', 'B: open task later']);
    // B's task due at noon today is overdue once noon has passed in Moscow.
    const todayPast = Date.parse(moscowNoon(0)) < Date.now();
    expect(await names({ hasOverdueTask: true })).toEqual(todayPast ? ['A: overdue task', 'B: open task later'] : ['A: overdue task']);
    expect(await names({ hasOverdueTask: false })).toEqual(
      todayPast ? ['C: completed task only', 'D: no tasks'] : ['B: open task later', 'C: completed task only', 'D: no tasks'],
    );
  });

  it("shows each deal's open task due first on the deal (what the board's cards show), none once completed, none to a role without tasks", async () => {
    const openTasks = async (c: Client) =>
      Object.fromEntries((await c.gql(DealsWithOpenTask, {})).deals.edges.map((e) => [e.node.name, e.node.openTask?.text ?? null]));
    expect(await openTasks(ws)).toEqual({ 'A: overdue task': 'yesterday', 'B: open task later': 'today', 'C: completed task only': null, 'D: no tasks': null });
    const noTasks = await ws.member('No tasks', { rights: [{ entityType: 'DEAL', action: 'VIEW', scope: 'ALL' }] });
    expect(await openTasks(noTasks)).toEqual({ 'A: overdue task': null, 'B: open task later': null, 'C: completed task only': null, 'D: no tasks': null });
  });
});

describe('notifications', () => {
  type Note = { kind: string; task: { id: string; text: string; responsible: { id: string } } | null };

  /** A user's notifications, each as its kind and the task's id, text and responsible. */
  const watch = (token: string) =>
    subscribe(url, token, Notifications, {}, ({ notifications: { kind, task } }): Note => ({
      kind,
      task: task && { id: task.id, text: task.text, responsible: { id: task.responsible.id } },
    }));

  it('tells a user of a task assigned to them, not of tasks they give themselves or others get', async ({ workspace: ws }) => {
    const maria = await ws.member('Maria');
    const oleg = await ws.member('Oleg');
    const sub = watch(maria.token);
    await sub.ready;
    const d = await deal(ws, 'Assign');
    await mustCreate(ws, { cardId: d.id, type: 'CALL', text: 'for Oleg', dueAt: at(HOUR), responsibleId: oleg.user.id });
    await mustCreate(maria, { cardId: d.id, type: 'CALL', text: 'Maria to herself', dueAt: at(HOUR) });
    const t = await mustCreate(ws, { cardId: d.id, type: 'CALL', text: 'for Maria', dueAt: at(HOUR), responsibleId: maria.user.id });
    // Notifications go out in commit order: one for the first two tasks would come before this one.
    await sub.waitFor((e) => e.some((x) => x.task?.id === t.id));
    expect(sub.errors).toEqual([]);
    expect(sub.events).toEqual([{ kind: 'TASK_ASSIGNED', task: { id: t.id, text: 'for Maria', responsible: { id: maria.user.id } } }]);
    // Handing a task over notifies the new responsible.
    const mine = await mustCreate(ws, { cardId: d.id, type: 'CALL', text: 'handed over', dueAt: at(HOUR) });
    await ws.gql(Update, { input: { id: mine.id, version: 1, responsibleId: maria.user.id } });
    await sub.waitFor((e) => e.length >= 2);
    expect(sub.events[1]).toMatchObject({ kind: 'TASK_ASSIGNED', task: { text: 'handed over' } });
    await sub.close();
  });

  it('tells the responsible when an open task falls due, once, and not for a completed one', async ({ workspace: ws, server }) => {
    const maria = await ws.member('Maria');
    const sub = watch(maria.token);
    await sub.ready;
    const d = await deal(ws, 'Due');
    const soon = await mustCreate(maria, { cardId: d.id, type: 'CALL', text: 'due soon', dueAt: at(HOUR) });
    const done = await mustCreate(maria, { cardId: d.id, type: 'CALL', text: 'done before due', dueAt: at(HOUR) });
    await maria.gql(Complete, { id: done.id, version: 1 });
    // The hour goes by: both tasks' due time is moved into the past (rather than the test waiting).
    const fellDue = await server.database.prisma.task.updateMany({
      where: { id: { in: [rawId(soon.id), rawId(done.id)] } },
      data: { dueAt: new Date(Date.now() - 1000) },
    });
    expect(fellDue.count).toBe(2);
    // The background worker's next pass finds the open one.
    await sub.waitFor((e) => e.some((x) => x.kind === 'TASK_DUE'));
    // Once: the same work done again (as the next pass does) finds nothing new. What it had
    // sent would come before the next notification, since they go out in commit order.
    // (Files of a PostgreSQL run share the database, so the count it answers is not asserted.)
    await dueReminders(server.deps);
    const next = await mustCreate(ws, { cardId: d.id, type: 'CALL', text: 'next', dueAt: at(HOUR), responsibleId: maria.user.id });
    await sub.waitFor((e) => e.some((x) => x.task?.id === next.id));
    expect(sub.errors).toEqual([]);
    expect(sub.events).toEqual([
      { kind: 'TASK_DUE', task: { id: soon.id, text: 'due soon', responsible: { id: maria.user.id } } },
      { kind: 'TASK_ASSIGNED', task: { id: next.id, text: 'next', responsible: { id: maria.user.id } } },
    ]);
    await sub.close();
  });
});
