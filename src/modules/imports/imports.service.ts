// Imports of contacts, companies and deals from CSV and XLSX files (SPEC §10). A file is stored,
// an Import row records the run, and the run reads the file streaming, matches its header to
// fields (columns.ts), coerces each cell as people write it (coerce.ts) and writes the rows
// through the kernel's write path in batches (writeRecords: the same checks, values, hooks and
// events as createRecord / updateRecord, committed per batch with one multi-row INSERT), with its
// author's rights as they are now: CREATE (and EDIT for updates) within scope, field access,
// validation, stage requirements, timeline entries and events all hold as for an API call.
//
// Exactly once: the Import row's `position` (the last row settled) and its counts move in the
// transaction that writes a batch (writeRecords' `committing`), together with the rows skipped
// or failed before it; rows that wrote nothing are settled at the batch's end. After a crash the
// run resumes after `position`: a row is never written twice, and created + updated + skipped +
// failed always equals the rows read.
//
// A dry run goes the same way, but writeRecords undoes each batch's transaction once everything
// ran (the database's checks too), so nothing is kept.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { AppDeps, ServiceCtx } from '../../context.js';
import { Prisma, type Import as ImportRow } from '../../generated/prisma/client.js';
import { AppError, IssueList, NotFoundError, ValidationError, type FieldIssue } from '../../lib/errors.js';
import type { Tx } from '../../lib/outbox.js';
import { render, type Message } from '../../lib/i18n.js';
import { decodeGlobalId, isUuid } from '../../lib/ids.js';
import * as v from '../../lib/validate.js';
import { fileStream } from '../../lib/uploads.js';
import { fileTooBig } from '../files/files.service.js';
import { descriptor, type CardKind } from '../../kernel/card-kinds.js';
import { createRecord, writeRecords, type CardWrite } from '../../kernel/records.js';
import { visible } from '../../kernel/access/visibility.js';
import * as rights from '../../kernel/access/rights.js';
import { definitions } from '../../kernel/fields/definitions.js';
import type { FieldValueInput } from '../../kernel/fields/card-values.js';
import type { FieldDef, ValueInput } from '../../kernel/fields/values.js';
import { workspaceRegion } from '../../kernel/workspace.js';
import { findDuplicatesMany, type DuplicateMatch } from '../../kernel/duplicates.js';
import { cardTable } from '../../kernel/tables.js';
import { viewerOfUser } from '../auth/auth.service.js';
import { emptyRow, formatOf, type Cell, type FileFormat, type FileRow } from './read.js';
import { readRowsApart } from './read-apart.js';
import * as c from './coerce.js';
import { matchColumns, targetName, targetOf, type Column } from './columns.js';
import { IMPORTS } from './imports.messages.js';

export type DuplicatePolicy = 'SKIP' | 'UPDATE' | 'CREATE';
export type MatchBy = 'ID' | 'EMAIL' | 'PHONE' | 'NAME';
export type ImportOptions = {
  dryRun: boolean;
  policy: DuplicatePolicy;
  matchBy: MatchBy[];
  mapping: { column: string; field: string }[];
  batchSize: number;
};

const DEFAULTS: ImportOptions = { dryRun: false, policy: 'SKIP', matchBy: ['ID', 'EMAIL', 'PHONE', 'NAME'], mapping: [], batchSize: 1000 };
/** Imports may be larger than attachments. */
export const IMPORT_MAX_BYTES = 512 * 1024 * 1024;
/** A run that has not reported for this long is taken over (it died with its process). */
export const LEASE_MS = 60_000;

/** `duplicates`: a dry run's likely duplicates of the row's card, on the row's whole-row issue. */
type RowIssue = { row: number; column: string; value: string; message: Message; duplicates?: DuplicateMatch[] };
type Outcome = 'created' | 'updated' | 'skipped' | 'failed';
/** A row settled but not yet counted in the Import row (outcome null: the header, which is not a row). */
type Settled = { row: number; outcome: Outcome | null; issues: RowIssue[] };

/** The state of one run in this process. */
type Run = {
  id: string;
  dryRun: boolean;
  /** Settled rows not yet in the Import row, in row order. */
  pending: Settled[];
  /** The Import row's position as last committed by this run. */
  at: number;
};

/**
 * Counts the rows settled up to `upTo` (the rows a batch wrote, and those skipped or failed
 * before them) into the Import row, in `tx`; `confirm` drops them from `pending` once `tx` committed.
 * Only while the run is RUNNING: a run cancelled meanwhile throws `Cancelled`, which undoes the
 * batch's transaction, so what a CANCELLED import counts is final and nothing is written after
 * the cancel (a cancel arriving while the batch commits waits for it, and counts it).
 */
async function flush(tx: Tx, run: Run, upTo: number) {
  await flushWith(tx, run, upTo, []);
}

/** flush, counting also `extra`: the rows a batch's transaction writes. */
async function flushWith(tx: Tx, run: Run, upTo: number, extra: Settled[]) {
  const take = [...run.pending.filter((p) => p.row <= upTo), ...extra];
  const n = (o: Outcome) => take.filter((p) => p.outcome === o).length;
  const { count } = await tx.import.updateMany({
    where: { id: run.id, status: 'RUNNING' },
    data: {
      created: { increment: n('created') },
      updated: { increment: n('updated') },
      skipped: { increment: n('skipped') },
      failed: { increment: n('failed') },
      heartbeatAt: new Date(),
      position: upTo,
    },
  });
  if (!count) throw new Cancelled();
  const issues = take.flatMap((p) => p.issues);
  if (issues.length) {
    await tx.importIssue.createMany({
      data: issues.map((i) => ({
        importId: run.id,
        row: i.row,
        column: i.column,
        value: i.value.slice(0, 1000),
        message: i.message as Prisma.InputJsonValue,
        ...(i.duplicates ? { duplicates: i.duplicates as unknown as Prisma.InputJsonValue } : {}),
      })),
      skipDuplicates: true,
    });
  }
}

const confirm = (run: Run, upTo: number) => {
  run.pending = run.pending.filter((p) => p.row > upTo);
  run.at = upTo;
};

/**
 * Counts the rows up to `upTo` in a transaction of their own; nothing to do when the batch's own
 * transaction counted them all (its last row was written).
 */
async function flushAlone(deps: AppDeps, run: Run, upTo: number) {
  if (run.at === upTo && !run.pending.some((p) => p.row <= upTo)) return;
  // As long as a batch's: on a loaded database a few statements can outlast Prisma's default 5 s.
  await deps.db.$transaction((tx) => flush(tx, run, upTo), { timeout: 120_000, maxWait: 30_000 });
  confirm(run, upTo);
}

// Starting, listing, cancelling

function checkOptions(ctx: ServiceCtx, kind: CardKind, defs: FieldDef[], o: Partial<ImportOptions>, issues: IssueList): ImportOptions {
  const opts = { ...DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, x]) => x !== null && x !== undefined)) } as ImportOptions;
  opts.mapping.forEach((m, i) => {
    if (m.field !== '' && !targetOf(kind, defs, m.field)) issues.add(`options.mapping[${i}].field`, IMPORTS.unknownField({ field: m.field }));
  });
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1 || opts.batchSize > 5000) issues.add('options.batchSize', v.VALIDATE.tooLong({ max: 5000 }));
  if (!opts.matchBy.length) opts.matchBy = DEFAULTS.matchBy;
  // Writing cards needs the right to create them, or to change them when matches are updated.
  const create = rights.scopeOf(ctx.viewer, kind, 'CREATE');
  const edit = rights.scopeOf(ctx.viewer, kind, 'EDIT');
  if (create === 'NONE' && !(opts.policy === 'UPDATE' && edit !== 'NONE')) throw rights.forbidden(kind, 'CREATE', create);
  return opts;
}

/** An import's file as it arrives: over GraphQL (a multipart upload) or from the CLI (a file on disk). */
export type ImportSource = { name: string; type?: string | null; size: number; stream: Readable };

/** Stores the file, records the import and starts it in the background; its progress is the Import row. */
export async function startImport(ctx: ServiceCtx, file: File, kind: CardKind, options: Partial<ImportOptions> = {}) {
  const row = await createImport(ctx, { name: file.name ?? '', type: file.type, size: file.size, stream: fileStream(file) }, kind, options);
  launch(ctx.deps, row.id);
  return row;
}

/** Checks the options, stores the file and records the import (PENDING); runImport runs it. */
export async function createImport(ctx: ServiceCtx, file: ImportSource, kind: CardKind, options: Partial<ImportOptions> = {}) {
  const issues = new IssueList();
  const format = formatOf(file.name, file.type);
  if (!format) issues.add('file', IMPORTS.badFormat());
  if (file.size > IMPORT_MAX_BYTES) issues.add('file', fileTooBig(file.size, IMPORT_MAX_BYTES));
  const opts = checkOptions(ctx, kind, await definitions(ctx, kind), options, issues);
  issues.throwIfAny();
  const id = randomUUID();
  const storageKey = `${ctx.viewer.workspaceId}/imports/${id}`;
  await ctx.deps.storage.putStream(storageKey, file.stream);
  return ctx.db.import.create({
    data: {
      id,
      workspaceId: ctx.viewer.workspaceId,
      createdById: ctx.viewer.userId,
      entityType: kind,
      fileName: (file.name || 'import').slice(0, 255),
      storageKey,
      format: format!,
      options: opts as unknown as Prisma.InputJsonValue,
      dryRun: opts.dryRun,
    },
  });
}

/** Imports the viewer may see: their own; every import of the workspace for administrators. */
export function visibleImports(ctx: ServiceCtx): Prisma.ImportWhereInput {
  return { workspaceId: ctx.viewer.workspaceId, ...(ctx.viewer.isAdmin ? {} : { createdById: ctx.viewer.userId }) };
}

export async function findImport(ctx: ServiceCtx, id: string) {
  const row = await ctx.db.import.findFirst({ where: { id, ...visibleImports(ctx) } });
  if (!row) throw new NotFoundError('Import', id);
  return row;
}

/** Stops a run at its next batch; what it wrote stays. */
/**
 * A page of an import's row-by-row report, in row order. A dry run's likely duplicates are given
 * as they stand now: only live cards the reader may see.
 */
export async function reportIssues(ctx: ServiceCtx, imp: { id: string; entityType: CardKind }, first: number, offset: number) {
  const rows = await ctx.db.importIssue.findMany({
    where: { importId: imp.id },
    orderBy: [{ row: 'asc' }, { column: 'asc' }, { id: 'asc' }],
    take: Math.min(Math.max(first, 0), 1000),
    skip: Math.max(offset, 0),
  });
  const kind = imp.entityType;
  const ids = [...new Set(rows.flatMap((r) => ((r.duplicates ?? []) as { id: string }[]).map((d) => d.id)))];
  const seen =
    ids.length && (kind === 'CONTACT' || kind === 'COMPANY')
      ? new Set((await cardTable(ctx.db, kind).findMany({ where: { id: { in: ids }, ...live(ctx, kind) }, select: { id: true } })).map((r) => r.id))
      : new Set<string>();
  return rows.map((r) => ({ ...r, kind, duplicates: ((r.duplicates ?? []) as { id: string }[]).filter((d) => seen.has(d.id)) }));
}

export async function cancelImport(ctx: ServiceCtx, id: string) {
  await findImport(ctx, id);
  const { count } = await ctx.db.import.updateMany({
    where: { id, status: { in: ['PENDING', 'RUNNING'] } },
    data: { status: 'CANCELLED', finishedAt: new Date() },
  });
  if (!count) throw new ValidationError([{ field: 'id', message: IMPORTS.notFinished() }]);
  return ctx.db.import.findUniqueOrThrow({ where: { id } });
}

// Running

/**
 * Tells the import's `importProgress` subscribers it moved on. Published straight to the pubsub
 * (Redis with REDIS_URL), not through the outbox: progress is a hint to re-read the Import row,
 * which holds the committed counts, so a lost message costs nothing but a late bar.
 */
function publishProgress(deps: AppDeps, workspaceId: string, id: string) {
  deps.pubsub.publish('importProgress', id, { workspaceId, importId: id, occurredAt: new Date().toISOString() });
}

type Active = { abort: AbortController; done: Promise<void> };
const active = new WeakMap<AppDeps, Map<string, Active>>();

/** Runs an import in the background of this process (once at a time per import). */
export function launch(deps: AppDeps, id: string) {
  let m = active.get(deps);
  if (!m) active.set(deps, (m = new Map()));
  if (m.has(id)) return;
  const abort = new AbortController();
  const done = runImport(deps, id, { signal: abort.signal })
    .catch((err: unknown) => deps.log.error({ err, importId: id }, 'import failed'))
    .finally(() => m.delete(id));
  m.set(id, { abort, done });
}

/** Stops this process's runs where they are (they resume on the next start) and waits for them. */
export async function stopImports(deps: AppDeps) {
  const m = active.get(deps);
  if (!m) return;
  for (const a of m.values()) a.abort.abort();
  await Promise.allSettled([...m.values()].map((a) => a.done));
}

/** Resumes the runs left RUNNING or PENDING by a stopped or crashed process; answers how many it took. */
export async function resumeImports(deps: AppDeps, staleMs = LEASE_MS) {
  const rows = await deps.db.import.findMany({
    where: { status: { in: ['PENDING', 'RUNNING'] }, OR: [{ heartbeatAt: null }, { heartbeatAt: { lt: new Date(Date.now() - staleMs) } }] },
    select: { id: true },
    orderBy: { createdAt: 'asc' },
  });
  for (const r of rows) launch(deps, r.id);
  return rows.length;
}

/** Waits for this process's run of an import, if any. */
export async function settled(deps: AppDeps, id: string) {
  await active.get(deps)?.get(id)?.done;
}

class Stopped extends Error {}
/** The run was cancelled (cancelImport) while a batch was being written: that batch is undone. */
class Cancelled extends Error {}

/** Lookups a run makes once: users by name and e-mail, pipelines and their stages by name. */
async function lookups(ctx: ServiceCtx) {
  const users = await ctx.db.user.findMany({ where: { workspaceId: ctx.viewer.workspaceId }, select: { id: true, name: true, email: true } });
  const byUser = new Map<string, string[]>();
  for (const u of users) {
    for (const k of [c.key(u.name), u.email.toLowerCase()]) byUser.set(k, [...(byUser.get(k) ?? []), u.id]);
  }
  const pipelines = await ctx.db.pipeline.findMany({
    where: { workspaceId: ctx.viewer.workspaceId },
    include: { stages: { orderBy: { sortOrder: 'asc' } } },
    orderBy: [{ sortOrder: 'asc' }, { createdAt: 'asc' }],
  });
  return { byUser, pipelines };
}

type Env = Awaited<ReturnType<typeof lookups>> & {
  ctx: ServiceCtx;
  kind: CardKind;
  opts: ImportOptions;
  columns: Column[];
  region: string;
  currency: string;
  /** Linked cards found or created by name, so a company named on many rows is looked up once. */
  linked: Map<string, string | null>;
};

/**
 * Runs (or resumes) an import to its end. `signal` stops it at the next row as a crash would:
 * nothing more is written and the run is left to resume. `onProgress` hears the Import row as
 * committed after each batch (the CLI's progress bar).
 */
export async function runImport(deps: AppDeps, id: string, opts: { signal?: AbortSignal; staleMs?: number; onProgress?: (imp: ImportRow) => void } = {}) {
  const now = new Date();
  const claimed = await deps.db.import.updateMany({
    where: {
      id,
      status: { in: ['PENDING', 'RUNNING'] },
      OR: [{ heartbeatAt: null }, { heartbeatAt: { lt: new Date(now.getTime() - (opts.staleMs ?? LEASE_MS)) } }],
    },
    data: { status: 'RUNNING', heartbeatAt: now },
  });
  if (!claimed.count) return;
  const imp = await deps.db.import.findUniqueOrThrow({ where: { id } });
  const viewer = await viewerOfUser(deps.db, imp.createdById, 'session');
  const fail = (error: string) => deps.db.import.update({ where: { id }, data: { status: 'FAILED', error, finishedAt: new Date(), heartbeatAt: null } });
  if (!viewer) return void (await fail('the user who started the import is no longer active'));
  const ctx: ServiceCtx = { db: deps.db, deps, viewer, importing: { id, fileName: imp.fileName } };
  const run: Run = { id, dryRun: imp.dryRun, pending: [], at: imp.position };
  const kind = imp.entityType as CardKind;
  const options = imp.options as unknown as ImportOptions;
  let rows: AsyncGenerator<FileRow> | undefined;
  try {
    const ws = await workspaceRegion(ctx);
    const defs = await definitions(ctx, kind);
    const base = { ...(await lookups(ctx)), ctx, kind, opts: options, region: ws.phoneRegion, currency: ws.currency };
    rows = readRowsApart(deps.storage.open(imp.storageKey), imp.format as FileFormat);
    const mapping = new Map(options.mapping.map((m) => [m.column, m.field]));
    // The header: the first row (of the first ten with values) naming a known field, else the first with values.
    const head: { row: number; cells: Cell[] }[] = [];
    let header: { row: number; cells: Cell[] } | undefined;
    // One iterator for the header and the rows after it (a for-await loop would close it on break).
    for (let n = await rows.next(); !n.done; n = await rows.next()) {
      const r = n.value;
      if (emptyRow(r.cells)) continue;
      head.push(r);
      const cols = matchColumns(kind, defs, r.cells.map(c.text), mapping);
      if (cols.some((x) => x.target)) {
        header = r;
        break;
      }
      if (head.length >= 10) break;
    }
    header ??= head[0];
    if (!header) {
      await deps.db.import.update({ where: { id }, data: { status: 'FAILED', error: render(IMPORTS.noHeader(), viewer.locale), finishedAt: new Date() } });
      return;
    }
    const columns = matchColumns(kind, defs, header.cells.map(c.text), mapping);
    const env: Env = { ...base, columns, linked: new Map() };
    if (imp.position === 0) {
      run.pending.push({
        row: header.row,
        outcome: null,
        issues: columns
          .filter((x) => !x.target && x.header)
          .map((x) => ({ row: header.row, column: x.header, value: '', message: IMPORTS.unmatchedColumn({ column: x.header }) })),
      });
      await deps.db.$transaction(async (tx) => {
        await flush(tx, run, header.row);
        await tx.import.update({ where: { id }, data: { mapping: columns.map((x) => ({ column: x.header, field: x.target ? targetName(x.target) : null })) } });
      });
      confirm(run, header.row);
    }
    const after = Math.max(imp.position, header.row);
    // A dry run, which writes nothing, matches rows against every earlier row of the file; a real
    // run only against the rows of the batch under way (each batch its own keys: the lane's).
    const dryKeys = new FileKeys();
    let batch: { row: number; cells: Cell[] }[] = [];
    let stop = false;
    let analyzedAt = imp.created;
    // The statistics' refresh under way (analyze): on PostgreSQL it runs beside the batches.
    let analyzing: Promise<void> | undefined;
    // Side by side (PostgreSQL, a real run that creates or skips, never updates): while a batch
    // commits, the next ones are built, matched and inserted in transactions of their own, so the
    // process's work on one overlaps the database's on the others (IN_FLIGHT). A batch commits
    // only after the one before (the kernel's `order`), and counts its rows after it, so the
    // progress stays in file order and a stop or a crash leaves the run resumable after the last
    // committed batch, as one batch at a time did. PGlite has one connection: one batch at a time there.
    const sideBySide = !imp.dryRun && options.policy !== 'UPDATE' && deps.dbKind === 'postgres';
    /** `earlier`: the batches still in flight before this one, oldest first (the last commits just before it). */
    const write = (items: Prepared, earlier: Lane[]): Lane => {
      const before = earlier.at(-1);
      const lane: Lane = { keys: new FileKeys(), looped: signal(), locked: signal(), done: Promise.resolve(undefined) };
      // Its turn to commit: the batch before is done, and the run was not stopped meanwhile (a
      // stop lets the batch already committing finish, and undoes the one behind it).
      const turn = async () => {
        await laneDone(before);
        if (before && opts.signal?.aborted) throw new Stopped();
      };
      const go = async () => {
        try {
          await writeBatch(env, run, items, imp.dryRun ? dryKeys : lane.keys, sideBySide ? { lane, earlier, turn } : undefined);
          // A batch with nothing to commit still counts its rows after the batch before.
          await turn();
          await flushAlone(deps, run, items[items.length - 1].row);
        } catch (err) {
          if (!(err instanceof Cancelled)) throw err;
          stop = true;
          return;
        } finally {
          lane.looped.fire();
          lane.locked.fire();
        }
        publishProgress(deps, imp.workspaceId, id);
        const now = await deps.db.import.findUniqueOrThrow({ where: { id } });
        stop = now.status === 'CANCELLED';
        opts.onProgress?.(now);
        if (!imp.dryRun && !analyzing && now.created - analyzedAt >= Math.max(ANALYZE_EVERY, analyzedAt)) {
          analyzedAt = now.created;
          analyzing = analyze(deps, kind, imp.workspaceId, now.created).finally(() => (analyzing = undefined));
          // PGlite has one connection: there it runs between the batches.
          if (deps.dbKind !== 'postgres') await analyzing;
        }
      };
      // Its failure kept as a value until laneDone() throws it (a rejection not yet awaited would be unhandled).
      lane.done = go().then(
        () => undefined,
        (err: unknown) => err ?? new Error('import batch failed'),
      );
      return lane;
    };
    // While batches are written, the next is read from the file (the reader's parsing runs while
    // the process waits on the database); it is built once a batch in flight is done, never
    // further ahead (building ahead of the batches in flight kept more batches' built rows alive:
    // +50–60 MB of peak RSS, measured). A batch read ahead but not yet written is simply read
    // again on resume.
    const inFlight: Lane[] = [];
    const start = async (rows: { row: number; cells: Cell[] }[]) => {
      // At most IN_FLIGHT batches side by side; one at a time otherwise.
      while (inFlight.length >= (sideBySide ? IN_FLIGHT[imp.format as FileFormat] : 1)) await laneDone(inFlight.shift());
      const items = prepareBatch(env, rows);
      // Stopped meanwhile: nothing more is written, as before the read-ahead.
      if (opts.signal?.aborted) throw new Stopped();
      if (stop) return;
      inFlight.push(write(items, sideBySide ? [...inFlight] : []));
    };
    try {
      for (let n = await rows.next(); !n.done; n = await rows.next()) {
        const r = n.value;
        if (opts.signal?.aborted) throw new Stopped();
        if (r.row <= after || emptyRow(r.cells)) continue;
        batch.push(r);
        if (batch.length >= options.batchSize) {
          const full = batch;
          batch = [];
          await start(full);
          if (stop) break;
        }
      }
      if (!stop && batch.length) await start(batch);
      for (const lane of inFlight) await laneDone(lane);
    } finally {
      // A stop or a reading error: the batches being written finish (or fail) before the run ends.
      for (const lane of inFlight) await lane.done;
      await analyzing;
    }
    const reportId = await writeReport(ctx, id);
    await deps.db.import.updateMany({
      where: { id, status: 'RUNNING' },
      data: { status: 'DONE', finishedAt: new Date(), heartbeatAt: null, reportId },
    });
    await deps.db.import.updateMany({ where: { id, status: 'CANCELLED' }, data: { heartbeatAt: null, reportId } });
    publishProgress(deps, imp.workspaceId, id);
  } catch (err) {
    if (err instanceof Cancelled) {
      // Cancelled before its header was counted: nothing of it was written.
      await deps.db.import.updateMany({ where: { id, status: 'CANCELLED' }, data: { heartbeatAt: null } });
      publishProgress(deps, imp.workspaceId, id);
      return;
    }
    if (err instanceof Stopped || opts.signal?.aborted) {
      // Left RUNNING for the next start; the lease is released so that start need not wait for it.
      await deps.db.import.update({ where: { id }, data: { heartbeatAt: null } }).catch(() => {});
      return;
    }
    deps.log.error({ err, importId: id }, 'import failed');
    await fail(render(IMPORTS.unreadable({ problem: err instanceof Error ? err.message : String(err) }), viewer.locale));
  } finally {
    // The file closed (and its reading thread ended) also when the run stopped before its end.
    await rows?.return(undefined);
  }
}

/**
 * Batches written side by side at most (a real run on PostgreSQL), by the file's format. A CSV:
 * three against two, the process waited on the database 8 % of its time instead of 16 %, and
 * 20,000 rows took 6 % less time (5 alternated pairs; a fourth batch did not separate from
 * three). An XLSX keeps two: its reading thread already uses the core a third batch would, so it
 * gained 1–4 %, and its peak RSS went from 259 to 305 MB at 300,000 rows, past the 300 MB goal
 * (docs/performance.md). A CSV's went from 213 to 233 MB.
 */
const IN_FLIGHT: Record<FileFormat, number> = { CSV: 3, XLSX: 2 };

/** Cards an import writes before it first refreshes the card table's statistics (then each time it has doubled what it wrote). */
const ANALYZE_EVERY = 2000;
/**
 * The share of the cards it wrote under which the planner's count of the workspace's cards makes
 * the import analyze. Where other workspaces' cards fill much of the table, the planner keeps the
 * workspace's share the last ANALYZE saw, so its count lags the import. At 3/4, a 30,000-row
 * import beside 30,000 cards of another workspace analyzed at each doubling: 4 times, 1.3–1.7 s
 * each. At 1/4 it analyzes twice, and its matching cost the same (as it did there with no ANALYZE
 * at all; into an empty table an import still needs the first one). Measured. A fifth since the
 * ANALYZE samples fewer rows (ANALYZE_TARGET): the workspace's share it finds varies by ~6 %
 * between runs (a sample of 9,000 rows), and beside 46,000 other cards an import of 8,000 found
 * ~2,300 of them counted at its last check, against a bar of 2,000 at a quarter (one CI run
 * analyzed again there; 1,600 at a fifth).
 */
const ANALYZE_BELOW = 0.2;

/**
 * The statistics target of the import's ANALYZE (PostgreSQL's default is 100): it samples 300 rows
 * per unit, 9,000 here instead of 30,000, which tell the workspace's share of the table and the
 * names' spread as well, for a fifth of the CPU (~0.2 s against ~1.1 s at 130,000 cards, each of
 * the 57 indexes' predicates and expressions evaluated on each sampled row; measured). Its
 * histograms and lists of common values are coarser (30 entries, not 100) until the next ANALYZE
 * of the table (autovacuum's, after an import's worth of new rows) makes them anew.
 */
export const ANALYZE_TARGET = 30;

/**
 * Refreshes the planner's statistics of the card table an import fills, when they are behind. A
 * workspace filled faster than autovacuum analyzes it looks nearly empty to the planner, which
 * then matches a batch's names with one hash or merge join over every card of the workspace
 * (linear in the cards, so an import's matching grew quadratic over the file: 0.2 s a batch at
 * 30,000 cards) instead of probing the ("workspaceId", lower(name)) index. Checked after 2,000
 * cards and each time the import doubled what it wrote, beside the batches being written
 * (ANALYZE's lock lets rows be inserted and read meanwhile), and run only when the planner counts
 * fewer of the workspace's cards than a fifth of those the import wrote (ANALYZE_BELOW). The
 * planner scales its row count with the table's pages, so once it knows the workspace's share of a
 * table the workspace fills it follows it without another ANALYZE (ANALYZE_TARGET for its cost). The
 * whole table is analyzed: the lower(name) index's own statistics tell the planner that a name
 * matches few cards (without them it merge-joins the batch's names against every card of the
 * workspace, ~1 s a batch at 100,000 cards, measured). A failure (no right to ANALYZE) only costs
 * speed.
 */
async function analyze(deps: AppDeps, kind: CardKind, workspaceId: string, written: number) {
  try {
    const table = TABLES[kind];
    const [{ 'QUERY PLAN': plan }] = await deps.db.$queryRawUnsafe<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }[]>(
      `explain (format json) select 1 from "${table}" where "workspaceId" = $1::uuid and "deletedAt" is null`,
      workspaceId,
    );
    if (plan[0].Plan['Plan Rows'] >= written * ANALYZE_BELOW) return;
    await deps.db.$transaction([
      deps.db.$executeRawUnsafe(`set local default_statistics_target = ${ANALYZE_TARGET}`),
      deps.db.$executeRawUnsafe(`analyze "${table}"`),
    ]);
  } catch (err) {
    deps.log.warn({ err }, 'import: analyze failed');
  }
}

// One row

type Built = {
  write: CardWrite;
  columnOf: (path: string) => Column | undefined;
  company?: { col: Column; name: string };
  contacts?: { col: Column; names: string[] };
};

function valueOf(cells: Cell[], col: Column) {
  const x = cells[col.index] ?? null;
  return x instanceof Date ? x.toISOString().slice(0, 10) : x === null ? '' : String(x);
}

function customValue(def: FieldDef, cell: Cell, env: Env): ValueInput | Message {
  const s = c.text(cell)!;
  switch (def.type) {
    case 'TEXT':
    case 'TEXTAREA':
      return { text: s };
    case 'NUMBER': {
      const n = c.decimal(cell);
      return n === null ? IMPORTS.number() : { number: n };
    }
    case 'MONEY': {
      const m = c.money(cell);
      return m === null ? IMPORTS.number() : { money: { amount: m.amount, currency: m.currency ?? env.currency } };
    }
    case 'DATE': {
      const d = c.date(cell);
      return d === null ? IMPORTS.date() : { date: d };
    }
    case 'DATETIME': {
      const d = c.dateTime(cell);
      return d === null ? IMPORTS.date() : { dateTime: d };
    }
    case 'BOOLEAN': {
      const b = c.boolean(cell);
      return b === null ? IMPORTS.boolean() : { boolean: b };
    }
    case 'SELECT': {
      const o = optionsOf(def).get(c.key(s));
      return o ? { optionId: o.id } : IMPORTS.option({ label: s });
    }
    case 'MULTISELECT': {
      const ids: string[] = [];
      for (const label of c.list(cell)) {
        const o = optionsOf(def).get(c.key(label));
        if (!o) return IMPORTS.option({ label });
        ids.push(o.id);
      }
      return { optionIds: ids };
    }
    case 'URL':
      return { url: s };
    case 'EMAIL':
      return { email: s };
    case 'PHONE':
      return { phone: s };
    case 'FILE':
      return IMPORTS.fileField();
    case 'FORMULA':
      return IMPORTS.computed();
  }
}

/** A field's options by their label as matched (c.key), made once per definition; the first of two that match alike. */
const optionsByKey = new WeakMap<FieldDef, Map<string, FieldDef['options'][number]>>();
function optionsOf(def: FieldDef) {
  let m = optionsByKey.get(def);
  if (!m) {
    m = new Map();
    for (const o of def.options) if (!m.has(c.key(o.label))) m.set(c.key(o.label), o);
    optionsByKey.set(def, m);
  }
  return m;
}

/** Where the kernel's field paths point, whether or not the row has a value there. */
const PATH: Partial<Record<Column['target'] extends infer T ? (T extends { to: infer K } ? K & string : never) : never, string>> = {
  id: 'id',
  namePart: 'name',
  responsible: 'responsibleId',
  tags: 'tags',
  company: 'companyId',
  contacts: 'contactIds',
  pipeline: 'pipelineId',
  stage: 'stageId',
};
/** The first column of each field path (PATH), per import's columns: the same for every row. */
const pathColumns = new WeakMap<Column[], Record<string, Column>>();
function columnsByPath(columns: Column[]) {
  let at = pathColumns.get(columns);
  if (!at) {
    at = {};
    for (const col of columns) {
      if (!col.target) continue;
      const p = col.target.to === 'system' ? col.target.name : PATH[col.target.to];
      if (p) at[p] ??= col;
    }
    pathColumns.set(columns, at);
  }
  return at;
}

const isMessage = (x: ValueInput | Message): x is Message => 'key' in x && typeof (x as Message).key === 'string';

// Per-row helpers are functions of the module, not closures made per row: the bundle keeps
// functions' names (esbuild's keepNames, tsx's too), and naming closures made per row and per
// value cost ~5 % of an import's CPU (docs/performance.md).
const noColumn = (): Column | undefined => undefined;
/** A problem of one cell of a row. */
function cellIssue(issues: RowIssue[], row: number, cells: Cell[], col: Column, message: Message) {
  issues.push({ row, column: col.header, value: valueOf(cells, col), message });
}
/** Whether a card kind has a system field of this name. */
const hasField = (kind: CardKind, name: string) => descriptor(kind).fields.some((x) => x.name === name);

/** The write a row asks for, and the problems of its cells. */
function build(env: Env, row: number, cells: Cell[], issues: RowIssue[]): Built & { id?: string; pipeline?: string; stage?: string } {
  const d = descriptor(env.kind);
  const fields: Record<string, unknown> = {};
  const write: CardWrite = { fields };
  const custom: FieldValueInput[] = [];
  const customCols: Column[] = [];
  const parts: string[] = [];
  // The row's own columns (the one that held a value) over the import's first column of each path.
  const at: Record<string, Column> = Object.create(columnsByPath(env.columns));
  const out: ReturnType<typeof build> = { write, columnOf: noColumn };
  for (const col of env.columns) {
    const t = col.target;
    const cell = cells[col.index] ?? null;
    if (!t || c.text(cell) === null) continue;
    const s = c.text(cell)!;
    switch (t.to) {
      case 'id':
        out.id = s;
        at.id = col;
        break;
      case 'system': {
        const f = d.fields.find((x) => x.name === t.name)!;
        at[t.name] ??= col;
        if (f.type === 'PHONES' || f.type === 'EMAILS') fields[t.name] = [...((fields[t.name] as string[]) ?? []), ...c.list(cell, true)];
        else if (f.type === 'AMOUNT') {
          const m = c.money(cell);
          if (!m) cellIssue(issues, row, cells, col, IMPORTS.number());
          else {
            fields.amount = m.amount;
            if (m.currency && fields.currency === undefined) fields.currency = m.currency;
          }
        } else if (f.type === 'CURRENCY') fields.currency = s.toUpperCase();
        else fields[t.name] = s;
        break;
      }
      case 'namePart':
        parts[t.part] = s;
        at.name ??= col;
        break;
      case 'responsible': {
        at.responsibleId = col;
        const ids = env.byUser.get(s.includes('@') ? s.toLowerCase() : c.key(s)) ?? [];
        if (ids.length === 1) write.responsibleId = ids[0];
        else cellIssue(issues, row, cells, col, ids.length ? IMPORTS.manyUsers({ value: s }) : IMPORTS.noUser({ value: s }));
        break;
      }
      case 'tags':
        at.tags = col;
        write.tags = [...(write.tags ?? []), ...c.list(cell, true)];
        break;
      case 'company':
        at.companyId = col;
        out.company = { col, name: s };
        break;
      case 'contacts':
        at.contactIds = col;
        out.contacts = { col, names: [...(out.contacts?.names ?? []), ...c.list(cell)] };
        break;
      case 'pipeline':
        at.pipelineId = col;
        out.pipeline = s;
        break;
      case 'stage':
        at.stageId = col;
        out.stage = s;
        break;
      case 'custom': {
        const x = customValue(t.def, cell, env);
        if (isMessage(x)) cellIssue(issues, row, cells, col, x);
        else {
          custom.push({ fieldId: t.def.id, value: x });
          customCols.push(col);
        }
        break;
      }
    }
  }
  if (parts.length && fields.name === undefined) fields.name = parts.filter(Boolean).join(' ');
  if (custom.length) write.customFields = custom;
  out.columnOf = (path: string) => {
    const m = /^customFields\[(\d+)\]/.exec(path);
    if (m) return customCols[Number(m[1])];
    const root = path.replace(/^(fields\.|extra\.)/, '').split(/[.[]/)[0];
    return at[root];
  };
  return out;
}

/** The stage a row names, within its pipeline (or the workspace's first); adds an issue when unknown. */
function stageOf(env: Env, b: ReturnType<typeof build>, row: number, cells: Cell[], issues: RowIssue[]) {
  if (!b.pipeline && !b.stage) return;
  const pipelineCol = b.columnOf('pipelineId');
  const stageCol = b.columnOf('stageId');
  const pipeline = b.pipeline ? env.pipelines.find((p) => c.key(p.name) === c.key(b.pipeline!)) : env.pipelines.find((p) => !p.archived);
  if (!pipeline) {
    issues.push({ row, column: pipelineCol?.header ?? '', value: b.pipeline ?? '', message: IMPORTS.noPipeline({ value: b.pipeline ?? '' }) });
    return;
  }
  const extra: Record<string, unknown> = { pipelineId: pipeline.id };
  if (b.stage) {
    const stage = pipeline.stages.find((s) => c.key(s.name) === c.key(b.stage!));
    if (!stage) {
      issues.push({
        row,
        column: stageCol?.header ?? '',
        value: valueOf(cells, stageCol!),
        message: IMPORTS.noStage({ value: b.stage, pipeline: pipeline.name }),
      });
      return;
    }
    extra.stageId = stage.id;
  }
  b.write.extra = { ...b.write.extra, ...extra };
}

const live = (ctx: ServiceCtx, kind: CardKind) => ({ ...visible(ctx, kind), deletedAt: null });

/** A row's id column as a card id: a plain uuid or the API's global id; null when it is neither. */
function cardIdOf(given: string): string | null {
  if (isUuid(given)) return given;
  try {
    return decodeGlobalId(given).id;
  } catch {
    return null;
  }
}

/** The card a row duplicates, by the run's matching keys in order; null when none. */
async function findMatch(env: Env, b: ReturnType<typeof build>): Promise<Found | null> {
  const table = cardTable(env.ctx.db, env.kind);
  const where = live(env.ctx, env.kind);
  const f = b.write.fields ?? {};
  for (const by of env.opts.matchBy) {
    let cond: object | null = null;
    if (by === 'ID' && b.id) {
      const id = cardIdOf(b.id);
      if (!id) continue;
      if (isUuid(id)) cond = { id };
    } else if (by === 'EMAIL' && Array.isArray(f.emails) && f.emails.length) {
      cond = { emails: { hasSome: (f.emails as string[]).map((e) => e.toLowerCase()) } };
    } else if (by === 'PHONE' && Array.isArray(f.phones) && f.phones.length) {
      const phones = (f.phones as string[]).map((p) => v.normalizePhone(p, env.region)).filter((p): p is string => !!p);
      if (phones.length) cond = { phones: { hasSome: phones } };
    } else if (by === 'NAME' && typeof f.name === 'string') {
      // Written LOWER(name) IN (LOWER($n)), which the ("workspaceId", lower(name)) index serves.
      cond = { name: v.sameText(f.name) };
    }
    if (!cond) continue;
    // Only kinds that have the column are asked (a deal has no phones or e-mails).
    if (('emails' in cond || 'phones' in cond) && !descriptor(env.kind).fields.some((x) => x.name === ('emails' in cond ? 'emails' : 'phones'))) continue;
    const found = await table.findFirst({ where: { ...where, ...cond }, orderBy: { createdAt: 'asc' } });
    if (found) return { id: found.id, version: found.version, createdAt: found.createdAt as Date };
  }
  return null;
}

/** A linked card by name (or e-mail or phone), else created unless this is a dry run; null when neither. */
async function linked(env: Env, kind: CardKind, name: string): Promise<string | null> {
  const k = `${kind}:${name.toLowerCase()}`;
  if (env.linked.has(k)) return env.linked.get(k)!;
  const id = await findOrCreate(env, kind, name);
  // A dry run creates nothing, so "not found" stays true for the run.
  env.linked.set(k, id);
  return id;
}

async function findOrCreate(env: Env, kind: CardKind, name: string): Promise<string | null> {
  const ctx = env.ctx;
  const cond = name.includes('@')
    ? { emails: { has: name.toLowerCase() } }
    : /^\+?[\d\s()-]{6,}$/.test(name) && kind !== 'DEAL'
      ? { phones: { has: v.normalizePhone(name, env.region) ?? name } }
      : { name: v.sameText(name) };
  const found = await cardTable(ctx.db, kind).findFirst({ where: { ...live(ctx, kind), ...cond }, select: { id: true }, orderBy: { createdAt: 'asc' } });
  if (found) return found.id;
  if (env.opts.dryRun) return null;
  const fields = name.includes('@') ? { name, emails: [name] } : { name };
  return (await createRecord(ctx, kind, { fields })).id;
}

function problemsOf(err: unknown, b: ReturnType<typeof build> | null, row: number, cells: Cell[]): RowIssue[] {
  if (err instanceof ValidationError) {
    return err.fields.map((f: FieldIssue) => {
      const col = b?.columnOf(f.field);
      return { row, column: col?.header ?? f.field, value: col ? valueOf(cells, col) : '', message: f.message };
    });
  }
  if (err instanceof AppError) return [{ row, column: '', value: '', message: err.msg }];
  return [{ row, column: '', value: '', message: IMPORTS.rowFailed({ problem: err instanceof Error ? err.message.slice(0, 200) : String(err) }) }];
}

// A batch of rows

/** The keys a row is matched by, in the run's order: `by` and the key as the lookups index it. */
function keysOf(env: Env, b: Built & { id?: string }): { by: MatchBy; key: string }[] {
  const out: { by: MatchBy; key: string }[] = [];
  const f = b.write.fields ?? {};
  for (const by of env.opts.matchBy) {
    if (by === 'ID' && b.id) {
      const id = cardIdOf(b.id);
      if (!id) continue;
      if (isUuid(id)) out.push({ by, key: `id:${id}` });
    } else if (by === 'EMAIL' && hasField(env.kind, 'emails') && Array.isArray(f.emails)) {
      for (const e of f.emails as string[]) out.push({ by, key: `email:${e.toLowerCase()}` });
    } else if (by === 'PHONE' && hasField(env.kind, 'phones') && Array.isArray(f.phones)) {
      for (const p of f.phones as string[]) {
        const n = v.normalizePhone(p, env.region);
        if (n) out.push({ by, key: `phone:${n}` });
      }
    } else if (by === 'NAME' && typeof f.name === 'string' && f.name.trim()) {
      out.push({ by, key: `name:${f.name.toLowerCase()}` });
    }
  }
  return out;
}

type Found = { id: string; version: number; createdAt: Date };

const TABLES: Record<CardKind, string> = { CONTACT: 'Contact', COMPANY: 'Company', DEAL: 'Deal' };

/**
 * The live cards the viewer may see matching any key of these rows, in one statement: key → the
 * oldest such card.
 *
 * Each kind of key is its own index-driven branch, so a batch costs the same however many cards
 * the workspace holds: ids by the primary key, e-mails and phones one GIN probe per value (their
 * indexes without fast update, migration 20261203090000, so a probe does not read the pending
 * list of every card inserted since the last vacuum), in subqueries fenced with OFFSET 0 that
 * keep the workspace condition out of them: with the workspace's statistics stale, as they are
 * while an import fills it, the planner otherwise read every card of the workspace through its
 * index and compared it with the whole batch (quadratic over the file). Names are a join: probes
 * of the ("workspaceId", lower(name)) index when the statistics are fresh, else one hash join
 * over the workspace's cards (linear, ~0.2 s a batch at 30,000 cards on a loaded machine; a
 * fenced per-name probe was planned on another workspace index there and cost 39 s). Visibility is
 * applied to the few cards found (no query at all for a role that sees every card of the kind).
 */
async function lookupMatches(env: Env, keys: string[]): Promise<Map<string, Found>> {
  // The keys by kind, each once, in one pass (a batch has a few per row).
  const sets: Record<string, Set<string>> = { id: new Set(), email: new Set(), phone: new Set(), name: new Set() };
  for (const k of keys) {
    const at = k.indexOf(':');
    sets[k.slice(0, at)].add(k.slice(at + 1));
  }
  const [ids, emails, phones, names] = [sets.id, sets.email, sets.phone, sets.name].map((x) => [...x]);
  const out = new Map<string, Found>();
  const table = Prisma.raw(`"${TABLES[env.kind]}"`);
  const cols = Prisma.raw(
    [
      '"id"::text as "id"',
      '"version"',
      '"createdAt"',
      '"name"',
      hasField(env.kind, 'emails') ? '"emails"' : `'{}'::text[] as "emails"`,
      hasField(env.kind, 'phones') ? '"phones"' : `'{}'::text[] as "phones"`,
    ].join(', '),
  );
  const live = Prisma.sql`c."workspaceId" = ${env.ctx.viewer.workspaceId}::uuid and c."deletedAt" is null`;
  const byValue = (column: string, values: string[]) =>
    Prisma.sql`select ${cols} from unnest(${values}::text[]) as k("v") cross join lateral (select * from ${table} where ${Prisma.raw(`"${column}"`)} @> array[k."v"] offset 0) as c where ${live}`;
  const branches = [
    ...(ids.length ? [Prisma.sql`select ${cols} from ${table} as c where c."id" = any(${ids}::uuid[]) and ${live}`] : []),
    ...(emails.length && hasField(env.kind, 'emails') ? [byValue('emails', emails)] : []),
    ...(phones.length && hasField(env.kind, 'phones') ? [byValue('phones', phones)] : []),
    ...(names.length
      ? [Prisma.sql`select ${cols} from unnest(${names}::text[]) as n("v") join ${table} as c on lower(c."name") = lower(n."v") where ${live}`]
      : []),
  ];
  if (!branches.length) return out;
  let rows = await env.ctx.db.$queryRaw<(Found & { name: string; emails: string[]; phones: string[] })[]>`
    select * from (${Prisma.join(branches, ' union ')}) as m order by "createdAt", "id"`;
  if (rights.scopeOf(env.ctx.viewer, env.kind, 'VIEW') !== 'ALL' && rows.length) {
    const seen = await cardTable(env.ctx.db, env.kind).findMany({
      where: { id: { in: rows.map((r) => r.id) }, ...visible(env.ctx, env.kind) },
      select: { id: true },
    });
    const ok = new Set(seen.map((r) => r.id));
    rows = rows.filter((r) => ok.has(r.id));
  }
  const put = (key: string, r: Found) => {
    if (!out.has(key)) out.set(key, { id: r.id, version: r.version, createdAt: r.createdAt });
  };
  for (const r of rows) {
    put(`id:${r.id}`, r);
    for (const e of r.emails) put(`email:${e.toLowerCase()}`, r);
    for (const p of r.phones) put(`phone:${p}`, r);
    put(`name:${String(r.name).toLowerCase()}`, r);
  }
  return out;
}

/**
 * Rows of the file by their keys: the first row having each key. A real run keeps the rows of
 * the batch under way (earlier batches are in the database, where matching finds them); a dry
 * run, which writes nothing, keeps every row of the file, so duplicates within the file are
 * reported wherever they are.
 */
class FileKeys {
  private readonly first = new Map<string, number>();
  add(keys: { key: string }[], row: number) {
    for (const k of keys) if (!this.first.has(k.key)) this.first.set(k.key, row);
  }
  /** The first row of the file holding any of `keys` (those matched `by` only, when given). */
  rowOf(keys: { by: MatchBy; key: string }[], by?: MatchBy) {
    let first: number | undefined;
    for (const k of keys) {
      if (by !== undefined && k.by !== by) continue;
      const row = this.first.get(k.key);
      if (row !== undefined && (first === undefined || row < first)) first = row;
    }
    return first;
  }
}

type Op = { row: number; cells: Cell[]; b: ReturnType<typeof build>; match: Found | null };

/** A promise fired once, from outside. */
function signal() {
  let fire!: () => void;
  const done = new Promise<void>((resolve) => (fire = resolve));
  return { done, fire };
}
/**
 * A batch being written (runImport): its rows' keys, fired once its loop has made its links and
 * once its transaction holds the fields' lock, and done (with its error, if any) once its rows
 * are committed and counted.
 */
type Lane = { keys: FileKeys; looped: ReturnType<typeof signal>; locked: ReturnType<typeof signal>; done: Promise<unknown> };

/** Waits for a batch written before to be done; throws its error. */
async function laneDone(lane: Lane | undefined) {
  const err = await lane?.done;
  if (err) throw err;
}

/**
 * A batch's rows as the write will take them: each row built (its cells coerced and checked as
 * the file gives them) with its matching keys. Pure (no database).
 */
function prepareBatch(env: Env, rows: { row: number; cells: Cell[] }[]) {
  const { policy, dryRun } = env.opts;
  return rows.map((r) => {
    const issues: RowIssue[] = [];
    const b = build(env, r.row, r.cells, issues);
    if (env.kind === 'DEAL') stageOf(env, b, r.row, r.cells, issues);
    const keys = issues.length || (policy === 'CREATE' && !dryRun) ? [] : keysOf(env, b);
    return { ...r, b, issues, keys };
  });
}
type Prepared = ReturnType<typeof prepareBatch>;

/**
 * Settles a batch of built rows (prepareBatch): matches the batch against the database in one
 * query and against the file's earlier rows, and writes the rows through writeRecords. Rows are
 * taken in order, so a row matching one earlier in the file sees what that row did: under UPDATE
 * the rows before it are committed first and it updates the card the earlier row created.
 */
async function writeBatch(env: Env, run: Run, items: Prepared, dupes: FileKeys, side?: { lane: Lane; earlier: Lane[]; turn: () => Promise<void> }) {
  const { policy, dryRun } = env.opts;
  const earlier = side?.earlier ?? [];
  if (earlier.length) {
    // Their loops made the cards their rows link to (companies, contacts), which rows here may
    // name too (each batch's loop waits for the one before's).
    await earlier.at(-1)!.looped.done;
    // A row sharing a key with a row of a batch before, whose card is not committed yet, is
    // matched once that batch is: as a run of one batch at a time would match it. Batches
    // commit in order, so the latest such batch done means all before it are.
    const clash = [...earlier].reverse().find((l) => items.some((i) => i.keys.length && l.keys.rowOf(i.keys) !== undefined));
    if (clash) await laneDone(clash);
  }
  const db =
    policy === 'CREATE'
      ? new Map<string, Found>()
      : await lookupMatches(
          env,
          items.flatMap((i) => i.keys.map((k) => k.key)),
        );
  let ops: Op[] = [];
  const opRows = new Set<number>();
  const targets = new Set<string>();
  const commitOps = async () => {
    const list = ops;
    ops = [];
    opRows.clear();
    targets.clear();
    if (!list.length) return;
    const settled = (o: Op, created: boolean): Settled => ({ row: o.row, outcome: created ? 'created' : 'updated', issues: [] });
    const results = await writeRecords(
      env.ctx,
      env.kind,
      list.map((o) => (o.match ? { id: o.match.id, version: o.match.version, write: o.b.write } : { write: o.b.write })),
      {
        dryRun,
        refused: (i, err) => {
          const o = list[i];
          if (!(err instanceof AppError)) env.ctx.deps.log.warn({ err, row: o.row }, 'import row failed');
          run.pending.push({ row: o.row, outcome: 'failed', issues: problemsOf(err, o.b, o.row, o.cells) });
        },
        // The run's progress commits with the rows: the Import row counts them and the rows settled before them.
        committing: dryRun
          ? undefined
          : (tx, written) =>
              flushWith(
                tx,
                run,
                Math.max(...written.map((w) => list[w.index].row)),
                written.map((w) => settled(list[w.index], w.created)),
              ),
        committed: dryRun ? undefined : (written) => confirm(run, Math.max(...written.map((w) => list[w.index].row))),
        order: side && {
          ready: () => earlier.at(-1)?.locked.done ?? Promise.resolve(),
          locked: side.lane.locked.fire,
          turn: side.turn,
        },
      },
    );
    if (dryRun) {
      const likely = await likelyDuplicates(env, list);
      // A row with a whole-row note already (another row of the file it matches) carries them there.
      const notes = new Map(run.pending.flatMap((p) => p.issues.filter((x) => x.column === '').map((x) => [x.row, x] as const)));
      results.forEach((r, i) => {
        if (!r.ok) return;
        const s = settled(list[i], r.created);
        const found = likely[i];
        if (found.length) {
          const note = notes.get(s.row);
          if (note) note.duplicates = found;
          else
            s.issues.push({
              row: s.row,
              column: '',
              value: '',
              message: IMPORTS.likelyDuplicates({ count: found.length, name: found[0].name }),
              duplicates: found,
            });
        }
        run.pending.push(s);
      });
    }
  };
  for (const it of items) {
    const { row, cells, b, keys } = it;
    if (it.issues.length) {
      run.pending.push({ row, outcome: 'failed', issues: it.issues });
      continue;
    }
    let match: Found | null = null;
    let sameAs: number | undefined;
    if (keys.length) {
      for (const by of env.opts.matchBy) {
        if (policy !== 'CREATE') {
          // The oldest card any of the row's keys of this kind names (the first of equals).
          for (const k of keys) {
            const card = k.by === by ? db.get(k.key) : undefined;
            if (card && (!match || card.createdAt.getTime() < match.createdAt.getTime())) match = card;
          }
          if (match) break;
        }
        sameAs = dupes.rowOf(keys, by);
        if (sameAs !== undefined) break;
      }
    }
    const note = (message: Message) => ({ row, column: '', value: '', message });
    if (policy === 'SKIP' && (match || sameAs !== undefined)) {
      run.pending.push({ row, outcome: 'skipped', issues: [note(match ? IMPORTS.skippedDuplicate() : IMPORTS.duplicateRow({ row: sameAs! }))] });
      continue;
    }
    const issues: RowIssue[] = [];
    if (policy === 'UPDATE' && !match && sameAs !== undefined) {
      if (dryRun) {
        // Nothing was written for the earlier row, so there is no card to check the update against.
        run.pending.push({ row, outcome: 'updated', issues: [note(IMPORTS.updatesRow({ row: sameAs }))] });
        continue;
      }
      // The card the earlier row creates is committed first, then found as any card is.
      if (opRows.has(sameAs)) await commitOps();
      match = await findMatch(env, b);
    } else if (policy === 'UPDATE' && match && targets.has(match.id)) {
      // A second row for the same card: after the first one's update, with the version it made.
      await commitOps();
      match = await findMatch(env, b);
    } else if (policy === 'CREATE' && dryRun && sameAs !== undefined) {
      issues.push(note(IMPORTS.createsAnother({ row: sameAs })));
    }
    if (!match) dupes.add(keys, row);
    try {
      await links(env, b);
    } catch (err) {
      run.pending.push({ row, outcome: 'failed', issues: problemsOf(err, b, row, cells) });
      continue;
    }
    if (issues.length) run.pending.push({ row, outcome: null, issues });
    ops.push({ row, cells, b, match });
    opRows.add(row);
    if (match) targets.add(match.id);
  }
  side?.lane.looped.fire();
  await commitOps();
}

/** How many likely duplicates a dry run reports per row (the best ones). */
const LIKELY_MAX = 5;
/**
 * Names a dry run looks for: nearly the same (trigram similarity ≥ 0.8: case, spacing, word
 * order), not the looser ones `duplicates` also finds (a changed ending): among many similar
 * names ("Person 1234" in a file of "Person N") the loose search costs ~8 ms a row.
 */
const LIKELY_NAMES = 0.8;

/**
 * A dry run's contacts or companies as they would be written, each with the live cards the
 * import's author may see that look like it (kernel/duplicates.ts: same phone, e-mail or a nearly
 * identical name), leaving out the card the row updates: one batched search for the rows given.
 */
async function likelyDuplicates(env: Env, list: Op[]): Promise<DuplicateMatch[][]> {
  if (env.kind === 'DEAL') return list.map(() => []);
  const probes = list.map((o) => {
    const f = o.b.write.fields ?? {};
    return {
      name: typeof f.name === 'string' ? f.name : null,
      phones: Array.isArray(f.phones) ? (f.phones as string[]) : [],
      emails: Array.isArray(f.emails) ? (f.emails as string[]) : [],
    };
  });
  return findDuplicatesMany(
    env.ctx,
    env.kind,
    probes,
    list.map((o) => (o.match ? [o.match.id] : [])),
    LIKELY_MAX,
    LIKELY_NAMES,
  );
}

/** A deal's company and contacts, and a contact's company, by name: matched, else created (not in a dry run). */
async function links(env: Env, b: ReturnType<typeof build>) {
  if (b.company) {
    const id = await linked(env, 'COMPANY', b.company.name);
    if (id) b.write.companyId = id;
  }
  if (b.contacts && env.kind === 'DEAL') {
    const ids = [];
    for (const n of b.contacts.names) {
      const id = await linked(env, 'CONTACT', n);
      if (id) ids.push(id);
    }
    b.write.extra = { ...b.write.extra, contactIds: ids };
  }
}

// The report

/** The report as CSV lines: row, column, value, message (in the import author's language). */
export async function* reportLines(ctx: ServiceCtx, id: string, locale = ctx.viewer.locale): AsyncGenerator<string[]> {
  yield locale === 'ru' ? ['Строка', 'Столбец', 'Значение', 'Сообщение'] : ['Row', 'Column', 'Value', 'Message'];
  let cursor: string | undefined;
  for (;;) {
    const page = await ctx.db.importIssue.findMany({
      where: { importId: id },
      orderBy: [{ row: 'asc' }, { column: 'asc' }, { id: 'asc' }],
      take: 1000,
      ...(cursor ? { skip: 1, cursor: { id: cursor } } : {}),
    });
    for (const i of page) yield [String(i.row), i.column, i.value, render(i.message as unknown as Message, locale)];
    if (page.length < 1000) return;
    cursor = page[page.length - 1].id;
  }
}

/** Stores the report as a CSV file the import's author may download; null when there is nothing to report. */
async function writeReport(ctx: ServiceCtx, id: string): Promise<string | null> {
  if (!(await ctx.db.importIssue.count({ where: { importId: id } }))) return null;
  const imp = await ctx.db.import.findUniqueOrThrow({ where: { id } });
  const reportId = randomUUID();
  const storageKey = `${ctx.viewer.workspaceId}/${reportId}`;
  const csv = Readable.from(reportLines(ctx, id)).pipe(stringify({ bom: true }));
  const size = await ctx.deps.storage.putStream(storageKey, csv);
  await ctx.db.attachment.create({
    data: {
      id: reportId,
      workspaceId: ctx.viewer.workspaceId,
      name: `${imp.fileName.replace(/\.(csv|xlsx|txt|tsv)$/i, '')}.report.csv`,
      contentType: 'text/csv',
      size,
      storageKey,
      uploadedById: imp.createdById,
    },
  });
  return reportId;
}
