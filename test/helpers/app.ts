// Builds the app for a test file: on the run's PostgreSQL database when the suite runs with
// TEST_DATABASE_URL, else on an in-memory PGlite. Requests go through yoga.fetch.
import { inject } from 'vitest';
import { print, type ExecutionResult } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { randomUUID } from 'node:crypto';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { openDatabase, type Database, type QueryListener } from '../../src/db.js';
import { createLogger } from '../../src/lib/logger.js';

export function testDatabaseUrl(): string | undefined {
  return inject('testDatabaseUrl') || undefined;
}

export function testConfig(extra: Record<string, string> = {}): Config {
  return loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    SEED_DEMO: 'false',
    DATA_DIR: '/nonexistent',
    ...(testDatabaseUrl() ? { DATABASE_URL: testDatabaseUrl()! } : {}),
    ...(process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL } : {}),
    ...extra,
  });
}

export async function openTestDatabase(onQuery?: QueryListener): Promise<Database> {
  const url = testDatabaseUrl();
  return openDatabase(url ? { kind: 'postgres', url, poolSize: 5 } : { kind: 'pglite' }, onQuery);
}

export type TestApp = App & {
  /** Runs a typed operation; `token` signs it in. */
  gql<R, V>(doc: TypedDocumentNode<R, V>, variables?: V, token?: string, headers?: Record<string, string>): Promise<ExecutionResult<R>>;
  /** Like gql, but fails the test on GraphQL errors and returns `data`. */
  ok<R, V>(doc: TypedDocumentNode<R, V>, variables?: V, token?: string): Promise<R>;
  /** SQL statements seen since the last reset (see countQueries). */
  queries: string[];
};

/**
 * `own: true` gives the app a private in-memory database even in a PostgreSQL run, for tests
 * that damage their database on purpose; `databaseUrl` puts it on a PostgreSQL database of the
 * test's own (an app without Redis must not share the run's database: its outbox dispatcher
 * would publish other files' events where their subscribers never hear them).
 */
export async function createTestApp(
  extra: Record<string, string> = {},
  opts: { own?: boolean; outboxPollMs?: number; databaseUrl?: string } = {},
): Promise<TestApp> {
  const queries: string[] = [];
  const onQuery = (sql: string) => queries.push(sql);
  const database = opts.databaseUrl
    ? await openDatabase({ kind: 'postgres', url: opts.databaseUrl, poolSize: 5 }, onQuery)
    : opts.own
      ? await openDatabase({ kind: 'pglite' }, onQuery)
      : await openTestDatabase(onQuery);
  const app = await buildApp(testConfig(extra), { database, logger: createLogger(process.env.TEST_LOG ? 'error' : 'silent'), outboxPollMs: opts.outboxPollMs ?? 200 });
  // Each test app is its own client address, so per-address login limits never couple files
  // that share a PostgreSQL database.
  const client = { req: { socket: { remoteAddress: `test-client-${randomUUID()}` } } };
  const gql = async <R, V>(doc: TypedDocumentNode<R, V>, variables?: V, token?: string, headers: Record<string, string> = {}) => {
    const res = await app.yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: JSON.stringify({ query: print(doc), variables }),
    }, client);
    return (await res.json()) as ExecutionResult<R>;
  };
  return Object.assign(app, {
    gql,
    queries,
    async ok<R, V>(doc: TypedDocumentNode<R, V>, variables?: V, token?: string) {
      const r = await gql(doc, variables, token);
      if (r.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
      return r.data as R;
    },
  });
}

export const uniqueEmail = (prefix = 'user') => `${prefix}.${randomUUID().slice(0, 8)}@example.com`;
