// Where the server tests' bundle goes: test/global-setup.ts builds it there, test/kit/server.ts
// runs it. A folder of its own, so a test run never rewrites or prunes the files of a server that
// `npm start` runs from dist/server/ meanwhile.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEST_SERVER_DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../dist/test-server');
