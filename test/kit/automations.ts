// Automations and webhooks as the tests use them: create one, read its run log, wait for runs.
import { expect } from 'vitest';
import type { Client } from './app.js';
import { as } from './results.js';
import { AutomationRuns, CreateAutomation } from './documents/automations.js';
import { CreateWebhook } from './documents/webhooks.js';
import type { AutomationInput, CreateWebhookInput } from '../gql/graphql.js';

export async function automate(c: Client, input: AutomationInput) {
  return as((await c.gql(CreateAutomation, { input })).createAutomation, 'CreateAutomationSuccess').automation;
}

/** Creates a webhook: answers it with its secret (shown this once). */
export async function createWebhook(c: Client, input: CreateWebhookInput) {
  return as((await c.gql(CreateWebhook, { input })).createWebhook, 'CreateWebhookSuccess').result;
}

export async function runs(c: Client, automationId: string) {
  return (await c.gql(AutomationRuns, { automationId, first: 200 })).automationRuns;
}

/** Waits (polling the run log, up to `ms`) until the automation has logged `n` runs; answers them, oldest first. */
export async function waitRuns(c: Client, automationId: string, n: number, ms = 20_000) {
  await expect.poll(async () => (await runs(c, automationId)).length, { timeout: ms, interval: 50 }).toBeGreaterThanOrEqual(n);
  return (await runs(c, automationId)).reverse();
}
