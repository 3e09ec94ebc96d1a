// Which failures to read a live member's rights again are tried again (liveRetryAfter).
import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { LIVE_RIGHTS_TRIES, liveRetryAfter } from '../../src/modules/auth/live-viewer.js';
import { NotFoundError } from '../../src/lib/errors.js';

describe('liveRetryAfter', () => {
  it('ends a member at once on an answer: signed out, or an application error', () => {
    expect(liveRetryAfter(new GraphQLError('Signed out', { extensions: { code: 'UNAUTHENTICATED' } }), 0)).toBeUndefined();
    expect(liveRetryAfter(new NotFoundError('Deal', 'x'), 0)).toBeUndefined();
  });

  it('reads again after any other failure, 50 ms then doubling, until the last try', () => {
    const waits: number[] = [];
    for (let attempt = 0; ; attempt++) {
      const wait = liveRetryAfter(new Error('connect ECONNREFUSED 127.0.0.1:5432'), attempt);
      if (wait === undefined) break;
      waits.push(wait);
    }
    expect(waits).toEqual([50, 100, 200, 400, 800, 1600, 3200]);
    expect(waits.length + 1).toBe(LIVE_RIGHTS_TRIES);
  });
});
