// The committed SDL is the one the code builds, and every root field says who may call it:
// a new Query, Mutation or Subscription field without an authScopes rule, or with a rule that
// differs from the list below, fails here and has to be reviewed.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { isObjectType, printSchema, type GraphQLField, type GraphQLObjectType } from 'graphql';
import { schema, sortedSchema } from '../src/schema.js';

/** The rule a field declares, read from what Pothos keeps of the field's options. */
function ruleOf(field: GraphQLField<unknown, unknown>): string {
  const scopes = (field.extensions as { pothosOptions?: { authScopes?: unknown } } | undefined)?.pothosOptions?.authScopes;
  if (scopes === undefined || scopes === null) return '(none)';
  if (typeof scopes === 'function') return '(function)';
  const entries = Object.entries(scopes as Record<string, unknown>);
  if (entries.length === 1 && entries[0][1] === true && ['public', 'member', 'writer'].includes(entries[0][0])) return entries[0][0];
  return JSON.stringify(scopes);
}

const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter((t): t is GraphQLObjectType => !!t);
const rootFields = roots.flatMap((t) => Object.values(t.getFields()).map((f) => ({ key: `${t.name}.${f.name}`, field: f })));

describe('schema', () => {
  it('schema/schema.graphql is the printed, sorted schema the code builds', () => {
    const committed = readFileSync(new URL('../schema/schema.graphql', import.meta.url), 'utf8');
    expect(committed, 'schema/schema.graphql is stale: run `npm run schema:print` (and `npm run codegen`) and commit the result').toBe(
      printSchema(sortedSchema) + '\n',
    );
  });

  it('every Query, Mutation and Subscription field declares an authScopes rule', () => {
    expect(rootFields.length).toBeGreaterThan(0);
    const without = rootFields.filter(({ field }) => ruleOf(field) === '(none)').map(({ key }) => key);
    expect(without, `root fields without authScopes: ${without.join(', ')}`).toEqual([]);
  });

  it('each root field has the reviewed sign-in rule and service rule (snapshot: test/__snapshots__/root-rules.txt)', async () => {
    // One line per root field: who may call it (public / member / writer) and what its service
    // enforces (src/kernel/access/root-rules.ts, also in the field's description). A new field, or a
    // changed rule, changes this file and has to be reviewed.
    const lines = rootFields
      .map(({ key, field }) => `${key}  [${ruleOf(field)}]  ${/Rights: (.*)\.$/s.exec(field.description ?? '')?.[1] ?? '(no rule)'}`)
      .sort((a, b) => a.localeCompare(b));
    expect(lines.filter((l) => l.endsWith('(no rule)'))).toEqual([]);
    await expect(lines.join('\n') + '\n').toMatchFileSnapshot('./__snapshots__/root-rules.txt');
  });

  it('signUp and login are the only fields anyone may call without signing in', () => {
    const publicFields = Object.values(schema.getTypeMap())
      .filter((t): t is GraphQLObjectType => isObjectType(t) && !t.name.startsWith('__'))
      .flatMap((t) => Object.values(t.getFields()).map((f) => ({ key: `${t.name}.${f.name}`, field: f })))
      .filter(({ field }) => {
        const scopes = (field.extensions as { pothosOptions?: { authScopes?: unknown } } | undefined)?.pothosOptions?.authScopes;
        return typeof scopes === 'object' && scopes !== null && 'public' in scopes;
      })
      .map(({ key }) => key)
      .sort();
    expect(publicFields).toEqual(['Mutation.login', 'Mutation.signUp']);
  });
});
