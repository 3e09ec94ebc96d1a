// The card write path (src/kernel/records.ts) called as services call it: what each write
// stores, refuses, and tells (events, which the timeline, webhooks and live updates read).
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../src/lib/errors.js';
import { createRecord, restoreRecord, trashRecord, updateRecord } from '../../src/kernel/records.js';
import { describe, en, expect, failure, issuesOf, test } from './kit.js';

describe('creating a card', () => {
  test('stores the fields given, defaults the rest, and tells who created it', async ({ kernel: k }) => {
    const before = Date.now();
    const c = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Ann Lee', position: 'CEO', phones: ['+1 212 555 0100'], emails: ['Ann@Example.com'] }, tags: ['vip'] });
    expect(c).toMatchObject({ name: 'Ann Lee', position: 'CEO', version: 1, responsibleId: k.adminId, createdById: k.adminId, updatedById: k.adminId, deletedAt: null });
    expect(c.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    const [event] = await k.events('record.created');
    expect(event).toMatchObject({ kind: 'CONTACT', recordId: c.id, actorId: k.adminId, before: null, diff: [] });
    expect((event.after as Record<string, unknown>).name).toBe('Ann Lee');
  });
});

describe('updating a card', () => {
  test('changes only what is given, bumps the version and tells the change', async ({ kernel: k }) => {
    const c = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Ann', position: 'CEO' } });
    const u = await updateRecord(k.admin, 'CONTACT', c.id, 1, { fields: { name: 'Anna' } });
    expect(u).toMatchObject({ name: 'Anna', position: 'CEO', version: 2 });
    const [event] = await k.events('record.updated');
    expect(event.diff).toEqual([{ field: 'name', old: 'Ann', new: 'Anna' }]);
  });

  test('with a stale version fails with ConflictError and changes nothing', async ({ kernel: k }) => {
    const c = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Ann' } });
    await updateRecord(k.admin, 'CONTACT', c.id, 1, { fields: { name: 'Anna' } });
    const e = await failure(updateRecord(k.admin, 'CONTACT', c.id, 1, { fields: { name: 'Bob' } }));
    expect(e).toBeInstanceOf(ConflictError);
    expect(await k.db.contact.findUnique({ where: { id: c.id } })).toMatchObject({ name: 'Anna', version: 2 });
  });
});
