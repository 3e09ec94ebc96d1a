// The committed SDL is the one the code builds, and every root field says who may call it:
// a new Query, Mutation or Subscription field without an authScopes rule, or with a rule that
// differs from the list below, fails here and has to be reviewed.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { isObjectType, printSchema, type GraphQLField, type GraphQLObjectType } from 'graphql';
import { schema, sortedSchema } from '../src/schema.js';

type Rule = 'public' | 'member' | 'writer';

/** The rule a field declares, read from what Pothos keeps of the field's options. */
function ruleOf(field: GraphQLField<unknown, unknown>): string {
  const scopes = (field.extensions as { pothosOptions?: { authScopes?: unknown } } | undefined)?.pothosOptions
    ?.authScopes;
  if (scopes === undefined || scopes === null) return '(none)';
  if (typeof scopes === 'function') return '(function)';
  const entries = Object.entries(scopes as Record<string, unknown>);
  if (entries.length === 1 && entries[0][1] === true && ['public', 'member', 'writer'].includes(entries[0][0]))
    return entries[0][0];
  return JSON.stringify(scopes);
}

const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(
  (t): t is GraphQLObjectType => !!t,
);
const rootFields = roots.flatMap((t) => Object.values(t.getFields()).map((f) => ({ key: `${t.name}.${f.name}`, field: f })));

describe('schema', () => {
  it('schema/schema.graphql is the printed, sorted schema the code builds', () => {
    const committed = readFileSync(new URL('../schema/schema.graphql', import.meta.url), 'utf8');
    expect(
      committed,
      'schema/schema.graphql is stale: run `npm run schema:print` (and `npm run codegen`) and commit the result',
    ).toBe(printSchema(sortedSchema) + '\n');
  });

  it('every Query, Mutation and Subscription field declares an authScopes rule', () => {
    expect(rootFields.length).toBeGreaterThan(0);
    const without = rootFields.filter(({ field }) => ruleOf(field) === '(none)').map(({ key }) => key);
    expect(without, `root fields without authScopes: ${without.join(', ')}`).toEqual([]);
  });

  it('each root field has the reviewed rule (public / member / writer)', () => {
    const actual = Object.fromEntries(rootFields.map(({ key, field }) => [key, ruleOf(field)]).sort(([a], [b]) => a.localeCompare(b)));
    const expected: Record<string, Rule> = {
      // Any signed-in user or API key.
      'Query.apiKeys': 'member',
      'Query.companies': 'member',
      'Query.contacts': 'member',
      'Query.deals': 'member',
      'Query.me': 'member',
      'Query.node': 'member',
      'Query.nodes': 'member',
      'Query.pipelines': 'member',
      'Query.roles': 'member',
      'Query.tags': 'member',
      'Query.teams': 'member',
      'Query.users': 'member',
      'Query.workspace': 'member',
      'Mutation.logout': 'member',
      'Query.customFields': 'member',
      'Query.fieldGroups': 'member',
      'Query.fieldUsage': 'member',
      'Subscription.dealChanged': 'member',
      'Query.timeline': 'member',
      'Query.noteTemplates': 'member',
      'Subscription.timelineUpdated': 'member',
      'Query.mailboxes': 'member',
      'Mutation.setFieldAccess': 'writer',
      'Mutation.createMailbox': 'writer',
      'Mutation.deleteMailbox': 'writer',
      'Query.tasks': 'member',
      'Query.auditLog': 'member',
      'Query.attachments': 'member',
      'Subscription.notifications': 'member',
      // No sign-in.
      'Mutation.login': 'public',
      'Mutation.signUp': 'public',
      // A signed-in user, or an API key with the WRITE scope.
      'Mutation.changePassword': 'writer',
      'Mutation.addNote': 'writer',
      'Mutation.createTask': 'writer',
      'Mutation.createRole': 'writer',
      'Mutation.updateRole': 'writer',
      'Mutation.deleteRole': 'writer',
      'Mutation.assignRole': 'writer',
      'Mutation.uploadFile': 'writer',
      'Mutation.updateTask': 'writer',
      'Mutation.completeTask': 'writer',
      'Mutation.reopenTask': 'writer',
      'Mutation.logCall': 'writer',
      'Mutation.logEmail': 'writer',
      'Mutation.logMeeting': 'writer',
      'Mutation.logChatMessage': 'writer',
      'Mutation.createNoteTemplate': 'writer',
      'Mutation.deleteNoteTemplate': 'writer',
      'Mutation.createApiKey': 'writer',
      'Mutation.createCompany': 'writer',
      'Mutation.createContact': 'writer',
      'Mutation.createDeal': 'writer',
      'Mutation.createLossReason': 'writer',
      'Mutation.createPipeline': 'writer',
      'Mutation.createStage': 'writer',
      'Mutation.createTeam': 'writer',
      'Mutation.createUser': 'writer',
      'Mutation.deactivateUser': 'writer',
      'Mutation.deleteCompany': 'writer',
      'Mutation.deleteContact': 'writer',
      'Mutation.deleteDeal': 'writer',
      'Mutation.deleteLossReason': 'writer',
      'Mutation.deletePipeline': 'writer',
      'Mutation.deleteStage': 'writer',
      'Mutation.deleteTeam': 'writer',
      'Mutation.emptyTrash': 'writer',
      'Mutation.addFieldOption': 'writer',
      'Mutation.archiveCustomField': 'writer',
      'Mutation.createCustomField': 'writer',
      'Mutation.createFieldGroup': 'writer',
      'Mutation.deleteFieldGroup': 'writer',
      'Mutation.deleteFieldOption': 'writer',
      'Mutation.unarchiveCustomField': 'writer',
      'Mutation.updateCustomField': 'writer',
      'Mutation.updateFieldGroup': 'writer',
      'Mutation.updateFieldOption': 'writer',
      'Mutation.moveDeal': 'writer',
      'Mutation.reactivateUser': 'writer',
      'Mutation.reorderStages': 'writer',
      'Mutation.restoreCompany': 'writer',
      'Mutation.restoreContact': 'writer',
      'Mutation.restoreDeal': 'writer',
      'Mutation.revokeApiKey': 'writer',
      'Mutation.updateCompany': 'writer',
      'Mutation.updateContact': 'writer',
      'Mutation.updateDeal': 'writer',
      'Mutation.updatePipeline': 'writer',
      'Mutation.updateStage': 'writer',
      'Mutation.updateTeam': 'writer',
      'Mutation.updateUser': 'writer',
      'Mutation.updateWorkspace': 'writer',
    };
    const sorted = Object.fromEntries(Object.entries(expected).sort(([a], [b]) => a.localeCompare(b)));
    expect(actual, 'a root field was added, removed or changed its rule: review it and update this list').toEqual(sorted);
  });

  it('signUp and login are the only fields anyone may call without signing in', () => {
    const publicFields = Object.values(schema.getTypeMap())
      .filter((t): t is GraphQLObjectType => isObjectType(t) && !t.name.startsWith('__'))
      .flatMap((t) => Object.values(t.getFields()).map((f) => ({ key: `${t.name}.${f.name}`, field: f })))
      .filter(({ field }) => {
        const scopes = (field.extensions as { pothosOptions?: { authScopes?: unknown } } | undefined)?.pothosOptions
          ?.authScopes;
        return typeof scopes === 'object' && scopes !== null && 'public' in scopes;
      })
      .map(({ key }) => key)
      .sort();
    expect(publicFields).toEqual(['Mutation.login', 'Mutation.signUp']);
  });
});
