// Assembles the GraphQL schema: each module registers its types on import.
import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
import { ROOT_RULES } from './kernel/access/root-rules.js';
import './modules/common/common.schema.js';
import './modules/cards/cards.schema.js';
import './modules/workspaces/workspace.schema.js';
import './modules/auth/auth.schema.js';
import './modules/users/users.schema.js';
import './modules/roles/roles.schema.js';
import './modules/teams/teams.schema.js';
import './modules/api-keys/api-keys.schema.js';
import './modules/audit/audit.schema.js';
import './modules/pipelines/pipelines.schema.js';
import './modules/contacts/contacts.schema.js';
import './modules/companies/companies.schema.js';
import './modules/deals/deals.schema.js';
import './modules/custom-fields/custom-fields.schema.js';
import './modules/reports/reports.schema.js';
import './modules/saved-views/saved-views.schema.js';
import './modules/timeline/timeline.schema.js';
import './modules/tasks/tasks.schema.js';
import './modules/files/files.schema.js';
import './modules/mailboxes/mailboxes.schema.js';
import './modules/mail/mail.schema.js';
import './modules/leads/leads.schema.js';
import './modules/leads/merge.schema.js';
import './modules/web-forms/web-forms.schema.js';
import './modules/chats/chats.schema.js';
import './modules/telephony/telephony.schema.js';
import './modules/automations/automations.schema.js';
import './modules/webhooks/webhooks.schema.js';
import './modules/imports/imports.schema.js';

export const schema = builder.toSchema({ sortSchema: false });

// Every root field states the rule its service enforces (src/kernel/access/root-rules.ts) in its
// description; a root field without one, or a rule for a field that is gone, stops the build.
{
  const seen = new Set<string>();
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    for (const field of Object.values(type?.getFields() ?? {})) {
      const key = `${type!.name}.${field.name}`;
      const rule = ROOT_RULES[key];
      if (!rule) throw new Error(`${key} has no rule in src/kernel/access/root-rules.ts`);
      seen.add(key);
      field.description = `${field.description ? `${field.description}\n\n` : ''}Rights: ${rule}.`;
    }
  }
  const stale = Object.keys(ROOT_RULES).filter((k) => !seen.has(k));
  if (stale.length) throw new Error(`src/kernel/access/root-rules.ts names fields the schema lacks: ${stale.join(', ')}`);
}
export const sortedSchema = lexicographicSortSchema(schema);
