// `npm run build:dashboard`: bundles the dashboard's client (dashboard/src, typed documents from
// `npm run codegen`) with esbuild into dist/dashboard/ (git-ignored), which the server serves at
// /dashboard. The browser test builds it too, so it always tests the current source.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { ROOT } from '../src/lib/root.js';

export const OUT_DIR = resolve(ROOT, 'dist/dashboard');

export async function buildDashboard() {
  const r = await build({
    entryPoints: { app: resolve(ROOT, 'dashboard/src/main.ts') },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    minify: true,
    sourcemap: true,
    outdir: OUT_DIR,
    metafile: true,
    logLevel: 'warning',
  });
  return Object.fromEntries(Object.entries(r.metafile.outputs).map(([file, o]) => [file, o.bytes]));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outputs = await buildDashboard();
  for (const [file, bytes] of Object.entries(outputs)) console.log(`${file}  ${(bytes / 1024).toFixed(1)} kB`);
}
