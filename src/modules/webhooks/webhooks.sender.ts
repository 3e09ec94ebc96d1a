// Sends webhook deliveries: claims due rows with a lease (several instances skip each other's
// rows), signs each per the Standard Webhooks specification, POSTs it with a time-out and a cap
// on the response read, and logs the attempt. A 2xx answer delivers it; anything else retries
// with exponential backoff and jitter, 8 attempts over about a day by default (WEBHOOK_RETRY_BASE_MS,
// WEBHOOK_RETRY_MAX_MS, WEBHOOK_MAX_ATTEMPTS); a delivery out of attempts
// fails, and a webhook whose deliveries keep failing is disabled and its administrators told.
// Deliveries are sent concurrently, so a slow receiver holds only its own.
import http from 'node:http';
import https from 'node:https';
import { Webhook as Signer } from 'standardwebhooks';
import type { AppDeps } from '../../context.js';
import { render } from '../../lib/i18n.js';
import { enqueue } from '../../lib/outbox.js';
import { settingsChangedEvent } from '../../kernel/events.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { guardedLookup } from './guard.js';
import { WEBHOOKS } from './webhooks.messages.js';

/** Deliveries that failed for good in a row before the webhook is disabled. */
export const DISABLE_AFTER = 5;
const RESPONSE_CAP = 64 * 1024;
const KEEP = 1024;
const BATCH = 100;
const PARALLEL = 32;

export type Attempt = { attempt: number; at: string; statusCode: number | null; latencyMs: number; response: string; error: string | null };

type Row = {
  id: string;
  webhookId: string;
  messageId: string;
  payload: unknown;
  attempts: number;
  attemptLog: Attempt[];
  url: string;
  secret: string;
  previousSecret: string | null;
  previousSecretUntil: Date | null;
  workspaceId: string;
};

/** The delay before attempt `n + 1` after `n` failed: base·4^(n-1), ±20 % jitter, at most `maxMs`. */
export function backoff(baseMs: number, n: number, maxMs = Infinity) {
  return Math.min(maxMs, Math.round(baseMs * 4 ** (n - 1) * (0.8 + Math.random() * 0.4)));
}

/** webhook-signature: one signature per secret in force (the previous one during its overlap). */
export function signatures(row: Pick<Row, 'secret' | 'previousSecret' | 'previousSecretUntil' | 'messageId'>, at: Date, body: string) {
  const secrets = [row.secret, ...(row.previousSecret && row.previousSecretUntil && row.previousSecretUntil > at ? [row.previousSecret] : [])];
  return secrets.map((s) => new Signer(s).sign(row.messageId, at, body)).join(' ');
}

function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number, allowPrivate: boolean) {
  return new Promise<{ statusCode: number; response: string }>((resolve, reject) => {
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : http;
    const req = lib.request(
      u,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(allowPrivate) as never,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= RESPONSE_CAP) chunks.push(c);
          else res.destroy();
        });
        const done = () => resolve({ statusCode: res.statusCode ?? 0, response: Buffer.concat(chunks).subarray(0, KEEP).toString('utf8') });
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Seconds a claimed batch is leased: its rows are sent PARALLEL at a time, each within the
 * time-out, and their attempts written once the batch is through, so the lease covers the batch.
 */
const lease = (deps: AppDeps) => Math.ceil(BATCH / PARALLEL) * Math.ceil(deps.config.webhooks.timeoutMs / 1000) + 30;

async function claim(deps: AppDeps): Promise<Row[]> {
  return deps.db.$queryRaw<Row[]>`
    with due as (
      update "WebhookDelivery" set "lockedUntil" = now() + make_interval(secs => ${lease(deps)})
      where "id" in (select d."id" from "WebhookDelivery" d
                     where d."status" = 'PENDING' and d."nextAttemptAt" <= now() and (d."lockedUntil" is null or d."lockedUntil" < now())
                     order by d."nextAttemptAt" limit ${BATCH} for update skip locked)
      returning "id", "webhookId", "messageId", "payload", "attempts", "attemptLog", "workspaceId")
    select due."id"::text as "id", due."webhookId"::text as "webhookId", due."messageId", due."payload", due."attempts", due."attemptLog", due."workspaceId"::text as "workspaceId",
           w."url", w."secret", w."previousSecret", w."previousSecretUntil"
    from due join "Webhook" w on w."id" = due."webhookId"`;
}

/** One attempt's result, to be written: a 2xx delivers, a failure retries or, out of attempts, fails. */
type Outcome = { row: Row; entry: Attempt; out: 'SUCCEEDED' | 'PENDING' | 'FAILED'; next: Date | null };

export async function sendDueDeliveries(deps: AppDeps): Promise<number> {
  const rows = await claim(deps);
  const outcomes: Outcome[] = [];
  let next = 0;
  const lane = async () => {
    while (next < rows.length) {
      const row = rows[next++];
      outcomes.push(await attempt(deps, row));
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, rows.length) }, lane));
  // One statement for the batch's attempts, not a transaction per attempt (bench:webhooks).
  await record(deps, outcomes).catch((err) =>
    deps.log.error({ err, deliveryIds: outcomes.map((o) => o.row.id) }, 'webhook deliveries failed to record; retried when their lease ends'),
  );
  if (rows.length) deps.outbox.kick();
  return rows.length;
}

/** Sends one delivery, signed; answers what became of it (never throws: an error is a failed attempt). */
async function attempt(deps: AppDeps, row: Row): Promise<Outcome> {
  const { timeoutMs, allowPrivate, retryBaseMs, retryMaxMs, maxAttempts } = deps.config.webhooks;
  const at = new Date();
  const t0 = performance.now();
  let statusCode: number | null = null;
  let response = '';
  let error: string | null = null;
  try {
    const body = JSON.stringify(row.payload);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'crm-webhooks/1',
      'webhook-id': row.messageId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signatures(row, at, body),
    };
    ({ statusCode, response } = await post(row.url, headers, body, timeoutMs, allowPrivate));
    if (statusCode < 200 || statusCode >= 300) error = `HTTP ${statusCode}`;
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  const n = row.attempts + 1;
  const entry: Attempt = { attempt: n, at: at.toISOString(), statusCode, latencyMs: Math.round(performance.now() - t0), response, error };
  const out = !error ? 'SUCCEEDED' : n >= maxAttempts ? 'FAILED' : 'PENDING';
  return { row, entry, out, next: out === 'PENDING' ? new Date(Date.now() + backoff(retryBaseMs, n, retryMaxMs)) : null };
}

/**
 * Writes a batch's attempts: the delivered and the retried in one statement (and one more to
 * clear the failure streaks of webhooks that delivered), each delivery out of attempts in a
 * transaction of its own that counts it against its webhook.
 */
async function record(deps: AppDeps, outcomes: Outcome[]) {
  const settled = outcomes.filter((o) => o.out !== 'FAILED');
  if (settled.length) {
    const list = settled.map((o) => ({ id: o.row.id, status: o.out, attempts: o.entry.attempt, entry: o.entry, next: o.next?.toISOString() ?? null }));
    const delivered = [...new Set(settled.filter((o) => o.out === 'SUCCEEDED').map((o) => o.row.webhookId))];
    await deps.db.$transaction([
      deps.db.$executeRaw`
        update "WebhookDelivery" d set "status" = v."status", "attempts" = v."attempts", "attemptLog" = d."attemptLog" || jsonb_build_array(v."entry"),
          "lockedUntil" = null, "deliveredAt" = case when v."status" = 'SUCCEEDED' then now() else d."deliveredAt" end,
          "nextAttemptAt" = coalesce(v."next", d."nextAttemptAt")
        from jsonb_to_recordset(${JSON.stringify(list)}::jsonb) as v("id" uuid, "status" text, "attempts" int, "entry" jsonb, "next" timestamptz)
        where d."id" = v."id"`,
      deps.db.$executeRaw`update "Webhook" set "failureStreak" = 0 where "id" = any(${delivered}::uuid[]) and "failureStreak" > 0`,
    ]);
  }
  for (const o of outcomes.filter((x) => x.out === 'FAILED'))
    await fail(deps, o).catch((err) => deps.log.error({ err, deliveryId: o.row.id }, 'webhook delivery failed to record; retried when its lease ends'));
}

/** A delivery out of attempts: FAILED, and its webhook's failure streak up (disabled at DISABLE_AFTER, administrators told). */
async function fail(deps: AppDeps, { row, entry }: Outcome) {
  const log = [...row.attemptLog, entry] as unknown as Prisma.InputJsonValue;
  await deps.db.$transaction(async (tx) => {
    await tx.webhookDelivery.update({ where: { id: row.id }, data: { status: 'FAILED', attempts: entry.attempt, attemptLog: log, lockedUntil: null } });
    const [w] = await tx.$queryRaw<{ failureStreak: number; enabled: boolean; url: string }[]>`
      update "Webhook" set "failureStreak" = "failureStreak" + 1,
        "enabled" = case when "failureStreak" + 1 >= ${DISABLE_AFTER} then false else "enabled" end,
        "disabledAt" = case when "failureStreak" + 1 >= ${DISABLE_AFTER} and "disabledAt" is null then now() else "disabledAt" end
      where "id" = ${row.webhookId}::uuid returning "failureStreak", "enabled", "url"`;
    if (w && w.failureStreak === DISABLE_AFTER) {
      // Disabled: each instance drops the webhooks it kept for the workspace's changes (ReadsAhead).
      await enqueue(tx, [settingsChangedEvent(row.workspaceId)]);
      const admins = await tx.user.findMany({ where: { workspaceId: row.workspaceId, active: true, role: { isAdmin: true } }, select: { id: true } });
      const occurredAt = new Date().toISOString();
      await enqueue(
        tx,
        admins.map((u) => ({
          topic: 'notification',
          workspaceId: row.workspaceId,
          payload: {
            workspaceId: row.workspaceId,
            userId: u.id,
            kind: 'WEBHOOK_DISABLED',
            text: render(WEBHOOKS.disabled({ url: w.url, n: DISABLE_AFTER }), 'en'),
            occurredAt,
          },
        })),
      );
    }
  });
}
