// Loaded with `node --import` into every server the API benchmark starts (this project's,
// PostGraphile and the raw handler): Promise.withResolvers for Node 20 (PostGraphile v5 needs
// it), a count of the SQL statements sent through `pg`, and a side port (BENCH_PROBE_PORT) that
// answers this process's CPU time and that count, so the harness can take them per round.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

if (!Promise.withResolvers) {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new this((a, b) => {
      resolve = a;
      reject = b;
    });
    return { promise, resolve, reject };
  };
}

const port = Number(process.env.BENCH_PROBE_PORT);
if (port) {
  // The project's `pg`, the one every server here resolves (one copy in node_modules).
  const pg = createRequire(`${process.cwd()}/`)('pg');
  let statements = 0;
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function countedQuery(...args) {
    statements++;
    return query.apply(this, args);
  };
  createServer((_req, res) => {
    const cpu = process.cpuUsage();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ cpuMicros: cpu.user + cpu.system, statements }));
  })
    .listen(port, '127.0.0.1')
    .unref();
}
