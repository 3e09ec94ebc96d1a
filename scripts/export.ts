// npm run export -- --entity contacts|companies|deals [--format csv|xlsx] [--as user@example.com] [--out FILE]
// Exports the cards the user may export (default: the first administrator) through the same
// service as exportCards (EXPORT scope, field access, audit log) into a file.
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { exportCards, type ExportFormat } from '../src/modules/imports/exports.service.js';
import { cliContext, kindOf } from './cli.js';

const { values } = parseArgs({
  options: {
    entity: { type: 'string', default: 'contacts' },
    format: { type: 'string', default: 'csv' },
    as: { type: 'string' },
    out: { type: 'string' },
  },
});

const app = await buildApp(loadConfig());
try {
  const ctx = await cliContext(app.deps, values.as);
  const format = values.format!.toUpperCase() as ExportFormat;
  const file = await exportCards(ctx, kindOf(values.entity!), format);
  const out = values.out ?? file.name;
  await pipeline(app.deps.storage.open(file.storageKey), createWriteStream(out));
  console.log(`${out}: ${file.size} bytes`);
} finally {
  await app.stop();
}
