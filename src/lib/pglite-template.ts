// A new embedded data directory starts as a copy of a template: an empty database made by initdb
// with every migration applied, cached by what it was made from. Making one costs initdb and the
// migrations (seconds of CPU, PostgreSQL in WebAssembly bootstrapping its catalogs and running
// ~300 DDL statements); copying one costs a file copy. The template is made once per set of
// migrations, by `npm run build:template` (part of `npm start`'s and `npm run build`'s steps) or,
// failing that, by the first start that needs it.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { listMigrations, MIGRATIONS_DIR } from './migrate.js';
import { processRuns } from './processes.js';
import { ROOT } from './root.js';

/** Bumped when what the initdb process does changes (extensions, settings) without a new migration. */
const TEMPLATE_FORMAT = 1;

/** Where templates are kept unless told otherwise: beside the installed packages, never committed. */
export const TEMPLATE_CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'crm-pglite-template');

export type DataDirOrigin = 'existing' | 'template' | 'initdb';

/**
 * What a template is made from: PGlite's version (its catalogs), the initdb process's format and
 * every migration's name and checksum. A new or changed migration is a new key, so a template
 * made before it is never used for it.
 */
export function templateKey(migrationsDir = MIGRATIONS_DIR): string {
  const pglite = JSON.parse(readFileSync(join(ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string };
  const hash = createHash('sha256').update(`pglite ${pglite.version}\nformat ${TEMPLATE_FORMAT}\n`);
  for (const m of listMigrations(migrationsDir)) hash.update(`${m.name} ${m.checksum}\n`);
  return hash.digest('hex').slice(0, 32);
}

/** Runs initdb and the migrations in a short-lived process, into `dir` (which must be empty). */
async function initdbAndMigrate(dir: string, migrationsDir: string) {
  // From ROOT, not this module's URL: the import CLI runs bundled (dist/cli/import.mjs).
  const script = join(ROOT, 'src', 'lib', 'pglite-initdb.ts');
  // From the project's folder, where `--import tsx` resolves, whatever folder the server runs in.
  await promisify(execFile)(process.execPath, ['--liftoff-only', '--import', 'tsx', script, dir, migrationsDir], { cwd: ROOT });
}

/**
 * The template for these migrations, made if missing; its path. A cache that cannot be written
 * (a read-only installation) is no error: null, and the caller makes the database itself.
 */
export async function ensureTemplate(opts: { migrationsDir?: string; cacheDir?: string } = {}): Promise<string | null> {
  const migrationsDir = opts.migrationsDir ?? MIGRATIONS_DIR;
  const template = join(opts.cacheDir ?? TEMPLATE_CACHE_DIR, templateKey(migrationsDir));
  if (existsSync(join(template, 'PG_VERSION'))) return template;
  const fresh = `${template}.initdb-${process.pid}`;
  try {
    rmSync(fresh, { recursive: true, force: true });
    mkdirSync(fresh, { recursive: true });
  } catch {
    return null;
  }
  try {
    await initdbAndMigrate(fresh, migrationsDir);
    try {
      renameSync(fresh, template);
    } catch (err) {
      if (!existsSync(join(template, 'PG_VERSION'))) throw err;
    }
    pruneTemplates(dirname(template));
    return template;
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
}

/** Templates kept for earlier sets of migrations (another branch, another worktree sharing node_modules). */
const KEEP_TEMPLATES = 3;

/** Removes all but the newest templates (43 MB each): every new migration makes one. */
function pruneTemplates(cache: string) {
  const templates = readdirSync(cache)
    .filter((name) => /^[0-9a-f]{32}$/.test(name))
    .map((name) => ({ path: join(cache, name), made: statSync(join(cache, name)).mtimeMs }))
    .sort((a, b) => b.made - a.made);
  for (const old of templates.slice(KEEP_TEMPLATES)) rmSync(old.path, { recursive: true, force: true });
}

/** Folders a start left beside `dir` (`<dir>.initdb-<pid>`) when it was killed mid-way, its process gone. */
function removeLeftovers(dir: string) {
  const parent = dirname(dir);
  const prefix = `${basename(dir)}.initdb-`;
  if (!existsSync(parent)) return;
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (!Number.isInteger(pid) || pid === process.pid || processRuns(pid)) continue;
    rmSync(join(parent, name), { recursive: true, force: true });
  }
}

/**
 * Makes `dir` a PGlite data directory unless it is one: a copy of the template for these
 * migrations (made first if missing), or, when no template can be kept, initdb and the
 * migrations straight into it; then `fill` (the demo seed). The directory is made beside `dir` and renamed into
 * place: a start killed mid-way leaves no half-made directory that every later start would
 * trip over.
 */
export async function prepareDataDir(
  dir: string,
  opts: { migrationsDir?: string; cacheDir?: string | false; fill?: (fresh: string) => Promise<void> } = {},
): Promise<DataDirOrigin> {
  removeLeftovers(dir);
  if (existsSync(join(dir, 'PG_VERSION'))) return 'existing';
  if (existsSync(dir) && readdirSync(dir).length) throw new Error(`${dir} holds files but no database (no PG_VERSION): move it away to start afresh`);
  const migrationsDir = opts.migrationsDir ?? MIGRATIONS_DIR;
  const template = opts.cacheDir === false ? null : await ensureTemplate({ migrationsDir, cacheDir: opts.cacheDir });
  const fresh = `${dir}.initdb-${process.pid}`;
  rmSync(fresh, { recursive: true, force: true });
  if (template) {
    cpSync(template, fresh, { recursive: true });
  } else {
    mkdirSync(fresh, { recursive: true });
    await initdbAndMigrate(fresh, migrationsDir);
  }
  try {
    await opts.fill?.(fresh);
  } catch (err) {
    rmSync(fresh, { recursive: true, force: true });
    throw err;
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(fresh, dir);
  return template ? 'template' : 'initdb';
}

/**
 * The demo seed of a new embedded data directory, in a process of its own (src/seed-process.ts),
 * as `prepareDataDir`'s `fill`: the seed's heap and the database memory it grows leave with that
 * process, and a start killed mid-seed leaves no half-seeded database. Its output is the server's.
 */
export async function seedApart(pgdata: string) {
  // `npm start` and the import CLI run bundles (dist/server/, dist/cli/), each with the seed's
  // entry beside it; the tests run the sources through tsx.
  const here = import.meta.url;
  const script = here.endsWith('.ts')
    ? ['--import', 'tsx', join(ROOT, 'src', 'seed-process.ts')]
    : ['--enable-source-maps', fileURLToPath(new URL('./seed-process.mjs', here))];
  const child = spawn(process.execPath, ['--liftoff-only', '--max-semi-space-size=4', ...script, pgdata], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // A server that exits meanwhile takes the seed with it (its folder is removed by the next start).
  const stop = () => child.kill();
  process.once('exit', stop);
  const [code, signal] = (await once(child, 'exit').finally(() => process.off('exit', stop))) as [number | null, string | null];
  if (code !== 0) throw new Error(`the demo seed failed (${signal ?? `exit code ${code}`})`);
}
