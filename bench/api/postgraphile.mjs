// PostGraphile v5 (Amber preset) on the benchmark's database, as the API benchmark's peer.
//
//   BENCH_DATABASE_URL=… PORT=… node --import ./bench/api/probe.mjs bench/api/postgraphile.mjs
// (plain JavaScript so its type augmentations of graphql stay out of the project's typecheck;
// the probe brings Promise.withResolvers, which PostGraphile v5 needs on Node 20).
import { createServer } from 'node:http';
import pg from 'pg';
import { postgraphile } from 'postgraphile';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';

const pool = new pg.Pool({ connectionString: process.env.BENCH_DATABASE_URL, max: 10 });
const pgl = postgraphile({
  extends: [PostGraphileAmberPreset],
  // The board orders by amount, which has no index of its own (the project sorts through its
  // own indexes); let every column order and filter, as the project's API does.
  disablePlugins: ['PgIndexBehaviorsPlugin'],
  pgServices: [makePgService({ pool, schemas: ['public'] })],
  grafserv: { graphqlPath: '/graphql', watch: false },
  grafast: { explain: false },
});
const serv = pgl.createServ(grafserv);
const server = createServer();
serv.addTo(server);
server.listen(Number(process.env.PORT), '127.0.0.1');
