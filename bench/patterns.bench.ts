// Custom-field patterns on RE2 (src/lib/patterns.ts) against JavaScript's backtracking RegExp,
// measured in the same run:
//
//   baseline  RegExp, a typical pattern (`^[A-Z]{2}-\d+$`) on a 10-character value;
//   RE2       the same pattern and value through matchesPattern;
//   RE2 evil  `(a+)+` on 9,999 `a`s and `!` (RegExp needs 2^n steps here: at 27 characters
//             it already takes about a second, so it is not run at 10,000);
//   RegExp 22 `(a+)+` on 21 `a`s and `!`, to show the growth RE2 avoids.
//
//   npm run bench:patterns -- [--iterations 2000]
import { parseArgs } from 'node:util';
import { matchesPattern } from '../src/lib/patterns.js';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '2000' } } });
const n = Number(values.iterations);

function time(label: string, times: number, fn: () => boolean) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < times; i++) fn();
  const ms = Number(process.hrtime.bigint() - start) / 1e6 / times;
  return { label, ms };
}

const typical = '^[A-Z]{2}-\\d+$';
const value = 'AB-1234567';
const evil = 'a'.repeat(9_999) + '!';
const re = new RegExp(`^(?:${typical})$`, 'u');
const rows = [
  time('baseline: RegExp, typical pattern', n, () => re.test(value)),
  time('RE2, typical pattern', n, () => matchesPattern(typical, value)),
  time('RE2, (a+)+ on 10,000 characters', Math.max(1, Math.floor(n / 100)), () => matchesPattern('(a+)+', evil)),
  time('RegExp, (a+)+ on 22 characters', 3, () => /^(?:(a+)+)$/u.test('a'.repeat(21) + '!')),
];
const base = rows[0].ms;
for (const r of rows) console.log(`${r.label.padEnd(40)} ${r.ms.toFixed(4).padStart(10)} ms/match  ×${(r.ms / base).toFixed(1)}`);
