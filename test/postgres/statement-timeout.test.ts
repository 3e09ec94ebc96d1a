// The settings every PostgreSQL session of the app starts with. STATEMENT_TIMEOUT_MS: a statement
// running past it is cancelled by the server and the request answered with STATEMENT_TIMEOUT,
// nothing written. JIT compilation off (src/db.ts). A row lock held by another
// connection makes the statement wait, deterministically. Runs in the PostgreSQL pass only:
// PGlite cannot cancel a statement (docs/hardening.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestApp, testDatabaseUrl, type TestApp } from '../kit/app.js';
import { signUpWorkspace } from '../kit/workspace.js';
import { createDeal } from '../kit/cards.js';
import { rawId } from '../kit/results.js';
import { Deals, UpdateDeal } from '../kit/documents/deals.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ STATEMENT_TIMEOUT_MS: '300' });
});
afterAll(() => app.stop());

describe('JIT compilation', () => {
  it('is off in every session of the pool, where a misjudged scan once spent 50 ms compiling', async () => {
    // As many sessions at once as the test app's pool holds, each asked inside a transaction of its own.
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        app.deps.db.$transaction(
          async (tx) =>
            (
              await tx.$queryRaw<
                { jit: string; source: string }[]
              >`select setting as jit, source, pg_sleep(0.05)::text as slept from pg_settings where name = 'jit'`
            )[0],
        ),
      ),
    );
    // Off, and set by the app at the session's start, whatever the server's own default.
    expect(answers.map((a) => [a.jit, a.source])).toEqual(Array.from({ length: 5 }, () => ['off', 'client']));
    // The server's own setting is untouched: a session of its own does not get it from a client.
    const other = new pg.Client({ connectionString: testDatabaseUrl() });
    await other.connect();
    try {
      expect((await other.query<{ source: string }>(`select source from pg_settings where name = 'jit'`)).rows[0].source).not.toBe('client');
    } finally {
      await other.end();
    }
  });
});

describe('STATEMENT_TIMEOUT_MS', () => {
  it('stops a statement that runs past it and answers STATEMENT_TIMEOUT in the caller language, changing nothing', async () => {
    const ws = await signUpWorkspace(app);
    const deal = await createDeal(ws, { name: 'Locked' });
    const blocker = new pg.Client({ connectionString: testDatabaseUrl() });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('select 1 from "Deal" where id = $1 for update', [rawId(deal.id)]);
      const started = Date.now();
      const r = await ws.raw(UpdateDeal, { input: { id: deal.id, version: deal.version, name: 'Renamed' } }, { 'accept-language': 'ru' });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(r.errors?.[0].extensions).toMatchObject({ code: 'STATEMENT_TIMEOUT', limitMs: 300 });
      expect(r.errors?.[0].message).toMatch(/дольше 300 мс/);
    } finally {
      await blocker.query('rollback');
      await blocker.end();
    }
    // Nothing was written, and the next request is served as usual.
    const list = await ws.gql(Deals, {});
    expect(list.deals.edges.map((e) => e.node.name)).toEqual(['Locked']);
    const again = await ws.gql(UpdateDeal, { input: { id: deal.id, version: deal.version, name: 'Renamed' } });
    expect(again.updateDeal.__typename).toBe('UpdateDealSuccess');
  });
});
