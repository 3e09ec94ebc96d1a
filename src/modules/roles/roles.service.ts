// Roles (administrators): record rights per card type and action, each with a scope, and
// field access per card type and field.
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client.js';
import type { ServiceCtx } from '../../context.js';
import { NotFoundError, ValidationError, isUniqueViolation } from '../../lib/errors.js';
import { ACTIONS, ENTITIES, type Action, type Entity, type Rights, type Scope } from '../../kernel/access/rights.js';
import { assertAdmin } from '../../kernel/access/viewer.js';
import * as v from '../../lib/validate.js';
import { updateUser } from '../users/users.service.js';
import { audit } from '../audit/audit.service.js';
import { encodeGlobalId } from '../../lib/ids.js';
import { settingsChanged } from '../../kernel/events.js';
import { hiddenFromViewer } from '../../kernel/fields/definitions.js';
import { SYSTEM_FIELDS, type CardEntity, type FieldAccessMap, type FieldLevel, type SystemField } from '../../kernel/access/field-access.js';
import { ROLES } from './roles.messages.js';

export type RightInput = { entityType: Entity; action: Action; scope: Scope };

/** Rights as listed by the API: every entity type and action, NONE where not set. */
export function rightsList(isAdmin: boolean, stored: unknown): RightInput[] {
  const r = (stored ?? {}) as Rights;
  return ENTITIES.flatMap((entityType) =>
    ACTIONS.map((action) => ({ entityType, action, scope: isAdmin ? 'ALL' : ((r[entityType]?.[action] as Scope | undefined) ?? 'NONE') })),
  );
}

/** The stored form; a right named twice is refused. Unnamed rights are NONE. */
function toStored(list: RightInput[]): Rights {
  const out: Rights = {};
  list.forEach((r, i) => {
    if (out[r.entityType]?.[r.action]) throw ValidationError.field(`rights[${i}]`, ROLES.rightTwice({ entity: r.entityType, action: r.action }));
    out[r.entityType] = { ...out[r.entityType], [r.action]: r.scope };
  });
  return out;
}

async function findRole(ctx: ServiceCtx, id: string) {
  const role = await ctx.db.role.findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId } });
  if (!role) throw new NotFoundError('Role', id);
  return role;
}

const nameCheck = z.object({ name: v.name(120) });

/** Role names compare case-insensitively, like pipeline and team names. */
async function assertNameFree(ctx: ServiceCtx, name: string, selfId?: string) {
  const other = await ctx.db.role.findFirst({
    where: { workspaceId: ctx.viewer.workspaceId, name: v.sameText(name), ...(selfId ? { id: { not: selfId } } : {}) },
  });
  if (other) throw ValidationError.field('name', ROLES.nameTaken());
}

export async function createRole(ctx: ServiceCtx, input: { name: string; rights: RightInput[] }) {
  assertAdmin(ctx.viewer, ROLES.manage());
  const { name } = v.parseInput(nameCheck, { name: input.name });
  await assertNameFree(ctx, name);
  const rights = toStored(input.rights);
  try {
    return await ctx.db.$transaction(async (tx) => {
      const role = await tx.role.create({ data: { workspaceId: ctx.viewer.workspaceId, name, rights: rights as object } });
      await audit(tx, ctx.viewer, 'ROLE_CREATED', { type: 'Role', id: role.id }, null, { name, rights });
      return role;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw ValidationError.field('name', ROLES.nameTaken());
    throw err;
  }
}

export async function updateRole(ctx: ServiceCtx, id: string, input: { name?: string | null; rights?: RightInput[] | null }) {
  assertAdmin(ctx.viewer, ROLES.manage());
  const role = await findRole(ctx, id);
  if (role.isAdmin) throw ValidationError.field('id', ROLES.adminHasAll());
  const name = input.name ? v.parseInput(nameCheck, { name: input.name }).name : undefined;
  if (name) await assertNameFree(ctx, name, id);
  const rights = input.rights ? toStored(input.rights) : undefined;
  try {
    return await ctx.db
      .$transaction(async (tx) => {
        const updated = await tx.role.update({ where: { id }, data: { name, ...(rights ? { rights: rights as object } : {}) } });
        await audit(
          tx,
          ctx.viewer,
          'ROLE_UPDATED',
          { type: 'Role', id },
          { name: role.name, rights: role.rights },
          { name: updated.name, rights: updated.rights },
        );
        if (rights) await settingsChanged(tx, ctx);
        return updated;
      })
      .finally(() => ctx.deps.outbox.kick());
  } catch (err) {
    if (isUniqueViolation(err)) throw ValidationError.field('name', ROLES.nameTaken());
    throw err;
  }
}

export async function deleteRole(ctx: ServiceCtx, id: string) {
  assertAdmin(ctx.viewer, ROLES.manage());
  const role = await findRole(ctx, id);
  if (role.isAdmin) throw ValidationError.field('id', ROLES.adminUndeletable());
  const users = await ctx.db.user.count({ where: { roleId: id } });
  if (users) throw ValidationError.field('id', ROLES.inUse({ users }));
  await ctx.db.$transaction(async (tx) => {
    await tx.role.delete({ where: { id } });
    await audit(tx, ctx.viewer, 'ROLE_DELETED', { type: 'Role', id }, { name: role.name, rights: role.rights }, null);
  });
  return role;
}

/** Gives a user a role (the last active administrator keeps theirs). */
export async function assignRole(ctx: ServiceCtx, userId: string, roleId: string) {
  assertAdmin(ctx.viewer, ROLES.assign());
  return updateUser(ctx, userId, { roleId });
}

// Field access

export type FieldAccessInput = {
  roleId: string;
  entityType: CardEntity;
  systemField?: SystemField | null;
  customFieldId?: string | null;
  access: FieldLevel;
};

/** A role's field access as listed by the API: the fields it does not simply edit. */
/**
 * A role's field access rules as the viewer may read them: none for the administrator role,
 * and no rule on a custom field hidden from the viewer (it would name the field).
 */
export async function visibleFieldAccess(ctx: ServiceCtx, role: { isAdmin: boolean; fieldAccess: unknown }) {
  if (role.isAdmin) return [];
  const hidden = await hiddenFromViewer(ctx);
  return fieldAccessList(role.fieldAccess).filter((rule) => !rule.customFieldId || !hidden.has(rule.customFieldId));
}

export function fieldAccessList(stored: unknown) {
  const m = (stored ?? {}) as FieldAccessMap;
  // In a stable order: by card type, its system fields first (in their order), then custom fields by id.
  return (['CONTACT', 'COMPANY', 'DEAL'] as const).flatMap((entityType) => {
    const system = SYSTEM_FIELDS[entityType] as readonly string[];
    const rank = (f: string) => (system.includes(f) ? system.indexOf(f) : system.length);
    return Object.entries(m[entityType] ?? {})
      .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
      .map(([field, access]) => ({
        entityType,
        systemField: system.includes(field) ? (field as SystemField) : null,
        customFieldId: system.includes(field) ? null : field,
        access,
      }));
  });
}

/**
 * Sets one field's access for a role: HIDDEN, READ or EDIT (EDIT removes the rule). Audited
 * (before → after) and announced to live subscriptions in the same transaction.
 */
export async function setFieldAccess(ctx: ServiceCtx, input: FieldAccessInput) {
  assertAdmin(ctx.viewer, ROLES.manage());
  const role = await findRole(ctx, input.roleId);
  if (role.isAdmin) throw ValidationError.field('roleId', ROLES.adminEditsAll());
  const given = (input.systemField ? 1 : 0) + (input.customFieldId ? 1 : 0);
  if (given !== 1) throw ValidationError.field('systemField', ROLES.giveOneField());
  let field: string;
  if (input.systemField) {
    const allowed = SYSTEM_FIELDS[input.entityType] as readonly string[];
    if (!allowed.includes(input.systemField)) {
      throw ValidationError.field('systemField', ROLES.noSuchSystemField({ entity: input.entityType, field: input.systemField, allowed }));
    }
    field = input.systemField;
  } else {
    const f = await ctx.db.customField.findFirst({
      where: { id: input.customFieldId!, workspaceId: ctx.viewer.workspaceId },
      select: { id: true, entityType: true },
    });
    if (!f) throw new NotFoundError('CustomField', input.customFieldId!);
    if (f.entityType !== input.entityType) throw ValidationError.field('customFieldId', ROLES.fieldOfOther({ owner: f.entityType, entity: input.entityType }));
    field = f.id;
  }
  const updated = await ctx.db.$transaction(async (tx) => {
    // Locked, so two administrators setting different fields at once both keep their change.
    const [row] = await tx.$queryRaw<{ fieldAccess: FieldAccessMap }[]>`select "fieldAccess" from "Role" where "id" = ${role.id}::uuid for update`;
    const map: FieldAccessMap = { ...row.fieldAccess };
    const forType = { ...(map[input.entityType] ?? {}) };
    const before = forType[field] ?? 'EDIT';
    if (input.access === 'EDIT') delete forType[field];
    else forType[field] = input.access;
    map[input.entityType] = forType;
    const saved = await tx.role.update({ where: { id: role.id }, data: { fieldAccess: map as object } });
    if (before !== input.access) {
      const subject = {
        entityType: input.entityType,
        ...(input.systemField ? { systemField: field } : { customFieldId: encodeGlobalId('CustomField', field) }),
      };
      await audit(tx, ctx.viewer, 'FIELD_ACCESS_CHANGED', { type: 'Role', id: role.id }, { ...subject, access: before }, { ...subject, access: input.access });
      await settingsChanged(tx, ctx);
    }
    return saved;
  });
  ctx.deps.outbox.kick();
  return updated;
}

type Query = { include?: Prisma.RoleInclude; select?: Prisma.RoleSelect };

export function listRoles(ctx: ServiceCtx, query: Query = {}) {
  return ctx.db.role.findMany({ ...query, where: { workspaceId: ctx.viewer.workspaceId }, orderBy: { createdAt: 'asc' } });
}
