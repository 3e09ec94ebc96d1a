// A worker keeps the automation jobs it runs: their lease (AUTOMATION_LEASE_SECONDS, 1 s here) is
// renewed while the batch runs, so a run held up longer than the lease (an e-mail the SMTP server
// takes its time to answer) is not taken over by another instance, and nothing is done twice.
// On an app of its own (its own database) with a second instance's worker beside it.
import { createTestApp, type TestApp } from './kit/app.js';
import { startSmtp } from './kit/smtp.js';
import { expect, test as base } from './kit/fixtures.js';
import { createDeal, readDeal } from './kit/cards.js';
import { automate, waitRuns } from './kit/automations.js';

const smtp = await startSmtp(0, { hold: true });
const config = { AUTOMATION_LEASE_SECONDS: '1', SMTP_URL: smtp.url };

// eslint-disable-next-line no-empty-pattern -- vitest reads a fixture's dependencies from this pattern
const test = base.extend('app', { scope: 'file' }, async ({}, { onCleanup }) => {
  const app = await createTestApp(config, { own: true });
  await app.start();
  // A second instance on the same database, running a worker of its own.
  const second: TestApp = await app.variant(config);
  second.deps.worker.start();
  onCleanup(async () => {
    smtp.release();
    await second.deps.worker.stop();
    await app.stop();
    await smtp.close();
  });
  return app;
});

// The app of its own migrates a fresh in-memory database first: slow on a loaded machine.
test('a run held up longer than its lease stays with its worker and sends its e-mail once', { timeout: 120_000 }, async ({ workspace: ws, app }) => {
  const a = await automate(ws, {
    name: 'Slow mail',
    trigger: { type: 'CARD_CREATED', cardKind: 'DEAL' },
    actions: [{ sendEmail: { to: 'slow@example.com', subject: 'Held [name]', text: 'x' } }, { addTag: { tag: 'after' } }],
  });
  const deal = await createDeal(ws, { name: 'Patient' });
  // The e-mail arrived; the server holds its answer, so the run waits on it.
  await expect.poll(() => smtp.mails.length, { timeout: 20_000, interval: 20 }).toBe(1);
  const db = app.deps.db;
  const [{ t }] = await db.$queryRaw<{ t: Date }[]>`select now() as t`;
  // Twice the lease later: the lease taken at the claim has long ended; the second instance polls every 200 ms.
  await expect
    .poll(async () => (await db.$queryRaw<{ past: boolean }[]>`select now() > ${t}::timestamptz + interval '2 seconds' as past`)[0].past, {
      timeout: 20_000,
      interval: 100,
    })
    .toBe(true);
  const [job] = await db.$queryRaw<{ attempts: number; held: boolean }[]>`
    select j."attempts", j."lockedUntil" > now() as held from "AutomationJob" j join "Automation" a on a."id" = j."automationId" where a."name" = 'Slow mail'`;
  expect(job).toEqual({ attempts: 1, held: true });
  expect(smtp.mails.length).toBe(1);
  smtp.release();
  const [run] = await waitRuns(ws, a.id, 1);
  expect(run.status).toBe('SUCCEEDED');
  expect(run.actions.map((x) => [x.type, x.ok])).toEqual([
    ['SEND_EMAIL', true],
    ['ADD_TAG', true],
  ]);
  expect((await readDeal(ws, deal.id)).tags.map((x) => x.name)).toEqual(['after']);
  expect(smtp.mails.map((m) => m.to)).toEqual([['slow@example.com']]);
});
