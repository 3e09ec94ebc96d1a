// The card write path (src/kernel/records.ts) called as services call it: what each write
// stores, refuses, and tells (events: the timeline, webhooks and live updates read them).
import { ConflictError, ForbiddenError, NotFoundError } from '../../src/lib/errors.js';
import {
  assertCanAdd,
  checkCards,
  createRecord,
  emptyTrash,
  findCard,
  inOneTransaction,
  relinkRecords,
  restoreRecord,
  trashRecord,
  unseen,
  updateRecord,
  writeRecords,
} from '../../src/kernel/records.js';
import { IssueList } from '../../src/lib/errors.js';
import { Prisma } from '../../src/generated/prisma/client.js';
import { render } from '../../src/lib/i18n.js';
import { describe, en, expect, failure, issuesOf, test } from './kit.js';

const money = (x: unknown) => (x as { toFixed(n: number): string }).toFixed(2);
const ALL = { VIEW: 'ALL', CREATE: 'ALL', EDIT: 'ALL', DELETE: 'ALL' } as const;
const OWN = { VIEW: 'OWN', CREATE: 'OWN', EDIT: 'OWN', DELETE: 'OWN' } as const;

describe('creating a card', () => {
  test('stores the fields given, defaults the rest, and tells who created it', async ({ kernel: k }) => {
    const c = await createRecord(k.admin, 'CONTACT', {
      fields: { name: 'Ann Lee', position: 'CEO', phones: ['+1 212 555 0100'], emails: ['ann@example.com'] },
      tags: ['vip'],
    });
    expect(c).toMatchObject({
      name: 'Ann Lee',
      position: 'CEO',
      version: 1,
      responsibleId: k.adminId,
      createdById: k.adminId,
      updatedById: k.adminId,
      deletedAt: null,
    });
    expect(c.phones).toEqual(['+12125550100']);
    expect(c.searchText).toBe('ann lee ann@example.com 12125550100');
    expect((await k.db.contactTag.findMany({ where: { contactId: c.id }, include: { tag: true } })).map((t) => t.tag.name)).toEqual(['vip']);
    const [event] = await k.events('record.created');
    expect(event).toMatchObject({ kind: 'CONTACT', recordId: c.id, actorId: k.adminId, workspaceId: k.workspaceId, before: null, diff: [] });
    expect(event.after).toMatchObject({ id: c.id, name: 'Ann Lee', position: 'CEO', version: 1 });
    expect(event.after).not.toHaveProperty('searchText');
    expect(await k.db.timelineEntry.count({ where: { cardId: c.id, kind: 'CARD_CREATED' } })).toBe(1);
  });

  test('with nothing but a name: empty lists, no text, no tags; a deal gets the workspace currency and amount 0', async ({ kernel: k }) => {
    const c = await createRecord(k.admin, 'COMPANY', { fields: { name: 'Acme' } });
    expect(c).toMatchObject({ name: 'Acme', address: null, website: null, phones: [], emails: [] });
    expect(await k.db.companyTag.count({ where: { companyId: c.id } })).toBe(0);
    const d = await createRecord(k.admin, 'DEAL', { fields: { name: 'Order' } });
    expect(money(d.amount)).toBe('0.00');
    expect(d.currency).toBe(k.admin.viewer.currency);
    const priced = await createRecord(k.admin, 'DEAL', { fields: { name: 'Order', amount: '12.50', currency: 'EUR' } });
    expect([money(priced.amount), priced.currency]).toEqual(['12.50', 'EUR']);
  });

  test('refuses bad fields all at once, naming each, and writes nothing', async ({ kernel: k }) => {
    const gone = await k.user('Gone', { active: false });
    const issues = await issuesOf(createRecord(k.admin, 'CONTACT', { fields: { name: '', emails: ['nope'] }, responsibleId: gone }));
    expect(issues.map((i) => i.split(':')[0]).sort()).toEqual(['emails[0]', 'name', 'responsibleId']);
    expect(issues.find((i) => i.startsWith('responsibleId'))).toMatch(/deactivated/i);
    const other = await issuesOf(createRecord(k.admin, 'CONTACT', { fields: { name: 'Ann' }, responsibleId: '01900000-0000-7000-8000-000000000000' }));
    expect(other).toEqual(['responsibleId: no such user']);
    expect(await k.db.contact.count({ where: { workspaceId: k.workspaceId } })).toBe(0);
  });

  test('for another responsible needs the CREATE scope to cover them', async ({ kernel: k }) => {
    const seller = await k.user('Seller');
    const other = await k.user('Other');
    const ctx = k.as(seller, { CONTACT: OWN });
    const mine = await createRecord(ctx, 'CONTACT', { fields: { name: 'Mine' } });
    expect(mine.responsibleId).toBe(seller);
    const e = await failure(createRecord(ctx, 'CONTACT', { fields: { name: 'Theirs' }, responsibleId: other }));
    expect(e).toBeInstanceOf(ForbiddenError);
    const team = await k.team(seller, other);
    const teamCtx = k.as(seller, { CONTACT: { ...OWN, CREATE: 'TEAM' } }, { teamIds: [team] });
    expect((await createRecord(teamCtx, 'CONTACT', { fields: { name: 'Theirs' }, responsibleId: other })).responsibleId).toBe(other);
    expect(await k.db.contact.count({ where: { workspaceId: k.workspaceId } })).toBe(2);
  });

  test('naming a field the role may only read is refused; a null for it is not a change', async ({ kernel: k }) => {
    const seller = await k.user('Seller');
    const ctx = k.as(seller, { DEAL: ALL }, { fieldAccess: { DEAL: { amount: 'READ' } } });
    const e = await failure(createRecord(ctx, 'DEAL', { fields: { name: 'Order', amount: '5' } }));
    expect(e).toBeInstanceOf(ForbiddenError);
    expect(en(e)).toMatch(/amount/);
    await failure(createRecord(ctx, 'DEAL', { fields: { name: 'Order', currency: 'EUR' } }));
    expect((await createRecord(ctx, 'DEAL', { fields: { name: 'Order', amount: null } })).name).toBe('Order');
  });

  test('linked to a company: it must be live and visible', async ({ kernel: k }) => {
    const seller = await k.user('Seller');
    const hidden = await createRecord(k.admin, 'COMPANY', { fields: { name: 'Hidden' } });
    const trashed = await createRecord(k.admin, 'COMPANY', { fields: { name: 'Trashed' } });
    await trashRecord(k.admin, 'COMPANY', trashed.id);
    const ctx = k.as(seller, { CONTACT: ALL, COMPANY: OWN });
    expect(await issuesOf(createRecord(ctx, 'CONTACT', { fields: { name: 'Ann' }, companyId: hidden.id }))).toEqual(['companyId: no such company']);
    expect(await issuesOf(createRecord(k.admin, 'CONTACT', { fields: { name: 'Ann' }, companyId: trashed.id }))).toEqual([
      'companyId: this company is in the trash',
    ]);
    const live = await createRecord(k.admin, 'COMPANY', { fields: { name: 'Live' } });
    expect((await createRecord(k.admin, 'CONTACT', { fields: { name: 'Ann' }, companyId: live.id })).companyId).toBe(live.id);
    expect((await createRecord(k.admin, 'CONTACT', { fields: { name: 'Bob' } })).companyId).toBeNull();
  });
});

describe('updating a card', () => {
  test('answers every column its type names, and no slot copy (reading one does not compile)', async ({ kernel: k }) => {
    const d = await createRecord(k.admin, 'DEAL', { fields: { name: 'Order' } });
    const u = await updateRecord(k.admin, 'DEAL', d.id, 1, { fields: { name: 'Order 2' } });
    const columns = Object.values(Prisma.DealScalarFieldEnum)
      .filter((c) => !/^cf[A-Z]/.test(c))
      .sort();
    expect(Object.keys(d).sort()).toEqual(columns);
    expect(Object.keys(u).sort()).toEqual(columns);
    // @ts-expect-error the write path leaves the slot columns out of what it answers
    expect(u.cfText1).toBeUndefined();
  });

  test('changes only what is given, bumps the version, stamps who and when, and tells the change', async ({ kernel: k }) => {
    const seller = await k.user('Seller');
    const c = await createRecord(k.admin, 'COMPANY', {
      fields: { name: 'Acme', address: 'Main St', website: 'https://acme.test', phones: ['+12125550100'] },
      tags: ['a'],
    });
    const u = await updateRecord(k.as(seller, { COMPANY: ALL }), 'COMPANY', c.id, 1, { fields: { name: 'Acme Inc' } });
    expect(u).toMatchObject({ name: 'Acme Inc', address: 'Main St', website: 'https://acme.test', phones: ['+12125550100'], version: 2, updatedById: seller });
    expect((u.updatedAt as Date).getTime()).toBeGreaterThanOrEqual((c.updatedAt as Date).getTime());
    expect(u.lastActivityAt).toEqual(u.updatedAt);
    expect(u.searchText).toBe('acme inc 12125550100');
    expect((await k.db.companyTag.findMany({ where: { companyId: c.id }, include: { tag: true } })).map((t) => t.tag.name)).toEqual(['a']);
    const [event] = await k.events('record.updated');
    expect(event).toMatchObject({ recordId: c.id, actorId: seller, diff: [{ field: 'name', old: 'Acme', new: 'Acme Inc' }] });
    expect(event.before).toMatchObject({ name: 'Acme', version: 1 });
    expect(event.after).toMatchObject({ name: 'Acme Inc', version: 2 });
    expect(await k.db.timelineEntry.count({ where: { cardId: c.id, kind: 'FIELD_CHANGED' } })).toBe(1);
  });

  test('null clears a text, an empty list a list (null keeps it), an empty tag list drops the tags; the diff lists each change', async ({ kernel: k }) => {
    const c = await createRecord(k.admin, 'COMPANY', {
      fields: { name: 'Acme', address: 'Main St', website: 'https://acme.test', emails: ['a@acme.test'] },
      tags: ['a'],
    });
    const u = await updateRecord(k.admin, 'COMPANY', c.id, 1, { fields: { address: null, website: null, emails: [], phones: null }, tags: [] });
    expect(u).toMatchObject({ name: 'Acme', address: null, website: null, emails: [] });
    const kept = await updateRecord(k.admin, 'COMPANY', c.id, 2, { fields: { emails: ['b@acme.test'] } });
    expect((await updateRecord(k.admin, 'COMPANY', c.id, 3, { fields: { emails: null, address: undefined } })).emails).toEqual(kept.emails);
    expect(await k.db.companyTag.count({ where: { companyId: c.id } })).toBe(0);
    const [event] = await k.events('record.updated');
    expect(event.diff).toEqual([
      { field: 'address', old: 'Main St', new: null },
      { field: 'website', old: 'https://acme.test', new: null },
      { field: 'emails', old: ['a@acme.test'], new: [] },
    ]);
  });

  test('keeps a deal’s amount unless given; a changed amount and responsible are in the diff', async ({ kernel: k }) => {
    const seller = await k.user('Seller');
    const d = await createRecord(k.admin, 'DEAL', { fields: { name: 'Order', amount: '10.50' } });
    const renamed = await updateRecord(k.admin, 'DEAL', d.id, 1, { fields: { name: 'Big order' } });
    expect(money(renamed.amount)).toBe('10.50');
    await updateRecord(k.admin, 'DEAL', d.id, 2, { fields: { amount: '20' }, responsibleId: seller });
    const events = await k.events('record.updated');
    expect(events[1].diff).toEqual([
      { field: 'responsibleId', old: k.adminId, new: seller },
      { field: 'amount', old: '10.50', new: '20.00' },
    ]);
    expect(await issuesOf(updateRecord(k.admin, 'DEAL', d.id, 3, { fields: { amount: '-1' } }))).toHaveLength(1);
  });

  test('with a stale version fails with ConflictError naming the current one, and changes nothing', async ({ kernel: k }) => {
    const c = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Ann' } });
    await updateRecord(k.admin, 'CONTACT', c.id, 1, { fields: { name: 'Anna' } });
    const e = await failure(updateRecord(k.admin, 'CONTACT', c.id, 1, { fields: { name: 'Bob' } }));
    expect(e).toBeInstanceOf(ConflictError);
    expect((e as ConflictError).currentVersion).toBe(2);
    expect(await k.db.contact.findUnique({ where: { id: c.id } })).toMatchObject({ name: 'Anna', version: 2 });
  });

  test('of a card outside the VIEW scope is not found; inside VIEW but outside EDIT is forbidden', async ({ kernel: k }) => {
    const seller = await k.user('Seller');
    const c = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Ann' } });
    expect(await failure(updateRecord(k.as(seller, { CONTACT: OWN }), 'CONTACT', c.id, 1, { fields: { name: 'X' } }))).toBeInstanceOf(NotFoundError);
    const e = await failure(updateRecord(k.as(seller, { CONTACT: { ...OWN, VIEW: 'ALL' } }), 'CONTACT', c.id, 1, { fields: { name: 'X' } }));
    expect(e).toBeInstanceOf(ForbiddenError);
    expect((await k.db.contact.findUniqueOrThrow({ where: { id: c.id } })).name).toBe('Ann');
  });

  test('handing a card over needs the EDIT scope to cover the new responsible; a role may lock the responsible', async ({ kernel: k }) => {
    const seller = await k.user('Seller');
    const other = await k.user('Other');
    const c = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Ann' }, responsibleId: seller });
    const ctx = k.as(seller, { CONTACT: OWN });
    expect(await failure(updateRecord(ctx, 'CONTACT', c.id, 1, { responsibleId: other }))).toBeInstanceOf(ForbiddenError);
    // Naming the current responsible again is no handover.
    expect((await updateRecord(ctx, 'CONTACT', c.id, 1, { responsibleId: seller, fields: { name: 'Anna' } })).version).toBe(2);
    const locked = k.as(seller, { CONTACT: ALL }, { fieldAccess: { CONTACT: { responsible: 'READ' } } });
    expect(await failure(updateRecord(locked, 'CONTACT', c.id, 2, { responsibleId: null }))).toBeInstanceOf(ForbiddenError);
    const handed = await updateRecord(k.as(seller, { CONTACT: ALL }), 'CONTACT', c.id, 2, { responsibleId: other });
    expect(handed.responsibleId).toBe(other);
  });

  test('a company link the viewer cannot see is kept when they clear it; one they see is cleared', async ({ kernel: k }) => {
    const seller = await k.user('Seller');
    const hidden = await createRecord(k.admin, 'COMPANY', { fields: { name: 'Hidden' } });
    const mine = await createRecord(k.admin, 'COMPANY', { fields: { name: 'Mine' }, responsibleId: seller });
    const a = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Ann' }, companyId: hidden.id });
    const b = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Bob' }, companyId: mine.id });
    const ctx = k.as(seller, { CONTACT: ALL, COMPANY: OWN });
    expect((await updateRecord(ctx, 'CONTACT', a.id, 1, { companyId: null })).companyId).toBe(hidden.id);
    expect((await updateRecord(ctx, 'CONTACT', b.id, 1, { companyId: null })).companyId).toBeNull();
    expect((await updateRecord(ctx, 'CONTACT', b.id, 2, { companyId: mine.id })).companyId).toBe(mine.id);
    expect((await updateRecord(ctx, 'CONTACT', b.id, 3, { fields: { name: 'Bobby' } })).companyId).toBe(mine.id);
  });
});

describe('the trash', () => {
  test('trashing needs DELETE, bumps the version and is told; a trashed card cannot be changed', async ({ kernel: k }) => {
    const seller = await k.user('Seller');
    const c = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Ann' } });
    expect(await failure(trashRecord(k.as(seller, { CONTACT: { ...ALL, DELETE: 'OWN' } }), 'CONTACT', c.id))).toBeInstanceOf(ForbiddenError);
    expect(await failure(trashRecord(k.admin, 'CONTACT', c.id, 7))).toBeInstanceOf(ConflictError);
    const t = await trashRecord(k.as(seller, { CONTACT: ALL }), 'CONTACT', c.id, 1);
    expect(t.deletedAt).toBeInstanceOf(Date);
    expect([t.version, t.updatedById]).toEqual([2, seller]);
    const [event] = await k.events('record.trashed');
    expect(event).toMatchObject({ recordId: c.id, actorId: seller, diff: [] });
    expect(event.before).toMatchObject({ deletedAt: null });
    const e = await failure(updateRecord(k.admin, 'CONTACT', c.id, 2, { fields: { name: 'X' } }));
    expect([e.constructor, e.code]).toEqual([NotFoundError, 'IN_TRASH']);
    expect((await failure(trashRecord(k.admin, 'CONTACT', c.id))).code).toBe('IN_TRASH');
  });

  test('restoring brings it back as it was, and a live card is answered as is', async ({ kernel: k }) => {
    const seller = await k.user('Seller');
    const c = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Ann' } });
    await trashRecord(k.admin, 'CONTACT', c.id);
    expect(await failure(restoreRecord(k.as(seller, { CONTACT: { ...ALL, DELETE: 'NONE' } }), 'CONTACT', c.id))).toBeInstanceOf(ForbiddenError);
    const r = await restoreRecord(k.as(seller, { CONTACT: ALL }), 'CONTACT', c.id);
    expect(r).toMatchObject({ name: 'Ann', deletedAt: null, version: 3, updatedById: seller });
    expect((await k.events('record.restored'))[0]).toMatchObject({ recordId: c.id });
    expect((await restoreRecord(k.admin, 'CONTACT', c.id)).version).toBe(3);
    expect(await k.events('record.restored')).toHaveLength(1);
    expect(await failure(restoreRecord(k.as(seller, { CONTACT: OWN }), 'CONTACT', c.id))).toBeInstanceOf(NotFoundError);
  });

  test('emptying it removes trashed cards and their timelines for good, and only an administrator may', async ({ kernel: k }) => {
    const seller = await k.user('Seller');
    const gone = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Gone' } });
    const kept = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Kept' } });
    const deal = await createRecord(k.admin, 'DEAL', { fields: { name: 'Gone deal' } });
    await trashRecord(k.admin, 'CONTACT', gone.id);
    await trashRecord(k.admin, 'DEAL', deal.id);
    expect(await failure(emptyTrash(k.as(seller, { CONTACT: ALL }), ['CONTACT']))).toBeInstanceOf(ForbiddenError);
    expect(await emptyTrash(k.admin, ['CONTACT'])).toBe(1);
    expect(await k.db.contact.findMany({ where: { workspaceId: k.workspaceId }, select: { id: true } })).toEqual([{ id: kept.id }]);
    expect(await k.db.timelineEntry.count({ where: { cardId: gone.id } })).toBe(0);
    expect(await k.db.timelineEntry.count({ where: { cardId: kept.id } })).toBe(1);
    expect(await k.db.deal.count({ where: { id: deal.id } })).toBe(1);
    expect(await emptyTrash(k.admin, ['CONTACT', 'DEAL'])).toBe(1);
    expect(await emptyTrash(k.admin, ['CONTACT'])).toBe(0);
  });
});

describe('a batch of writes', () => {
  test('creates and updates in one go, each as a single write would; a refused write leaves the others', async ({ kernel: k }) => {
    const c = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Ann' } });
    const refused: number[] = [];
    const committed: number[][] = [];
    const results = await writeRecords(
      k.admin,
      'CONTACT',
      [
        { write: { fields: { name: 'Bob' }, tags: ['new'] } },
        { write: { fields: { name: '' } } },
        { id: c.id, version: 1, write: { fields: { name: 'Anna' } } },
        { id: c.id, version: 1, write: { fields: { name: 'Twice' } } },
        { write: { fields: { name: 'Cid' } } },
      ],
      { refused: (i) => void refused.push(i), committed: (w) => committed.push(w.map((x) => x.index)) },
    );
    expect(results.map((r) => (r.ok ? [r.created, r.row.name] : (r.error as Error).constructor.name))).toEqual([
      [true, 'Bob'],
      'ValidationError',
      [false, 'Anna'],
      'ConflictError',
      [true, 'Cid'],
    ]);
    expect(refused).toEqual([1, 3]);
    expect(committed).toEqual([[0, 2, 4]]);
    expect((await k.db.contact.findMany({ where: { workspaceId: k.workspaceId }, orderBy: { name: 'asc' } })).map((x) => [x.name, x.version])).toEqual([
      ['Anna', 2],
      ['Bob', 1],
      ['Cid', 1],
    ]);
    expect((await k.events('record.created')).map((e) => (e.after as { name: string }).name)).toEqual(['Ann', 'Bob', 'Cid']);
    expect((await k.events('record.updated')).map((e) => e.diff)).toEqual([[{ field: 'name', old: 'Ann', new: 'Anna' }]]);
    const bob = results[0].ok ? results[0].row : undefined;
    expect((await k.db.contactTag.findMany({ where: { contactId: bob!.id }, include: { tag: true } })).map((t) => t.tag.name)).toEqual(['new']);
  });

  test('a dry run says what would happen and writes nothing', async ({ kernel: k }) => {
    const committed: unknown[] = [];
    const results = await writeRecords(k.admin, 'COMPANY', [{ write: { fields: { name: 'Acme' } } }, { write: { fields: { name: 'Beta' } } }], {
      dryRun: true,
      committed: (w) => committed.push(w),
    });
    expect(results.map((r) => r.ok && r.row.name)).toEqual(['Acme', 'Beta']);
    expect(committed).toEqual([]);
    expect(await k.db.company.count({ where: { workspaceId: k.workspaceId } })).toBe(0);
    expect(await k.events('record.created')).toEqual([]);
  });

  test('what the caller writes with the batch commits with it; a caller’s error undoes the batch and is handed back', async ({ kernel: k }) => {
    const boom = new Error('caller failed');
    await expect(
      writeRecords(k.admin, 'CONTACT', [{ write: { fields: { name: 'A' } } }, { write: { fields: { name: 'B' } } }], {
        committing: async () => {
          throw boom;
        },
      }),
    ).rejects.toBe(boom);
    await expect(
      writeRecords(k.admin, 'CONTACT', [{ write: { fields: { name: 'A' } } }], {
        committing: async () => {
          throw boom;
        },
      }),
    ).rejects.toBe(boom);
    expect(await k.db.contact.count({ where: { workspaceId: k.workspaceId } })).toBe(0);
    const seen: string[][] = [];
    await writeRecords(k.admin, 'CONTACT', [{ write: { fields: { name: 'A' } } }], {
      committing: async (tx, written) => {
        seen.push(written.map((w) => w.row.name as string));
        await tx.contact.updateMany({ where: { id: written[0].row.id }, data: { position: 'set by the caller' } });
      },
    });
    expect(seen).toEqual([['A']]);
    expect((await k.db.contact.findFirstOrThrow({ where: { workspaceId: k.workspaceId } })).position).toBe('set by the caller');
    expect(await writeRecords(k.admin, 'CONTACT', [])).toEqual([]);
  });

  test('when the database refuses the batch, each write is retried alone: only the bad one fails', async ({ kernel: k }) => {
    const c = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Ann' } });
    let change: Promise<void> | undefined;
    const refused: number[] = [];
    const committed: number[][] = [];
    const results = await writeRecords(
      k.admin,
      'CONTACT',
      [{ id: c.id, version: 1, write: { fields: { name: 'Anna' } } }, { write: { fields: { name: '' } } }, { write: { fields: { name: 'Bob' } } }],
      {
        // Someone else changes the card after the batch read it: its compare-and-set fails at commit.
        // Awaited by the batch, so the change has committed before the batch commits.
        refused: (i) => {
          refused.push(i);
          change ??= k.db.contact.update({ where: { id: c.id }, data: { name: 'Changed', version: { increment: 1 } } }).then(() => undefined); // then: a Prisma query starts when awaited
          return change;
        },
        committed: (w) => committed.push(w.map((x) => x.index)),
      },
    );
    await change;
    expect(results.map((r) => (r.ok ? r.row.name : (r.error as Error).constructor.name))).toEqual(['ConflictError', 'ValidationError', 'Bob']);
    expect(refused).toEqual([1, 0]);
    expect(committed).toEqual([[2]]);
    expect((await k.db.contact.findMany({ where: { workspaceId: k.workspaceId }, orderBy: { name: 'asc' } })).map((x) => x.name)).toEqual(['Bob', 'Changed']);
    expect((await k.events('record.created')).map((e) => (e.after as { name: string }).name)).toEqual(['Ann', 'Bob']);
    // A batch of one that fails is refused as it is.
    const [alone] = await writeRecords(k.admin, 'CONTACT', [{ id: c.id, version: 2, write: { fields: { name: 'Anna' } } }], {
      committing: async (tx) => {
        await tx.contact.update({ where: { id: c.id }, data: { name: '' } }).then(() => Promise.reject(new Error('not the caller')));
      },
    }).catch((e: unknown) => [{ ok: false as const, error: e }]);
    expect(alone.ok).toBe(false);
  });

  test('a card changed after the batch read it is refused, and the others still commit together', async ({ kernel: k }) => {
    const cards: Awaited<ReturnType<typeof createRecord>>[] = [];
    for (const name of ['A', 'B', 'C']) cards.push(await createRecord(k.admin, 'CONTACT', { fields: { name } }));
    let change: Promise<void> | undefined;
    const refused: number[] = [];
    const committed: number[][] = [];
    const results = await writeRecords(
      k.admin,
      'CONTACT',
      [{ write: { fields: { name: '' } } }, ...cards.map((x) => ({ id: x.id, version: 1, write: { fields: { position: 'set' } } }))],
      {
        // The bad write's refusal (before the commit) lets someone else change B: its compare-and-set fails at commit.
        refused: (i) => {
          refused.push(i);
          change ??= k.db.contact.update({ where: { id: cards[1].id }, data: { name: 'Changed', version: { increment: 1 } } }).then(() => undefined);
          return change;
        },
        committed: (w) => committed.push(w.map((x) => x.index)),
      },
    );
    expect(results.map((r) => (r.ok ? r.row.position : (r.error as Error).constructor.name))).toEqual(['ValidationError', 'set', 'ConflictError', 'set']);
    expect(refused).toEqual([0, 2]);
    // A and C in one transaction, not one each.
    expect(committed).toEqual([[1, 3]]);
    expect((await k.db.contact.findMany({ where: { workspaceId: k.workspaceId }, orderBy: { name: 'asc' } })).map((x) => [x.name, x.position])).toEqual([
      ['A', 'set'],
      ['C', 'set'],
      ['Changed', null],
    ]);
  });
  test('updates of several cards, each changing other fields, write each card as a single update would, and tell each change', async ({ kernel: k }) => {
    const seller = await k.user('Seller');
    const cards: Awaited<ReturnType<typeof createRecord>>[] = [];
    for (const name of ['A', 'B', 'C', 'D'])
      cards.push(await createRecord(k.admin, 'COMPANY', { fields: { name, address: 'Main St', phones: ['+12125550100'] }, tags: ['a'] }));
    const results = await writeRecords(k.as(seller, { COMPANY: ALL }), 'COMPANY', [
      { id: cards[2].id, version: 1, write: { fields: { name: 'C2' } } },
      { id: cards[0].id, version: 1, write: { fields: { address: null, phones: ['+12125550199'] }, tags: ['a', 'b'] } },
      { id: cards[3].id, version: 1, write: { tags: [] } },
      { id: cards[1].id, version: 1, write: { fields: { name: 'B2' } } },
    ]);
    const read = new Map((await k.db.company.findMany({ where: { workspaceId: k.workspaceId } })).map((c) => [c.id, c]));
    // What the batch answers is each card as stored.
    for (const r of results) {
      expect(r.ok).toBe(true);
      if (!r.ok) continue;
      const stored = read.get(r.row.id)!;
      for (const [key, value] of Object.entries(r.row)) expect([key, value]).toEqual([key, stored[key as keyof typeof stored]]);
      expect(r.row).toMatchObject({ version: 2, updatedById: seller });
    }
    expect([...read.values()].map((c) => [c.name, c.address, c.phones, c.searchText]).sort()).toEqual([
      ['A', null, ['+12125550199'], 'a 12125550199'],
      ['B2', 'Main St', ['+12125550100'], 'b2 12125550100'],
      ['C2', 'Main St', ['+12125550100'], 'c2 12125550100'],
      ['D', 'Main St', ['+12125550100'], 'd 12125550100'],
    ]);
    const tags = await k.db.companyTag.findMany({ where: { companyId: { in: cards.map((c) => c.id) } }, include: { tag: true } });
    expect(
      cards.map((c) =>
        tags
          .filter((t) => t.companyId === c.id)
          .map((t) => t.tag.name)
          .sort(),
      ),
    ).toEqual([['a', 'b'], ['a'], ['a'], []]);
    // Each card's change is told once, with the fields that changed (tags are not fields of the diff).
    const diffs = new Map((await k.events('record.updated')).map((e) => [e.recordId, (e.diff as { field: string }[]).map((d) => d.field).sort()]));
    expect(cards.map((c) => diffs.get(c.id))).toEqual([['address', 'phones'], ['name'], ['name'], []]);
  });
});

describe('several writes in one transaction', () => {
  test('all happen, or none when one fails', async ({ kernel: k }) => {
    await expect(
      inOneTransaction(k.admin, async (ctx) => {
        await createRecord(ctx, 'CONTACT', { fields: { name: 'A' } });
        await createRecord(ctx, 'CONTACT', { fields: { name: '' } });
      }),
    ).rejects.toThrow(/name/);
    expect(await k.db.contact.count({ where: { workspaceId: k.workspaceId } })).toBe(0);
    const ids = await inOneTransaction(k.admin, async (ctx) => {
      const a = await createRecord(ctx, 'CONTACT', { fields: { name: 'A' } });
      const b = await updateRecord(ctx, 'CONTACT', a.id, 1, { fields: { name: 'B' } });
      return [a.id, b.version];
    });
    expect(ids[1]).toBe(2);
    expect(await k.db.contact.count({ where: { workspaceId: k.workspaceId } })).toBe(1);
  });
});

describe('cards other records name', () => {
  test('must be visible (else not found), live when adding to them, and editable', async ({ kernel: k }) => {
    const seller = await k.user('Seller');
    const c = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Ann' } });
    const ref = { entityType: 'CONTACT' as const, id: c.id };
    expect(await findCard(k.admin, ref, true)).toMatchObject({ id: c.id, responsibleId: k.adminId });
    expect(await failure(findCard(k.as(seller, { CONTACT: OWN }), ref, false))).toBeInstanceOf(NotFoundError);
    expect(await failure(assertCanAdd(k.as(seller, { CONTACT: { VIEW: 'ALL', EDIT: 'OWN' } }), ref))).toBeInstanceOf(ForbiddenError);
    await assertCanAdd(k.as(seller, { CONTACT: { VIEW: 'ALL', EDIT: 'ALL' } }), ref);
    await trashRecord(k.admin, 'CONTACT', c.id);
    expect((await findCard(k.admin, ref, false)).id).toBe(c.id);
    expect((await failure(findCard(k.admin, ref, true))).code).toBe('IN_TRASH');
    expect((await failure(assertCanAdd(k.admin, ref))).code).toBe('IN_TRASH');
  });

  test('links to check: each id missing, hidden or trashed gets its own issue', async ({ kernel: k }) => {
    const seller = await k.user('Seller');
    const mine = await createRecord(k.admin, 'COMPANY', { fields: { name: 'Mine' }, responsibleId: seller });
    const hidden = await createRecord(k.admin, 'COMPANY', { fields: { name: 'Hidden' } });
    const trashed = await createRecord(k.admin, 'COMPANY', { fields: { name: 'Trashed' }, responsibleId: seller });
    await trashRecord(k.admin, 'COMPANY', trashed.id);
    const ctx = k.as(seller, { COMPANY: OWN });
    const issues = new IssueList();
    await checkCards(ctx, issues, 'COMPANY', 'companyIds', [mine.id, hidden.id, '', trashed.id]);
    expect(issues.issues.map((i) => `${i.field}: ${render(i.message, 'en')}`)).toEqual([
      'companyIds[1]: no such company',
      'companyIds[3]: this company is in the trash',
    ]);
    const none = new IssueList();
    await checkCards(ctx, none, 'COMPANY', 'companyIds', ['']);
    expect(none.issues).toEqual([]);
    expect(await unseen(ctx, 'COMPANY', [mine.id, hidden.id])).toEqual([hidden.id]);
    expect(await unseen(k.admin, 'COMPANY', [mine.id, hidden.id])).toEqual([]);
  });
});

describe('relinking cards (a merge moving links to the kept card)', () => {
  test("points the workspace's cards elsewhere, bumps their versions, tells live ones; trashed ones move silently", async ({ kernel: k }) => {
    const [from, to] = await Promise.all(['From Ltd', 'To Ltd'].map((name) => createRecord(k.admin, 'COMPANY', { fields: { name } })));
    const live = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Live' }, companyId: from.id });
    const gone = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Gone' }, companyId: from.id });
    await trashRecord(k.admin, 'CONTACT', gone.id);
    const other = await k.otherWorkspace();
    const foreign = await createRecord(other.admin, 'CONTACT', { fields: { name: 'Foreign' } });
    const before = await k.db.contact.findMany({ where: { id: { in: [live.id, gone.id, foreign.id] } }, orderBy: { name: 'asc' } });
    const member = await k.user('Merger');
    const ctx = k.as(member, { CONTACT: { VIEW: 'ALL', EDIT: 'ALL', CREATE: 'ALL', DELETE: 'ALL' } });
    const updatedBefore = (await k.events('record.updated')).length;

    await inOneTransaction(ctx, async (t, tx) => {
      await relinkRecords(tx, t, 'CONTACT', []);
      await relinkRecords(tx, t, 'CONTACT', [foreign.id]);
      await relinkRecords(tx, t, 'CONTACT', [live.id, gone.id, foreign.id], { companyId: to.id });
    });
    const after = new Map((await k.db.contact.findMany({ where: { id: { in: [live.id, gone.id, foreign.id] } } })).map((c) => [c.id, c]));
    for (const b of before) {
      const a = after.get(b.id)!;
      if (b.id === foreign.id) {
        expect(a).toEqual(b);
        continue;
      }
      expect([a.companyId, a.version, a.updatedById, a.deletedAt === null]).toEqual([to.id, b.version + 1, member, b.deletedAt === null]);
      expect(a.updatedAt.getTime()).toBeGreaterThan(b.updatedAt.getTime());
    }
    // One event, the live card's, with its link before and after.
    const events = (await k.events('record.updated')).slice(updatedBefore);
    expect(
      events.map((e) => [
        (e.before as { companyId: string }).companyId,
        (e.after as { name: string; companyId: string }).name,
        (e.after as { companyId: string }).companyId,
      ]),
    ).toEqual([[from.id, 'Live', to.id]]);
    // Only cards of the workspace: another workspace's id alone changes and tells nothing.
    const [{ n }] = await other.admin.db.$queryRaw<{ n: number }[]>`
      select count(*)::int as n from "OutboxEvent" o, json_array_elements(case when o."events" > 1 then o."payload" else json_build_array(o."payload") end) e
      where o."topic" = 'record.updated' and e->'after'->>'name' = 'Foreign'`;
    expect(n).toBe(0);
  });

  test('a card trashed by a merge points at the kept card until it is restored', async ({ kernel: k }) => {
    const keep = await createRecord(k.admin, 'COMPANY', { fields: { name: 'Keep' } });
    const merged = await createRecord(k.admin, 'COMPANY', { fields: { name: 'Merged' } });
    expect((await trashRecord(k.admin, 'COMPANY', merged.id, null, { mergedIntoId: keep.id })).mergedIntoId).toBe(keep.id);
    expect((await restoreRecord(k.admin, 'COMPANY', merged.id)).mergedIntoId).toBeNull();
    // A plain trash points nowhere.
    expect((await trashRecord(k.admin, 'COMPANY', merged.id)).mergedIntoId).toBeNull();
  });
});
