// The tests Stryker runs for each mutant (npm run test:mutation, stryker.config.mjs): the unit
// tests of the access rules, custom field values and formulas (pure functions, milliseconds per
// mutant), and the kernel tests (test/kernel/), which call the card write path, the access rules
// and custom field values directly on a real database (PGlite, or PostgreSQL with
// TEST_DATABASE_URL): the worker's app is built once per test run, each test signs up its own
// workspace. The API tests (test/*.test.ts) cover the same rules end to end through GraphQL;
// they are too slow to run per mutant on this project's machines (see docs/hardening.md,
// "Mutation testing").
import base from './vitest.config.js';

export default {
  ...base,
  test: {
    ...base.test,
    include: ['test/unit/**/*.test.ts', 'test/kernel/**/*.test.ts'],
    // The unit tests need no app: the kernel tests build theirs through their fixtures (test/kernel/kit.ts).
    setupFiles: [],
  },
};
