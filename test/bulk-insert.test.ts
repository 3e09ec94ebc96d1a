// The write path's bulk insert (src/lib/bulk-insert.ts): a batch as one JSON parameter keeps
// every value as Prisma would have written it, gives a column a row leaves out its default, and
// answers the new ids in the rows' order.
import { describe, expect, test } from './kit/fixtures.js';
import { rawId } from './kit/results.js';
import { insertRows, insertRowsReturning } from '../src/lib/bulk-insert.js';
import { enqueue } from '../src/lib/outbox.js';
import { Prisma } from '../src/generated/prisma/client.js';
import { NOW_COLUMNS, RETURNING } from '../src/kernel/records.js';
import { renameRecordingSql } from './kit/cards.js';
import { Timeline } from './kit/documents/timeline.js';
import { automate } from './kit/automations.js';

describe('bulk insert', () => {
  test('rows of different shapes keep their values and get the defaults of what they leave out', async ({ workspace: ws, app }) => {
    const db = app.database.prisma;
    const workspaceId = ws.workspaceId.includes('-') ? ws.workspaceId : rawId(ws.workspaceId);
    const responsibleId = ws.admin.id.includes('-') ? ws.admin.id : rawId(ws.admin.id);
    const at = new Date('2026-01-02T03:04:05.678Z');
    const ids = await db.$transaction((tx) =>
      insertRows(
        tx,
        'Contact',
        [
          {
            workspaceId,
            responsibleId,
            name: 'Anna «Ёлка» "Q"',
            phones: ['+79161234567'],
            emails: ['a@x.ru'],
            customFields: { k1: { n: 1 } },
            cfNumber1: '12.5',
            cfDate1: new Date('2020-02-29T00:00:00Z'),
          },
          { workspaceId, responsibleId, name: 'Boris', position: undefined },
          { workspaceId, responsibleId, name: 'Vera', createdAt: at },
        ],
        { ids: true, now: ['createdAt', 'updatedAt', 'lastActivityAt'] },
      ),
    );
    expect(ids).toHaveLength(3);
    const rows = await db.contact.findMany({ where: { id: { in: ids } } });
    const byId = new Map(rows.map((r) => [r.id, r]));
    const [a, b, v] = ids.map((id) => byId.get(id)!);
    expect(a).toMatchObject({ name: 'Anna «Ёлка» "Q"', phones: ['+79161234567'], emails: ['a@x.ru'], customFields: { k1: { n: 1 } }, version: 1 });
    expect(a.cfNumber1?.toString()).toBe('12.5');
    expect(a.cfDate1?.toISOString()).toBe('2020-02-29T00:00:00.000Z');
    expect(b).toMatchObject({ name: 'Boris', phones: [], emails: [], position: null, searchText: '', customFields: {}, version: 1 });
    expect(b.createdAt.getTime()).toBe(b.updatedAt.getTime());
    expect(v.createdAt.toISOString()).toBe(at.toISOString());
    // UUIDv7, time-ordered as Prisma's @default(uuid(7)) makes them.
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
  });

  test('values every row of a batch shares (sent once) and values that differ are each written to their row', async ({ workspace: ws, app }) => {
    const db = app.database.prisma;
    const workspaceId = ws.workspaceId.includes('-') ? ws.workspaceId : rawId(ws.workspaceId);
    const responsibleId = ws.admin.id.includes('-') ? ws.admin.id : rawId(ws.admin.id);
    const fields = { k1: { n: 1 }, k2: 'Ёж' };
    const row = (name: string, position: string | null, at: Date) => ({
      workspaceId,
      responsibleId,
      name,
      position,
      customFields: fields,
      phones: [],
      createdAt: at,
    });
    const ids = await db.$transaction((tx) =>
      insertRows(
        tx,
        'Contact',
        // The instant equal but not the same Date in each row; the position shared by two rows only.
        [
          row('Shared 1', 'Chief', new Date('2026-03-04T05:06:07.089Z')),
          row('Shared 2', 'Chief', new Date('2026-03-04T05:06:07.089Z')),
          row('Shared 3', null, new Date('2026-03-04T05:06:07.089Z')),
        ],
        { ids: true, now: ['updatedAt', 'lastActivityAt'] },
      ),
    );
    const rows = await db.contact.findMany({ where: { id: { in: ids } }, orderBy: { name: 'asc' } });
    expect(rows.map((r) => [r.id, r.name, r.position, r.workspaceId, r.responsibleId, r.customFields, r.createdAt.toISOString(), r.phones])).toEqual([
      [ids[0], 'Shared 1', 'Chief', workspaceId, responsibleId, fields, '2026-03-04T05:06:07.089Z', []],
      [ids[1], 'Shared 2', 'Chief', workspaceId, responsibleId, fields, '2026-03-04T05:06:07.089Z', []],
      [ids[2], 'Shared 3', null, workspaceId, responsibleId, fields, '2026-03-04T05:06:07.089Z', []],
    ]);
    expect(new Set(rows.map((r) => r.updatedAt.getTime())).size).toBe(1);
  });

  test("failing before: a card write sends its timeline entry in its outbox rows' statement, and both are kept", async ({ workspace: ws, app }) => {
    const { deal, sql } = await renameRecordingSql(ws, app);
    const inserts = sql.filter((q) => /insert into "(TimelineEntry|OutboxEvent)"/.test(q));
    // One statement: the entry as a WITH query of the outbox rows' INSERT (written with the COMMIT: DEFERRED).
    expect(inserts).toHaveLength(1);
    expect(inserts[0]).toMatch(/^\/\* deferred \*\/ with "w0" as \(insert into "TimelineEntry" .*\) insert into "OutboxEvent"/s);
    // The entry is on the card's timeline, and its notice in the outbox.
    const timeline = await ws.gql(Timeline, { cardId: deal.id });
    expect(timeline.timeline.edges.map((e) => e.node.kind)).toEqual(['FIELD_CHANGED', 'CARD_CREATED']);
    // The rename's entry only: the card's first entry committed with the card, before anyone could subscribe to it.
    const notices = await app.deps.db.outboxEvent.findMany({ where: { topic: 'timelineUpdated', payload: { path: ['cardId'], equals: rawId(deal.id) } } });
    expect(notices).toHaveLength(1);
  });
  test('outbox rows keep their payloads as the text sent (json: keys in the order written, nothing re-parsed)', async ({ workspace: ws, app }) => {
    const db = app.database.prisma;
    const workspaceId = ws.workspaceId.includes('-') ? ws.workspaceId : rawId(ws.workspaceId);
    const topic = `test.outbox-json.${Date.now()}`;
    const payloads = [
      { zeta: 1, alpha: { b: [2, 1.5e300, null], a: 'Ёж "q" \\' }, ключ: true },
      { recordId: 'x', after: { name: 'B', customFields: { '10': 'ten', '2': 'two' } } },
    ];
    // Only the payload varies (the rows are the array of payloads), then the topic too (records).
    await db.$transaction((tx) =>
      enqueue(
        tx,
        payloads.map((payload) => ({ topic, workspaceId, payload })),
      ),
    );
    await db.$transaction((tx) =>
      enqueue(
        tx,
        payloads.map((payload, i) => ({ topic: `${topic}.${i}`, workspaceId, payload })),
      ),
    );
    const rows = await db.$queryRawUnsafe<{ topic: string; text: string }[]>(
      `select "topic", "payload"::text as text from "OutboxEvent" where "topic" like $1 order by "id"`,
      `${topic}%`,
    );
    // jsonb would have answered {"zeta": 1, "alpha": …} reordered by key length and spaced.
    const texts = payloads.map((p) => JSON.stringify(p));
    expect(rows.map((r) => [r.topic, r.text])).toEqual([
      [topic, texts[0]],
      [topic, texts[1]],
      [`${topic}.0`, texts[0]],
      [`${topic}.1`, texts[1]],
    ]);
  });

  test('with a parent, rows naming a deleted one are left out and the others keep their order; with skipDuplicates a row held already is left out', async ({
    workspace: ws,
    app,
  }) => {
    const db = app.database.prisma;
    const automation = await automate(ws, { name: 'Tell', trigger: { type: 'CARD_CREATED', cardKind: 'DEAL' }, actions: [{ notify: { text: 'New' } }] });
    const workspaceId = ws.workspaceId.includes('-') ? ws.workspaceId : rawId(ws.workspaceId);
    const automationId = rawId(automation.id);
    const gone = '00000000-0000-7000-8000-000000000000';
    // Due in a hundred years: no worker of the run (a PostgreSQL pass shares the database) takes them.
    const runAt = new Date('2126-01-01T00:00:00Z');
    const job = (eventKey: string, id = automationId) => ({ workspaceId, automationId: id, eventKey, cardId: gone, depth: 1, event: { eventKey }, runAt });
    const opts = { parent: { column: 'automationId', table: 'Automation' }, skipDuplicates: true };
    await db.$transaction((tx) => insertRows(tx, 'AutomationJob', [job('e3'), job('orphan', gone), job('e1'), job('e2')], opts));
    // Again: each is held already (automationId, eventKey), so nothing fails and nothing is added.
    await db.$transaction((tx) => insertRows(tx, 'AutomationJob', [job('e1'), job('e4')], opts));
    const rows = await db.automationJob.findMany({ where: { workspaceId }, orderBy: { id: 'asc' }, select: { eventKey: true } });
    expect(rows.map((r) => r.eventKey)).toEqual(['e3', 'e1', 'e2', 'e4']);
    await db.automation.delete({ where: { id: automationId } });
  });

  test('rows answered from what was sent are the rows PostgreSQL stored: its JSON key order, decimals rounded to scale, uuids in lower case', async ({
    workspace: ws,
    app,
  }) => {
    const db = app.database.prisma;
    const workspaceId = ws.workspaceId.includes('-') ? ws.workspaceId : rawId(ws.workspaceId);
    const responsibleId = ws.admin.id.includes('-') ? ws.admin.id : rawId(ws.admin.id);
    const stage = await db.stage.findFirstOrThrow({ where: { workspaceId } });
    // What the kernel asks of a new deal's INSERT.
    const columns = RETURNING.DEAL;
    const base = { workspaceId, responsibleId, pipelineId: stage.pipelineId, currency: 'RUB', createdById: responsibleId, updatedById: responsibleId };
    const sent = [
      // As the kernel sends: kept as sent (but for the JSON's key order, jsonb's: shortest first, in bytes).
      {
        ...base,
        name: 'Kept',
        stageId: stage.id,
        amount: '1234.5',
        customFields: { bb: 1, a: { zz: true, y: [{ dd: null, c: 'x' }] }, ключ: 'v', я: 2, '10': 't', '2': 'w', ab: 0.1 },
      },
      // Forms PostgreSQL changes: more places than the column's scale, an upper-case uuid, a date as text.
      { ...base, name: 'Changed', stageId: stage.id.toUpperCase(), amount: '12.345', closedAt: '2026-03-04T05:06:07.891Z', customFields: { x: -0 } },
      // Left to the columns' defaults: the amount (0), the document ({}), the version (1).
      { ...base, name: 'Defaults', stageId: stage.id },
      // A key that is not a plain property in JavaScript, a char(3) of two characters that JavaScript counts as three.
      {
        ...base,
        name: 'Odd',
        stageId: stage.id,
        amount: '1',
        currency: 'R😀',
        lossReasonId: null,
        customFields: JSON.parse('{"__proto__":{"x":1},"a":1}') as object,
      },
    ];
    const { made, read } = await db.$transaction(async (tx) => {
      const made = await insertRowsReturning<{ id: string } & Record<string, unknown>>(tx, 'Deal', sent, {
        ids: true,
        now: NOW_COLUMNS.DEAL,
        returning: columns,
      });
      const read = await tx.$queryRawUnsafe<Record<string, unknown>[]>(
        `select ${columns.map((c) => `"${c}"`).join(', ')} from "Deal" where "id" = any($1::uuid[])`,
        made.map((r) => r.id),
      );
      return { made, read: made.map((m) => read.find((r) => r.id === m.id)!) };
    });
    const kind = (v: unknown) =>
      v === null ? 'null' : v instanceof Date ? 'Date' : Prisma.Decimal.isDecimal(v) ? 'Decimal' : Array.isArray(v) ? 'array' : typeof v;
    const typed = (r: Record<string, unknown>) => Object.entries(r).map(([k, v]) => [k, kind(v), JSON.stringify(v)]);
    expect(made.map(typed)).toEqual(read.map(typed));
    // jsonb's order (by length in bytes, then bytewise), as JSON.parse gives it back (integer-like keys first).
    expect(JSON.stringify(made[0].customFields)).toBe('{"2":"w","10":"t","a":{"y":[{"c":"x","dd":null}],"zz":true},"ab":0.1,"bb":1,"я":2,"ключ":"v"}');
    expect([String(made[0].amount), String(made[1].amount), made[1].stageId]).toEqual(['1234.5', '12.35', stage.id]);
    expect([String(made[2].amount), made[2].customFields, made[2].version]).toEqual(['0', {}, 1]);
    expect(Object.keys(made[3].customFields as object)).toEqual(['a', '__proto__']);
  });
});
