// The vitest fixtures of the API tests.
//
//   test('…', async ({ workspace: ws, signUp, app }) => {
//     const d = await ws.gql(CreateDeal, { input: { name: 'Order' } });   // as the admin
//     const member = await ws.member('Seller', { rights });                // another user
//     const other = await signUp();                                        // another workspace
//   });
//
// `server` is built once per worker (the API test files share their worker's process: see
// vitest.config.ts) on the run's database; `app` is that server seen from a client address of
// the file's own; `workspace` is signed up afresh for each test that asks for it. For data a
// whole describe block only reads, sign up in `test.beforeAll(async ({ signUp }) => …)`.
import { test as base } from 'vitest';
import { createTestApp, type TestApp } from './app.js';
import { signUpWorkspace, type Workspace } from './workspace.js';

export const test = base
  // vitest reads a fixture's dependencies from its first parameter's pattern: none here.
  // eslint-disable-next-line no-empty-pattern
  .extend('server', { scope: 'worker' }, async ({}, { onCleanup }) => {
    const server = await createTestApp();
    let stopped: Promise<void> | undefined;
    const stop = () => (stopped ??= server.stop());
    onCleanup(stop);
    // Vitest ends a worker's process with SIGTERM. Stopped as the server stops on SIGTERM
    // (src/main.ts): on PostgreSQL the workers share the database, and a batch of automation
    // jobs this worker claimed for another worker's test would otherwise wait out its lease.
    process.once('SIGTERM', () => void stop().finally(() => process.exit(0)));
    return server;
  })
  // Listens once per worker, for the files that need a socket (subscriptions, downloads).
  .extend('url', { scope: 'worker' }, async ({ server }) => server.start())
  .extend('app', { scope: 'file' }, async ({ server }) => server.elsewhere())
  .extend(
    'signUp',
    { scope: 'file' },
    async ({ app }) =>
      (opts?: { locale?: 'ru' | 'en'; name?: string }) =>
        signUpWorkspace(app, opts),
  )
  .extend('workspace', async ({ signUp }) => signUp());

export const it = test;
export { describe, expect } from 'vitest';
export type { TestApp, Workspace };

/**
 * A test API whose `app` is a variant of the worker's server with some configuration changed
 * (e.g. TRUST_PROXY), on the same database; signUp and workspace use it.
 */
export function testWith(config: Record<string, string>) {
  return test.extend('app', { scope: 'file' }, async ({ server }, { onCleanup }) => {
    const app: TestApp = await server.variant(config);
    onCleanup(() => app.stop());
    return app;
  });
}

/**
 * A test API whose `app` is an app of its own (with its own in-memory database in a PGlite run)
 * that never listens: for files that count the SQL statements their requests cause, which the
 * worker's app would mix with its outbox dispatcher's.
 */
export function testOnOwnApp(config: Record<string, string> = {}) {
  // eslint-disable-next-line no-empty-pattern -- vitest reads a fixture's dependencies from this pattern
  return test.extend('app', { scope: 'file' }, async ({}, { onCleanup }) => {
    const app = await createTestApp(config);
    onCleanup(() => app.stop());
    return app;
  });
}
