// The only file with side effects: read the configuration, start tracing when asked (before
// the app's modules load, so their HTTP and database calls are instrumented), start the app,
// stop it on signals.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { ConfigError, loadConfig, type Config } from './config.js';
import type { DataDirOrigin } from './lib/pglite-template.js';
import type { Tracing } from './lib/tracing.js';

async function main() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  // The embedded database's WebAssembly (PGlite, and Prisma's query compiler) runs on V8's
  // baseline compiler only: optimizing it kept ~60 MB of code resident and cost more CPU at the
  // start than it saved (docs/performance.md, "Embedded start"). Set before any module compiles.
  if (!config.databaseUrl) setFlagsFromString('--liftoff-only');
  // A new embedded data directory (the template's copy, the demo seed in a process of its own)
  // is made while this process loads the app's modules: two cores, both busy.
  let dataDirReady: Promise<DataDirOrigin> | undefined;
  if (!config.databaseUrl) {
    const { prepareDataDir, seedApart } = await import('./lib/pglite-template.js');
    mkdirSync(config.dataDir, { recursive: true });
    dataDirReady = prepareDataDir(join(config.dataDir, 'pgdata'), { fill: config.seedDemo ? seedApart : undefined });
    // Awaited (and its failure reported) by buildApp.
    dataDirReady.catch(() => {});
  }
  let tracing: Tracing | undefined;
  if (config.otlpEndpoint) tracing = await (await import('./lib/tracing.js')).startTracing();
  const { buildApp } = await import('./app.js');
  const app = await buildApp(config, { dataDirReady });
  const url = await app.start();
  const lines = [`CRM GraphQL API: ${url} (GraphiQL in a browser)`];
  lines.push(`Database: ${config.databaseUrl ? 'PostgreSQL' : `embedded PGlite in ${config.dataDir}`}`);
  if (app.demoLogin) {
    lines.push(`Demo login: ${app.demoLogin.email} / ${app.demoLogin.password}`);
    if (app.demoManagerLogin) lines.push(`Demo manager: ${app.demoManagerLogin.email} / ${app.demoManagerLogin.password} (own cards only, margin hidden)`);
  }
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.deps.log.info({ signal }, 'shutting down');
    await app.stop();
    // Spans still batched are sent before the process ends.
    await tracing?.shutdown().catch((err: unknown) => app.deps.log.warn({ err }, 'traces not flushed'));
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
