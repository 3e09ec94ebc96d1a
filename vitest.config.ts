import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// Files that start server processes, open databases of their own or damage one on purpose run
// each in a fresh process; the API test files share their worker's process, and with it one
// app and database (test/kit/fixtures.ts), since every test signs up a workspace of its own.
const PROCESS_FILES = ['test/server.test.ts', 'test/migrations.test.ts', 'test/postgres/**'];

export default defineConfig({
  resolve: {
    // graphql 16 ships both index.js and index.mjs with no exports map: Node (and so every
    // dependency) loads index.js, while Vite would pick index.mjs for our sources, and two
    // copies of graphql cannot share a schema. Point Vite at the one Node uses.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    // test/postgres/ needs a PostgreSQL server (and Redis): it is part of the PostgreSQL pass only.
    exclude: ['node_modules/**', ...(process.env.TEST_DATABASE_URL ? [] : ['test/postgres/**'])],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    // In CI a JSON report too, from which .ci/run prints one "N passed, N failed" line per pass.
    reporters: process.env.VITEST_JSON_REPORT ? ['default', ['json', { outputFile: process.env.VITEST_JSON_REPORT }]] : ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'api', include: ['test/**/*.test.ts'], exclude: PROCESS_FILES, isolate: false, setupFiles: ['test/kit/setup.ts'] },
      },
      {
        extends: true,
        test: { name: 'process', include: PROCESS_FILES.map((f) => (f.endsWith('**') ? `${f}/*.test.ts` : f)) },
      },
    ],
  },
});
