// Run as a process of its own (`node dist/server/seed-process.mjs <pgdata>` beside the bundled
// server, `node --import tsx src/seed-process.ts <pgdata>` under tsx) by the first
// embedded start with the demo seed: seeds the new data directory `<pgdata>` (already migrated,
// not yet in place) through the services, as the server would, and exits. The seed's heap and
// the embedded PostgreSQL's memory grown by it stayed resident in the server's process (~80 MB
// of an idle server's RSS, docs/performance.md "Embedded start"); here they go with the process.
// Its events wait in the outbox for the server's dispatcher, as they did when seeded in-process.
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { openDatabase } from './db.js';

const pgdata = process.argv[2];
if (!pgdata) throw new Error('usage: seed-process.ts <pgdata>');
const config = { ...loadConfig(process.env), seedDemo: true, outboxDispatch: false };
const database = await openDatabase({ kind: 'pglite', pgdata });
const app = await buildApp(config, { database });
await app.stop();
