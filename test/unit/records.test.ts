// The pure parts of the card write path (src/kernel/records.ts): refusing cards that are gone or
// in the trash, stale versions, what "given" means in a write, the card search text, and the
// snapshot events carry. The write itself (rights, values, the transaction, events) needs the
// database: test/contacts.test.ts, test/deals.test.ts, test/companies.test.ts and others.
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../src/lib/errors.js';
import { render } from '../../src/lib/i18n.js';
import { Prisma } from '../../src/generated/prisma/client.js';
import { assertLive, assertVersion, given, searchText, snapshot, touched } from '../../src/kernel/records.js';
import type { ServiceCtx } from '../../src/context.js';
import type { CardRow } from '../../src/kernel/tables.js';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('a card to change', () => {
  it('must exist: else NotFoundError naming the type', () => {
    const e = thrown(() => assertLive('DEAL', 'd1', null)) as NotFoundError;
    expect(e).toBeInstanceOf(NotFoundError);
    expect([e.code, e.entity, e.id]).toEqual(['NOT_FOUND', 'Deal', 'd1']);
    expect(render(e.msg, 'en')).toBe('Deal was not found');
  });

  it('must not be in the trash: else NotFoundError with code IN_TRASH, in both languages', () => {
    const e = thrown(() => assertLive('CONTACT', 'c1', { deletedAt: new Date() })) as NotFoundError;
    expect(e).toBeInstanceOf(NotFoundError);
    expect([e.code, e.entity, e.id]).toEqual(['IN_TRASH', 'Contact', 'c1']);
    expect(render(e.msg, 'en')).toBe('Contact is in the trash; restore it first');
    expect(render(e.msg, 'ru')).toBe('Контакт в корзине; сначала восстановите');
    const live = { deletedAt: null, name: 'Ann' };
    expect(assertLive('CONTACT', 'c1', live)).toBe(live);
  });

  it('a version given must be the card’s current one; none given skips the check', () => {
    const card = { id: 'd1', version: 3 };
    expect(() => assertVersion('DEAL', card, 3)).not.toThrow();
    expect(() => assertVersion('DEAL', card, null)).not.toThrow();
    expect(() => assertVersion('DEAL', card, undefined)).not.toThrow();
    const e = thrown(() => assertVersion('COMPANY', card, 2)) as ConflictError;
    expect(e).toBeInstanceOf(ConflictError);
    expect([e.code, e.entity, e.id, e.currentVersion]).toEqual(['CONFLICT', 'Company', 'd1', 3]);
    expect((thrown(() => assertVersion('DEAL', card, 0)) as ConflictError).currentVersion).toBe(3);
  });
});

describe('a write', () => {
  it('gives only the keys whose value is not undefined; null (clear) is given', () => {
    expect(given({ a: 1, b: undefined, c: null, d: '' })).toEqual({ a: 1, c: null, d: '' });
    expect(Object.keys(given({ b: undefined }))).toEqual([]);
  });

  it('is stamped with who wrote it and when', () => {
    const ctx = { viewer: { userId: 'u1' } } as unknown as ServiceCtx;
    const before = Date.now();
    const t = touched(ctx);
    expect(t.updatedById).toBe('u1');
    expect(t.updatedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(t.lastActivityAt).toEqual(t.updatedAt);
  });
});

describe('search text', () => {
  it('holds lower-cased names, e-mails and the digits of phones, custom ones too', () => {
    expect(
      searchText(
        { names: ['Ann LEE', null, undefined, ''], phones: ['+7 (912) 345-67-89'], emails: ['ann@x.ru'] },
        { phones: ['+1-202'], emails: ['work@y.com'] },
      ),
    ).toBe('ann lee ann@x.ru work@y.com 79123456789 1202');
    expect(searchText({ names: ['Acme'] })).toBe('acme');
    expect(searchText({ names: ['Acme'] }, { phones: ['8-800'] })).toBe('acme 8800');
  });
});

describe('snapshot', () => {
  it('carries the columns JSON-ready: dates as ISO strings, decimals with two places; no search text or slot copies', () => {
    const row = {
      id: 'd1',
      name: 'Order',
      amount: new Prisma.Decimal('12.5'),
      closedAt: new Date('2026-01-02T03:04:05.000Z'),
      companyId: null,
      searchText: 'order',
      cfText1: 'x',
      cfNumber2: '1',
      cfx: 'kept',
      missing: undefined,
      customFields: { '1': 'a' },
    } as unknown as CardRow;
    expect(snapshot(row)).toEqual({
      id: 'd1',
      name: 'Order',
      amount: '12.50',
      closedAt: '2026-01-02T03:04:05.000Z',
      companyId: null,
      cfx: 'kept',
      customFields: { '1': 'a' },
    });
    expect('missing' in snapshot(row)).toBe(false);
  });
});
