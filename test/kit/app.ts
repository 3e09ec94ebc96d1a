// Builds the app the tests talk to: on the run's PostgreSQL database when the suite runs with
// TEST_DATABASE_URL, else on an in-memory PGlite. Requests go through yoga.fetch; a Client is
// that transport bound to one token.
import { inject } from 'vitest';
import { print, type ExecutionResult } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { randomUUID } from 'node:crypto';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { openDatabase, type Database, type QueryListener } from '../../src/db.js';
import { createLogger } from '../../src/lib/logger.js';
import { registerListeners } from './subscribe.js';
import { migratedPglite } from './pglite-dump.js';

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
    // Webhook tests deliver to a receiver on 127.0.0.1 over http, and retry within milliseconds.
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_RETRY_BASE_MS: '1',
    // Automation jobs a worker claimed and never finished (its process ended mid-batch) are
    // taken over after 30 s, not the default 2 minutes: the suite's workers share a database.
    AUTOMATION_LEASE_SECONDS: '30',
    // The suite signs up hundreds of workspaces from one address; test/auth.test.ts checks the
    // sign-up limit on an app of its own.
    SIGNUP_LIMIT_PER_HOUR: '1000000',
    // Automations' e-mails go to the SMTP server test/automation-actions.test.ts runs on this port.
    SMTP_URL: smtpTestUrl(),
    ...(testDatabaseUrl() ? { DATABASE_URL: testDatabaseUrl()! } : {}),
    ...(process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL } : {}),
    ...extra,
  });
}

export async function openTestDatabase(onQuery?: QueryListener): Promise<Database> {
  const url = testDatabaseUrl();
  // 10 connections, the server's default. With 5, an updateDeal in a loaded PostgreSQL pass once
  // answered "Unexpected error"; it did not happen again locally. A transaction waiting past its
  // maxWait for a connection the outbox, the worker and live subscribers held fits; not proven.
  return openDatabase(url ? { kind: 'postgres', url, poolSize: 10 } : { kind: 'pglite', loadDataDir: await migratedPglite() }, onQuery);
}

/** The GraphQL API as one caller sees it. */
export type Client = {
  readonly token?: string;
  /** Runs a typed operation and answers its data; GraphQL errors fail the test. */
  gql<R, V>(doc: TypedDocumentNode<R, V>, variables?: V): Promise<R>;
  /** Runs a typed operation and answers the whole result, errors included. */
  raw<R, V>(doc: TypedDocumentNode<R, V>, variables?: V, headers?: Record<string, string>): Promise<ExecutionResult<R>>;
};

export type TestApp = App & {
  /** A client signed in with `token` (a session or an API key); none: anonymous. */
  as(token?: string): Client;
  /** Sends a raw GraphQL request body (for documents that are not typed, or not valid). */
  post(body: object, headers?: Record<string, string>): Promise<{ status: number; body: unknown }>;
  /** SQL statements seen since the last reset (shared by every app on this database). */
  queries: string[];
  /** The same app as another client address: per-address login limits then count apart. */
  elsewhere(): TestApp;
  /**
   * Another app on the same database with some configuration changed (TRUST_PROXY,
   * SESSION_TTL_HOURS, …), for a file or a test that needs it; stop() leaves the database open.
   * It does not dispatch the outbox: live events stay with the app that does.
   */
  variant(extra: Record<string, string>): Promise<TestApp>;
};

type Options = { own?: boolean; outboxPollMs?: number; databaseUrl?: string };

/**
 * `own: true` gives the app a private in-memory database even in a PostgreSQL run, for tests
 * that damage their database on purpose; `databaseUrl` puts it on a PostgreSQL database of the
 * test's own (an app without Redis must not share the run's database: its outbox dispatcher
 * would publish other files' events where their subscribers never hear them).
 */
export async function createTestApp(extra: Record<string, string> = {}, opts: Options = {}): Promise<TestApp> {
  const queries: string[] = [];
  const onQuery = (sql: string) => queries.push(sql);
  // The suite's databases have no statement limit unless a test sets one (PostgreSQL only).
  const statementTimeoutMs = Number(extra.STATEMENT_TIMEOUT_MS ?? 0);
  const databaseUrl = opts.databaseUrl ?? (statementTimeoutMs ? testDatabaseUrl() : undefined);
  const database = databaseUrl
    ? await openDatabase({ kind: 'postgres', url: databaseUrl, poolSize: 5, statementTimeoutMs }, onQuery)
    : opts.own
      ? await openDatabase({ kind: 'pglite' }, onQuery)
      : await openTestDatabase(onQuery);
  const app = wrap(await build(extra, database, opts), queries);
  // Prisma loads parts of its engine on its first query. Done here, an app that no test used is
  // still able to stop at the worker's teardown, when modules can no longer be loaded.
  await app.database.prisma.$queryRawUnsafe('select 1');
  queries.length = 0;
  return app;
}

function build(extra: Record<string, string>, database: Database, opts: Options) {
  return buildApp(testConfig(extra), {
    database,
    logger: createLogger(process.env.TEST_LOG ? 'error' : 'silent'),
    outboxPollMs: opts.outboxPollMs ?? 200,
  });
}

function wrap(app: App, queries: string[]): TestApp {
  // Each app view is its own client address, so per-address login limits never couple files
  // that share a database.
  const client = { req: { socket: { remoteAddress: `test-client-${randomUUID()}` } } };
  const post = async (body: object, headers: Record<string, string> = {}) => {
    const res = await app.yoga.fetch(
      'http://test/graphql',
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) },
      client,
    );
    return { status: res.status, body: await res.json() };
  };
  const as = (token?: string): Client => {
    const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    const raw = async <R, V>(doc: TypedDocumentNode<R, V>, variables?: V, headers: Record<string, string> = {}) =>
      (await post({ query: print(doc), variables }, { ...auth, ...headers })).body as ExecutionResult<R>;
    return {
      token,
      raw,
      async gql<R, V>(doc: TypedDocumentNode<R, V>, variables?: V) {
        const r = await raw(doc, variables);
        if (r.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
        return r.data as R;
      },
    };
  };
  const view: TestApp = Object.assign(Object.create(app) as App, {
    as,
    post,
    // The kit's subscribers wait on the app's listeners (see subscribe.ts) instead of sleeping.
    async start() {
      const url = await app.start();
      registerListeners(url, app.listeners);
      return url;
    },
    queries,
    elsewhere: () => wrap(app, queries),
    async variant(extra: Record<string, string>) {
      const shared: Database = { ...app.database, close: async () => {} };
      return wrap(await build({ ...extra, OUTBOX_DISPATCH: 'false' }, shared, {}), queries);
    },
  });
  return view;
}

/**
 * The SMTP server test/automation-actions.test.ts runs (the only file that runs one). One port for
 * every worker: on PostgreSQL the workers share the database, so an automation job a test queues
 * may be claimed by another worker's app, which must send to the same server.
 */
export function smtpTestUrl() {
  return 'smtp://127.0.0.1:25250';
}

export const uniqueEmail = (prefix = 'user') => `${prefix}.${randomUUID().slice(0, 8)}@example.com`;

/**
 * A client address no other request of any run has used: an IPv6 address of the documentation
 * range with 96 random bits. Rate limits count per address for 15 minutes in a shared database,
 * so an address drawn from a small range (65,000 IPv4 ones) now and then met another test's.
 */
export const uniqueIp = () => `2001:db8:${(randomUUID().replace(/-/g, '').slice(0, 24).match(/..../g) ?? []).join(':')}`;
