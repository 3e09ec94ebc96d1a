// Writes in batches (an import's rows, the demo seed): a batch of cards reads what its writes
// share once, whatever its size, and still refuses each bad write on its own; a batch of tasks
// is checked and told as createTask does, all or nothing.
import { createRecord, writeRecords, type BatchWrite } from '../../src/kernel/records.js';
import { createTask, createTasks } from '../../src/modules/tasks/tasks.service.js';
import { definitions } from '../../src/kernel/fields/definitions.js';
import { describe, en, expect, failure, test } from './kit.js';
import { subscribe } from '../kit/subscribe.js';
import { DealChanged } from '../kit/documents/deals.js';

const DAY = 86_400_000;

describe('a batch of deals', () => {
  test('reads the responsible, company, contacts and stage once: each further deal costs one statement (its contact links)', async ({ kernel: k }) => {
    const bob = await k.user('Bob');
    const company = await createRecord(k.admin, 'COMPANY', { fields: { name: 'Acme' } });
    const contact = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Ann' } });
    const stage = await k.db.stage.findFirstOrThrow({ where: { workspaceId: k.workspaceId, kind: 'OPEN' }, orderBy: { sortOrder: 'desc' } });
    const deals = (n: number): BatchWrite[] =>
      Array.from({ length: n }, (_, i) => ({
        write: { fields: { name: `Deal ${n}.${i}` }, responsibleId: bob, companyId: company.id, extra: { stageId: stage.id, contactIds: [contact.id] } },
      }));
    const statements = async (n: number) => {
      const counted = k.counting(k.admin);
      const results = await writeRecords(counted.ctx, 'DEAL', deals(n));
      expect(results.every((r) => r.ok)).toBe(true);
      return counted.statements();
    };
    // The process's first batch of deals reads the table's column types once (lib/written-rows.ts):
    // not counted, so the file gives the same answer alone as after others.
    await statements(1);
    const two = await statements(2);
    const ten = await statements(10);
    expect(ten - two).toBe(8);
    const written = await k.db.deal.findMany({ where: { workspaceId: k.workspaceId }, include: { contacts: true } });
    expect(written).toHaveLength(13);
    for (const d of written) {
      expect([d.responsibleId, d.companyId, d.stageId]).toEqual([bob, company.id, stage.id]);
      expect(d.contacts.map((c) => c.contactId)).toEqual([contact.id]);
    }
  });

  test('still refuses each write that names something wrong, with its own issue, and writes the others', async ({ kernel: k }) => {
    const gone = await k.user('Gone', { active: false });
    const contact = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Ann' } });
    const stage = await k.db.stage.findFirstOrThrow({ where: { workspaceId: k.workspaceId, kind: 'OPEN' } });
    const other = await k.otherWorkspace();
    const foreign = await createRecord(other.admin, 'CONTACT', { fields: { name: 'Not yours' } });
    const results = await writeRecords(k.admin, 'DEAL', [
      { write: { fields: { name: 'Fine' }, extra: { stageId: stage.id, contactIds: [contact.id] } } },
      { write: { fields: { name: 'Deactivated' }, responsibleId: gone, extra: { stageId: stage.id } } },
      { write: { fields: { name: 'No stage' }, extra: { stageId: contact.id } } },
      { write: { fields: { name: 'Foreign contact' }, extra: { stageId: stage.id, contactIds: [contact.id, foreign.id] } } },
      { write: { fields: { name: 'Also fine' }, responsibleId: k.adminId, extra: { stageId: stage.id, contactIds: [contact.id] } } },
    ]);
    const fieldsOf = (r: (typeof results)[number]) => (r.ok ? r.row.name : (r.error as { fields: { field: string }[] }).fields.map((f) => f.field));
    expect(results.map(fieldsOf)).toEqual(['Fine', ['responsibleId'], ['stageId'], ['contactIds[1]'], 'Also fine']);
  });

  test('reuses the field definitions its caller already read: its batches read them no more', async ({ kernel: k }) => {
    await k.field('DEAL', 'TEXT', 'Source');
    const counted = k.counting(k.admin);
    const batch = (n: number): BatchWrite[] => Array.from({ length: n }, (_, i) => ({ write: { fields: { name: `Deal ${i}` }, customFields: [] } }));
    const reads = () => counted.sent().filter((s) => s === 'CustomField.findMany').length;
    // An import's batches: the caller's context reads the definitions (its mapping does) and hands each batch over.
    await definitions(counted.ctx, 'DEAL');
    expect(reads()).toBe(1);
    for (const n of [1, 3]) expect((await writeRecords(counted.ctx, 'DEAL', batch(n))).every((r) => r.ok)).toBe(true);
    expect(reads()).toBe(1);
    expect(await k.db.deal.count({ where: { workspaceId: k.workspaceId } })).toBe(4);
  });

  test('an id the database cannot read refuses its own write only', async ({ kernel: k }) => {
    const results = await writeRecords(k.admin, 'CONTACT', [
      { write: { fields: { name: 'Fine' } } },
      { write: { fields: { name: 'Odd' }, responsibleId: 'not-a-uuid' } },
      { write: { fields: { name: 'Also fine' }, responsibleId: k.adminId } },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect((await k.db.contact.findMany({ where: { workspaceId: k.workspaceId }, orderBy: { name: 'asc' } })).map((c) => c.name)).toEqual([
      'Also fine',
      'Fine',
    ]);
  });
});

describe('a batch of tasks', () => {
  test('writes them as createTask would: the rows, their timeline entries, the events and the assignment notice', async ({ kernel: k }) => {
    const bob = await k.user('Bob');
    const deal = await createRecord(k.admin, 'DEAL', { fields: { name: 'Deal' } });
    const contact = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Ann' } });
    const due = new Date(Date.now() + DAY);
    const tasks = await createTasks(k.admin, [
      { card: { entityType: 'DEAL', id: deal.id }, input: { type: 'CALL', text: ' Call back ', dueAt: due } },
      { card: { entityType: 'CONTACT', id: contact.id }, input: { type: 'MEETING', text: 'Meet', dueAt: due, responsibleId: bob } },
    ]);
    expect(tasks.map((t) => [t.dealId, t.contactId, t.type, t.text, t.responsibleId, t.createdById])).toEqual([
      [deal.id, null, 'CALL', 'Call back', k.adminId, k.adminId],
      [null, contact.id, 'MEETING', 'Meet', bob, k.adminId],
    ]);
    // The same events, entries and notice a single createTask gives.
    const single = await createTask(k.admin, { entityType: 'DEAL', id: deal.id }, { type: 'CALL', text: 'Single', dueAt: due, responsibleId: bob });
    const created = await k.events('task.created');
    const shape = (e: Record<string, unknown>) => ({ ...e, occurredAt: 'at', task: { ...(e.task as object), id: 'id', text: 'text' } });
    expect(created).toHaveLength(3);
    expect(shape(created[0])).toEqual({ ...shape(created[2]), task: { ...shape(created[2]).task, responsibleId: k.adminId, type: 'CALL' } });
    expect((created[0].card as { pipelineId?: string }).pipelineId).toBe(deal.pipelineId);
    expect((await k.events('notification')).map((n) => [n.userId, n.kind, n.taskId])).toEqual([
      [bob, 'TASK_ASSIGNED', tasks[1].id],
      [bob, 'TASK_ASSIGNED', single.id],
    ]);
    const entries = await k.db.timelineEntry.findMany({ where: { workspaceId: k.workspaceId, kind: 'TASK_CREATED' }, orderBy: { id: 'asc' } });
    expect(entries.map((e) => [e.cardId, e.text])).toEqual([
      [deal.id, 'Call back'],
      [contact.id, 'Meet'],
      [deal.id, 'Single'],
    ]);
  });

  test('refuses them all when one is refused, naming it, and writes none', async ({ kernel: k }) => {
    const deal = await createRecord(k.admin, 'DEAL', { fields: { name: 'Deal' } });
    const due = new Date(Date.now() + DAY);
    const bad = await failure(
      createTasks(k.admin, [
        { card: { entityType: 'DEAL', id: deal.id }, input: { type: 'CALL', text: 'Fine', dueAt: due } },
        { card: { entityType: 'DEAL', id: deal.id }, input: { type: 'CALL', text: '  ', dueAt: due } },
      ]),
    );
    expect((bad as unknown as { fields: { field: string }[] }).fields.map((f) => f.field)).toEqual(['tasks[1].text']);
    const limited = k.as(await k.user('Viewer'), { DEAL: { VIEW: 'ALL', CREATE: 'NONE', EDIT: 'NONE', DELETE: 'NONE' } });
    expect(en(await failure(createTasks(limited, [{ card: { entityType: 'DEAL', id: deal.id }, input: { type: 'CALL', text: 'No', dueAt: due } }])))).toMatch(
      /does not let you change/,
    );
    expect(await k.db.task.count({ where: { workspaceId: k.workspaceId } })).toBe(0);
    expect(await k.events('task.created')).toEqual([]);
  });
});

describe("a batch's events", () => {
  test("failing before: go out as one outbox row, and reach a live board one by one, in the batch's order", async ({ kernel: k, url }) => {
    const board = subscribe(url, k.ws.token, DealChanged, { pipelineId: k.ws.pipeline.id }, (d) => d.dealChanged);
    await board.ready;
    const names = ['First', 'Second', 'Third', 'Fourth'];
    const results = await writeRecords(
      k.admin,
      'DEAL',
      names.map((name) => ({ write: { fields: { name } } })),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    // One row holds the four events (before: four rows, a snapshot each).
    const rows = await k.db.outboxEvent.findMany({ where: { workspaceId: k.workspaceId, topic: 'record.created' } });
    expect(rows.map((r) => r.events)).toEqual([4]);
    expect((await k.events('record.created')).map((e) => (e.after as { name: string }).name)).toEqual(names);
    const heard = await board.waitFor((e) => e.length >= 4);
    expect(board.errors).toEqual([]);
    expect(heard.map((e) => [e.kind, e.deal?.name])).toEqual(names.map((n) => ['CREATED', n]));
    await board.close();
  });
});
