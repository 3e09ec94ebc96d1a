// Record rights: for each entity type and action a role has a scope. OWN covers the cards the
// user is responsible for, TEAM those whose responsible shares a team with the user, ALL every
// card of the workspace. Administrators have every right. Services turn a scope into a Prisma
// condition on the card's responsible, so lists, counts and lookups all apply it alike.
import { ForbiddenError } from '../../lib/errors.js';
import type { Viewer } from './viewer.js';
import { ACCESS } from './messages.js';

// LEAD (incoming leads, SPEC §3) is configurable now; the lead inbox will apply it through the
// same helpers when it lands.
export const ENTITIES = ['CONTACT', 'COMPANY', 'DEAL', 'LEAD', 'TASK'] as const;
export const ACTIONS = ['VIEW', 'CREATE', 'EDIT', 'DELETE', 'EXPORT'] as const;
export const SCOPES = ['NONE', 'OWN', 'TEAM', 'ALL'] as const;

export type Entity = (typeof ENTITIES)[number];
export type Action = (typeof ACTIONS)[number];
export type Scope = (typeof SCOPES)[number];
export type Rights = Partial<Record<Entity, Partial<Record<Action, Scope>>>>;

/** Every right on everything: the administrator's, and a new workspace's manager's. */
export const ALL_RIGHTS: Rights = Object.fromEntries(ENTITIES.map((e) => [e, Object.fromEntries(ACTIONS.map((a) => [a, 'ALL']))]));

/** A right not set is NONE. */
export function scopeOf(viewer: Viewer, entity: Entity, action: Action): Scope {
  if (viewer.isAdmin) return 'ALL';
  return (viewer.rights?.[entity]?.[action] as Scope | undefined) ?? 'NONE';
}

/** The cards a scope covers, as a condition on the card's responsible. */
export function scopeWhere(viewer: Viewer, scope: Scope): object {
  switch (scope) {
    case 'ALL':
      return {};
    case 'TEAM':
      // The user's own cards, and those of anyone in one of the user's teams.
      return { OR: [{ responsibleId: viewer.userId }, { responsible: { teams: { some: { teamId: { in: viewer.teamIds } } } } }] };
    case 'OWN':
      return { responsibleId: viewer.userId };
    default:
      return { id: { in: [] } };
  }
}

/**
 * The same scope as raw SQL over a card table aliased `t`, for the few reports written in SQL:
 * `sql` is appended to a WHERE clause, `params` follow the caller's own (numbered from `first`).
 */
export function scopeSql(viewer: Viewer, scope: Scope, first: number): { sql: string; params: unknown[] } {
  switch (scope) {
    case 'ALL':
      return { sql: '', params: [] };
    case 'OWN':
      return { sql: ` and t."responsibleId" = $${first}::uuid`, params: [viewer.userId] };
    case 'TEAM':
      return {
        sql: ` and (t."responsibleId" = $${first}::uuid or t."responsibleId" in (select m."userId" from "TeamMember" m where m."teamId" = any($${first + 1}::uuid[])))`,
        params: [viewer.userId, viewer.teamIds],
      };
    default:
      return { sql: ' and false', params: [] };
  }
}

/** The condition for the cards of `entity` the viewer may `action`. */
export function allowed(viewer: Viewer, entity: Entity, action: Action) {
  return scopeWhere(viewer, scopeOf(viewer, entity, action));
}

/** Whether a card with this responsible is within the viewer's scope for the action. */
export function covers(viewer: Viewer, scope: Scope, responsibleId: string, responsibleTeamIds: string[]) {
  if (scope === 'ALL') return true;
  if (scope === 'NONE') return false;
  if (responsibleId === viewer.userId) return true;
  return scope === 'TEAM' && responsibleTeamIds.some((t) => viewer.teamIds.includes(t));
}

export function forbidden(entity: Entity, action: Action, scope: Scope) {
  return new ForbiddenError(ACCESS.forbidden({ entity, action, scope }));
}
