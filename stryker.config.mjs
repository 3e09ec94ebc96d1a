// Mutation testing (npm run test:mutation): Stryker changes the code of the access rules, the
// card write path and custom field values one mutant at a time and runs the tests that cover
// each; a mutant no test notices is a gap in the tests. Slow, so not part of .ci/run. Results:
// reports/mutation/ (HTML, JSON), scores in docs/hardening.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: [
    'src/kernel/access/**/*.ts',
    '!src/kernel/access/messages.ts',
    'src/kernel/records.ts',
    'src/kernel/fields/card-values.ts',
    'src/kernel/fields/values.ts',
    'src/kernel/fields/formula.ts',
  ],
  coverageAnalysis: 'perTest',
  // Module-level code (the rule texts of root-rules.ts, constant tables) runs once per module load:
  // each such mutant needs a fresh test process (~6 s here). test/schema.test.ts snapshots the rule
  // texts; these mutants are left out and counted as ignored.
  ignoreStatic: true,
  // Two cores, shared: one or two sandboxes at a time.
  concurrency: 2,
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Reruns test only the mutants whose code or tests changed since the last run.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 85, low: 70, break: null },
};
