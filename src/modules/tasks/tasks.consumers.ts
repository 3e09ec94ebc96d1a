// Task reminders: on each outbox poll, tasks that fell due become "task due" notifications,
// claimed once (several instances skip each other's rows), marked, and queued in one
// transaction; the realtime consumer then tells their responsible.
import { events } from '../../kernel/events.js';
import { enqueue } from '../../lib/outbox.js';

const BATCH = 200;

events.everyPoll('tasks: due reminders', async ({ db }) => {
  await db.$transaction(async (tx) => {
    const due = await tx.$queryRaw<{ id: string; workspaceId: string; responsibleId: string }[]>`
      update "Task" set "dueNotifiedAt" = now()
      where "id" in (select "id" from "Task" where "completedAt" is null and "dueNotifiedAt" is null and "dueAt" <= now()
                     order by "dueAt" limit ${BATCH} for update skip locked)
      returning "id"::text, "workspaceId"::text, "responsibleId"::text`;
    const occurredAt = new Date().toISOString();
    await enqueue(
      tx,
      due.map((t) => ({
        topic: 'notification',
        workspaceId: t.workspaceId,
        payload: { workspaceId: t.workspaceId, userId: t.responsibleId, kind: 'TASK_DUE', taskId: t.id, occurredAt },
      })),
    );
  });
});
