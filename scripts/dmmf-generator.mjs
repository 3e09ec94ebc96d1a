#!/usr/bin/env node
// A Prisma generator that writes the full DMMF (models, native types, indexes) to JSON, so
// test/migrations.test.ts can compare the migrated database with schema.prisma.
import helper from '@prisma/generator-helper';
const { generatorHandler } = helper;
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

generatorHandler({
  onManifest: () => ({ prettyName: 'DMMF JSON', defaultOutput: './dmmf.json' }),
  onGenerate: async (options) => {
    const out = options.generator.output?.value;
    if (!out) throw new Error('dmmf generator needs an output');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(options.dmmf.datamodel, null, 1));
  },
});
