// Tasks, their lists, and the viewer's live `notifications` (task assigned, task due).
import { liveViewer, startLive } from '../auth/live-viewer.js';
import { withId } from '../../lib/prisma-query.js';
import { filter, pipe } from 'graphql-yoga';
import { builder } from '../../builder.js';
import { authed } from '../../context.js';
import { decodeGlobalId, encodeGlobalId, IdParser, isUuid, parseId } from '../../lib/ids.js';
import { ValidationError } from '../../lib/errors.js';
import { onceEach, type NotificationMessage } from '../../lib/pubsub.js';
import { WRITE_ERRORS } from '../common/common.schema.js';
import { inWorkspace, registerNode } from '../cards/cards.schema.js';
import { cardRef } from '../timeline/timeline.schema.js';
import * as tasks from './tasks.service.js';
import { TASKS } from './tasks.messages.js';

registerNode('Task');

export const TaskType = builder.enumType('TaskType', { values: ['CALL', 'MEETING', 'FOLLOW_UP', 'CUSTOM'] as const });

const TYPENAME = { DEAL: 'Deal', CONTACT: 'Contact', COMPANY: 'Company', LEAD: 'IncomingLead' } as const;

/** A task's card, or an incoming lead; anything else is a ValidationError naming `field`. */
function subjectRef(globalId: string, field = 'cardId'): tasks.TaskSubject {
  const { typename, id } = decodeGlobalId(globalId);
  if (typename !== 'IncomingLead') return cardRef(globalId, field);
  if (!isUuid(id)) throw ValidationError.field(field, TASKS.notASubject());
  return { entityType: 'LEAD', id };
}

export const Task = builder.prismaNode('Task', {
  id: { field: 'id' },
  // Tasks the viewer's role lets them see, on cards they may see.
  findUnique: (id, ctx) => (ctx.viewer ? { ...tasks.visibleTasks(authed(ctx)), id } : inWorkspace(id, ctx)),
  nullable: true,
  fields: (t) => ({
    type: t.expose('type', { type: TaskType }),
    text: t.exposeString('text'),
    dueAt: t.expose('dueAt', { type: 'DateTime' }),
    cardId: t.id({
      description: "The deal, contact, company or incoming lead it belongs to (a lead's tasks move to its cards when it is converted).",
      resolve: (x) => {
        const c = tasks.subjectOf(x);
        return encodeGlobalId(TYPENAME[c.entityType], c.id);
      },
    }),
    responsible: t.relation('responsible'),
    createdBy: t.relation('createdBy', { nullable: true }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
    result: t.exposeString('result', { nullable: true }),
    overdue: t.boolean({ description: 'Open and past its due time.', resolve: (x) => !x.completedAt && x.dueAt.getTime() < Date.now() }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    version: t.exposeInt('version', { description: 'Send it back with updates; a stale one gets ConflictError.' }),
  }),
});

// The board shows each deal's next thing to do: its open task due first, as the viewer may see it.
builder.prismaObjectField('Deal', 'openTask', (t) =>
  t.field({
    type: Task,
    nullable: true,
    description: "The deal's open task due first (null when none, or when the viewer's role may not see tasks).",
    select: (_a, ctx, nested) => ({
      tasks: nested({ where: { completedAt: null, AND: [tasks.visibleTasks(authed(ctx))] }, orderBy: [{ dueAt: 'asc' }, { id: 'asc' }], take: 1 }),
    }),
    resolve: (d) => d.tasks[0] ?? null,
  }),
);

const TaskFilter = builder.inputType('TaskFilter', {
  description: 'Every condition given must hold.',
  fields: (t) => ({
    cardId: t.id({ description: 'Tasks of this deal, contact, company or incoming lead.' }),
    responsibleIds: t.idList(),
    completed: t.boolean(),
    overdue: t.boolean({ description: 'true: open and past due; false: the others.' }),
    dueToday: t.boolean({ description: "Due between midnight and midnight in the workspace's time zone." }),
  }),
});

function decodeFilter(
  f:
    | { cardId?: string | null; responsibleIds?: string[] | null; completed?: boolean | null; overdue?: boolean | null; dueToday?: boolean | null }
    | null
    | undefined,
) {
  if (!f) return {};
  const ids = new IdParser();
  const responsibleIds = ids.many('filter.responsibleIds', 'User', f.responsibleIds);
  ids.done();
  return { ...f, responsibleIds, cardId: f.cardId ? subjectRef(f.cardId, 'filter.cardId') : null };
}

builder.queryField('tasks', (t) =>
  t.prismaConnection({
    type: 'Task',
    cursor: 'id',
    authScopes: { member: true },
    description: 'Tasks by due time, earliest first.',
    args: { filter: t.arg({ type: TaskFilter }) },
    resolve: (query, _r, a, ctx) => tasks.listTasks(authed(ctx), decodeFilter(a.filter), query),
    totalCount: (_c, a, ctx) => tasks.countTasks(authed(ctx), decodeFilter(a.filter)),
  }),
);

const CreateTaskInput = builder.inputType('CreateTaskInput', {
  fields: (t) => ({
    cardId: t.id({ required: true, description: 'A deal, contact, company, or an incoming lead (needs LEAD EDIT on it).' }),
    type: t.field({ type: TaskType, required: true }),
    text: t.string({ required: true }),
    dueAt: t.field({ type: 'DateTime', required: true }),
    responsibleId: t.id({ description: 'Defaults to the caller; someone else is notified.' }),
  }),
});

builder.mutationField('createTask', (t) =>
  t.prismaField({
    type: 'Task',
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'task' } },
    args: { input: t.arg({ type: CreateTaskInput, required: true }) },
    resolve: async (query, _r, { input }, ctx) => {
      const ids = new IdParser();
      const responsibleId = ids.one('responsibleId', 'User', input.responsibleId);
      const card = subjectRef(input.cardId);
      const row = await tasks.createTask(authed(ctx), card, { ...input, responsibleId }, ids.issues);
      return ctx.db.task.findUniqueOrThrow({ ...withId(query), where: { id: row.id } });
    },
  }),
);

const UpdateTaskInput = builder.inputType('UpdateTaskInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    version: t.int({ required: true }),
    type: t.field({ type: TaskType }),
    text: t.string(),
    dueAt: t.field({ type: 'DateTime' }),
    responsibleId: t.id(),
  }),
});

builder.mutationField('updateTask', (t) =>
  t.prismaField({
    type: 'Task',
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'task' } },
    args: { input: t.arg({ type: UpdateTaskInput, required: true }) },
    resolve: async (query, _r, { input }, ctx) => {
      const ids = new IdParser();
      const id = ids.one('id', 'Task', input.id);
      const responsibleId = ids.one('responsibleId', 'User', input.responsibleId);
      if (!id) ids.done();
      const row = await tasks.updateTask(authed(ctx), id, input.version, { ...input, responsibleId }, ids.issues);
      return ctx.db.task.findUniqueOrThrow({ ...withId(query), where: { id: row.id } });
    },
  }),
);

builder.mutationField('completeTask', (t) =>
  t.prismaField({
    type: 'Task',
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'task' } },
    args: { id: t.arg.id({ required: true }), version: t.arg.int({ required: true }), result: t.arg.string() },
    resolve: async (query, _r, a, ctx) => {
      const row = await tasks.completeTask(authed(ctx), parseId('Task', a.id), a.version, a.result);
      return ctx.db.task.findUniqueOrThrow({ ...withId(query), where: { id: row.id } });
    },
  }),
);

builder.mutationField('reopenTask', (t) =>
  t.prismaField({
    type: 'Task',
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'task' } },
    args: { id: t.arg.id({ required: true }), version: t.arg.int({ required: true }) },
    resolve: async (query, _r, a, ctx) => {
      const row = await tasks.reopenTask(authed(ctx), parseId('Task', a.id), a.version);
      return ctx.db.task.findUniqueOrThrow({ ...withId(query), where: { id: row.id } });
    },
  }),
);

// Notifications

const NotificationKind = builder.enumType('NotificationKind', {
  values: ['TASK_ASSIGNED', 'TASK_DUE', 'AUTOMATION', 'AUTOMATION_PAUSED', 'WEBHOOK_DISABLED', 'INCOMING_CALL', 'CHAT_MESSAGE'] as const,
});

const Notification = builder.objectRef<NotificationMessage>('Notification').implement({
  description:
    'Something for the signed-in user: a task given to them, one of theirs falling due, a message from an automation, an automation paused after failing, a call ringing from a number of one of their cards, or a new chat message on one of their cards or leads.',
  fields: (t) => ({
    kind: t.expose('kind', { type: NotificationKind }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
    text: t.string({
      nullable: true,
      description: 'AUTOMATION, AUTOMATION_PAUSED, WEBHOOK_DISABLED, INCOMING_CALL and CHAT_MESSAGE: the message.',
      resolve: (m) => m.text ?? null,
    }),
    cardId: t.id({
      nullable: true,
      description: 'The card an automation notification is about, the card of the number calling (INCOMING_CALL), or the card written to (CHAT_MESSAGE).',
      resolve: (m) => (m.card ? encodeGlobalId(TYPENAME[m.card.kind], m.card.id) : null),
    }),
    task: t.prismaField({
      type: 'Task',
      nullable: true,
      resolve: (query, m, _a, ctx) => (m.taskId ? ctx.db.task.findFirst({ ...query, where: { id: m.taskId, ...tasks.visibleTasks(authed(ctx)) } }) : null),
    }),
  }),
});

builder.subscriptionField('notifications', (t) =>
  t.field({
    type: Notification,
    authScopes: { member: true },
    description: "The signed-in user's notifications.",
    subscribe: (_r, _a, ctx) => {
      const { userId, workspaceId } = authed(ctx).viewer;
      startLive(ctx);
      const fresh = onceEach((m: NotificationMessage) => `${m.kind} ${m.taskId} ${m.occurredAt}`);
      return pipe(
        ctx.deps.pubsub.subscribe('notification', userId),
        // liveViewer ends the subscription of a user deactivated since it started.
        filter(async (m: NotificationMessage) => m.workspaceId === workspaceId && m.userId === userId && fresh(m) && !!(await liveViewer(ctx))),
      );
    },
    resolve: (m) => m,
  }),
);
