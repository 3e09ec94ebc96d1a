// Deals with custom-field values, and the deal lists that filter and sort by them: the helpers
// custom-field-filters.test.ts and custom-field-sorting.test.ts share.
import { expect } from 'vitest';
import type { Workspace } from './fixtures.js';
import type { Client } from './app.js';
import { createDeal as newDeal, defineField } from './cards.js';
import { names, type Conn } from './lists.js';
import { Deals } from './documents/deals.js';
import type {
  CreateCustomFieldInput,
  CustomFieldFieldsFragment,
  CustomFieldInput,
  CustomFieldValueInput,
  DealFilter,
  DealOrder,
  DealsQueryVariables,
} from '../gql/graphql.js';

export type Field = CustomFieldFieldsFragment;

export async function define(ws: Workspace, input: CreateCustomFieldInput): Promise<Field> {
  return defineField(ws, input);
}

/** Custom field values to write, leaving out those not given. */
export function values(pairs: [Field, CustomFieldValueInput | null | undefined][]): CustomFieldInput[] {
  return pairs.filter(([, v]) => v !== undefined && v !== null).map(([f, v]) => ({ fieldId: f.id, value: v }));
}

export async function createDeal(ws: Workspace, name: string, customFields: CustomFieldInput[] = [], extra: { amount?: string; stageId?: string } = {}) {
  return newDeal(ws, { name, customFields, ...extra });
}

export async function deals(c: Client, vars: DealsQueryVariables): Promise<Conn> {
  return (await c.gql(Deals, { first: 100, ...vars })).deals;
}

/** The names of the deals a filter finds, by name; totalCount must agree. */
export async function dealNames(c: Client, filter: DealFilter) {
  const r = await deals(c, { filter, orderBy: [{ field: 'NAME' }] });
  expect(r.totalCount, `totalCount of ${JSON.stringify(filter)}`).toBe(r.edges.length);
  return names(r);
}

/** The names of the deals in an order. */
export async function sorted(c: Client, orderBy: DealOrder[], filter?: DealFilter) {
  return names(await deals(c, { orderBy, filter }));
}
