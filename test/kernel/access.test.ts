// The access rules that read the database (src/kernel/access/): a named action on a record
// under the role's scope (teams read from the database), which cards a viewer sees, and who may
// see an uploaded file.
import { ForbiddenError } from '../../src/lib/errors.js';
import { IssueList } from '../../src/lib/errors.js';
import { assertCan, assertHandover, ruleText } from '../../src/kernel/access/actions.js';
import { canSee, coveredResponsible, seesNow, viewable, visible } from '../../src/kernel/access/visibility.js';
import { canSeeAttachment, checkFileIds } from '../../src/kernel/access/files.js';
import { createRecord, trashRecord } from '../../src/kernel/records.js';
import { describe, en, expect, failure, test } from './kit.js';

describe('an action on a record', () => {
  test('is allowed within the role’s scope: ALL, OWN, TEAM (read from the responsible’s teams), never NONE', async ({ kernel: k }) => {
    const me = await k.user('Me');
    const mate = await k.user('Mate');
    const stranger = await k.user('Stranger');
    const team = await k.team(me, mate);
    await k.team(stranger);
    const scoped = (scope: 'ALL' | 'TEAM' | 'OWN' | 'NONE') => k.as(me, { DEAL: { EDIT: scope }, TASK: { CREATE: scope } }, { teamIds: [team] });
    const outcome = async (scope: 'ALL' | 'TEAM' | 'OWN' | 'NONE', responsibleId: string) =>
      assertCan(scoped(scope), 'deal:edit', { responsibleId }).then(
        () => 'ok',
        (e: unknown) => (e instanceof ForbiddenError ? en(e) : String(e)),
      );
    expect(await outcome('ALL', stranger)).toBe('ok');
    expect(await outcome('TEAM', mate)).toBe('ok');
    expect(await outcome('TEAM', me)).toBe('ok');
    expect(await outcome('TEAM', stranger)).toBe("Your role does not let you change deals outside your teams'");
    expect(await outcome('OWN', me)).toBe('ok');
    expect(await outcome('OWN', mate)).toBe('Your role does not let you change deals other than your own');
    expect(await outcome('NONE', me)).toBe('Your role does not let you change deals');
    expect(await failure(assertCan(scoped('OWN'), 'task:create', { responsibleId: mate }))).toBeInstanceOf(ForbiddenError);
    await assertCan(scoped('ALL'), 'task:create', { responsibleId: mate });
    // Administrators may do anything.
    await assertCan(k.admin, 'deal:delete', { responsibleId: stranger });
  });

  test('a handover needs the EDIT scope to cover the new responsible, unless nothing changes or the user is already refused', async ({ kernel: k }) => {
    const me = await k.user('Me');
    const other = await k.user('Other');
    const ctx = k.as(me, { CONTACT: { VIEW: 'ALL', EDIT: 'OWN' } });
    const e = await failure(assertHandover(ctx, 'CONTACT', me, other, new IssueList()));
    expect(e).toBeInstanceOf(ForbiddenError);
    expect(en(e)).toBe('Your role does not let you change contacts other than your own');
    await assertHandover(ctx, 'CONTACT', me, undefined, new IssueList());
    // Taking a card over is handing it to oneself: within OWN.
    await assertHandover(ctx, 'CONTACT', other, me, new IssueList());
    await assertHandover(ctx, 'CONTACT', other, other, new IssueList());
    const refused = new IssueList();
    refused.add('responsibleId', { en: 'no such user', ru: 'нет такого пользователя' } as never);
    await assertHandover(ctx, 'CONTACT', me, other, refused);
    const elsewhere = new IssueList();
    elsewhere.add('ownerId', { en: 'no such user', ru: 'нет такого пользователя' } as never);
    await failure(assertHandover(ctx, 'CONTACT', me, other, elsewhere));
    await assertHandover(ctx, 'CONTACT', me, other, elsewhere, 'ownerId');
    await assertHandover(k.as(me, { CONTACT: { EDIT: 'ALL' } }), 'CONTACT', me, other, new IssueList());
  });

  test('prints the rule it enforces', () => {
    expect(ruleText('deal:edit')).toBe('DEAL EDIT scope on the card (NotFoundError for a card outside VIEW)');
    expect(ruleText('task:create')).toBe('TASK CREATE scope on the card (NotFoundError for a card outside VIEW)');
    expect(ruleText('contact:handover')).toBe('a new responsible must be within the EDIT scope too');
  });
});

describe('the cards a viewer sees', () => {
  test('are those of the workspace within the VIEW scope, whatever else the query asks', async ({ kernel: k }) => {
    const me = await k.user('Me');
    const mate = await k.user('Mate');
    const team = await k.team(me, mate);
    const mine = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Mine' }, responsibleId: me });
    const mates = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Mates' }, responsibleId: mate });
    const admins = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Admins' } });
    const names = async (ctx: ReturnType<typeof k.as>) =>
      (await k.db.contact.findMany({ where: { ...visible(ctx, 'CONTACT') }, orderBy: { name: 'asc' } })).map((c) => c.name);
    expect(await names(k.as(me, { CONTACT: { VIEW: 'OWN' } }, { teamIds: [team] }))).toEqual(['Mine']);
    expect(await names(k.as(me, { CONTACT: { VIEW: 'TEAM' } }, { teamIds: [team] }))).toEqual(['Mates', 'Mine']);
    expect(await names(k.as(me, { CONTACT: { VIEW: 'ALL' } }))).toEqual(['Admins', 'Mates', 'Mine']);
    expect(await names(k.as(me, {}))).toEqual([]);
    // Another workspace's cards are never among them.
    const other = await k.otherWorkspace();
    expect(await names(other.admin)).toEqual([]);

    const own = k.as(me, { CONTACT: { VIEW: 'OWN' } });
    expect(await Promise.all([mine, mates, admins].map((c) => canSee(own, 'CONTACT', c.id)))).toEqual([true, false, false]);
    expect(await canSee(k.admin, 'CONTACT', mates.id)).toBe(true);
    expect(await canSee(other.admin, 'CONTACT', mates.id)).toBe(true); // ALL costs no query: ids come from the viewer's own workspace
    expect(await seesNow(own, 'CONTACT', mine.id)).toBe(true);
    expect(await seesNow(own, 'CONTACT', admins.id)).toBe(false);
    expect(await seesNow(k.admin, 'CONTACT', admins.id)).toBe(true);
  });

  test('whether a responsible is within the VIEW scope, read afresh', async ({ kernel: k }) => {
    const me = await k.user('Me');
    const mate = await k.user('Mate');
    const stranger = await k.user('Stranger');
    const team = await k.team(me, mate);
    const teamCtx = k.as(me, { DEAL: { VIEW: 'TEAM' } }, { teamIds: [team] });
    expect(await coveredResponsible(teamCtx, 'DEAL', mate)).toBe(true);
    expect(await coveredResponsible(teamCtx, 'DEAL', me)).toBe(true);
    expect(await coveredResponsible(teamCtx, 'DEAL', stranger)).toBe(false);
    const own = k.as(me, { DEAL: { VIEW: 'OWN' } }, { teamIds: [team] });
    expect(await coveredResponsible(own, 'DEAL', me)).toBe(true);
    expect(await coveredResponsible(own, 'DEAL', mate)).toBe(false);
    expect(await coveredResponsible(k.admin, 'DEAL', stranger)).toBe(true);
    expect(await coveredResponsible(k.as(me, {}), 'DEAL', me)).toBe(false);
  });
});

describe('asking whether a viewer sees a card', () => {
  test('costs no query for a role that sees every card of the kind, and one batched query per kind per request for a scoped one', async ({ kernel: k }) => {
    const me = await k.user('Me');
    const contacts = await Promise.all(['A', 'B', 'C'].map((name) => createRecord(k.admin, 'CONTACT', { fields: { name }, responsibleId: me })));
    const theirs = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Theirs' } });
    const company = await createRecord(k.admin, 'COMPANY', { fields: { name: 'Mine Ltd' }, responsibleId: me });

    const all = k.counting(k.as(me, { CONTACT: { VIEW: 'ALL' }, DEAL: { VIEW: 'ALL' } }));
    expect(await canSee(all.ctx, 'CONTACT', theirs.id)).toBe(true);
    expect(await seesNow(all.ctx, 'CONTACT', theirs.id)).toBe(true);
    expect(await coveredResponsible(all.ctx, 'DEAL', k.adminId)).toBe(true);
    expect(all.statements()).toBe(0);
    // Nor does asking whether OWN covers a responsible (no teams to read).
    const own = k.counting(k.as(me, { DEAL: { VIEW: 'OWN' } }));
    expect(await coveredResponsible(own.ctx, 'DEAL', k.adminId)).toBe(false);
    expect(own.statements()).toBe(0);

    // A scoped role: the contacts asked in one tick go in one statement, the company in its own
    // (each kind its own batch), and both answer right.
    const scoped = k.counting(k.as(me, { CONTACT: { VIEW: 'OWN' }, COMPANY: { VIEW: 'OWN' } }));
    const answers = await Promise.all([...[...contacts, theirs].map((c) => canSee(scoped.ctx, 'CONTACT', c.id)), canSee(scoped.ctx, 'COMPANY', company.id)]);
    expect(answers).toEqual([true, true, true, false, true]);
    expect(scoped.statements()).toBe(2);
    // Asked again in the same request: answered from the batch, no new statement.
    expect(await canSee(scoped.ctx, 'COMPANY', company.id)).toBe(true);
    expect(scoped.statements()).toBe(2);
  });

  test('a relation filter keeps the related cards within the VIEW scope; a role that sees all adds no condition', async ({ kernel: k }) => {
    const me = await k.user('Me');
    const mine = await createRecord(k.admin, 'COMPANY', { fields: { name: 'Mine Ltd' }, responsibleId: me });
    const theirs = await createRecord(k.admin, 'COMPANY', { fields: { name: 'Theirs Ltd' } });
    await createRecord(k.admin, 'CONTACT', { fields: { name: 'At mine' }, companyId: mine.id });
    await createRecord(k.admin, 'CONTACT', { fields: { name: 'At theirs' }, companyId: theirs.id });
    const atCompanies = async (ctx: ReturnType<typeof k.as>) =>
      (
        await k.db.contact.findMany({
          where: { workspaceId: k.workspaceId, company: viewable(ctx.viewer, 'COMPANY') },
          orderBy: { name: 'asc' },
        })
      ).map((c) => c.name);
    expect(await atCompanies(k.as(me, { COMPANY: { VIEW: 'OWN' } }))).toEqual(['At mine']);
    expect(await atCompanies(k.as(me, { COMPANY: { VIEW: 'ALL' } }))).toEqual(['At mine', 'At theirs']);
    expect(viewable(k.as(me, { COMPANY: { VIEW: 'ALL' } }).viewer, 'COMPANY')).toEqual({});
  });
});

describe('an uploaded file', () => {
  test('is seen by an administrator, its uploader, and whoever sees the card it is attached to', async ({ kernel: k }) => {
    const me = await k.user('Me');
    const other = await k.user('Other');
    const mine = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Mine' }, responsibleId: me });
    const theirs = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Theirs' }, responsibleId: other });
    const ctx = k.as(me, { CONTACT: { VIEW: 'OWN' } });
    expect(await canSeeAttachment(ctx, await k.file(me))).toBe(true);
    expect(await canSeeAttachment(ctx, await k.file(other, { entityType: 'CONTACT', id: mine.id }))).toBe(true);
    expect(await canSeeAttachment(ctx, await k.file(other, { entityType: 'CONTACT', id: theirs.id }))).toBe(false);
    expect(await canSeeAttachment(ctx, await k.file(other))).toBe(false);
    expect(await canSeeAttachment(ctx, await k.file(null))).toBe(false);
    expect(await canSeeAttachment(k.admin, await k.file(other, { entityType: 'CONTACT', id: theirs.id }))).toBe(true);
  });

  test('held in a FILE field is seen by whoever sees a card holding it, unless the field is hidden or archived', async ({ kernel: k }) => {
    const me = await k.user('Me');
    const other = await k.user('Other');
    const doc = await k.field('DEAL', 'FILE', 'Contract');
    const scan = await k.field('DEAL', 'FILE', 'Scan');
    const f1 = await k.file(other);
    const f2 = await k.file(other);
    const f3 = await k.file(other);
    await createRecord(k.admin, 'DEAL', {
      fields: { name: 'Mine' },
      responsibleId: me,
      customFields: [
        { fieldId: doc.id, value: { fileId: f1.id } },
        { fieldId: scan.id, value: { fileId: f3.id } },
      ],
    });
    await createRecord(k.admin, 'DEAL', { fields: { name: 'Theirs' }, responsibleId: other, customFields: [{ fieldId: doc.id, value: { fileId: f2.id } }] });
    const ctx = k.as(me, { DEAL: { VIEW: 'OWN' } });
    expect(await canSeeAttachment(ctx, f1)).toBe(true);
    expect(await canSeeAttachment(ctx, f3)).toBe(true);
    expect(await canSeeAttachment(ctx, f2)).toBe(false);
    expect(await canSeeAttachment(k.as(me, { DEAL: { VIEW: 'OWN' } }, { fieldAccess: { DEAL: { [doc.id]: 'HIDDEN' } } }), f1)).toBe(false);
    await k.changeField(scan.id, { archived: true });
    expect(await canSeeAttachment(k.as(me, { DEAL: { VIEW: 'OWN' } }), f3)).toBe(false);
    expect(await canSeeAttachment(k.as(me, { DEAL: { VIEW: 'OWN' } }), f1)).toBe(true);
  });

  test('named in FILE values: each one the writer may not see (or of another workspace) gets its own issue', async ({ kernel: k }) => {
    const me = await k.user('Me');
    const other = await k.user('Other');
    const ctx = k.as(me, { CONTACT: { VIEW: 'OWN' } });
    const own = await k.file(me);
    const foreign = await k.file(other);
    const elsewhere = await (await k.otherWorkspace()).file(null);
    const issues = new IssueList();
    await checkFileIds(
      ctx,
      [
        { path: 'a', id: own.id },
        { path: 'b', id: foreign.id },
        { path: 'c', id: elsewhere.id },
      ],
      issues,
    );
    expect(issues.issues.map((i) => i.field)).toEqual(['b', 'c']);
    // Not even an administrator (who sees every file of the workspace) may name another workspace's file.
    const admin = new IssueList();
    await checkFileIds(
      k.admin,
      [
        { path: 'x', id: elsewhere.id },
        { path: 'y', id: foreign.id },
      ],
      admin,
    );
    expect(admin.issues.map((i) => i.field)).toEqual(['x']);
    const none = new IssueList();
    await checkFileIds(ctx, [], none);
    expect(none.issues).toEqual([]);
    const trashedCard = await createRecord(k.admin, 'CONTACT', { fields: { name: 'Gone' }, responsibleId: me });
    await trashRecord(k.admin, 'CONTACT', trashedCard.id);
  });
});
