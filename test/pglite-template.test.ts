// A new embedded data folder starts as a copy of a cached template (initdb and every migration
// applied once, src/lib/pglite-template.ts). What an operator would notice: the new database has
// exactly the schema of the migrations in the checkout, a template made for other migrations is
// never used for it, and a data folder is a copy (what one database stores, another does not see).
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../src/db.js';

const dirs: string[] = [];
const temp = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), `crm-template-${prefix}-`));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function writeMigration(dir: string, name: string, sql: string) {
  mkdirSync(join(dir, name), { recursive: true });
  writeFileSync(join(dir, name, 'migration.sql'), sql);
}

async function columns(db: Database, table: string): Promise<string[]> {
  const rows = await db.prisma.$queryRawUnsafe<{ column_name: string }[]>(
    `select column_name from information_schema.columns where table_schema = 'public' and table_name = $1 order by column_name`,
    table,
  );
  return rows.map((r) => r.column_name);
}

async function appliedMigrations(db: Database): Promise<string[]> {
  const rows = await db.prisma.$queryRawUnsafe<{ migration_name: string }[]>(`select migration_name from "_prisma_migrations" order by migration_name`);
  return rows.map((r) => r.migration_name);
}

/** Opens a new data folder as the server does: made (or copied), then migrated. */
async function openFresh(migrationsDir: string, templateCache: string | false) {
  const db = await openDatabase({ kind: 'pglite', dataDir: temp('data'), migrationsDir, templateCache });
  const applied = await db.migrate(migrationsDir);
  return { db, applied };
}

describe('a new embedded data folder', () => {
  const migrations = temp('migrations');
  const cache = temp('cache');
  writeMigration(migrations, '20260101000000_first', 'CREATE TABLE "Thing" ("id" TEXT PRIMARY KEY, "name" TEXT NOT NULL);');

  it('starts as a copy of the template for the checkout migrations: migrated, nothing left to apply, its rows its own', async () => {
    const first = await openFresh(migrations, cache);
    expect(first.db.origin).toBe('template');
    expect(first.applied).toEqual([]);
    expect(await columns(first.db, 'Thing')).toEqual(['id', 'name']);
    await first.db.prisma.$executeRawUnsafe(`insert into "Thing" values ('1', 'only in the first folder')`);
    await first.db.close();

    const second = await openFresh(migrations, cache);
    expect(second.db.origin).toBe('template');
    expect(second.applied).toEqual([]);
    expect(await second.db.prisma.$queryRawUnsafe(`select * from "Thing"`)).toEqual([]);
    await second.db.close();
    // One template for one set of migrations, made once.
    expect(readdirSync(cache)).toHaveLength(1);
  }, 180_000);

  it('after a new migration, gets the new schema from a new template, not the old template', async () => {
    writeMigration(migrations, '20260102000000_second', 'CREATE TABLE "Other" ("id" TEXT PRIMARY KEY);');
    const { db, applied } = await openFresh(migrations, cache);
    expect(db.origin).toBe('template');
    expect(applied).toEqual([]);
    expect(await appliedMigrations(db)).toEqual(['20260101000000_first', '20260102000000_second']);
    expect(await columns(db, 'Other')).toEqual(['id']);
    await db.close();
    expect(readdirSync(cache)).toHaveLength(2);
  }, 180_000);

  it('after a migration was edited, gets the edited schema (a template of the old text would not even migrate)', async () => {
    writeMigration(migrations, '20260101000000_first', 'CREATE TABLE "Thing" ("id" TEXT PRIMARY KEY, "name" TEXT NOT NULL, "note" TEXT);');
    const { db, applied } = await openFresh(migrations, cache);
    expect(applied).toEqual([]);
    expect(await columns(db, 'Thing')).toEqual(['id', 'name', 'note']);
    await db.close();
  }, 180_000);

  it('without a template cache (a read-only installation) is made by initdb and the migrations', async () => {
    const { db, applied } = await openFresh(migrations, false);
    expect(db.origin).toBe('initdb');
    expect(applied).toEqual([]);
    expect(await columns(db, 'Thing')).toEqual(['id', 'name', 'note']);
    expect(await columns(db, 'Other')).toEqual(['id']);
    await db.close();
  }, 180_000);

  it('is made afresh beside what a start killed mid-way left, and that is removed', async () => {
    const dataDir = temp('data');
    // A process id no process has here: the start that made this folder is gone.
    const leftover = join(dataDir, 'pgdata.initdb-4194999');
    mkdirSync(leftover, { recursive: true });
    writeFileSync(join(leftover, 'PG_VERSION'), '18\n');
    const db = await openDatabase({ kind: 'pglite', dataDir, migrationsDir: migrations, templateCache: cache });
    expect(await columns(db, 'Thing')).toEqual(['id', 'name', 'note']);
    expect(readdirSync(dataDir)).toEqual(['pgdata']);
    await db.close();
  }, 180_000);

  it('keeps the three newest templates: one per set of migrations would fill the disk over time', async () => {
    expect(readdirSync(cache)).toHaveLength(3);
    writeMigration(migrations, '20260103000000_third', 'CREATE TABLE "Third" ("id" TEXT PRIMARY KEY);');
    const { db } = await openFresh(migrations, cache);
    expect(await columns(db, 'Third')).toEqual(['id']);
    await db.close();
    expect(readdirSync(cache)).toHaveLength(3);
  }, 180_000);

  it('that already holds a database is opened as it is', async () => {
    const dataDir = temp('data');
    const made = await openDatabase({ kind: 'pglite', dataDir, migrationsDir: migrations, templateCache: cache });
    await made.prisma.$executeRawUnsafe(`insert into "Thing" (id, name) values ('1', 'kept')`);
    await made.close();
    const again = await openDatabase({ kind: 'pglite', dataDir, migrationsDir: migrations, templateCache: cache });
    expect(again.origin).toBe('existing');
    expect(await again.prisma.$queryRawUnsafe(`select id, name from "Thing"`)).toEqual([{ id: '1', name: 'kept' }]);
    await again.close();
  }, 180_000);
});
