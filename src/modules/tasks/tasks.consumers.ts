// Task reminders: a job source of the background worker (lib/worker.ts). On each of its passes,
// tasks that fell due become "task due" notifications, claimed once (several instances skip each
// other's rows), marked, and queued in one transaction; the realtime consumer then tells their
// responsible. It runs beside the outbox dispatcher, never in front of it: a change's events do
// not wait for a pass (docs/realtime.md).
import type { AppDeps } from '../../context.js';
import { events } from '../../kernel/events.js';
import { enqueue } from '../../lib/outbox.js';
import { atMostEvery } from '../../lib/worker.js';

const BATCH = 200;
/** How often at most an instance looks for tasks that fell due. */
const REMIND_MS = 1000;

/** Turns up to BATCH tasks that fell due into notifications; answers how many. */
export async function dueReminders({ db, outbox }: AppDeps): Promise<number> {
  const n = await db.$transaction(async (tx) => {
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
    return due.length;
  });
  // The notifications are committed: the dispatcher sends them now rather than on its next poll.
  if (n) outbox.kick();
  return n;
}

// The worker passes on every kick too (each change that queued jobs): the reminders look at most
// once a second, as they did on the outbox's poll.
events.jobSource('tasks: due reminders', atMostEvery(REMIND_MS, dueReminders));
