// The field audit: how many of the cards the viewer may see hold a value of each field.
import type { ServiceCtx } from '../../context.js';
import { scopeOf, scopeSql } from '../../kernel/access/rights.js';
import { visibleDefinitions, type EntityType } from '../../kernel/fields/definitions.js';
import { TABLE } from '../../kernel/fields/slots.js';

/**
 * How many cards hold a value of each field the viewer can see, out of how many cards: both
 * counted over the cards the viewer's role lets them see, so the figures reveal nothing else.
 */
export async function fieldUsage(ctx: ServiceCtx, entityType: EntityType) {
  const defs = (await visibleDefinitions(ctx, entityType)).filter((d) => !d.archived);
  const table = TABLE[entityType];
  const scope = scopeOf(ctx.viewer, entityType, 'VIEW');
  if (scope === 'NONE') return defs.map((d) => ({ fieldId: d.id, filled: 0, total: 0 }));
  // The same scope as the card lists (rights.ts renders it for SQL too).
  const { sql: mine, params: scoped } = scopeSql(ctx.viewer, scope, 3);
  const total = await ctx.db.$queryRawUnsafe<{ n: number }[]>(
    `select count(*)::int as n from "${table}" t where t."workspaceId" = $1::uuid and t."deletedAt" is null and $2::int = 0${mine}`,
    ctx.viewer.workspaceId,
    0,
    ...scoped,
  );
  const keys = defs.map((d) => String(d.key));
  const filled = keys.length
    ? await ctx.db.$queryRawUnsafe<{ key: string; n: number }[]>(
        `select k.key, count(t.id)::int as n from unnest($2::text[]) as k(key)
         left join "${table}" t on t."workspaceId" = $1::uuid and t."deletedAt" is null and t."customFields" ? k.key${mine}
         group by k.key`,
        ctx.viewer.workspaceId,
        keys,
        ...scoped,
      )
    : [];
  const byKey = new Map(filled.map((r) => [r.key, r.n]));
  return defs.map((d) => ({ fieldId: d.id, filled: byKey.get(String(d.key)) ?? 0, total: total[0].n }));
}
