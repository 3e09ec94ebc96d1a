// Published outbox events are kept OUTBOX_KEEP_HOURS, then the background worker deletes them,
// the oldest first and a batch at a time; an undelivered event is never deleted, and 0 keeps them
// all. On a database of the test's own (PGlite, or a scratch PostgreSQL database in that run):
// the events' ids must run in the order they were written, as a live server's do.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, testDatabaseUrl, type TestApp } from './kit/app.js';
import { scratchDatabase } from './kit/server.js';
import { signUpWorkspace } from './kit/workspace.js';
import { loadConfig, ConfigError } from '../src/config.js';
import { pruneOutbox } from '../src/lib/outbox.js';

describe('published outbox events past OUTBOX_KEEP_HOURS', () => {
  let app: TestApp;
  let scratch: Awaited<ReturnType<typeof scratchDatabase>> | undefined;
  let workspaceId: string;

  beforeAll(async () => {
    const server = testDatabaseUrl();
    scratch = server ? await scratchDatabase(server, 'crm_outbox_keep') : undefined;
    // No dispatch: what this file writes stays as it wrote it.
    app = await createTestApp({ OUTBOX_DISPATCH: 'false', OUTBOX_KEEP_HOURS: '24' }, scratch ? { databaseUrl: scratch.url } : { own: true });
    workspaceId = (await signUpWorkspace(app)).workspaceId;
  });
  afterAll(async () => {
    await app.stop();
    await scratch?.drop();
  });

  /** The outbox as a server that ran for days leaves it: each event written `hoursAgo`, and published `publishedHoursAgo` (null: not yet). */
  async function outboxOf(rows: { name: string; hoursAgo: number; publishedHoursAgo: number | null }[]) {
    await app.database.prisma.$executeRawUnsafe('delete from "OutboxEvent"');
    for (const r of rows)
      await app.database.prisma.$executeRawUnsafe(
        `insert into "OutboxEvent" ("workspaceId", topic, payload, "createdAt", "publishedAt")
         values ($1::uuid, 'record.updated', json_build_object('name', $2::text), now() - make_interval(hours => $3::int),
                 now() - make_interval(hours => $4::int))`,
        workspaceId,
        r.name,
        r.hoursAgo,
        r.publishedHoursAgo,
      );
  }
  const left = async () =>
    (await app.database.prisma.$queryRawUnsafe<{ name: string }[]>(`select payload->>'name' as name from "OutboxEvent" order by id`)).map((r) => r.name);

  beforeEach(() =>
    outboxOf([
      ...['a', 'b', 'c', 'd', 'e'].map((name) => ({ name: `old ${name}`, hoursAgo: 72, publishedHoursAgo: 71 })),
      // Written three days ago and never delivered (Redis was down, say): kept until it goes out.
      { name: 'undelivered', hoursAgo: 72, publishedHoursAgo: null },
      { name: 'published a day and an hour ago', hoursAgo: 26, publishedHoursAgo: 25 },
      { name: 'published an hour ago', hoursAgo: 1, publishedHoursAgo: 1 },
      { name: 'waiting', hoursAgo: 0, publishedHoursAgo: null },
    ]),
  );

  it("the worker's pass deletes what was published over OUTBOX_KEEP_HOURS ago, and keeps the rest", async () => {
    await app.deps.worker.pass();
    expect(await left()).toEqual(['undelivered', 'published an hour ago', 'waiting']);
  });

  it('deletes a batch at a time, the oldest first', async () => {
    const keep = 24 * 3_600_000;
    expect(await pruneOutbox(app.database.prisma, keep, 2)).toBe(2);
    expect(await left()).toEqual(['old c', 'old d', 'old e', 'undelivered', 'published a day and an hour ago', 'published an hour ago', 'waiting']);
    expect(await pruneOutbox(app.database.prisma, keep, 2)).toBe(2);
    // The next two oldest are one to delete and one undelivered, which stays.
    expect(await pruneOutbox(app.database.prisma, keep, 2)).toBe(1);
    expect(await left()).toEqual(['undelivered', 'published a day and an hour ago', 'published an hour ago', 'waiting']);
    expect(await pruneOutbox(app.database.prisma, keep, 2)).toBe(1);
    expect(await pruneOutbox(app.database.prisma, keep, 2)).toBe(0);
    expect(await left()).toEqual(['undelivered', 'published an hour ago', 'waiting']);
  });

  it("counts a row of a batch's events as the events it holds, and deletes it whole", async () => {
    const keep = 24 * 3_600_000;
    // 'old b' becomes a row of three events, as a batch of three imported cards writes them.
    await app.database.prisma.$executeRawUnsafe(
      `update "OutboxEvent" set "events" = 3, "payload" = json_build_array(payload, payload, payload)::json where payload->>'name' = 'old b'`,
    );
    const names = async () =>
      (
        await app.database.prisma.$queryRawUnsafe<{ name: string }[]>(
          `select coalesce(payload->>'name', payload->0->>'name') as name from "OutboxEvent" order by id`,
        )
      ).map((r) => r.name);
    // Two events asked: 'old a' and then the batch's row, whole (four events).
    expect(await pruneOutbox(app.database.prisma, keep, 2)).toBe(4);
    expect((await names()).slice(0, 2)).toEqual(['old c', 'old d']);
    expect(await pruneOutbox(app.database.prisma, keep, 2)).toBe(2);
    expect(await pruneOutbox(app.database.prisma, keep, 2)).toBe(1);
    expect(await names()).toEqual(['undelivered', 'published a day and an hour ago', 'published an hour ago', 'waiting']);
  });

  it('OUTBOX_KEEP_HOURS=0 keeps every event; a negative value stops the server with a message naming it', async () => {
    const forGood = await app.variant({ OUTBOX_KEEP_HOURS: '0' });
    try {
      await forGood.deps.worker.pass();
      expect(await left()).toHaveLength(9);
    } finally {
      await forGood.stop();
    }
    expect(() => loadConfig({ OUTBOX_KEEP_HOURS: '-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ OUTBOX_KEEP_HOURS: '-1' })).toThrow(/OUTBOX_KEEP_HOURS/);
    expect(loadConfig({}).outboxKeepMs).toBe(7 * 24 * 3_600_000);
  });
});
