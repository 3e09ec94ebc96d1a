// `npm run screenshots`: the dashboard on the demo workspace, as docs/images/dashboard.png. Starts
// the app on a fresh embedded database (seeded with the demo), signs in as the demo admin in
// Debian's Chromium (playwright-core), opens a deal's timeline and takes the picture.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { buildDashboard } from './build-dashboard.js';
import { ROOT } from '../src/lib/root.js';

const dataDir = mkdtempSync(join(tmpdir(), 'crm-screenshots-'));
const out = resolve(ROOT, 'docs/images/dashboard.png');
await buildDashboard();
const app = await buildApp(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, SEED_DEMO: 'true', LOG_LEVEL: 'warn' }));
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
try {
  const origin = new URL(await app.start()).origin;
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, locale: 'ru-RU', deviceScaleFactor: 1 });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${origin}/dashboard`);
  await page.fill('input[name=email]', app.demoLogin!.email);
  await page.fill('input[name=password]', app.demoLogin!.password);
  await page.click('button[type=submit]');
  await page.locator('.report table').first().waitFor();
  await page.locator('.card').nth(1).click();
  await page.locator('.timeline li').first().waitFor();
  mkdirSync(resolve(out, '..'), { recursive: true });
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await app.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
