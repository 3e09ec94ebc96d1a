// Fixed-window rate limits kept in the database, so every instance behind a load balancer
// counts against the same buckets.
import type { Db } from '../db.js';

export type Limit = { max: number; windowMs: number };

/**
 * Counts one hit against `key`; returns 0 when allowed or the seconds to wait when the
 * window's budget is spent.
 */
export async function hit(db: Db, key: string, limit: Limit, now = new Date()): Promise<number> {
  const windowStart = new Date(Math.floor(now.getTime() / limit.windowMs) * limit.windowMs);
  const rows = await db.$queryRaw<{ count: number }[]>`
    insert into "RateLimitBucket" ("key", "windowStart", "count") values (${key}, ${windowStart}, 1)
    on conflict ("key") do update set
      "count" = case when "RateLimitBucket"."windowStart" = excluded."windowStart"
                     then "RateLimitBucket"."count" + 1 else 1 end,
      "windowStart" = excluded."windowStart"
    returning "count"`;
  if (rows[0].count <= limit.max) return 0;
  return Math.max(1, Math.ceil((windowStart.getTime() + limit.windowMs - now.getTime()) / 1000));
}

/** Takes back one hit of the current window, for an attempt that turned out to be legitimate. */
export async function refund(db: Db, key: string, limit: Limit, now = new Date()) {
  const windowStart = new Date(Math.floor(now.getTime() / limit.windowMs) * limit.windowMs);
  await db.rateLimitBucket.updateMany({
    where: { key, windowStart, count: { gt: 0 } },
    data: { count: { decrement: 1 } },
  });
}

export async function reset(db: Db, key: string) {
  await db.rateLimitBucket.deleteMany({ where: { key } });
}
