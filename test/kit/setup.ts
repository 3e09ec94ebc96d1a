// Run before each API test file: builds (or finds built) the worker's app in a hook, so the
// first test of a worker does not spend its own time limit on it.
import { test } from './fixtures.js';

test.beforeAll(async ({ server }) => {
  void server;
});
