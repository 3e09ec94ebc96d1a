// Named actions on records: `assertCan(ctx, 'deal:edit', card)` is both the check a service
// makes and, through `ruleText`, the sentence the schema prints for the root fields that make
// it (root-rules.ts), so the documented rule and the enforced one have one source.
import type { ServiceCtx } from '../../context.js';
import type { IssueList } from '../../lib/errors.js';
import * as rights from './rights.js';

type Lower<S extends string> = Lowercase<S>;
/** `<entity>:<action>`, e.g. `deal:edit`, `task:create`; `handover` is the EDIT scope of the new responsible. */
export type ActionName = `${Lower<rights.Entity>}:${Lower<rights.Action> | 'handover'}`;

function parse(action: ActionName): { entity: rights.Entity; right: rights.Action } {
  const [e, a] = action.split(':');
  return { entity: e.toUpperCase() as rights.Entity, right: (a === 'handover' ? 'EDIT' : a.toUpperCase()) as rights.Action };
}

async function teamsOf(ctx: ServiceCtx, userId: string) {
  return (await ctx.db.teamMember.findMany({ where: { userId }, select: { teamId: true } })).map((t) => t.teamId);
}

/**
 * An action on a record (a card or a task) needs the role's scope for it to cover the record's
 * responsible: the new record's on create, the new responsible's on handover. Otherwise
 * ForbiddenError and nothing changes. Records the viewer cannot see never get here: their
 * lookups answer NotFoundError.
 */
export async function assertCan(ctx: ServiceCtx, action: ActionName, record: { responsibleId: string }) {
  const { entity, right } = parse(action);
  const scope = rights.scopeOf(ctx.viewer, entity, right);
  if (scope === 'ALL') return;
  const teams = scope === 'TEAM' ? await teamsOf(ctx, record.responsibleId) : [];
  if (!rights.covers(ctx.viewer, scope, record.responsibleId, teams)) throw rights.forbidden(entity, right, scope);
}

/**
 * Handing a record to another responsible: the new one must be within the viewer's EDIT scope
 * too, so nothing leaves the scope it was edited under (as a create must fall within CREATE).
 * Skipped when the new responsible is already reported as not a valid user.
 */
export async function assertHandover(ctx: ServiceCtx, entity: rights.Entity, from: string, to: string | undefined, issues: IssueList, field = 'responsibleId') {
  if (!to || to === from || issues.issues.some((i) => i.field === field)) return;
  await assertCan(ctx, `${entity.toLowerCase()}:handover` as ActionName, { responsibleId: to });
}

/** The rule an action enforces, as the schema prints it. */
export function ruleText(action: ActionName): string {
  if (action.endsWith(':handover')) return 'a new responsible must be within the EDIT scope too';
  const { entity, right } = parse(action);
  return `${entity} ${right} scope on the card (NotFoundError for a card outside VIEW)`;
}
