// Writes the printed, sorted SDL to schema/schema.graphql (test/schema.test.ts fails when stale).
import { mkdirSync, writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { sortedSchema } from '../src/schema.js';

mkdirSync('schema', { recursive: true });
writeFileSync('schema/schema.graphql', printSchema(sortedSchema) + '\n');
console.log('schema/schema.graphql written');
