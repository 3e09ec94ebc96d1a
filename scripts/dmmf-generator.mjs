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
    const datamodel = structuredClone(options.dmmf.datamodel);
    // The DMMF leaves out a partial index's predicate: read `where: raw("...")` from the schema
    // (onto the index, not the primary key, which may name the same column).
    for (const [, model, body] of options.datamodel.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
      for (const [, fields, where] of body.matchAll(/@@index\(\[([^\]]*)\][^\n]*?where: raw\("((?:[^"\\]|\\.)*)"\)/g)) {
        const names = fields.split(',').map((f) => f.trim().replace(/\(.*$/, ''));
        const idx = datamodel.indexes.find(
          (i) => i.model === model && i.type !== 'id' && JSON.stringify(i.fields.map((f) => f.name)) === JSON.stringify(names),
        );
        if (!idx) throw new Error(`partial index on ${model}(${names}) not found in the DMMF`);
        idx.where = where.replace(/\\"/g, '"');
      }
    }
    writeFileSync(out, JSON.stringify(datamodel, null, 1));
  },
});
