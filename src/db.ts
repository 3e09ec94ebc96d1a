// Opens the database: embedded PGlite in DATA_DIR by default, PostgreSQL when DATABASE_URL is
// set. Both get the same Prisma client and the same migrations.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.js';
import { migrate, type SqlRunner } from './lib/migrate.js';

export type Db = PrismaClient;

export type Database = {
  prisma: PrismaClient;
  kind: 'pglite' | 'postgres';
  /** Applies pending migrations under an advisory lock (`dir`: another migrations folder, for tests). */
  migrate(dir?: string): Promise<string[]>;
  /** Runs a statement outside Prisma (health checks, tests). */
  ping(): Promise<void>;
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
    }
  | {
      kind: 'postgres';
      url: string;
      poolSize?: number;
      /** The longest a statement may run before PostgreSQL cancels it (0 or unset: no limit). */
      statementTimeoutMs?: number;
    };

export type QueryListener = (sql: string) => void;

/**
 * PostgreSQL's buffer pool inside PGlite's WebAssembly memory. PostgreSQL's default, 128 MB,
 * grew that memory from 128 to 189 MB and kept it resident (~120 MB of RSS); the embedded
 * database is one connection on a local disk whose pages the OS caches anyway.
 */
const PGLITE_SHARED_BUFFERS = '16MB';

/**
 * A new data directory is made by initdb in a short-lived process (see lib/pglite-initdb.ts),
 * beside it, then renamed into place: a start killed mid-way (initdb is the memory peak) leaves
 * no half-made directory that every later start would trip over.
 */
async function initDataDir(dir: string) {
  if (existsSync(join(dir, 'PG_VERSION'))) return;
  if (existsSync(dir) && readdirSync(dir).length) throw new Error(`${dir} holds files but no database (no PG_VERSION): move it away to start afresh`);
  const fresh = `${dir}.initdb-${process.pid}`;
  rmSync(fresh, { recursive: true, force: true });
  mkdirSync(fresh, { recursive: true });
  const script = fileURLToPath(new URL('./lib/pglite-initdb.ts', import.meta.url));
  // From the project's folder, where `--import tsx` resolves, whatever folder the server runs in.
  const root = fileURLToPath(new URL('..', import.meta.url));
  await promisify(execFile)(process.execPath, ['--liftoff-only', '--import', 'tsx', script, fresh], { cwd: root });
  rmSync(dir, { recursive: true, force: true });
  renameSync(fresh, dir);
}

export async function openDatabase(opts: DatabaseOptions, onQuery?: QueryListener, onPoolError?: (err: Error) => void): Promise<Database> {
  const log = onQuery ? ([{ emit: 'event', level: 'query' }] as const) : undefined;
  if (opts.kind === 'pglite') {
    let dir: string | undefined;
    if (opts.dataDir) {
      dir = join(opts.dataDir, 'pgdata');
      mkdirSync(opts.dataDir, { recursive: true });
      await initDataDir(dir);
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
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 10, statement_timeout: opts.statementTimeoutMs || undefined });
  // An idle connection the server closes (restart, failover, a forced drop) emits 'error' on the
  // pool; unheard, that would crash the process. The pool discards the client and opens a new
  // one on demand, and errors of running queries still reach their callers.
  pool.on('error', (err) => onPoolError?.(err));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool), log: log ? [...log] : undefined });
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
    pool: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max }),
    close: async () => {
      await prisma.$disconnect();
      await pool.end().catch(() => {});
    },
  };
}
