// The access rules that are pure functions of the viewer (src/kernel/access): record scopes,
// field levels, the rule texts the schema prints. No app, no database: these run in
// milliseconds, so the mutation run (npm run test:mutation) can afford them for every mutant.
// The same rules seen through the API are in test/rights.test.ts and test/field-access.test.ts.
import { describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../src/lib/errors.js';
import { render } from '../../src/lib/i18n.js';
import type { Viewer } from '../../src/kernel/access/viewer.js';
import { assertAdmin } from '../../src/kernel/access/viewer.js';
import * as rights from '../../src/kernel/access/rights.js';
import { assertEditable, canRead, fieldLevel, hidesAny, hidesPhones, shown, SYSTEM_FIELDS } from '../../src/kernel/access/field-access.js';
import { ruleText } from '../../src/kernel/access/actions.js';
import { ROOT_RULES } from '../../src/kernel/access/root-rules.js';
import { ACCESS } from '../../src/kernel/access/messages.js';

const viewer = (over: Partial<Viewer> = {}): Viewer => ({
  userId: 'u1',
  workspaceId: 'w1',
  isAdmin: false,
  roleId: 'r1',
  teamIds: ['t1', 't2'],
  via: 'session',
  canWrite: true,
  locale: 'en',
  ...over,
});

function thrown(fn: () => unknown): ForbiddenError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ForbiddenError);
    return e as ForbiddenError;
  }
  throw new Error('expected a ForbiddenError');
}

describe('record rights', () => {
  it('an administrator has every scope whatever the role says', () => {
    const admin = viewer({ isAdmin: true, rights: { DEAL: { VIEW: 'NONE' } } });
    for (const e of rights.ENTITIES) for (const a of rights.ACTIONS) expect(rights.scopeOf(admin, e, a)).toBe('ALL');
  });

  it('a right the role sets is its scope; one it does not set is NONE', () => {
    const v = viewer({ rights: { DEAL: { VIEW: 'TEAM', EDIT: 'OWN' }, CONTACT: { VIEW: 'ALL' } } });
    expect(rights.scopeOf(v, 'DEAL', 'VIEW')).toBe('TEAM');
    expect(rights.scopeOf(v, 'DEAL', 'EDIT')).toBe('OWN');
    expect(rights.scopeOf(v, 'DEAL', 'DELETE')).toBe('NONE');
    expect(rights.scopeOf(v, 'CONTACT', 'VIEW')).toBe('ALL');
    expect(rights.scopeOf(v, 'COMPANY', 'VIEW')).toBe('NONE');
    expect(rights.scopeOf(viewer({ rights: undefined }), 'TASK', 'VIEW')).toBe('NONE');
  });

  it('ALL_RIGHTS gives every action on every entity the ALL scope', () => {
    expect(Object.keys(rights.ALL_RIGHTS).sort()).toEqual([...rights.ENTITIES].sort());
    for (const e of rights.ENTITIES) expect(rights.ALL_RIGHTS[e]).toEqual(Object.fromEntries(rights.ACTIONS.map((a) => [a, 'ALL'])));
    const manager = viewer({ rights: rights.ALL_RIGHTS });
    expect(rights.scopeOf(manager, 'LEAD', 'EXPORT')).toBe('ALL');
  });

  it('a scope becomes a condition on the card’s responsible', () => {
    const v = viewer();
    expect(rights.scopeWhere(v, 'ALL')).toEqual({});
    expect(rights.scopeWhere(v, 'OWN')).toEqual({ responsibleId: 'u1' });
    expect(rights.scopeWhere(v, 'TEAM')).toEqual({
      OR: [{ responsibleId: 'u1' }, { responsible: { teams: { some: { teamId: { in: ['t1', 't2'] } } } } }],
    });
    expect(rights.scopeWhere(v, 'NONE')).toEqual({ id: { in: [] } });
  });

  it('allowed applies the role’s scope for the entity and action', () => {
    const v = viewer({ rights: { DEAL: { VIEW: 'OWN', EDIT: 'ALL' } } });
    expect(rights.allowed(v, 'DEAL', 'VIEW')).toEqual({ responsibleId: 'u1' });
    expect(rights.allowed(v, 'DEAL', 'EDIT')).toEqual({});
    expect(rights.allowed(v, 'DEAL', 'DELETE')).toEqual({ id: { in: [] } });
  });

  it('the SQL form of a scope numbers its parameters after the caller’s', () => {
    const v = viewer();
    expect(rights.scopeSql(v, 'ALL', 3)).toEqual({ sql: '', params: [] });
    expect(rights.scopeSql(v, 'NONE', 3)).toEqual({ sql: ' and false', params: [] });
    expect(rights.scopeSql(v, 'OWN', 3)).toEqual({ sql: ' and t."responsibleId" = $3::uuid', params: ['u1'] });
    expect(rights.scopeSql(v, 'TEAM', 3)).toEqual({
      sql: ' and (t."responsibleId" = $3::uuid or t."responsibleId" in (select m."userId" from "TeamMember" m where m."teamId" = any($4::uuid[])))',
      params: ['u1', ['t1', 't2']],
    });
  });

  it('covers: ALL covers anyone, NONE no one, OWN the viewer, TEAM the viewer and teammates', () => {
    const v = viewer();
    expect(rights.covers(v, 'ALL', 'stranger', [])).toBe(true);
    expect(rights.covers(v, 'NONE', 'u1', ['t1'])).toBe(false);
    expect(rights.covers(v, 'OWN', 'u1', [])).toBe(true);
    expect(rights.covers(v, 'OWN', 'u2', ['t1'])).toBe(false);
    expect(rights.covers(v, 'TEAM', 'u1', [])).toBe(true);
    expect(rights.covers(v, 'TEAM', 'u2', ['t9', 't2'])).toBe(true);
    expect(rights.covers(v, 'TEAM', 'u2', ['t9'])).toBe(false);
    expect(rights.covers(v, 'TEAM', 'u2', [])).toBe(false);
  });

  it('a refusal names the action, the entity and what the scope leaves out, in both languages', () => {
    const e = rights.forbidden('DEAL', 'EDIT', 'OWN');
    expect(e).toBeInstanceOf(ForbiddenError);
    expect(e.code).toBe('FORBIDDEN');
    expect(render(e.msg, 'en')).toBe('Your role does not let you change deals other than your own');
    expect(render(e.msg, 'ru')).toBe('Ваша роль не позволяет изменять сделки, кроме своих');
    expect(render(rights.forbidden('TASK', 'VIEW', 'NONE').msg, 'en')).toBe('Your role does not let you see tasks');
  });
});

describe('field access', () => {
  const seller = viewer({
    fieldAccess: { DEAL: { amount: 'READ', responsible: 'HIDDEN' }, CONTACT: { phones: 'HIDDEN', emails: 'READ' }, COMPANY: { cf1: 'HIDDEN' } },
  });

  it('a field the role does not name is EDIT; administrators edit every field', () => {
    expect(fieldLevel(seller, 'DEAL', 'amount')).toBe('READ');
    expect(fieldLevel(seller, 'DEAL', 'responsible')).toBe('HIDDEN');
    expect(fieldLevel(seller, 'DEAL', 'other')).toBe('EDIT');
    expect(fieldLevel(seller, 'COMPANY', 'phones')).toBe('EDIT');
    expect(fieldLevel(viewer(), 'DEAL', 'amount')).toBe('EDIT');
    expect(fieldLevel(viewer({ ...seller, isAdmin: true }), 'DEAL', 'responsible')).toBe('EDIT');
  });

  it('READ and EDIT fields are readable, HIDDEN ones are not', () => {
    expect(canRead(seller, 'DEAL', 'amount')).toBe(true);
    expect(canRead(seller, 'DEAL', 'name')).toBe(true);
    expect(canRead(seller, 'DEAL', 'responsible')).toBe(false);
  });

  it('shown gives the value, or the hidden stand-in when the role hides the field; no viewer sees it', () => {
    expect(shown(seller, 'CONTACT', 'phones', ['+1'], [])).toEqual([]);
    expect(shown(seller, 'CONTACT', 'emails', ['a@b.c'], [])).toEqual(['a@b.c']);
    expect(shown(null, 'CONTACT', 'phones', ['+1'], [])).toEqual(['+1']);
    expect(shown(undefined, 'CONTACT', 'phones', ['+1'], [])).toEqual(['+1']);
  });

  it('hidesPhones: when contacts’ or companies’ phones are hidden', () => {
    expect(hidesPhones(seller)).toBe(true);
    expect(hidesPhones(viewer({ fieldAccess: { COMPANY: { phones: 'HIDDEN' } } }))).toBe(true);
    expect(hidesPhones(viewer({ fieldAccess: { CONTACT: { phones: 'READ' }, COMPANY: { phones: 'READ' } } }))).toBe(false);
    expect(hidesPhones(viewer())).toBe(false);
  });

  it('hidesAny: whether any of the fields is hidden', () => {
    expect(hidesAny(seller, 'CONTACT', ['emails', 'phones'])).toBe(true);
    expect(hidesAny(seller, 'CONTACT', ['emails'])).toBe(false);
    expect(hidesAny(seller, 'CONTACT', [])).toBe(false);
  });

  it('the system fields access can be set on follow each kind’s descriptor', () => {
    expect(SYSTEM_FIELDS.DEAL).toEqual(['amount', 'responsible']);
    expect(SYSTEM_FIELDS.CONTACT).toEqual(['responsible', 'phones', 'emails']);
    expect(SYSTEM_FIELDS.COMPANY).toEqual(['responsible', 'phones', 'emails']);
  });

  it('a write naming a field the role may not edit is refused, naming every such field', () => {
    const e = thrown(() => assertEditable(seller, 'DEAL', { amount: '10', responsible: 'u2' }));
    expect(render(e.msg, 'en')).toBe('Your role may not change amount, responsible of deals');
    expect(render(e.msg, 'ru')).toBe('Ваша роль не может изменять сумму, ответственного у сделок');
  });

  it('fields not given, or not of the kind, or editable, pass', () => {
    expect(() => assertEditable(seller, 'DEAL', { amount: undefined })).not.toThrow();
    expect(() => assertEditable(seller, 'DEAL', {})).not.toThrow();
    // A deal has no phones; the contact's hidden phones do not lock them.
    expect(() => assertEditable(viewer({ fieldAccess: { DEAL: { phones: 'HIDDEN' } } }), 'DEAL', { phones: ['+1'] })).not.toThrow();
    expect(() => assertEditable(seller, 'CONTACT', { responsible: 'u2' })).not.toThrow();
    expect(() => assertEditable(viewer({ ...seller, isAdmin: true }), 'DEAL', { amount: '1' })).not.toThrow();
    const e = thrown(() => assertEditable(seller, 'CONTACT', { emails: ['a@b.c'], responsible: 'u2', phones: null }));
    expect(render(e.msg, 'en')).toBe('Your role may not change e-mails, phones of contacts');
  });
});

describe('administrators only', () => {
  it('refuses anyone else, naming the action', () => {
    expect(() => assertAdmin(viewer({ isAdmin: true }))).not.toThrow();
    const e = thrown(() => assertAdmin(viewer()));
    expect(render(e.msg, 'en')).toBe('Only an administrator may change workspace settings');
    expect(render(e.msg, 'ru')).toBe('Только администратор может изменять настройки аккаунта');
    const f = thrown(() => assertAdmin(viewer(), ACCESS.noFile()));
    expect(render(f.msg, 'en')).toContain('no such file');
  });
});

describe('rule texts', () => {
  it('a named action prints the scope it checks; a handover the EDIT scope of the new responsible', () => {
    expect(ruleText('deal:edit')).toBe('DEAL EDIT scope on the card (NotFoundError for a card outside VIEW)');
    expect(ruleText('task:create')).toBe('TASK CREATE scope on the card (NotFoundError for a card outside VIEW)');
    expect(ruleText('contact:handover')).toBe('a new responsible must be within the EDIT scope too');
  });

  it('card writes name the scope and the field access they check', () => {
    expect(ROOT_RULES['Mutation.updateDeal']).toBe(
      'DEAL EDIT scope on the card (NotFoundError for a card outside VIEW); fields the role has READ or HIDDEN are refused; a new responsible must be within the EDIT scope too',
    );
    expect(ROOT_RULES['Query.contacts']).toBe(
      'CONTACT VIEW scope: only cards within it are listed and counted; filters, sorting and search refuse fields the role hides',
    );
    expect(ROOT_RULES['Mutation.addNote']).toBe("EDIT scope on the card's type for the card (NotFoundError for a card outside VIEW)");
    expect(ROOT_RULES['Mutation.deleteWebhook']).toBe('administrators only (ForbiddenError otherwise)');
  });
});
