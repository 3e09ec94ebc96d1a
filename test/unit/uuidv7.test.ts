// The ids the bulk insert gives new rows (src/lib/bulk-insert.ts): the uuid package's UUIDv7
// bytes, written as text by the project's own formatter, which must read exactly as the
// package's own text and keep the ids of one process in the order they were made.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stringify, validate, version } from 'uuid';
import { uuidText, uuidv7 } from '../../src/lib/bulk-insert.js';

describe('uuidv7', () => {
  it("writes any 16 bytes as the uuid package's text", () => {
    for (let i = 0; i < 2000; i++) {
      const b = randomBytes(16);
      // Version and variant bits as a UUID has them, which the package's checked stringify asks for.
      b[6] = (b[6] & 0x0f) | 0x70;
      b[8] = (b[8] & 0x3f) | 0x80;
      expect(uuidText(b)).toBe(stringify(b));
    }
    expect(uuidText(new Uint8Array(16).fill(0xff))).toBe('ffffffff-ffff-ffff-ffff-ffffffffffff');
  });

  it('makes valid version-7 ids, each new, in the order made', () => {
    const ids = Array.from({ length: 20000 }, () => uuidv7());
    for (const id of ids.slice(0, 100)) {
      expect(validate(id)).toBe(true);
      expect(version(id)).toBe(7);
    }
    expect(new Set(ids).size).toBe(ids.length);
    // Each id still reads as made once the next has been (the formatter writes them in one buffer).
    expect(ids.filter((id, i) => i > 0 && !(ids[i - 1] < id))).toEqual([]);
  });
});
