// A card's automation jobs run in event order across instances: while one worker holds a card's
// job (its run waits on a slow SMTP server), no other worker claims that card's later job; the
// later job runs once the earlier one has ended. Before, the claim took due jobs by id alone,
// so a second instance ran the card's second job beside (or before) its first. A claim takes a
// card's jobs past its limit with it, so the order check does not leave them to another batch.
// On an app of its own (its own database, its own held SMTP server) with a second instance.
import { createTestApp, type TestApp } from './kit/app.js';
import { startSmtp } from './kit/smtp.js';
import { expect, test as base } from './kit/fixtures.js';
import { createDeal, readDeal, updateDeal } from './kit/cards.js';
import { automate, runs, waitRuns } from './kit/automations.js';
import { runDueJobs } from '../src/modules/automations/automations.runner.js';

const smtp = await startSmtp(0, { hold: true });
// One job a claim: a card's second job is past every claim's limit.
const config = { SMTP_URL: smtp.url, AUTOMATION_BATCH: '1' };
let second: TestApp;

// eslint-disable-next-line no-empty-pattern -- vitest reads a fixture's dependencies from this pattern
const test = base.extend('app', { scope: 'file' }, async ({}, { onCleanup }) => {
  const app = await createTestApp(config, { own: true });
  await app.start();
  second = await app.variant(config);
  onCleanup(async () => {
    smtp.release();
    await app.stop();
    await smtp.close();
  });
  return app;
});

// The app of its own migrates a fresh in-memory database first: slow on a loaded machine.
test(
  'failing before: a second instance claims no later job of a card whose earlier job another worker holds',
  { timeout: 120_000 },
  async ({ workspace: ws, app }) => {
    const first = await automate(ws, {
      name: 'Welcome mail',
      trigger: { type: 'CARD_CREATED', cardKind: 'DEAL' },
      actions: [{ sendEmail: { to: 'welcome@example.com', subject: 'Hello [name]', text: 'x' } }, { addTag: { tag: 'welcomed' } }],
    });
    const then = await automate(ws, {
      name: 'Renamed',
      trigger: { type: 'FIELD_CHANGED', cardKind: 'DEAL', field: 'name' },
      actions: [{ addTag: { tag: 'renamed' } }],
    });
    const deal = await createDeal(ws, { name: 'Ordered' });
    // The first job's e-mail arrived; the server holds its answer, so the first instance's worker waits on it.
    await expect.poll(() => smtp.mails.length, { timeout: 20_000, interval: 20 }).toBe(1);
    await updateDeal(ws, { id: deal.id, version: deal.version, name: 'Ordered, renamed' });
    // The second instance looks for due jobs: the card's second job is due, but its first is held.
    await runDueJobs(second.deps);
    const [job] = await app.deps.db.$queryRaw<{ attempts: number }[]>`
    select j."attempts" from "AutomationJob" j join "Automation" a on a."id" = j."automationId" where a."name" = 'Renamed'`;
    expect(job).toEqual({ attempts: 0 });
    expect(await runs(ws, then.id)).toEqual([]);
    expect((await readDeal(ws, deal.id)).tags).toEqual([]);
    smtp.release();
    const [welcome] = await waitRuns(ws, first.id, 1);
    const [renamed] = await waitRuns(ws, then.id, 1);
    expect([welcome.status, renamed.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(new Date(renamed.startedAt).getTime()).toBeGreaterThanOrEqual(new Date(welcome.finishedAt!).getTime());
    expect((await readDeal(ws, deal.id)).tags.map((x) => x.name).sort()).toEqual(['renamed', 'welcomed']);
  },
);

test(
  "a claim takes the card's jobs past its limit along: the second starts beside the first's closing notification",
  { timeout: 60_000 },
  async ({ workspace: ws }) => {
    const first = await automate(ws, {
      name: 'First',
      trigger: { type: 'CARD_CREATED', cardKind: 'DEAL' },
      actions: [{ addTag: { tag: 'first' } }, { notify: { text: 'New deal [name]' } }],
    });
    const second = await automate(ws, { name: 'Second', trigger: { type: 'CARD_CREATED', cardKind: 'DEAL' }, actions: [{ addTag: { tag: 'second' } }] });
    const deal = await createDeal(ws, { name: 'Both' });
    const [a] = await waitRuns(ws, first.id, 1);
    const [b] = await waitRuns(ws, second.id, 1);
    expect([a.status, b.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    // In one batch, the second job starts in the round of the first's notification (left to the
    // next claim, it would start only after the first had ended).
    expect(new Date(b.startedAt).getTime()).toBeLessThanOrEqual(new Date(a.finishedAt!).getTime());
    expect((await readDeal(ws, deal.id)).tags.map((x) => x.name).sort()).toEqual(['first', 'second']);
  },
);
