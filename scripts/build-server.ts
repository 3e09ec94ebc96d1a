// `npm run build:server` (part of `npm start`'s steps): bundles the server (src/main.ts), the demo
// seed's process (src/seed-process.ts) and the XLSX reader's thread (read-worker.ts) with esbuild
// into dist/server/ (git-ignored), which `npm start` runs with plain node. Loading the app's ~300
// modules through tsx's loader cost each process ~2 s more CPU and ~55 MB more memory than the
// bundle (docs/performance.md, "Embedded start: the server bundled"). Packages stay in
// node_modules; code shared by the entries is split into chunks beside them, and what main.ts
// imports on demand (tracing, the app) still loads only when it asks. The server tests build the
// same bundle from the current source into a folder of their own (test/global-setup.ts,
// dist/test-server/), so a test run never rewrites or prunes the files of a server `npm start`
// runs meanwhile.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../src/lib/root.js';

const SERVER_DIR = resolve(ROOT, 'dist/server');

/** Bundles the server into `outdir` (dist/server/ by default, which `npm start` runs). */
export async function buildServer(outdir = SERVER_DIR) {
  const r = await build({
    entryPoints: ['src/main.ts', 'src/seed-process.ts', 'src/modules/imports/read-worker.ts'].map((f) => resolve(ROOT, f)),
    absWorkingDir: ROOT,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // Classes and functions keep their names (errors' `name`, logs).
    keepNames: true,
    sourcemap: 'linked',
    outdir,
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    metafile: true,
    logLevel: 'warning',
  });
  // A chunk's name holds its content's hash: the last build's chunks that this one did not write go.
  const written = new Set(Object.keys(r.metafile.outputs).map((f) => resolve(ROOT, f)));
  for (const f of readdirSync(outdir)) if (!written.has(join(outdir, f))) rmSync(join(outdir, f));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await buildServer();
