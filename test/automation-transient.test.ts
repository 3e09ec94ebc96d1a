// A database that fails for the moment (a deadlock, a serialization failure: real errors of the
// database, raised once by triggers this file puts on the job and run tables) in the middle of an
// automation's run: the worker gives the jobs back at once instead of leaving them to their lease
// (30 s in the suite), so the run ends within seconds, each action done once, and nothing counts
// as a failure. Before, the deadlock left the job to its lease and the serialization failure
// logged the run as FAILED.
import { describe, expect, it, test } from './kit/fixtures.js';
import { subscribe } from './kit/subscribe.js';
import { createDeal, readDeal } from './kit/cards.js';
import { AutomationNotifications, Automations } from './kit/documents/automations.js';
import { rawId } from './kit/results.js';
import { automate, waitRuns } from './kit/automations.js';

let url: string;
test.beforeAll(({ url: serverUrl }) => {
  url = serverUrl;
});

describe('transient database failures', () => {
  it('a deadlock while saving an action and a serialization failure while logging the run: retried at once, each action once, the run succeeds', async ({
    workspace: ws,
    app,
  }) => {
    const db = app.deps.db;
    const notes = subscribe(url, ws.token, AutomationNotifications, {}, (d) => d.notifications);
    await notes.ready;
    const a = await automate(ws, {
      name: 'Flaky database',
      trigger: { type: 'CARD_CREATED', cardKind: 'DEAL' },
      actions: [{ addTag: { tag: 'seen' } }, { notify: { text: 'Saw [name]' } }],
    });
    const id = rawId(a.id);
    const n = id.replace(/-/g, '');
    // Each raises its error the first time only (a sequence is not undone with the transaction).
    await db.$executeRawUnsafe(`create sequence "t_job_${n}"`);
    await db.$executeRawUnsafe(`create sequence "t_run_${n}"`);
    await db.$executeRawUnsafe(`create function "t_job_${n}"() returns trigger language plpgsql as $$
      begin if nextval('"t_job_${n}"') = 1 then raise exception 'deadlock injected' using errcode = '40P01'; end if; return new; end $$`);
    await db.$executeRawUnsafe(`create function "t_run_${n}"() returns trigger language plpgsql as $$
      begin if nextval('"t_run_${n}"') = 1 then raise exception 'serialization failure injected' using errcode = '40001'; end if; return new; end $$`);
    // The first action's saved result (in the tag's transaction), then the run's record (in the notification's).
    await db.$executeRawUnsafe(`create trigger "t_job_${n}" before update on "AutomationJob" for each row
      when (new."automationId" = '${id}'::uuid and new."progress" is distinct from old."progress" and new."doneAt" is null) execute function "t_job_${n}"()`);
    await db.$executeRawUnsafe(`create trigger "t_run_${n}" before insert on "AutomationRun" for each row
      when (new."automationId" = '${id}'::uuid) execute function "t_run_${n}"()`);
    try {
      const t0 = Date.now();
      const deal = await createDeal(ws, { name: 'Shaky' });
      // Well within the suite's 30 s lease: the jobs were given back, not left to it.
      const [run] = await waitRuns(ws, a.id, 1, 15_000);
      expect(Date.now() - t0).toBeLessThan(15_000);
      expect(run).toMatchObject({ status: 'SUCCEEDED', cardId: deal.id });
      expect(run.actions.map((x) => [x.type, x.ok])).toEqual([
        ['ADD_TAG', true],
        ['NOTIFY', true],
      ]);
      // Both failures happened (each trigger fired more than once: it raised, then let the retry through).
      for (const s of ['job', 'run']) {
        const [{ v }] = await db.$queryRawUnsafe<{ v: bigint }[]>(`select last_value as v from "t_${s}_${n}"`);
        expect(Number(v)).toBeGreaterThanOrEqual(2);
      }
      expect((await readDeal(ws, deal.id)).tags.map((t) => t.name)).toEqual(['seen']);
      const told = await notes.waitFor((e) => e.filter((x) => x.kind === 'AUTOMATION').length >= 1, 10_000);
      expect(told.filter((x) => x.kind === 'AUTOMATION').map((x) => x.text)).toEqual(['Saw Shaky']);
      const listed = (await ws.gql(Automations, {})).automations.find((x) => x.id === a.id);
      expect(listed).toMatchObject({ runs: 1, failures: 0, failureStreak: 0, lastError: null });
    } finally {
      await notes.close();
      await db.$executeRawUnsafe(`drop trigger "t_job_${n}" on "AutomationJob"`);
      await db.$executeRawUnsafe(`drop trigger "t_run_${n}" on "AutomationRun"`);
      await db.$executeRawUnsafe(`drop function "t_job_${n}"()`);
      await db.$executeRawUnsafe(`drop function "t_run_${n}"()`);
      await db.$executeRawUnsafe(`drop sequence "t_job_${n}"`);
      await db.$executeRawUnsafe(`drop sequence "t_run_${n}"`);
    }
  });
});
