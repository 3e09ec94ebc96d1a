// Where the server tests' bundle goes: test/global-setup.ts builds it there, test/kit/server.ts
// runs it. A folder of its own, so a test run never rewrites or prunes the files of a server that
// `npm start` runs from dist/server/ meanwhile.
import { join } from 'node:path';
import { ROOT } from '../../src/lib/root.js';

export const TEST_SERVER_DIR = join(ROOT, 'dist', 'test-server');
