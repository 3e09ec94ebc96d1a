// Rate limits kept in the database (a window opened by its first hit), so every instance behind a load balancer
// counts against the same buckets.
import type { Db } from '../db.js';

export type Limit = { max: number; windowMs: number };

/**
 * Counts one hit against `key`; returns 0 when allowed or the seconds to wait when the
 * window's budget is spent. A window opens at the first hit and lasts `windowMs` from it (not
 * aligned to the clock, so no burst across a boundary gets twice the budget, and a lock lasts
 * its full length).
 */
export async function hit(db: Db, key: string, limit: Limit, now = new Date()): Promise<number> {
  const opened = new Date(now.getTime() - limit.windowMs);
  const rows = await db.$queryRaw<{ count: number; windowStart: Date }[]>`
    insert into "RateLimitBucket" ("key", "windowStart", "count") values (${key}, ${now}, 1)
    on conflict ("key") do update set
      "count" = case when "RateLimitBucket"."windowStart" > ${opened}
                     then "RateLimitBucket"."count" + 1 else 1 end,
      "windowStart" = case when "RateLimitBucket"."windowStart" > ${opened}
                           then "RateLimitBucket"."windowStart" else excluded."windowStart" end
    returning "count", "windowStart"`;
  if (rows[0].count <= limit.max) return 0;
  return Math.max(1, Math.ceil((new Date(rows[0].windowStart).getTime() + limit.windowMs - now.getTime()) / 1000));
}

/** Takes back one hit of the current window, for an attempt that turned out to be legitimate. */
export async function refund(db: Db, key: string, limit: Limit, now = new Date()) {
  await db.rateLimitBucket.updateMany({
    where: { key, windowStart: { gt: new Date(now.getTime() - limit.windowMs) }, count: { gt: 0 } },
    data: { count: { decrement: 1 } },
  });
}

export async function reset(db: Db, key: string) {
  await db.rateLimitBucket.deleteMany({ where: { key } });
}
