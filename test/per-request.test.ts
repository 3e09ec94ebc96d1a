// Memoizing per context (src/lib/per-request.ts): an automation batch keeps one context for many
// rounds, so a lookup that failed once (a dropped connection) must be asked again, not answered
// with the same failure for the rest of the batch; a lookup that worked is asked once.
import { describe, expect, it } from 'vitest';
import { perRequest } from '../src/lib/per-request.js';

describe('perRequest', () => {
  it('keeps what loaded, and asks again after a failure', async () => {
    const ctx = {};
    let calls = 0;
    const load = () => perRequest(ctx, 'definitions', async () => (++calls === 1 ? Promise.reject(new Error('connection lost')) : ['field']));
    await expect(load()).rejects.toThrow('connection lost');
    await expect(load()).resolves.toEqual(['field']);
    await expect(load()).resolves.toEqual(['field']);
    expect(calls).toBe(2);
  });
});
