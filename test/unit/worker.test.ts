// The background worker runs every job source on each pass; one that fails is logged and does
// not hold up the others (automation runs failing must not stop webhook deliveries).
import { expect, it } from 'vitest';
import { Worker } from '../../src/lib/worker.js';
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
