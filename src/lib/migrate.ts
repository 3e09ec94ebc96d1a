// The migration runner. Prisma's migrate engine cannot be downloaded everywhere, so the project
// applies prisma/migrations/<timestamp>_<name>/migration.sql itself, recording each in Prisma's
// own _prisma_migrations table (same columns and checksums), so `prisma migrate deploy` and
// this runner agree about what has been applied.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './root.js';

export type SqlRunner = {
  /** Rows as the caller declares them: nothing checks the shape. */
  query<Row extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  exec(sql: string): Promise<void>;
  withLock<T>(fn: (runner: SqlRunner) => Promise<T>): Promise<T>;
};

export const MIGRATIONS_DIR = join(ROOT, 'prisma', 'migrations');

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function listMigrations(dir = MIGRATIONS_DIR): { name: string; sql: string; checksum: string }[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: sha256(sql) };
    });
}

/**
 * As in Prisma's schema engine: a checkout whose line endings git changed (CRLF on Windows) is
 * the same migration, so both runners accept the recorded checksum.
 */
function matchesChecksum(sql: string, checksum: string): boolean {
  return [sql, sql.replace(/\r\n/g, '\n'), sql.replace(/\n/g, '\r\n')].some((s) => sha256(s) === checksum);
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

type AppliedRow = { migration_name: string; checksum: string; finished_at: Date | null };

/** Applies pending migrations in order; returns the names applied. */
export async function migrate(runner: SqlRunner, dir = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = listMigrations(dir);
  return runner.withLock(async (db) => {
    await db.exec(CREATE_TABLE);
    const rows = await db.query<AppliedRow>(`select migration_name, checksum, finished_at from "_prisma_migrations" where rolled_back_at is null`);
    const done = new Map(rows.map((r) => [r.migration_name, r]));
    const failed = rows.find((r) => r.finished_at === null);
    if (failed) {
      throw new Error(`Migration ${failed.migration_name} failed earlier and was not finished; fix the database and mark it rolled back`);
    }
    const applied: string[] = [];
    for (const m of migrations) {
      const prev = done.get(m.name);
      if (prev) {
        if (!matchesChecksum(m.sql, prev.checksum)) {
          throw new Error(`Migration ${m.name} was changed after it was applied (checksum differs)`);
        }
        continue;
      }
      const id = randomUUID();
      await db.query(`insert into "_prisma_migrations" (id, checksum, migration_name, started_at) values ($1, $2, $3, now())`, [id, m.checksum, m.name]);
      try {
        await db.exec(`BEGIN;\n${m.sql}\nCOMMIT;`);
      } catch (err) {
        await db.exec('ROLLBACK').catch(() => {});
        await db.query(`update "_prisma_migrations" set logs = $2 where id = $1`, [id, String(err)]);
        throw new Error(`Migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
      await db.query(`update "_prisma_migrations" set finished_at = now(), applied_steps_count = 1 where id = $1`, [id]);
      applied.push(m.name);
    }
    return applied;
  });
}
