import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships both index.js and index.mjs with no exports map: Node (and so every
    // dependency) loads index.js, while Vite would pick index.mjs for our sources, and two
    // copies of graphql cannot share a schema. Point Vite at the one Node uses.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // test/postgres/ needs a PostgreSQL server (and Redis): it is part of the PostgreSQL pass only.
    exclude: ['node_modules/**', ...(process.env.TEST_DATABASE_URL ? [] : ['test/postgres/**'])],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    // The files of a worker share its process, and with it one app and its database
    // (test/kit/fixtures.ts), which setup.ts builds before each file's tests: each test signs up
    // a workspace of its own, so no file needs a fresh process.
    isolate: false,
    setupFiles: ['test/kit/setup.ts'],
    // Every batch INSERT of cards reads its rows back and fails if the rows it made from what it
    // sent differ from PostgreSQL's (src/lib/written-rows.ts).
    env: { CRM_CHECK_WRITTEN_ROWS: '1' },
    testTimeout: 30_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    // In CI a JSON report too, from which .ci/run prints one "N passed, N failed" line per pass.
    reporters: process.env.VITEST_JSON_REPORT ? ['default', ['json', { outputFile: process.env.VITEST_JSON_REPORT }]] : ['default'],
  },
});
