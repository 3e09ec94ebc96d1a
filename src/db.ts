// Opens the database: embedded PGlite in DATA_DIR by default, PostgreSQL when DATABASE_URL is
// set. Both get the same Prisma client and the same migrations.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.js';
import { migrate, type SqlRunner } from './lib/migrate.js';
import { PipelinedClient, RESOLVES_REFERENCES } from './lib/pg-pipelined.js';
import { prepareDataDir, type DataDirOrigin } from './lib/pglite-template.js';
import { statementNames } from './lib/prepared-statements.js';

export type Db = PrismaClient;

export type Database = {
  prisma: PrismaClient;
  kind: 'pglite' | 'postgres';
  /** How the embedded data directory came to be: found, copied from the template, or made by initdb. */
  origin?: DataDirOrigin;
  /** Applies pending migrations under an advisory lock (`dir`: another migrations folder, for tests). */
  migrate(dir?: string): Promise<string[]>;
  /** Runs a statement outside Prisma (health checks, tests). */
  ping(): Promise<void>;
  /**
   * A connection of the pool used outside Prisma (PostgreSQL only): the outbox dispatcher sends
   * its lock and claim as one round trip. Release it with `release()` (`release(err)` drops it).
   */
  connect?: () => Promise<pg.PoolClient>;
  /** The connection pool's use (PostgreSQL); PGlite is one in-process connection with no pool. */
  pool?: () => { total: number; idle: number; waiting: number; max: number };
  close(): Promise<void>;
};

export type DatabaseOptions =
  | {
      kind: 'pglite';
      dataDir?: string /* undefined: in memory */;
      /** An in-memory database starts as this dump of another's data directory (tests: an already migrated one). */
      loadDataDir?: Blob;
      /** A data directory opened as it is, not `dataDir/pgdata` (the seed process: one not yet in place). */
      pgdata?: string;
      /** Fills a new data directory before it is moved into place (the demo seed, in a process of its own). */
      fill?: (pgdata: string) => Promise<void>;
      /** The migrations a new data directory is made with (tests: another folder). */
      migrationsDir?: string;
      /** Where migrated empty databases are cached (lib/pglite-template.ts); false: none. */
      templateCache?: string | false;
    }
  | {
      kind: 'postgres';
      url: string;
      poolSize?: number;
      /** The longest a statement may run before PostgreSQL cancels it (0 or unset: no limit). */
      statementTimeoutMs?: number;
      /** Keeps the statements sent repeatedly prepared on each connection (lib/prepared-statements.ts); default true. */
      preparedStatements?: boolean;
    };

export type QueryListener = (sql: string) => void;

/**
 * PostgreSQL's buffer pool inside PGlite's WebAssembly memory. PostgreSQL's default, 128 MB,
 * grew that memory from 128 to 189 MB and kept it resident (~120 MB of RSS); the embedded
 * database is one connection on a local disk whose pages the OS caches anyway.
 */
const PGLITE_SHARED_BUFFERS = '16MB';

export async function openDatabase(opts: DatabaseOptions, onQuery?: QueryListener, onPoolError?: (err: Error) => void): Promise<Database> {
  const log = onQuery ? ([{ emit: 'event', level: 'query' }] as const) : undefined;
  if (opts.kind === 'pglite') {
    let dir = opts.pgdata;
    let origin: DataDirOrigin | undefined;
    if (opts.dataDir && !dir) {
      dir = join(opts.dataDir, 'pgdata');
      mkdirSync(opts.dataDir, { recursive: true });
      origin = await prepareDataDir(dir, { migrationsDir: opts.migrationsDir, cacheDir: opts.templateCache, fill: opts.fill });
    }
    // Loaded only here: PGlite's module costs a PostgreSQL-backed process ~40 MB of RSS it never uses.
    const [{ PGlite }, { PrismaPGlite }, { pg_trgm }] = await Promise.all([
      import('@electric-sql/pglite'),
      import('pglite-prisma-adapter'),
      import('@electric-sql/pglite/contrib/pg_trgm'),
    ]);
    // pg_trgm: duplicate detection by similar names (kernel/duplicates.ts). A test database may
    // start from a dump of a migrated one (loadDataDir) instead of an empty folder.
    const lite = new PGlite({
      ...(dir ? { dataDir: dir } : opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
      extensions: { pg_trgm },
      startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
    });
    let migrationQueue: Promise<unknown> = Promise.resolve();
    await lite.waitReady;
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(lite), log: log ? [...log] : undefined });
    if (onQuery) (prisma as PrismaClient<'query'>).$on('query', (e) => onQuery(e.query));
    const runner: SqlRunner = {
      query: async <Row>(sql: string, params?: unknown[]) => (await lite.query<Row>(sql, params)).rows,
      exec: async (sql) => {
        await lite.exec(sql);
      },
      // PGlite is one connection in this process: an in-process queue serializes runners.
      withLock: (fn) => {
        const run = migrationQueue.then(() => fn(runner));
        migrationQueue = run.catch(() => {});
        return run;
      },
    };
    return {
      prisma,
      kind: 'pglite',
      origin,
      migrate: (dir) => migrate(runner, dir),
      ping: async () => {
        await lite.query('select 1');
      },
      close: async () => {
        await prisma.$disconnect();
        await lite.close();
      },
    };
  }

  // statement_timeout is set on every connection at its start, so it holds for every statement
  // of every request (and of the background work); migrations lift it for their own session.
  // PGlite has no equivalent: a single-threaded WebAssembly PostgreSQL cannot cancel a statement.
  // JIT compilation is off for the app's sessions: it pays off for long analytical scans, and the
  // app runs short statements whose plans can misjudge a table (its statistics lag behind a busy
  // table, or are missing where autovacuum is off), and then PostgreSQL spent 50 ms compiling a
  // 10 ms scan (docs/performance.md, "Automations: JIT off, and the runner's tag read"). An
  // `options` parameter in DATABASE_URL takes precedence (`?options=-c%20jit%3Don`).
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    statement_timeout: opts.statementTimeoutMs || undefined,
    options: '-c jit=off',
    // BEGIN and a write's held INSERT go out with the statement after them (lib/pg-pipelined.ts).
    Client: PipelinedClient,
  });
  // An idle connection the server closes (restart, failover, a forced drop) emits 'error' on the
  // pool; unheard, that would crash the process. The pool discards the client and opens a new
  // one on demand, and errors of running queries still reach their callers.
  pool.on('error', (err) => onPoolError?.(err));
  const adapter = new PrismaPg(pool, {
    // Typed as always naming; the adapter passes an undefined name on to pg, which sends that statement unnamed.
    statementNameGenerator: opts.preparedStatements === false ? undefined : (statementNames() as (query: { sql: string }) => string),
  });
  const prisma = new PrismaClient({ adapter, log: log ? [...log] : undefined });
  // Its connections take a batch's JSON parameters by reference (lib/bulk-insert.ts).
  Object.defineProperty(prisma, RESOLVES_REFERENCES, { value: true });
  if (onQuery) (prisma as PrismaClient<'query'>).$on('query', (e) => onQuery(e.query));
  const runner: SqlRunner = {
    query: async (sql, params) => (await pool.query(sql, params)).rows,
    exec: async (sql) => {
      await pool.query(sql);
    },
    // Several instances may start at once: serialize migrations with a session advisory lock
    // held on one dedicated connection.
    withLock: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock(72707369)');
        // A migration may rewrite a large table: no statement limit in this session until RESET.
        await client.query('set statement_timeout = 0');
        const inner: SqlRunner = {
          query: async (sql, params) => (await client.query(sql, params)).rows,
          exec: async (sql) => {
            await client.query(sql);
          },
          withLock: (f) => f(inner),
        };
        return await fn(inner);
      } finally {
        await client.query('reset statement_timeout').catch(() => {});
        await client.query('select pg_advisory_unlock(72707369)').catch(() => {});
        client.release();
      }
    },
  };
  return {
    prisma,
    kind: 'postgres',
    migrate: (dir) => migrate(runner, dir),
    ping: async () => {
      await pool.query('select 1');
    },
    connect: () => pool.connect(),
    pool: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max }),
    close: async () => {
      await prisma.$disconnect();
      await pool.end().catch(() => {});
    },
  };
}
