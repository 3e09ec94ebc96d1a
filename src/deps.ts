// openDeps(config) -> the services' dependencies without the HTTP server or the GraphQL schema:
// the database (migrated), pubsub, the outbox and the job worker (not started), file storage and
// the modules' event consumers. buildApp (src/app.ts) serves the API on top of it; the CLI scripts
// (npm run import) use it alone, so a process that only imports a file does not load the schema,
// yoga, graphql-ws or the HTTP handlers (docs/performance.md, "Import: the process's memory").
import { join } from 'node:path';
import type { Config } from './config.js';
import type { AppDeps } from './context.js';
import { openDatabase, type Database } from './db.js';
import { events } from './kernel/events.js';
import { createLogger, type Logger } from './lib/logger.js';
import { OutboxDispatcher } from './lib/outbox.js';
import { seedApart, type DataDirOrigin } from './lib/pglite-template.js';
import { createAppPubSub } from './lib/pubsub.js';
import { SettingsEpochs } from './lib/settings-epochs.js';
import { LocalStorage } from './lib/storage.js';
import { Worker } from './lib/worker.js';
import { stopImports } from './modules/imports/imports.service.js';
import { endKeptReader } from './modules/imports/read-apart.js';
import './modules/wiring.js';

export type DepsOptions = {
  database?: Database;
  logger?: Logger;
  outboxPollMs?: number;
  /** The embedded data directory being made already (src/main.ts starts it before loading the app). */
  dataDirReady?: Promise<DataDirOrigin>;
};

export type OpenDeps = {
  deps: AppDeps;
  database: Database;
  pubsub: ReturnType<typeof createAppPubSub>;
  /** Stops the worker, the imports (and the file reader thread kept for the next) and the outbox (draining it when this instance dispatches), then closes pubsub and the database. */
  close(): Promise<void>;
};

export async function openDeps(config: Config, opts: DepsOptions = {}): Promise<OpenDeps> {
  const log = opts.logger ?? createLogger(config.logLevel);
  const made = await opts.dataDirReady;
  const database =
    opts.database ??
    (await openDatabase(
      config.databaseUrl
        ? { kind: 'postgres', url: config.databaseUrl, statementTimeoutMs: config.statementTimeoutMs, preparedStatements: config.preparedStatements }
        : { kind: 'pglite', dataDir: config.dataDir, fill: config.seedDemo ? seedApart : undefined },
      undefined,
      (err) => log.warn({ err }, 'idle database connection lost; it will be replaced'),
    ));
  if ((made ?? database.origin) === 'template') log.info('embedded database made from the migrated template');
  const applied = await database.migrate();
  if (applied.length) log.info({ applied }, 'migrations applied');

  const pubsub = createAppPubSub(config.redisUrl, (err) => log.warn({ err: err.message }, 'Redis unreachable; events wait in the outbox until it is back'));
  const epochs = new SettingsEpochs();
  pubsub.listen('settingsChanged', (m) => epochs.bump(m.workspaceId));
  // The outbox hands each committed event to the consumers the modules registered (kernel/events.ts).
  const delivery = { flush: pubsub.flush, deliver: (topic: string, payload: unknown) => consumers.deliver(topic, payload) };
  const outbox = new OutboxDispatcher(database.prisma, delivery, log, opts.outboxPollMs, undefined, database.connect);
  const storage = new LocalStorage(join(config.dataDir, 'files'));
  // Durable and periodic jobs (automation runs, webhook deliveries, task reminders) the modules registered as job sources.
  const worker = new Worker(() => consumers.sources(), log, opts.outboxPollMs);
  const deps: AppDeps = { db: database.prisma, dbKind: database.kind, config, log, pubsub: pubsub.pubsub, outbox, worker, storage, epochs };
  const consumers = events.deliverer(deps);
  return {
    deps,
    database,
    pubsub,
    async close() {
      await worker.stop();
      await stopImports(deps);
      await endKeptReader();
      await outbox.stop();
      if (config.outboxDispatch) await outbox.drain().catch(() => {});
      await pubsub.close();
      await database.close();
    },
  };
}
