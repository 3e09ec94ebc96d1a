// Run as a process of its own (`node --import tsx src/lib/pglite-initdb.ts <pgdata>`): creates
// an empty PGlite data directory and exits. initdb runs a second PostgreSQL and the initdb
// program in WebAssembly beside the first; in the server's process their memory and compiled
// code stayed resident after they closed (~110 MB after a full GC, ~400 MB until one ran).
import { PGlite } from '@electric-sql/pglite';

const dir = process.argv[2];
if (!dir) throw new Error('usage: pglite-initdb.ts <data directory>');
const lite = new PGlite({ dataDir: dir });
await lite.waitReady;
await lite.close();
