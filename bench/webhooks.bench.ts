// Webhook delivery benchmark: N card.created deliveries (N deals written through the kernel's
// batch write path, so the deliveries are queued by the webhook module in the changes' own
// transactions) sent by the workers of one or more instances to a local receiver (a process of
// its own, bench/webhook-receiver.ts) that verifies each signature, answers 500 to a random 30 %
// of requests and applies each webhook-id once. The retry schedule is the production one made
// short by configuration: WEBHOOK_RETRY_BASE_MS=1, WEBHOOK_RETRY_MAX_MS=50 and
// WEBHOOK_MAX_ATTEMPTS=20 (with 8 attempts, 0.3^8 · 10,000 ≈ 0.7 deliveries would fail for good
// by chance alone; with 20, 3.5·10⁻⁷).
//
// Baseline, in the same run and against the same receiver: the same N payloads, signed the same
// way, POSTed by a plain loop of fetch calls at the workers' concurrency (32 per instance), a
// refused one sent again at once.
//
// Checked and printed: every delivery row SUCCEEDED and none FAILED; the receiver applied exactly
// the N webhook-ids of the rows; re-sends of a refused request counted; a second successful
// apply of one webhook-id (must be 0); bad signatures (must be 0). Exits 1 when a check fails.
//
//   npm run bench:webhooks -- [--deliveries 10000] [--pg postgresql://…] [--instances 2] [--fail 0.3]
//
// Without --pg it runs on an in-memory PGlite (one instance).
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { scratchDatabase, benchWorkspace } from './kit.js';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db.js';
import { createLogger } from '../src/lib/logger.js';
import { viewerOfUser } from '../src/modules/auth/auth.service.js';
import { writeRecords } from '../src/kernel/records.js';
import { createWebhook } from '../src/modules/webhooks/webhooks.service.js';
import type { ServiceCtx } from '../src/context.js';

const { values } = parseArgs({
  options: {
    deliveries: { type: 'string', default: '10000' },
    pg: { type: 'string' },
    instances: { type: 'string', default: '2' },
    fail: { type: 'string', default: '0.3' },
  },
});
const n = Number(values.deliveries);
const failRate = Number(values.fail);
const scratch = values.pg ? await scratchDatabase(values.pg, 'crm_bench_webhooks') : undefined;
const url = scratch?.url;
const instances = url ? Number(values.instances) : 1;
/** The sender's deliveries in flight per instance (webhooks.sender.ts PARALLEL). */
const PER_INSTANCE = 32;
const concurrency = PER_INSTANCE * instances;

const secret = `whsec_${Buffer.from(randomUUID() + randomUUID())
  .toString('base64')
  .slice(0, 48)}`;

// The receiver, in a process of its own.
type Report = { requests: number; refused: number; badSignature: number; resent: number; appliedTwice: number; distinctSeen: number; applied: string[] };
const receiver: ChildProcess = fork(fileURLToPath(new URL('./webhook-receiver.ts', import.meta.url)), [], {
  env: { ...process.env, SECRET: secret, FAIL_RATE: String(failRate) },
  execArgv: ['--import', 'tsx'],
});
function ask<T>(type: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type === type) {
        receiver.off('message', on);
        resolve(m as T);
      }
    };
    receiver.on('message', on);
    if (type !== 'listening') receiver.send({ type });
  });
}
const { port } = await ask<{ port: number }>('listening');
const target = `http://127.0.0.1:${port}/hook`;

const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'silent',
  SEED_DEMO: 'false',
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_RETRY_BASE_MS: '1',
  WEBHOOK_RETRY_MAX_MS: '50',
  WEBHOOK_MAX_ATTEMPTS: '20',
  ...(url ? { DATABASE_URL: url } : {}),
});
const apps: App[] = [];
for (let i = 0; i < instances; i++) {
  const database = await openDatabase(url ? { kind: 'postgres', url, poolSize: 20 } : { kind: 'pglite' });
  apps.push(await buildApp(config, { database, logger: createLogger('silent'), outboxPollMs: 50 }));
}
const db = apps[0].deps.db;
const session = await benchWorkspace(apps[0].deps);
const owner = await db.user.findFirstOrThrow({ where: { workspaceId: session.workspaceId } });
const ctx: ServiceCtx = { db, deps: apps[0].deps, viewer: (await viewerOfUser(db, owner.id))! };
await createWebhook(ctx, { url: target, eventTypes: ['CARD_CREATED'], secret });

console.log(`queuing ${n} deliveries on ${url ? `PostgreSQL, ${instances} instances` : 'PGlite'}…`);
const BATCH = 250;
for (let i = 0; i < n; i += BATCH) {
  const batch = Array.from({ length: Math.min(BATCH, n - i) }, (_, k) => ({ write: { fields: { name: `Deal ${i + k}`, amount: '1000' } } }));
  const results = await writeRecords(ctx, 'DEAL', batch);
  if (results.some((r) => !r.ok)) throw new Error('a deal was refused');
}
const rows = await db.webhookDelivery.findMany({ select: { messageId: true, payload: true } });
if (rows.length !== n) throw new Error(`${rows.length} deliveries queued, expected ${n}`);

// Baseline: the same payloads, signed, POSTed by a plain loop of fetch calls.
const signer = new Webhook(secret);
let baseAttempts = 0;
const b0 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < rows.length) {
      const row = rows[next++];
      const id = `base_${row.messageId}`;
      const body = JSON.stringify(row.payload);
      for (;;) {
        baseAttempts++;
        const at = new Date();
        const res = await fetch(target, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'webhook-id': id,
            'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
            'webhook-signature': signer.sign(id, at, body),
          },
          body,
        });
        await res.arrayBuffer();
        if (res.ok) break;
      }
    }
  }),
);
const baseMs = performance.now() - b0;
const base = await ask<Report>('report');
await ask('reset');

// The workers.
const t0 = Date.now();
for (const a of apps) await a.start();
for (;;) {
  const [{ pending }] = await db.$queryRaw<{ pending: number }[]>`select count(*)::int as pending from "WebhookDelivery" where "status" = 'PENDING'`;
  if (!pending) break;
  await new Promise((r) => setTimeout(r, 100));
}
const done = await db.webhookDelivery.findMany({ select: { messageId: true, status: true, attempts: true, deliveredAt: true, attemptLog: true } });
const got = await ask<Report>('report');
for (const a of apps) await a.stop();
receiver.send({ type: 'stop' });
await scratch?.drop();

const end = Math.max(...done.map((d) => d.deliveredAt?.getTime() ?? 0));
const sendMs = end - t0;
const succeeded = done.filter((d) => d.status === 'SUCCEEDED').length;
const failed = done.filter((d) => d.status === 'FAILED').length;
const attempts = done.reduce((s, d) => s + d.attempts, 0);
const maxAttempts = Math.max(...done.map((d) => d.attempts));
const ids = new Set(done.map((d) => d.messageId));
const applied = new Set(got.applied);
const missing = [...ids].filter((id) => !applied.has(id)).length;
const strangers = [...applied].filter((id) => !ids.has(id)).length;
// From a delivery's first attempt to its success: what the 30 % refusals cost one event.
const lat = done.map((d) => d.deliveredAt!.getTime() - new Date((d.attemptLog as { at: string }[])[0].at).getTime()).sort((a, b) => a - b);
const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
const rate = n / (sendMs / 1000);
const baseRate = n / (baseMs / 1000);

const row = (k: string, v: string | number) => console.log(`${k.padEnd(66)} ${v}`);
row('deliveries / instances / concurrency / receiver refuses', `${n} / ${instances} / ${concurrency} / ${Math.round(failRate * 100)} %`);
row('baseline: fetch loop, deliveries/s (requests)', `${baseRate.toFixed(0)} (${baseAttempts})`);
row('baseline: receiver applied / refused / applied twice', `${base.applied.length} / ${base.refused} / ${base.appliedTwice}`);
row('workers: deliveries/s, start → last delivered (HTTP attempts/s)', `${rate.toFixed(0)} (${(attempts / (sendMs / 1000)).toFixed(0)})`);
row('workers deliveries/s ÷ baseline deliveries/s', (rate / baseRate).toFixed(2));
row('rows SUCCEEDED / FAILED / attempts (max per delivery)', `${succeeded} / ${failed} / ${attempts} (${maxAttempts})`);
row('receiver: requests / refused (500) / re-sends of a seen id', `${got.requests} / ${got.refused} / ${got.resent}`);
row('receiver: distinct webhook-ids applied / missing / unknown', `${applied.size} / ${missing} / ${strangers}`);
row('receiver: applied twice (2xx for an applied id) / bad signatures', `${got.appliedTwice} / ${got.badSignature}`);
row('first attempt → delivered, p50 / p99 / max (ms)', `${q(0.5)} / ${q(0.99)} / ${lat[lat.length - 1]}`);

const ok = succeeded === n && !failed && applied.size === n && !missing && !strangers && !got.appliedTwice && !got.badSignature && got.requests === attempts;
row('checks (all delivered, none twice, no failure, requests = attempts)', ok ? 'ok' : 'FAILED');
process.exit(ok ? 0 : 1);
