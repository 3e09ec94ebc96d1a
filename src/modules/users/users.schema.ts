// Users, roles, teams, API keys, and signing in and out.
import { withId } from '../../lib/prisma-query.js';
import * as roles from './roles.service.js';
import { ACTIONS, ENTITIES, SCOPES } from '../../kernel/access/rights.js';
import { FieldAccessLevel } from '../custom-fields/custom-fields.schema.js';
import { EntityType } from '../cards/cards.schema.js';
import { builder } from '../../builder.js';
import { authed, type Context } from '../../context.js';
import { IdParser, parseId } from '../../lib/ids.js';
import { WRITE_ERRORS } from '../common/common.schema.js';
import { inWorkspace, registerNode, seenOrNowhere } from '../cards/cards.schema.js';
import { Locale, Workspace } from '../workspaces/workspace.schema.js';
import * as auth from './auth.service.js';
import * as users from './users.service.js';

for (const n of ['User', 'Role', 'Team', 'ApiKey']) registerNode(n);

/** Node lookup of what only administrators may list (API keys, the audit log): others find nothing. */
const adminsOnly = (id: string, ctx: Context) => seenOrNowhere(!!ctx.viewer?.isAdmin, id, ctx);

export const Role = builder.prismaNode('Role', {
  id: { field: 'id' },
  findUnique: inWorkspace,
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name'),
    isAdmin: t.exposeBoolean('isAdmin', { description: 'Administrators have every right plus settings.' }),
    rights: t.field({
      type: [RoleRight],
      description: 'A scope for every card type and action (administrators: ALL).',
      resolve: (r) => roles.rightsList(r.isAdmin, r.rights),
    }),
    fieldAccess: t.field({
      type: [FieldAccessRule],
      description:
        'The fields this role may not simply edit: HIDDEN or READ. Every other field is EDIT (administrators: all). ' +
        "Rules on custom fields the viewer's own role hides are left out.",
      resolve: (r, _a, ctx) => roles.visibleFieldAccess(authed(ctx), r),
    }),
  }),
});

const SystemFieldEnum = builder.enumType('SystemField', {
  description: "System fields whose access a role can restrict. A deal's currency goes with its amount.",
  values: { AMOUNT: { value: 'amount' }, RESPONSIBLE: { value: 'responsible' }, PHONES: { value: 'phones' }, EMAILS: { value: 'emails' } } as const,
});

type Rule = ReturnType<typeof roles.fieldAccessList>[number];
const FieldAccessRule = builder.objectRef<Rule>('FieldAccessRule').implement({
  fields: (t) => ({
    entityType: t.expose('entityType', { type: EntityType }),
    systemField: t.expose('systemField', { type: SystemFieldEnum, nullable: true }),
    customField: t.prismaField({
      type: 'CustomField',
      nullable: true,
      resolve: (query, r, _a, ctx) =>
        r.customFieldId ? ctx.db.customField.findFirst({ ...query, where: { id: r.customFieldId, workspaceId: authed(ctx).viewer.workspaceId } }) : null,
    }),
    access: t.expose('access', { type: FieldAccessLevel }),
  }),
});

const SetFieldAccessInput = builder.inputType('SetFieldAccessInput', {
  description: 'One field of one card type: either systemField or customFieldId.',
  fields: (t) => ({
    roleId: t.id({ required: true }),
    entityType: t.field({ type: EntityType, required: true }),
    systemField: t.field({ type: SystemFieldEnum }),
    customFieldId: t.id(),
    access: t.field({ type: FieldAccessLevel, required: true }),
  }),
});

builder.mutationField('setFieldAccess', (t) =>
  t.field({
    type: Role,
    authScopes: { writer: true },
    description: 'Administrators only. Sets what a role may do with one field; EDIT lifts a restriction. Logged in the audit log.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'role' } },
    args: { input: t.arg({ type: SetFieldAccessInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const ids = new IdParser();
      const roleId = ids.one('roleId', 'Role', input.roleId);
      const customFieldId = input.customFieldId ? ids.one('customFieldId', 'CustomField', input.customFieldId) : null;
      ids.done();
      return roles.setFieldAccess(authed(ctx), { ...input, roleId, customFieldId });
    },
  }),
);

const RightEntity = builder.enumType('RightEntity', { values: ENTITIES });
const RightAction = builder.enumType('RightAction', { values: ACTIONS });
const RightScope = builder.enumType('RightScope', {
  values: SCOPES,
  description: "NONE; OWN: cards the user is responsible for; TEAM: also those of the user's teams' members; ALL.",
});

const RoleRight = builder.objectRef<roles.RightInput>('RoleRight').implement({
  fields: (t) => ({
    entityType: t.expose('entityType', { type: RightEntity }),
    action: t.expose('action', { type: RightAction }),
    scope: t.expose('scope', { type: RightScope }),
  }),
});

const RoleRightInput = builder.inputType('RoleRightInput', {
  fields: (t) => ({
    entityType: t.field({ type: RightEntity, required: true }),
    action: t.field({ type: RightAction, required: true }),
    scope: t.field({ type: RightScope, required: true }),
  }),
});

builder.mutationField('createRole', (t) =>
  t.field({
    type: Role,
    authScopes: { writer: true },
    description: 'Administrators only. Rights left out are NONE.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'role' } },
    args: { name: t.arg.string({ required: true }), rights: t.arg({ type: [RoleRightInput], required: true }) },
    resolve: (_r, a, ctx) => roles.createRole(authed(ctx), a),
  }),
);

builder.mutationField('updateRole', (t) =>
  t.field({
    type: Role,
    authScopes: { writer: true },
    description: 'Administrators only. `rights`, when given, replaces them all (left out: NONE).',
    errors: { types: WRITE_ERRORS, dataField: { name: 'role' } },
    args: { id: t.arg.id({ required: true }), name: t.arg.string(), rights: t.arg({ type: [RoleRightInput] }) },
    resolve: (_r, a, ctx) => roles.updateRole(authed(ctx), parseId('Role', a.id), a),
  }),
);

builder.mutationField('deleteRole', (t) =>
  t.field({
    type: Role,
    authScopes: { writer: true },
    description: 'Administrators only; refused while users have the role.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'role' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, a, ctx) => roles.deleteRole(authed(ctx), parseId('Role', a.id)),
  }),
);

builder.mutationField('assignRole', (t) =>
  t.field({
    type: User,
    authScopes: { writer: true },
    description: 'Administrators only; the last active administrator keeps the administrator role.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'user' } },
    args: { userId: t.arg.id({ required: true }), roleId: t.arg.id({ required: true }) },
    resolve: (_r, a, ctx) => {
      const ids = new IdParser();
      const userId = ids.one('userId', 'User', a.userId);
      const roleId = ids.one('roleId', 'Role', a.roleId);
      ids.done();
      return roles.assignRole(authed(ctx), userId, roleId);
    },
  }),
);

export const User = builder.prismaNode('User', {
  id: { field: 'id' },
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

export const Team = builder.prismaNode('Team', {
  id: { field: 'id' },
  findUnique: inWorkspace,
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name'),
    members: t.field({
      type: [User],
      select: (_a, _c, nested) => ({ members: { select: { user: nested(true) } } }),
      resolve: (team) => team.members.map((m) => m.user),
    }),
  }),
});

builder.prismaObjectField('User', 'teams', (t) =>
  t.field({
    type: [Team],
    select: (_a, _c, nested) => ({ teams: { select: { team: nested(true) } } }),
    resolve: (u) => u.teams.map((m) => m.team),
  }),
);

const ApiKeyScope = builder.enumType('ApiKeyScope', { values: ['READ', 'WRITE'] as const });

export const ApiKey = builder.prismaNode('ApiKey', {
  id: { field: 'id' },
  findUnique: adminsOnly,
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', { description: 'The first characters of the key, to recognise it.' }),
    scopes: t.expose('scopes', { type: [ApiKeyScope] }),
    user: t.relation('user', { description: 'The key acts with this user’s rights.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
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

builder.queryField('roles', (t) =>
  t.prismaField({ type: ['Role'], authScopes: { member: true }, resolve: (q, _r, _a, ctx) => users.listRoles(authed(ctx), q) }),
);

builder.queryField('teams', (t) =>
  t.prismaField({ type: ['Team'], authScopes: { member: true }, resolve: (q, _r, _a, ctx) => users.listTeams(authed(ctx), q) }),
);

builder.queryField('apiKeys', (t) =>
  t.prismaField({
    type: ['ApiKey'],
    authScopes: { member: true },
    description: 'API keys of the workspace (administrators only).',
    resolve: (q, _r, _a, ctx) => users.listApiKeys(authed(ctx), q),
  }),
);

// Signing in

type Session = { token: string; expiresAt: Date; userId: string; workspaceId: string };

const AuthPayload = builder.objectRef<Session>('AuthPayload').implement({
  fields: (t) => ({
    token: t.exposeString('token', { description: 'Send as `Authorization: Bearer <token>`.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    user: t.prismaField({
      type: 'User',
      resolve: (query, s, _a, ctx) => ctx.db.user.findUniqueOrThrow({ ...withId(query), where: { id: s.userId } }),
    }),
    workspace: t.prismaField({
      type: 'Workspace',
      resolve: (query, s, _a, ctx) => ctx.db.workspace.findUniqueOrThrow({ ...withId(query), where: { id: s.workspaceId } }),
    }),
  }),
});

const SignUpInput = builder.inputType('SignUpInput', {
  fields: (t) => ({
    workspaceName: t.string({ required: true }),
    name: t.string({ required: true }),
    email: t.string({ required: true }),
    password: t.string({ required: true }),
    locale: t.field({ type: Locale }),
    timeZone: t.string(),
    currency: t.string(),
    phoneRegion: t.string(),
  }),
});

builder.mutationField('signUp', (t) =>
  t.field({
    type: AuthPayload,
    authScopes: { public: true },
    description: 'Creates a workspace and its administrator, and signs them in.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'session' } },
    args: { input: t.arg({ type: SignUpInput, required: true }) },
    resolve: (_r, { input }, ctx) => auth.signUp(ctx.deps, input),
  }),
);

const LoginInput = builder.inputType('LoginInput', {
  fields: (t) => ({ email: t.string({ required: true }), password: t.string({ required: true }) }),
});

builder.mutationField('login', (t) =>
  t.field({
    type: AuthPayload,
    authScopes: { public: true },
    description:
      'Signs in. Wrong credentials fail with UNAUTHENTICATED; too many failures per account or address with RATE_LIMITED.',
    args: { input: t.arg({ type: LoginInput, required: true }) },
    resolve: (_r, { input }, ctx) => auth.login(ctx.deps, input, ctx.ip),
  }),
);

builder.mutationField('logout', (t) =>
  t.boolean({
    authScopes: { member: true },
    description: 'Ends the session whose token was sent.',
    resolve: (_r, _a, ctx) => auth.logout(authed(ctx)),
  }),
);

builder.mutationField('changePassword', (t) =>
  t.boolean({
    authScopes: { writer: true },
    description: 'Changes the password and ends every other session of the user.',
    errors: { types: WRITE_ERRORS },
    args: { currentPassword: t.arg.string({ required: true }), newPassword: t.arg.string({ required: true }) },
    resolve: (_r, a, ctx) => users.changePassword(authed(ctx), a.currentPassword, a.newPassword),
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

for (const [name, active] of [['deactivateUser', false], ['reactivateUser', true]] as const) {
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

const TeamInput = builder.inputType('CreateTeamInput', {
  fields: (t) => ({ name: t.string({ required: true }), memberIds: t.idList() }),
});

builder.mutationField('createTeam', (t) =>
  t.field({
    type: Team,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'team' } },
    args: { input: t.arg({ type: TeamInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const ids = new IdParser();
      const memberIds = ids.many('memberIds', 'User', input.memberIds) ?? [];
      ids.done();
      return users.createTeam(authed(ctx), { name: input.name, memberIds });
    },
  }),
);

const UpdateTeamInput = builder.inputType('UpdateTeamInput', {
  fields: (t) => ({ id: t.id({ required: true }), name: t.string(), memberIds: t.idList() }),
});

builder.mutationField('updateTeam', (t) =>
  t.field({
    type: Team,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'team' } },
    args: { input: t.arg({ type: UpdateTeamInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const ids = new IdParser();
      const id = ids.one('id', 'Team', input.id);
      const memberIds = ids.many('memberIds', 'User', input.memberIds);
      ids.done();
      return users.updateTeam(authed(ctx), id, { name: input.name, memberIds });
    },
  }),
);

builder.mutationField('deleteTeam', (t) =>
  t.id({
    authScopes: { writer: true },
    description: 'Deletes a team; its members stay. Answers the deleted id.',
    errors: { types: WRITE_ERRORS },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_r, a, ctx) => {
      await users.deleteTeam(authed(ctx), parseId('Team', a.id));
      return a.id;
    },
  }),
);

type NewKey = { apiKey: { id: string }; key: string };
const CreatedApiKey = builder.objectRef<NewKey>('CreatedApiKey').implement({
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The secret, shown only this once.' }),
    apiKey: t.field({ type: ApiKey, resolve: (k) => k.apiKey as never }),
  }),
});

builder.mutationField('createApiKey', (t) =>
  t.field({
    type: CreatedApiKey,
    authScopes: { writer: true },
    description: 'Creates an API key acting as the calling administrator, limited to its scopes.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'created' } },
    args: {
      name: t.arg.string({ required: true }),
      scopes: t.arg({ type: [ApiKeyScope], required: true }),
    },
    resolve: (_r, a, ctx) => users.createApiKey(authed(ctx), a),
  }),
);

builder.mutationField('revokeApiKey', (t) =>
  t.field({
    type: ApiKey,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'apiKey' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, a, ctx) => users.revokeApiKey(authed(ctx), parseId('ApiKey', a.id)),
  }),
);

export { Workspace };
