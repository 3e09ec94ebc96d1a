// What node gets from one of a checkout's npm scripts (`node <flags> dist/server/main.mjs`): the
// server tests run the `start` script's command (test/kit/server.ts), and the benchmarks start
// servers with a script's flags (bench/kit.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The words after `node` in the npm script `script` of the checkout at `root`: its flags and its entry. */
export function nodeArgsOf(root: string, script: string): string[] {
  const line: string = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts[script];
  const words = line.trim().split(/\s+/);
  if (words[0] !== 'node') throw new Error(`the ${script} script does not run node: ${line}`);
  return words.slice(1);
}
