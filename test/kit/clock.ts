// Moves stored times back instead of sleeping until the clock has moved on: a test that needs
// one write to be later than another makes the earlier one earlier.
import type { TestApp } from './app.js';
import { rawId } from './results.js';

type CardTable = 'Contact' | 'Company' | 'Deal';

const COLUMNS: Record<CardTable, string[]> = {
  Contact: ['createdAt', 'updatedAt', 'lastActivityAt'],
  Company: ['createdAt', 'updatedAt', 'lastActivityAt'],
  Deal: ['createdAt', 'updatedAt', 'lastActivityAt', 'stageEnteredAt', 'closedAt'],
};

/**
 * Moves a card (by its API id) `ms` milliseconds back in time: when it was created, last
 * changed and last active (a deal also when it entered its stage and closed) become that much
 * earlier, as if it had been written then. Answers those times as the API shows them.
 */
export async function backdate(app: TestApp, table: CardTable, id: string, ms: number): Promise<Record<string, string | null>> {
  const cols = COLUMNS[table];
  const set = cols.map((c) => `"${c}" = "${c}" - $1 * interval '1 millisecond'`).join(', ');
  const rows = await app.database.prisma.$queryRawUnsafe<Record<string, Date | null>[]>(
    `update "${table}" set ${set} where "id" = $2::uuid returning ${cols.map((c) => `"${c}"`).join(', ')}`,
    ms,
    rawId(id),
  );
  if (rows.length !== 1) throw new Error(`backdate: no ${table} ${id}`);
  return Object.fromEntries(cols.map((c) => [c, rows[0][c]?.toISOString() ?? null]));
}

/**
 * Spreads cards' creation one second apart, in the order given, ending a minute ago: for lists
 * sorted or filtered by time, without sleeping between the creations. Answers their times by id.
 */
export async function spreadCreation(app: TestApp, table: CardTable, ids: string[]) {
  const out: Record<string, Record<string, string | null>> = {};
  for (const [i, id] of ids.entries()) out[id] = await backdate(app, table, id, 60_000 + (ids.length - i) * 1000);
  return out;
}

const PARKED = `"doneAt" is null and "lockedUntil" is null and "runAt" > now()`;

/**
 * An automation's runs parked by a delay action: given back by their worker (no lease) with a
 * time in the future. A delay parks its run in a statement after the actions before it committed,
 * so a test that saw those actions' effects waits for this before moving the time.
 */
export async function parkedAutomationJobs(app: TestApp, automationId: string) {
  const [row] = await app.database.prisma.$queryRawUnsafe<{ n: number }[]>(
    `select count(*)::int as n from "AutomationJob" where "automationId" = $1::uuid and ${PARKED}`,
    rawId(automationId),
  );
  return row.n;
}

/** Moves an automation's parked runs (a delay action, parkedAutomationJobs) `ms` earlier: they fall due as if that time had passed. */
export async function advanceAutomationJobs(app: TestApp, automationId: string, ms: number) {
  return app.database.prisma.$executeRawUnsafe(
    `update "AutomationJob" set "runAt" = "runAt" - $1 * interval '1 millisecond' where "automationId" = $2::uuid and ${PARKED}`,
    ms,
    rawId(automationId),
  );
}

/** Moves a task's due time `ms` back (an overdue task without waiting for it). */
export async function backdateTaskDue(app: TestApp, taskId: string, ms: number) {
  const n = await app.database.prisma.$executeRawUnsafe(
    `update "Task" set "dueAt" = "dueAt" - $1 * interval '1 millisecond' where "id" = $2::uuid`,
    ms,
    rawId(taskId),
  );
  if (n !== 1) throw new Error(`backdateTaskDue: no task ${taskId}`);
}
