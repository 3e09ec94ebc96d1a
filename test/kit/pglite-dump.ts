// A migrated PGlite data directory, dumped once and reused: a fresh in-memory PGlite spends
// seconds on initdb and the migrations (some 10 s under load here), one loaded from this dump
// about 1 s. Kept in node_modules/.cache/crm-tests, named by the migrations' contents and the
// PGlite version, so a new or changed migration makes a new dump.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { migrate, MIGRATIONS_DIR, type SqlRunner } from '../../src/lib/migrate.js';

const CACHE = join(dirname(fileURLToPath(import.meta.url)), '../../node_modules/.cache/crm-tests');

let dump: Promise<Blob> | undefined;

/** The dump of an in-memory PGlite with every migration applied (built on first use). */
export function migratedPglite(): Promise<Blob> {
  return (dump ??= load());
}

function fileName() {
  const hash = createHash('sha256');
  const pkg = join(dirname(fileURLToPath(import.meta.url)), '../../node_modules/@electric-sql/pglite/package.json');
  hash.update((JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version);
  hash.update('extensions: pg_trgm');
  for (const name of readdirSync(MIGRATIONS_DIR).sort()) {
    const sql = join(MIGRATIONS_DIR, name, 'migration.sql');
    if (!existsSync(sql)) continue;
    hash.update(name);
    hash.update(readFileSync(sql));
  }
  return join(CACHE, `pglite-${hash.digest('hex').slice(0, 16)}.tar`);
}

async function load(): Promise<Blob> {
  const file = fileName();
  if (existsSync(file)) return new Blob([readFileSync(file)]);
  // The extensions src/db.ts loads: the migrations create them.
  const lite = new PGlite({ extensions: { pg_trgm } });
  await lite.waitReady;
  const runner: SqlRunner = {
    query: async <Row>(sql: string, params?: unknown[]) => (await lite.query<Row>(sql, params)).rows,
    exec: async (sql) => {
      await lite.exec(sql);
    },
    withLock: (fn) => fn(runner),
  };
  await migrate(runner);
  const blob = await lite.dumpDataDir('none');
  await lite.close();
  // Written aside then renamed, so a worker building it at the same time never reads half a file.
  mkdirSync(CACHE, { recursive: true });
  const part = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(part, Buffer.from(await blob.arrayBuffer()));
  renameSync(part, file);
  return blob;
}
