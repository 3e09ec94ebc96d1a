// Deleting an automation or a webhook while a worker finishes with one of its rows. The workers
// update their row first and write the parent after: the automation runner closes a run's job,
// then logs the run (whose row references the automation: a KEY SHARE lock on it); the webhook
// sender marks a delivery failed, then counts it on the webhook's failure streak. A delete that
// locked the parent first and then, through its cascade, reached the row the worker held
// deadlocked with it: PostgreSQL ended one of the two, and the administrator got "Unexpected
// error" (seen in the PostgreSQL suite, two-instances.test.ts). Runs in the PostgreSQL pass.
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { scratchApp } from '../kit/plans.js';
import { signUpWorkspace } from '../kit/workspace.js';
import { automate, createWebhook } from '../kit/automations.js';
import { rawId } from '../kit/results.js';
import { DeleteAutomation } from '../kit/documents/automations.js';
import { DeleteWebhook } from '../kit/documents/webhooks.js';

const s = scratchApp('crm_delete_beside_worker');

/**
 * Plays a worker on a connection of its own: `row` (committed) makes the child row and answers
 * its id; then, in one transaction, `first` (the worker's write of that row) and, once `remove()`
 * waits on a lock, `then` (its write of the parent). Answers what `remove()` answered.
 */
async function beside<T>(
  row: (c: pg.Client) => Promise<string>,
  first: (c: pg.Client, id: string) => Promise<unknown>,
  remove: () => Promise<T>,
  then: (c: pg.Client, id: string) => Promise<unknown>,
) {
  const worker = new pg.Client({ connectionString: s.url });
  await worker.connect();
  try {
    const child = await row(worker);
    await worker.query('begin');
    await first(worker, child);
    const removed = remove().catch((e: Error) => e);
    const waiting = async () =>
      (await worker.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`))
        .rows[0].n;
    await expect.poll(waiting, { timeout: 10_000, interval: 20 }).toBe(1);
    await then(worker, child);
    await worker.query('commit');
    return await removed;
  } finally {
    await worker.query('rollback').catch(() => {});
    await worker.end();
  }
}

/** How many rows of each table reference `id` by `column`, and whether the parent is still there. */
async function left(parent: string, id: string, children: [table: string, column: string][]) {
  const c = new pg.Client({ connectionString: s.url });
  await c.connect();
  try {
    const counts = [
      `(select count(*)::int from "${parent}" where "id" = $1) as "${parent}"`,
      ...children.map(([t, col]) => `(select count(*)::int from "${t}" where "${col}" = $1) as "${t}"`),
    ];
    return (await c.query<Record<string, number>>(`select ${counts.join(', ')}`, [id])).rows[0];
  } finally {
    await c.end();
  }
}

describe('a delete beside a worker finishing with one of its rows', () => {
  it('an automation: waits for the run to end, then goes with its job and run; neither fails', async () => {
    const ws = await signUpWorkspace(s.app);
    const automation = await automate(ws, {
      name: 'Tell',
      trigger: { type: 'FIELD_CHANGED', cardKind: 'DEAL', field: 'name' },
      actions: [{ notify: { text: 'Renamed' } }],
    });
    const id = rawId(automation.id);
    const answer = await beside(
      // A job of the automation, leased far ahead so that no worker of the app claims it…
      async (c) =>
        (
          await c.query<{ id: string }>(
            `insert into "AutomationJob" ("workspaceId", "automationId", "eventKey", "cardId", "event", "lockedUntil")
             values ($1, $2, 'deal-renamed', gen_random_uuid(), '{}'::jsonb, now() + interval '1 hour') returning "id"::text`,
            [ws.workspaceId, id],
          )
        ).rows[0].id,
      // …closed as FINISH_SQL does…
      (c, job) => c.query(`update "AutomationJob" set "doneAt" = now() where "id" = $1`, [job]),
      () => ws.gql(DeleteAutomation, { id: automation.id }),
      // …then its run logged.
      (c, job) =>
        c.query(
          `insert into "AutomationRun" ("id", "workspaceId", "automationId", "jobId", "topic", "cardKind", "cardId", "status", "depth", "startedAt")
           values (gen_random_uuid(), $1, $2, $3, 'record.updated', 'DEAL', gen_random_uuid(), 'SUCCEEDED', 1, now())`,
          [ws.workspaceId, id, job],
        ),
    );
    expect(answer).toEqual({ deleteAutomation: { __typename: 'DeleteAutomationSuccess', deletedId: automation.id } });
    expect(
      await left('Automation', id, [
        ['AutomationJob', 'automationId'],
        ['AutomationRun', 'automationId'],
      ]),
    ).toEqual({ Automation: 0, AutomationJob: 0, AutomationRun: 0 });
  });

  it('a webhook: waits for the failed delivery to be counted, then goes with its deliveries; neither fails', async () => {
    const ws = await signUpWorkspace(s.app);
    const hook = (await createWebhook(ws, { url: 'http://127.0.0.1:9/hook', eventTypes: ['CARD_UPDATED'] })).webhook;
    const id = rawId(hook.id);
    const answer = await beside(
      // A delivery, leased far ahead so that no sender of the app claims it…
      async (c) =>
        (
          await c.query<{ id: string }>(
            `insert into "WebhookDelivery" ("id", "workspaceId", "webhookId", "eventType", "messageId", "payload", "lockedUntil")
             values (gen_random_uuid(), $1, $2, 'CARD_UPDATED', 'msg_1', '{}'::jsonb, now() + interval '1 hour') returning "id"::text`,
            [ws.workspaceId, id],
          )
        ).rows[0].id,
      // …marked failed as the sender's `fail` does, then counted on the webhook.
      (c, delivery) => c.query(`update "WebhookDelivery" set "status" = 'FAILED', "lockedUntil" = null where "id" = $1`, [delivery]),
      () => ws.gql(DeleteWebhook, { id: hook.id }),
      (c) => c.query(`update "Webhook" set "failureStreak" = "failureStreak" + 1 where "id" = $1`, [id]),
    );
    expect(answer).toEqual({ deleteWebhook: { __typename: 'DeleteWebhookSuccess', deletedId: hook.id } });
    expect(await left('Webhook', id, [['WebhookDelivery', 'webhookId']])).toEqual({ Webhook: 0, WebhookDelivery: 0 });
  });
});
