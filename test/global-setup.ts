// Bundles the server as `npm start` runs it, into dist/test-server/ (not dist/server/, which a
// server started with `npm start` may be running from meanwhile), for the tests that start it.
// With TEST_DATABASE_URL (a PostgreSQL server URL), creates a fresh database for this run and
// points the test files at it through CRM_TEST_DB; without it, each test file opens its own
// in-memory PGlite. Test files never reset the database: each test signs up a fresh workspace.
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { buildServer } from '../scripts/build-server.js';
import { TEST_SERVER_DIR } from './kit/server-dir.js';

let dropDb: (() => Promise<void>) | undefined;

export async function setup(project: TestProject) {
  // The server tests run the server as `npm start` does: bundled, from the current source.
  await buildServer(TEST_SERVER_DIR);
  const base = process.env.TEST_DATABASE_URL;
  if (!base) return;
  const name = `crm_test_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  project.provide('testDatabaseUrl', url.toString());
  dropDb = async () => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    await c.query(`drop database if exists "${name}" with (force)`);
    await c.end();
  };
}

export async function teardown() {
  await dropDb?.();
}

declare module 'vitest' {
  export interface ProvidedContext {
    testDatabaseUrl: string;
  }
}
