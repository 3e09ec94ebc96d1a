// Run before each API test file: builds (or finds built) the worker's app in a hook, so the
// first test of a worker does not spend its own time limit on it.
import { test } from './fixtures.js';
import { mendExcelJS } from '../../src/lib/exceljs.js';

// Before any test file loads exceljs itself (to write its spreadsheets): the server's reader must be the mended one.
mendExcelJS();

test.beforeAll(async ({ server }) => {
  void server;
});
