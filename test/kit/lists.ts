// Checking card lists: names in order, refused filters, and cursor pagination both ways.
import { expect } from 'vitest';

export type Issue = { field: string; message: string };
export type Conn = {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor?: string | null; endCursor?: string | null };
  edges: { node: { id: string; name: string } }[];
};
export type PageArgs = { first?: number | null; after?: string | null; last?: number | null; before?: string | null };

export const names = (c: { edges: { node: { name: string } }[] }) => c.edges.map((e) => e.node.name);

/** A list request that must be refused: VALIDATION_FAILED, no data; answers the issues. */
export function refusedList(r: { data?: unknown; errors?: readonly { extensions?: Record<string, unknown> }[] }): Issue[] {
  expect(r.data ?? null, JSON.stringify(r)).toBeNull();
  expect(r.errors?.length, JSON.stringify(r)).toBeGreaterThan(0);
  for (const e of r.errors!) expect(e.extensions?.code, JSON.stringify(e)).toBe('VALIDATION_FAILED');
  return r.errors![0].extensions!.fields as Issue[];
}

/** An issue naming `field`, with a message containing `message`. */
export const issue = (field: string, message: string) => ({ field, message: expect.stringContaining(message) });

/**
 * Pages through a list forward (first / after) or backward (last / before) and answers the names
 * in list order; each page but the last must be full, and totalCount must stay `total`.
 */
export async function walk(fetch: (page: PageArgs) => Promise<Conn>, size: number, backward: boolean, total: number) {
  const out: string[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 50; i++) {
    const page: Conn = await fetch(backward ? { last: size, before: cursor } : { first: size, after: cursor });
    expect(page.totalCount).toBe(total);
    expect(page.edges.length).toBeLessThanOrEqual(size);
    if (backward) out.unshift(...names(page));
    else out.push(...names(page));
    const more = backward ? page.pageInfo.hasPreviousPage : page.pageInfo.hasNextPage;
    if (!more) return out;
    expect(page.edges.length, 'a page before the end is full').toBe(size);
    cursor = backward ? page.pageInfo.startCursor! : page.pageInfo.endCursor!;
  }
  throw new Error('pagination did not end');
}

/** Every page size walks the whole list, in order, both ways; the full list says there is no more either way. */
export async function expectWalks(label: string, fetch: (page: PageArgs) => Promise<Conn>, expected: string[], sizes = [1, 2, 3]) {
  for (const size of sizes) {
    expect(await walk(fetch, size, false, expected.length), `${label}, first ${size}`).toEqual(expected);
    expect(await walk(fetch, size, true, expected.length), `${label}, last ${size}`).toEqual(expected);
  }
  const all = await fetch({ first: expected.length });
  expect(all.pageInfo).toMatchObject({ hasNextPage: false });
  const allBack = await fetch({ last: expected.length });
  expect(allBack.pageInfo).toMatchObject({ hasPreviousPage: false });
  expect(names(allBack)).toEqual(expected);
  if (expected.length > 1) {
    expect((await fetch({ first: expected.length - 1 })).pageInfo.hasNextPage, `${label}: one more after the first n-1`).toBe(true);
    expect((await fetch({ last: expected.length - 1 })).pageInfo.hasPreviousPage, `${label}: one more before the last n-1`).toBe(true);
  }
}
