// The project's folder: the nearest one above this module that holds package.json. The same
// answer from src/lib/ (under tsx: the tests, the scripts) and from a bundle in dist/ (`npm
// start`, the import CLI), wherever the bundler put this code.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function projectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json in ${from} or above it`);
  }
}

export const ROOT = projectRoot(dirname(fileURLToPath(import.meta.url)));
