// Roles: record rights per card type and action, field access per card type and field, and
// giving a user a role. Managing them is an administrator's right, and audited.
import * as roles from './roles.service.js';
import { ACTIONS, ENTITIES, SCOPES } from '../../kernel/access/rights.js';
import { FieldAccessLevel } from '../custom-fields/custom-fields.schema.js';
import { EntityType } from '../cards/cards.schema.js';
import { builder } from '../../builder.js';
import { authed } from '../../context.js';
import { IdParser, parseId } from '../../lib/ids.js';
import { WRITE_ERRORS } from '../common/common.schema.js';
import { inWorkspace, registerNode } from '../cards/cards.schema.js';
import { User } from '../users/users.schema.js';

registerNode('Role');

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

builder.queryField('roles', (t) =>
  t.prismaField({ type: ['Role'], authScopes: { member: true }, resolve: (q, _r, _a, ctx) => roles.listRoles(authed(ctx), q) }),
);
