// The live dashboard at /dashboard, in Debian's Chromium driven by playwright-core, against the
// worker's listening server: two people in two browser contexts (one English, one Russian) sign
// in and watch one board; a move by one shows in the other's board and open timeline within a
// second; what the other's role hides (the amount, a custom field) never reaches their page; a
// move a stage refuses asks for exactly the missing fields and goes through once they are
// filled; a move from a stale card meets a ConflictError, reloads the card and says so.
import { afterAll } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { describe, expect, it, test, type Workspace } from './kit/fixtures.js';
import type { Member } from './kit/workspace.js';
import { listening } from './kit/subscribe.js';
import { as, rawId } from './kit/results.js';
import { createDeal, defineField, readDeal, updateDeal } from './kit/cards.js';
import { SetFieldAccess } from './kit/documents/users.js';
import { buildDashboard } from '../scripts/build-dashboard.js';
import { PASSWORD } from './kit/workspace.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let browser: Browser;
let url: string;
let origin: string;

test.beforeAll(async ({ url: serverUrl }) => {
  url = serverUrl;
  origin = new URL(url).origin;
  // The page tested is the current source, bundled as `npm run build:dashboard` does.
  await buildDashboard();
  browser = await chromium.launch({ executablePath: CHROMIUM });
}, 120_000);
afterAll(() => browser?.close());

const ALL = (['CONTACT', 'COMPANY', 'DEAL', 'TASK'] as const).flatMap((entityType) =>
  (['VIEW', 'CREATE', 'EDIT', 'DELETE', 'EXPORT'] as const).map((action) => ({ entityType, action, scope: 'ALL' as const })),
);

const card = (dealId: string) => `.board [data-deal-id="${dealId}"]`;
const inColumn = (stageId: string, dealId: string) => `[data-stage-id="${stageId}"] [data-deal-id="${dealId}"]`;
const column = (stageId: string) => `.board [data-stage-id="${stageId}"]`;

/** A page of its own browser context (its own storage, so its own session), signed in. */
async function signedIn(email: string, locale: 'en-US' | 'ru-RU', prepare?: (page: Page) => Promise<void>) {
  const context = await browser.newContext({ locale, viewport: { width: 1600, height: 1000 } });
  const page = await context.newPage();
  await prepare?.(page);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${origin}/dashboard`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('form.login button[type=submit]');
  await page.locator('.board').waitFor();
  return { page, errors, close: () => context.close() };
}

/** Everything the page holds: its markup, with every attribute, and the text it shows. */
// The page's markup and text, less what holds digits by chance: lit's markers (comments with a
// random number) and the global ids (base64) in attributes.
const pageContent = (page: Page) =>
  page
    .evaluate(() => document.documentElement.outerHTML + document.body.innerText)
    .then((html) => html.replace(/<!--[\s\S]*?-->/g, '').replace(/"[A-Za-z0-9+/]{16,}={0,2}"/g, '""'));

describe('the dashboard page', () => {
  it('is served at /dashboard with its bundle, under a policy that loads nothing from elsewhere', async () => {
    const page = await fetch(`${origin}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('/dashboard/app.js');
    const js = await fetch(`${origin}/dashboard/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${origin}/dashboard/../package.json`)).status).toBe(404);
    expect((await fetch(`${origin}/dashboard/secrets.txt`)).status).toBe(404);
  });
});

// A loaded 2-core machine takes seconds to open a browser context and sign in.
describe('the live board, two people', { timeout: 90_000 }, () => {
  let ws: Workspace;
  let manager: Member;
  let margin: { id: string };
  let contractNo: { id: string };
  let kind: { id: string; options: { id: string; label: string }[] };
  let alpha: { id: string };
  let beta: { id: string };
  let gamma: { id: string; version: number };

  test.beforeAll(async ({ signUp }) => {
    ws = await signUp();
    margin = await defineField(ws, { entityType: 'DEAL', type: 'NUMBER', name: 'Margin' });
    contractNo = await defineField(ws, { entityType: 'DEAL', type: 'TEXT', name: 'Contract no.', requiredStageIds: [ws.open[2].id] });
    kind = await defineField(ws, {
      entityType: 'DEAL',
      type: 'SELECT',
      name: 'Client kind',
      options: ['Company', 'Person'],
      requiredStageIds: [ws.open[2].id],
    });
    // The manager's role hides the amount and the margin.
    manager = await ws.member('Maria Manager', { rights: ALL });
    for (const field of [{ systemField: 'AMOUNT' as const }, { customFieldId: margin.id }]) {
      as(
        (await ws.gql(SetFieldAccess, { input: { roleId: manager.roleId!, entityType: 'DEAL', access: 'HIDDEN', ...field } })).setFieldAccess,
        'SetFieldAccessSuccess',
      );
    }
    const a = await createDeal(ws, { name: 'Alpha supply', amount: '987654.32', customFields: [{ fieldId: margin.id, value: { number: '4242' } }] });
    // A change of the margin: an entry in the timeline that only the admin may read.
    alpha = await updateDeal(ws, { id: a.id, version: a.version, customFields: [{ fieldId: margin.id, value: { number: '5151' } }] });
    beta = await createDeal(ws, { name: 'Beta install', amount: '1200' });
    gamma = await createDeal(ws, { name: 'Gamma audit', amount: '3300' });
  });

  it("shows one person's move in the other's board and open timeline within a second; the amount and margin the manager may not see never reach their page", async () => {
    const admin = await signedIn(ws.email, 'en-US');
    const mgr = await signedIn(manager.email, 'ru-RU');
    try {
      // The admin's board: English, the amount on the card and in the column's sum.
      await admin.page.locator(inColumn(ws.open[0].id, alpha.id)).waitFor();
      await expect.poll(() => admin.page.locator(card(alpha.id)).innerText()).toContain('987,654');
      await expect.poll(() => admin.page.locator(`${column(ws.open[0].id)} h2`).innerText()).toMatch(/3 deals[\s\S]*992,154/);
      expect(await admin.page.locator('button', { hasText: 'Sign out' }).count()).toBe(1);
      // The manager's: Russian, the card without amount, the column without sum.
      await mgr.page.locator(inColumn(ws.open[0].id, alpha.id)).waitFor();
      await expect.poll(() => mgr.page.locator(`${column(ws.open[0].id)} h2`).innerText()).toContain('3 сделки');
      expect(await mgr.page.locator('button', { hasText: 'Выйти' }).count()).toBe(1);

      // Both open Alpha's timeline: the admin reads the margin's change, the manager does not.
      await admin.page.click(card(alpha.id));
      await mgr.page.click(card(alpha.id));
      await admin.page.locator('.timeline .entry[data-kind=FIELD_CHANGED]', { hasText: '5151' }).waitFor();
      await mgr.page.locator('.timeline .entry[data-kind=CARD_CREATED]').waitFor();
      expect(await mgr.page.locator('.timeline .entry[data-kind=FIELD_CHANGED]').count()).toBe(0);

      // Both boards and the manager's timeline listen; the admin drags Alpha to the next stage.
      await listening(url, `dealChanged:${rawId(ws.pipeline.id)}`, 2);
      await listening(url, `timelineUpdated:${rawId(alpha.id)}`, 2);
      await admin.page.locator(card(alpha.id)).dragTo(admin.page.locator(column(ws.open[1].id)));
      await mgr.page.locator(inColumn(ws.open[1].id, alpha.id)).waitFor({ timeout: 1000 });
      await mgr.page.locator('.timeline .entry[data-kind=STAGE_CHANGED]', { hasText: ws.open[1].name }).waitFor({ timeout: 1000 });
      await admin.page.locator(inColumn(ws.open[1].id, alpha.id)).waitFor({ timeout: 1000 });
      expect((await readDeal(ws, alpha.id)).stage.id).toBe(ws.open[1].id);
      // The figures follow: one deal fewer in the first column, one more in the second.
      await expect.poll(() => mgr.page.locator(`${column(ws.open[1].id)} h2`).innerText()).toContain('1 сделка');

      // Nothing hidden reached the manager's page, in any form: not the amount, sum, margin, or its name.
      const seen = await pageContent(mgr.page);
      for (const secret of ['987', '654', '992', '4242', '5151', 'Margin']) expect(seen, secret).not.toContain(secret);
      const adminSeen = await pageContent(admin.page);
      for (const shown of ['987', '5151', 'Margin']) expect(adminSeen, shown).toContain(shown);
      expect([...admin.errors, ...mgr.errors]).toEqual([]);
    } finally {
      await admin.close();
      await mgr.close();
    }
  });

  it('a move the stage refuses asks for exactly the missing fields, with inputs of their types, and goes through once they are filled', async () => {
    const admin = await signedIn(ws.email, 'en-US');
    try {
      await admin.page.locator(card(beta.id)).dragTo(admin.page.locator(column(ws.open[2].id)));
      const form = admin.page.locator(`form.requirements[data-deal-id="${beta.id}"]`);
      await form.waitFor();
      expect(await form.locator('label.field').allInnerTexts()).toEqual([expect.stringContaining('Contract no.'), expect.stringContaining('Client kind')]);
      expect(
        await form.locator('[data-field-type]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-field-type'), e.tagName, e.getAttribute('type')])),
      ).toEqual([
        ['TEXT', 'INPUT', 'text'],
        ['SELECT', 'SELECT', null],
      ]);
      expect(await form.locator('select option').allInnerTexts()).toEqual(['Choose…', 'Company', 'Person']);
      // Nothing moved yet.
      expect((await readDeal(ws, beta.id)).stage.id).toBe(ws.open[0].id);

      await form.locator(`[name="${contractNo.id}"]`).fill('C-42');
      await form.locator(`[name="${kind.id}"]`).selectOption({ label: 'Company' });
      await form.locator('button[type=submit]').click();
      await admin.page.locator(inColumn(ws.open[2].id, beta.id)).waitFor();
      await form.waitFor({ state: 'detached' });
      const moved = await readDeal(ws, beta.id);
      expect(moved.stage.id).toBe(ws.open[2].id);
      expect(moved.customFields).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ field: expect.objectContaining({ id: contractNo.id }), text: 'C-42' }),
          expect.objectContaining({ field: expect.objectContaining({ id: kind.id }), option: { id: kind.options[0].id, label: 'Company' } }),
        ]),
      );
      expect(admin.errors).toEqual([]);
    } finally {
      await admin.close();
    }
  });

  it('a move from a card changed meanwhile meets a ConflictError: the card is reloaded and the page says so', async () => {
    // The live feed to this page can be held back, as on a flaky network: the page keeps a stale card.
    let holding = false;
    const admin = await signedIn(ws.email, 'en-US', (page) =>
      page.routeWebSocket(/\/graphql$/, (socket) => {
        const server = socket.connectToServer();
        socket.onMessage((m) => server.send(m));
        server.onMessage((m) => {
          if (holding && typeof m === 'string' && (JSON.parse(m) as { type: string }).type === 'next') return;
          socket.send(m);
        });
      }),
    );
    try {
      await admin.page.locator(inColumn(ws.open[0].id, gamma.id)).waitFor();
      holding = true;
      await updateDeal(ws, { id: gamma.id, version: gamma.version, name: 'Gamma audit, extended' });

      await admin.page.locator(card(gamma.id)).dragTo(admin.page.locator(column(ws.open[1].id)));
      await admin.page.locator('[data-testid=notice]', { hasText: 'changed by someone else' }).waitFor();
      await admin.page.locator(inColumn(ws.open[0].id, gamma.id), { hasText: 'Gamma audit, extended' }).waitFor();
      expect((await readDeal(ws, gamma.id)).stage.id).toBe(ws.open[0].id);
      // The reloaded card moves.
      await admin.page.locator(card(gamma.id)).dragTo(admin.page.locator(column(ws.open[1].id)));
      await admin.page.locator(inColumn(ws.open[1].id, gamma.id)).waitFor();
      expect((await readDeal(ws, gamma.id)).stage.id).toBe(ws.open[1].id);
      expect(admin.errors).toEqual([]);
    } finally {
      await admin.close();
    }
  });
});
