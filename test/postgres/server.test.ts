// The server on a real PostgreSQL (DATABASE_URL). Runs in the PostgreSQL pass of the suite
// (TEST_DATABASE_URL set); see vitest.config.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { listMigrations } from '../../src/lib/migrate.js';
import { gql, LOGIN, ok, scratchDatabase, SIGN_UP, spawnServer, started, stop, tempDir, type Server } from '../kit/server.js';

const serverUrl = process.env.TEST_DATABASE_URL!;

describe('the server on PostgreSQL (DATABASE_URL)', () => {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  let dbUrl: string;
  let server: Server | undefined;

  beforeAll(async () => {
    scratch = await scratchDatabase(serverUrl, 'crm_srvtest');
    dbUrl = scratch.url;
  }, 30_000);
  afterAll(async () => {
    if (server && server.proc.exitCode === null) await stop(server).catch(() => {});
    await scratch?.drop();
  }, 30_000);

  it('starts on a fresh database, migrates it, does not seed the demo, and serves', async () => {
    server = spawnServer({ PORT: '0', DATA_DIR: tempDir(), DATABASE_URL: dbUrl });
    const banner = await started(server);
    expect(banner.database).toBe('PostgreSQL');
    expect(banner.demo).toBeNull();

    const c = new pg.Client({ connectionString: dbUrl });
    await c.connect();
    try {
      const migrations = (await c.query(`select migration_name, finished_at from "_prisma_migrations" order by migration_name`)).rows;
      expect(migrations.map((m) => m.migration_name)).toEqual(listMigrations().map((m) => m.name));
      expect(migrations.every((m) => m.finished_at !== null)).toBe(true);
      expect((await c.query(`select count(*)::int as n from "Workspace"`)).rows[0].n).toBe(0);
    } finally {
      await c.end();
    }

    const demo = await gql(banner.url, LOGIN, { input: { email: 'admin@demo.crm', password: 'demo12345' } });
    expect(demo.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const signUp = await ok(banner.url, SIGN_UP, {
      input: { workspaceName: 'On PostgreSQL', name: 'Admin', email: `pg.${Date.now()}@example.com`, password: 'correct horse battery' },
    });
    expect(signUp.signUp.__typename).toBe('SignUpSuccess');
    const origin = new URL(banner.url).origin;
    expect((await fetch(`${origin}/ready`)).status).toBe(200);

    expect(await stop(server)).toEqual({ code: 0, signal: null });
  }, 60_000);
});
