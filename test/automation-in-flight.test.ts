// A worker runs a second batch of automation jobs while one is under way: a change that arrives
// while a batch waits on something slow (here an e-mail the SMTP server has not answered yet) has
// its runs done at once instead of after that batch. A card the running batch holds keeps its
// order: its later job waits for the earlier one to end. On an app of its own (its own database).
import { createTestApp } from './kit/app.js';
import { startSmtp } from './kit/smtp.js';
import { expect, test as base } from './kit/fixtures.js';
import { createDeal, readDeal, updateDeal } from './kit/cards.js';
import { automate, runs, waitRuns } from './kit/automations.js';

const smtp = await startSmtp(0, { hold: true });

// eslint-disable-next-line no-empty-pattern -- vitest reads a fixture's dependencies from this pattern
const test = base.extend('app', { scope: 'file' }, async ({}, { onCleanup }) => {
  const app = await createTestApp({ SMTP_URL: smtp.url }, { own: true });
  await app.start();
  onCleanup(async () => {
    smtp.release();
    await app.stop();
    await smtp.close();
  });
  return app;
});

// The app of its own migrates a fresh in-memory database first: slow on a loaded machine.
test('a change is run while an earlier batch waits on an e-mail; the held card waits its turn', { timeout: 120_000 }, async ({ workspace: ws }) => {
  const mail = await automate(ws, {
    name: 'Mail on amount',
    trigger: { type: 'FIELD_CHANGED', cardKind: 'DEAL', field: 'amount' },
    actions: [{ sendEmail: { to: 'slow@example.com', subject: 'Amount of [name]', text: 'x' } }],
  });
  const tag = await automate(ws, {
    name: 'Tag on rename',
    trigger: { type: 'FIELD_CHANGED', cardKind: 'DEAL', field: 'name' },
    actions: [{ addTag: { tag: 'renamed' } }],
  });
  const a = await createDeal(ws, { name: 'Held' });
  const b = await createDeal(ws, { name: 'Free' });
  const a2 = await updateDeal(ws, { id: a.id, version: a.version, amount: '5' });
  // The e-mail arrived; the server holds its answer, so that batch waits on it.
  await expect.poll(() => smtp.mails.length, { timeout: 20_000, interval: 20 }).toBe(1);
  // A change on another card, and a later change on the held one.
  await updateDeal(ws, { id: b.id, version: b.version, name: 'Free, renamed' });
  await updateDeal(ws, { id: a.id, version: a2.version, name: 'Held, renamed' });
  // The other card's run is done while the e-mail is still unanswered…
  const [free] = await waitRuns(ws, tag.id, 1);
  expect(free).toMatchObject({ status: 'SUCCEEDED' });
  expect((await readDeal(ws, b.id)).tags.map((x) => x.name)).toEqual(['renamed']);
  expect(await runs(ws, mail.id)).toEqual([]);
  // …and the held card's later job is not: it waits for the e-mail's run.
  expect((await readDeal(ws, a.id)).tags).toEqual([]);
  smtp.release();
  const [sent] = await waitRuns(ws, mail.id, 1);
  const tagged = await waitRuns(ws, tag.id, 2);
  expect(sent.status).toBe('SUCCEEDED');
  expect(tagged.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
  const held = tagged.find((r) => r.cardId === a.id);
  expect(held).toBeDefined();
  // The held card's runs in event order: the tag's run started once the e-mail's had ended.
  expect(new Date(held!.startedAt).getTime()).toBeGreaterThanOrEqual(new Date(sent.finishedAt).getTime());
  expect((await readDeal(ws, a.id)).tags.map((x) => x.name)).toEqual(['renamed']);
  expect(smtp.mails.length).toBe(1);
});
