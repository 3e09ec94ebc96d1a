// The tests Stryker runs for each mutant (npm run test:mutation, stryker.config.mjs): the fast
// unit tests of the access rules, custom field values and formulas, which need no app and no
// database, so a mutant costs milliseconds. The API tests (test/*.test.ts) cover the same rules
// end to end; they are too slow to run per mutant on this project's machines (see
// docs/hardening.md, "Mutation testing").
import base from './vitest.config.js';

export default {
  ...base,
  test: {
    ...base.test,
    include: ['test/unit/**/*.test.ts'],
    // No app for these files: the API tests' global setup (a PostgreSQL database) and their
    // per-file app build are left out.
    globalSetup: [],
    setupFiles: [],
  },
};
