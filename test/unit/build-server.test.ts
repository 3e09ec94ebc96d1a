// The server's bundle (scripts/build-server.ts) goes into the folder it is given, and a build
// prunes only that folder's stale chunks: the tests build into dist/test-server/, so a test run
// never rewrites or prunes the files of a server `npm start` runs from dist/server/ meanwhile.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { buildServer } from '../../scripts/build-server.js';

test('a build writes and prunes only the folder it is given', { timeout: 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'build-server-'));
  try {
    const running = join(root, 'server');
    const tests = join(root, 'test-server');
    mkdirSync(running);
    mkdirSync(tests);
    // A chunk of an older build, which a server started from it may still load.
    writeFileSync(join(running, 'chunk-OLDHASH.mjs'), 'export {};\n');
    writeFileSync(join(tests, 'chunk-OLDHASH.mjs'), 'export {};\n');
    await buildServer(tests);
    const built = readdirSync(tests);
    expect(built).toEqual(expect.arrayContaining(['main.mjs', 'seed-process.mjs', 'read-worker.mjs']));
    // The stale chunk of the folder built into is pruned; the other folder is untouched.
    expect(built).not.toContain('chunk-OLDHASH.mjs');
    expect(readdirSync(running)).toEqual(['chunk-OLDHASH.mjs']);
    expect(existsSync(join(running, 'main.mjs'))).toBe(false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
