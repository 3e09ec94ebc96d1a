// How the server tests and the benchmarks read `npm start`'s command (scripts/node-args.ts): the
// variables it sets before `node` (glibc's MALLOC_ARENA_MAX) reach the servers they start, as
// the node flags do.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeArgsOf, nodeCommandOf, nodeEnvOf } from '../../scripts/node-args.js';
import { ROOT } from '../../src/lib/root.js';

const dir = mkdtempSync(join(tmpdir(), 'crm-node-args-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const checkout = (scripts: Record<string, string>) => {
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ scripts }));
  return dir;
};

describe('an npm script that runs node', () => {
  it("gives npm start's environment and node's words apart", () => {
    expect(nodeEnvOf(ROOT, 'start')).toEqual({ MALLOC_ARENA_MAX: '2' });
    const args = nodeArgsOf(ROOT, 'start');
    expect(args.at(-1)).toBe('dist/server/main.mjs');
    expect(args).toContain('--max-semi-space-size=4');
  });

  it('reads any number of leading assignments, or none', () => {
    const root = checkout({ a: 'A=1 B_2=x=y node --flag main.mjs', b: 'node main.mjs' });
    expect(nodeCommandOf(root, 'a')).toEqual({ env: { A: '1', B_2: 'x=y' }, args: ['--flag', 'main.mjs'] });
    expect(nodeCommandOf(root, 'b')).toEqual({ env: {}, args: ['main.mjs'] });
  });

  it('refuses a script that does not run node', () => {
    const root = checkout({ a: 'A=1 tsx main.ts', b: 'npm run build && node main.mjs' });
    expect(() => nodeArgsOf(root, 'a')).toThrow(/does not run node/);
    expect(() => nodeArgsOf(root, 'b')).toThrow(/does not run node/);
  });
});
