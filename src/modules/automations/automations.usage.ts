// Automations name stages, pipelines, custom fields and users in their trigger, conditions and
// actions (and act as their owner): removing one of those is refused while an automation uses it.
import { Prisma } from '../../generated/prisma/client.js';
import { encodeGlobalId } from '../../lib/ids.js';
import { usage, type UsedThing } from '../../kernel/usage.js';
import { AUTOMATIONS } from './automations.messages.js';

const TYPE: Record<UsedThing['kind'], string> = { STAGE: 'Stage', PIPELINE: 'Pipeline', CUSTOM_FIELD: 'CustomField', USER: 'User' };

usage.register('automations', async (db, workspaceId, thing) => {
  // Triggers and actions keep database ids, conditions the list filter as given (global ids).
  const raw = `%${thing.id}%`;
  const global = `%${encodeGlobalId(TYPE[thing.kind], thing.id)}%`;
  const owner = thing.kind === 'USER' ? Prisma.sql`or "ownerId" = ${thing.id}::uuid` : Prisma.empty;
  const rows = await db.$queryRaw<{ name: string }[]>`
    select name from "Automation"
    where "workspaceId" = ${workspaceId}::uuid
      and (("triggerConfig"::text || ' ' || coalesce(conditions::text, '') || ' ' || actions::text) like ${raw}
        or coalesce(conditions::text, '') like ${global} ${owner})
    order by name`;
  return rows.map((r) => AUTOMATIONS.usedBy({ name: r.name }));
});
