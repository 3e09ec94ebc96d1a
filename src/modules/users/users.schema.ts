// Users of a workspace: the User node, the caller (me), the user list, and managing users
// (administrators; a user may rename themself).
import { builder } from '../../builder.js';
import { authed } from '../../context.js';
import { IdParser, parseId } from '../../lib/ids.js';
import { WRITE_ERRORS } from '../common/common.schema.js';
import { inWorkspace, registerNode } from '../cards/cards.schema.js';
import * as users from './users.service.js';

registerNode('User');

export const User = builder.prismaNode('User', {
  id: { field: 'id' },
  // Select mode: only the columns the asked fields need are read.
  select: { id: true },
  findUnique: inWorkspace,
  nullable: true,
  fields: (t) => ({
    email: t.exposeString('email'),
    name: t.exposeString('name'),
    active: t.exposeBoolean('active'),
    deactivatedAt: t.expose('deactivatedAt', { type: 'DateTime', nullable: true }),
    role: t.relation('role'),
    isAdmin: t.boolean({ select: { role: { select: { isAdmin: true } } }, resolve: (u) => u.role.isAdmin }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

// Queries

builder.queryField('me', (t) =>
  t.prismaField({
    type: 'User',
    authScopes: { member: true },
    resolve: (query, _r, _a, ctx) => users.me(authed(ctx), query),
  }),
);

const UserFilter = builder.inputType('UserFilter', {
  fields: (t) => ({
    search: t.string({ description: 'Part of the name or e-mail.' }),
    active: t.boolean(),
    teamIds: t.idList(),
  }),
});

function decodeUserFilter(filter: { search?: string | null; active?: boolean | null; teamIds?: string[] | null } | null | undefined) {
  const ids = new IdParser();
  const teamIds = ids.many('filter.teamIds', 'Team', filter?.teamIds);
  ids.done();
  return { ...filter, teamIds };
}

builder.queryField('users', (t) =>
  t.prismaConnection({
    type: 'User',
    cursor: 'id',
    authScopes: { member: true },
    args: { filter: t.arg({ type: UserFilter }) },
    resolve: (query, _r, { filter }, ctx) => users.listUsers(authed(ctx), decodeUserFilter(filter), query),
    totalCount: (_c, { filter }, ctx) => users.countUsers(authed(ctx), decodeUserFilter(filter)),
  }),
);
// Managing users (administrators)

const CreateUserInput = builder.inputType('CreateUserInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    name: t.string({ required: true }),
    password: t.string({ required: true }),
    roleId: t.id({ description: 'Defaults to the first non-administrator role.' }),
    teamIds: t.idList(),
  }),
});

builder.mutationField('createUser', (t) =>
  t.field({
    type: User,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'user' } },
    args: { input: t.arg({ type: CreateUserInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const ids = new IdParser();
      const roleId = ids.one('roleId', 'Role', input.roleId);
      const teamIds = ids.many('teamIds', 'Team', input.teamIds);
      ids.done();
      return users.createUser(authed(ctx), { ...input, roleId, teamIds });
    },
  }),
);

const UpdateUserInput = builder.inputType('UpdateUserInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string(),
    email: t.string(),
    roleId: t.id(),
    teamIds: t.idList(),
  }),
});

builder.mutationField('updateUser', (t) =>
  t.field({
    type: User,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'user' } },
    args: { input: t.arg({ type: UpdateUserInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const ids = new IdParser();
      const id = ids.one('id', 'User', input.id);
      const roleId = ids.one('roleId', 'Role', input.roleId);
      const teamIds = ids.many('teamIds', 'Team', input.teamIds);
      ids.done();
      return users.updateUser(authed(ctx), id, {
        name: input.name ?? undefined,
        email: input.email ?? undefined,
        roleId: roleId ?? undefined,
        teamIds: teamIds ?? undefined,
      });
    },
  }),
);

for (const [name, active] of [
  ['deactivateUser', false],
  ['reactivateUser', true],
] as const) {
  builder.mutationField(name, (t) =>
    t.field({
      type: User,
      authScopes: { writer: true },
      description: active
        ? 'Lets a deactivated user sign in again.'
        : 'Stops a user from signing in and ends their sessions and API keys; their cards keep them as responsible until reassigned.',
      errors: { types: WRITE_ERRORS, dataField: { name: 'user' } },
      args: { id: t.arg.id({ required: true }) },
      resolve: (_r, a, ctx) => users.setUserActive(authed(ctx), parseId('User', a.id), active),
    }),
  );
}
