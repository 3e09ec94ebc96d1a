// What node gets from one of a checkout's npm scripts (`[NAME=value …] node <flags>
// dist/server/main.mjs`): the server tests run the `start` script's command (test/kit/server.ts),
// and the benchmarks start servers with a script's flags and environment (bench/kit.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The npm script `script` of the checkout at `root`: the variables it sets before `node`, and the words after it (its flags and its entry). */
export function nodeCommandOf(root: string, script: string): { env: Record<string, string>; args: string[] } {
  const line: string = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts[script];
  const words = line.trim().split(/\s+/);
  const env: Record<string, string> = {};
  let at = 0;
  for (let m; (m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(words[at])); at++) env[m[1]] = m[2];
  if (words[at] !== 'node') throw new Error(`the ${script} script does not run node: ${line}`);
  return { env, args: words.slice(at + 1) };
}

/** The words after `node` in the npm script `script` of the checkout at `root`: its flags and its entry. */
export const nodeArgsOf = (root: string, script: string): string[] => nodeCommandOf(root, script).args;

/** The environment variables the npm script `script` sets for node (`MALLOC_ARENA_MAX=2 node …`). */
export const nodeEnvOf = (root: string, script: string): Record<string, string> => nodeCommandOf(root, script).env;

/** Variables as a command line sets them (`NAME=value`), for a bench's report of the command it ran. */
export const envWords = (env: Record<string, string>): string[] => Object.entries(env).map(([k, v]) => `${k}=${v}`);
