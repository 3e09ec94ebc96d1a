// Narrowing mutation results in tests, and reading ids.
import { expect } from 'vitest';

export type Typed = { __typename?: string };

/** Narrows a result union to one member, failing the test (with the payload) otherwise. */
export function as<T extends Typed, N extends NonNullable<T['__typename']>>(r: T, name: N): Extract<T, { __typename?: N }> {
  expect(r.__typename, JSON.stringify(r)).toBe(name);
  return r as Extract<T, { __typename?: N }>;
}

/** The database id inside a global id ("Type:uuid", base64). */
export const rawId = (globalId: string) => Buffer.from(globalId, 'base64').toString('utf8').split(':')[1];
