// The background worker runs every job source on each pass; one that fails is logged and does
// not hold up the others (automation runs failing must not stop webhook deliveries).
import { afterEach, expect, it, vi } from 'vitest';
import { atMostEvery, Worker } from '../../src/lib/worker.js';
import type { Logger } from '../../src/lib/logger.js';

it('failing before: a job source that throws is logged, and the sources after it still run', async () => {
  const errors: string[] = [];
  const log = { error: (o: { err: Error }, msg: string) => errors.push(`${msg}: ${o.err.message}`) } as unknown as Logger;
  let due = 3;
  const ran: string[] = [];
  const worker = new Worker(
    () => [
      async () => {
        ran.push('automations');
        throw new Error('claim failed');
      },
      async () => {
        ran.push('webhooks');
        return due > 0 ? (due--, 1) : 0;
      },
    ],
    log,
    60_000,
  );
  worker.start();
  await worker.settled();
  await worker.stop();
  // Three deliveries, each pass looking at both sources, then a pass that found nothing.
  expect(ran).toEqual(['automations', 'webhooks', 'automations', 'webhooks', 'automations', 'webhooks', 'automations', 'webhooks']);
  expect(due).toBe(0);
  expect(errors).toEqual(Array(4).fill('worker: a job source failed; the others go on: claim failed'));
});

afterEach(() => {
  vi.useRealTimers();
});

it('runs a periodic source at most once per interval for each app, whatever kicks the worker', async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  const runs: string[] = [];
  const sweep = atMostEvery(1000, async (app: { name: string }) => (runs.push(app.name), 2));
  const [a, b] = [{ name: 'a' }, { name: 'b' }];
  expect(await sweep(a)).toBe(2);
  // Kicks within the second (each change that queued jobs) cost nothing, and answer 0.
  vi.advanceTimersByTime(999);
  expect(await sweep(a)).toBe(0);
  // Another app (deps) in the same process keeps its own interval.
  expect(await sweep(b)).toBe(2);
  vi.advanceTimersByTime(1);
  expect(await sweep(a)).toBe(2);
  expect(runs).toEqual(['a', 'b', 'a']);
});

it('runs a periodic source again at once when its last run answered a whole batch (more is waiting)', async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  let waiting = 5;
  const prune = atMostEvery(
    60_000,
    async () => {
      const n = Math.min(2, waiting);
      waiting -= n;
      return n;
    },
    2,
  );
  const app = {};
  // Two whole batches, each followed by a run at once; the third, short, waits out the interval.
  expect([await prune(app), await prune(app), await prune(app), await prune(app)]).toEqual([2, 2, 1, 0]);
  waiting = 3;
  vi.advanceTimersByTime(59_999);
  expect(await prune(app)).toBe(0);
  vi.advanceTimersByTime(1);
  expect(await prune(app)).toBe(2);
});
