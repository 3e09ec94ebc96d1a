// Import batches written side by side on PostgreSQL: while one batch commits, the next ones are
// inserted in transactions of their own, each committing only after the one before (the kernel's
// `order` hooks). Runs in the PostgreSQL pass: on PGlite, with one connection, batches go one at a time.
import { writeRecords, type BatchWrite } from '../../src/kernel/records.js';
import { runImport } from '../../src/modules/imports/imports.service.js';
import { describe, expect, test, type Kernel } from '../kernel/kit.js';

const contacts = (prefix: string, n: number): BatchWrite[] => Array.from({ length: n }, (_, i) => ({ write: { fields: { name: `${prefix} ${i + 1}` } } }));

/**
 * Runs an import of a CSV of `lines` whose Import row, as a batch counts its rows up to
 * `position`, runs `plpgsql` (a trigger on "Import" for this run only); answers the Import row.
 */
async function importCountingWith(k: Kernel, lines: string[], options: Record<string, unknown>, position: number, plpgsql: string) {
  const storageKey = `${k.workspaceId}/imports/held-${Date.now()}`;
  await k.deps.storage.put(storageKey, new TextEncoder().encode(lines.join('\n')));
  const imp = await k.db.import.create({
    data: {
      workspaceId: k.workspaceId,
      createdById: k.adminId,
      entityType: 'CONTACT',
      fileName: 'held.csv',
      storageKey,
      format: 'CSV',
      options: { dryRun: false, matchBy: ['ID'], mapping: [], ...options },
    },
  });
  const fn = `at_import_${imp.id.replace(/-/g, '')}`;
  await k.db.$executeRawUnsafe(
    `create function ${fn}() returns trigger language plpgsql as $$ begin if new.id = '${imp.id}' and new.position = ${position} then ${plpgsql}; end if; return new; end $$`,
  );
  await k.db.$executeRawUnsafe(`create trigger ${fn} before update on "Import" for each row execute function ${fn}()`);
  try {
    await runImport(k.deps, imp.id);
  } finally {
    await k.db.$executeRawUnsafe(`drop trigger ${fn} on "Import"`);
    await k.db.$executeRawUnsafe(`drop function ${fn}()`);
  }
  return k.db.import.findUniqueOrThrow({ where: { id: imp.id } });
}

describe('batches side by side', () => {
  test('failing before: a later batch inserts its cards while the batch before is still committing, and commits after it', async ({ kernel: k }) => {
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((r) => (releaseFirst = r));
    let firstLocked!: () => void;
    const firstHasLocks = new Promise<void>((r) => (firstLocked = r));
    const committed: string[] = [];
    let secondInserted = false;
    const first = writeRecords(k.admin, 'CONTACT', contacts('First', 3), {
      committed: () => void committed.push('first'),
      order: { ready: () => Promise.resolve(), locked: () => firstLocked(), turn: () => firstHeld },
    });
    const second = writeRecords(k.admin, 'CONTACT', contacts('Second', 3), {
      committed: () => void committed.push('second'),
      order: {
        ready: () => firstHasLocks,
        locked: () => {},
        turn: async () => {
          secondInserted = true;
          await first;
        },
      },
    });
    // The second batch's cards are inserted while the first batch is held before its commit.
    await expect.poll(() => secondInserted, { timeout: 20_000 }).toBe(true);
    expect(committed).toEqual([]);
    expect(await k.db.contact.count({ where: { workspaceId: k.workspaceId } })).toBe(0);
    releaseFirst();
    const results = [...(await first), ...(await second)];
    expect(results.every((r) => r.ok)).toBe(true);
    expect(committed).toEqual(['first', 'second']);
    expect(await k.db.contact.count({ where: { workspaceId: k.workspaceId } })).toBe(6);
  });

  test('an import whose batch fails to commit writes nothing of the batch behind it, which was already inserting', async ({ kernel: k }) => {
    const names = Array.from({ length: 9 }, (_, i) => `Person ${i + 1}`);
    // The first batch (rows 2–4) fails as it counts its rows; the second (rows 5–7) could count its own.
    const done = await importCountingWith(k, ['Name', ...names], { policy: 'CREATE', batchSize: 3 }, 4, `raise exception 'disk full'`);
    expect({ status: done.status, position: done.position, created: done.created }).toEqual({ status: 'FAILED', position: 1, created: 0 });
    expect(done.error).toContain('disk full');
    expect(await k.db.contact.count({ where: { workspaceId: k.workspaceId } })).toBe(0);
  });

  test('a row duplicating one two batches back, still committing, is skipped once that batch commits, not created twice', async ({ kernel: k }) => {
    // Batches of two rows: 2–3, 4–5, 6–7. Row 6 has row 2's e-mail; the first batch is held
    // for a second as it counts its rows, so the third is matched while the first has not committed.
    const lines = ['Name;Email', 'Anna;anna@example.com', 'Boris;boris@example.com', 'Vera;vera@example.com', 'Gleb;gleb@example.com'];
    lines.push('Anna again;ANNA@example.com', 'Dina;dina@example.com');
    const done = await importCountingWith(k, lines, { policy: 'SKIP', matchBy: ['EMAIL'], batchSize: 2 }, 3, 'perform pg_sleep(1)');
    expect({ status: done.status, created: done.created, skipped: done.skipped, failed: done.failed }).toEqual({
      status: 'DONE',
      created: 5,
      skipped: 1,
      failed: 0,
    });
    const skipped = await k.db.importIssue.findMany({ where: { importId: done.id } });
    expect(skipped.map((i) => i.row)).toEqual([6]);
    expect(await k.db.contact.count({ where: { workspaceId: k.workspaceId, emails: { has: 'anna@example.com' } } })).toBe(1);
  });
});
