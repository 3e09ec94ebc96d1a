// Run as a process of its own (`node --import tsx src/lib/pglite-initdb.ts <pgdata> <migrations>`):
// creates a PGlite data directory, applies the migrations and exits. initdb runs a second
// PostgreSQL and the initdb program in WebAssembly beside the first; in the server's process
// their memory and compiled code stayed resident after they closed (~110 MB after a full GC,
// ~400 MB until one ran). The migrations (~300 catalog statements) ran in the server's process
// too and grew its heap; here they leave nothing behind.
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { migrate, type SqlRunner } from './migrate.js';

const [dir, migrations] = process.argv.slice(2);
if (!dir || !migrations) throw new Error('usage: pglite-initdb.ts <data directory> <migrations directory>');
const lite = new PGlite({ dataDir: dir, extensions: { pg_trgm } });
await lite.waitReady;
const runner: SqlRunner = {
  query: async <Row>(sql: string, params?: unknown[]) => (await lite.query<Row>(sql, params)).rows,
  exec: async (sql) => {
    await lite.exec(sql);
  },
  // The directory is not in place yet: nothing else can open it.
  withLock: (fn) => fn(runner),
};
await migrate(runner, migrations);
// A checkpoint, so the copy made of it (lib/pglite-template.ts) starts without WAL replay.
await lite.exec('checkpoint');
await lite.close();
