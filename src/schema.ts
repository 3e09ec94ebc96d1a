// Assembles the GraphQL schema: each module registers its types on import.
import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
import './modules/common/common.schema.js';
import './modules/cards/cards.schema.js';
import './modules/workspaces/workspace.schema.js';
import './modules/users/users.schema.js';
import './modules/pipelines/pipelines.schema.js';
import './modules/contacts/contacts.schema.js';
import './modules/companies/companies.schema.js';
import './modules/deals/deals.schema.js';
import './modules/custom-fields/custom-fields.schema.js';
import './modules/timeline/timeline.schema.js';
import './modules/tasks/tasks.schema.js';
import './modules/files/files.schema.js';
import './modules/mailboxes/mailboxes.schema.js';

export const schema = builder.toSchema({ sortSchema: false });
export const sortedSchema = lexicographicSortSchema(schema);
