// What the import and export scripts share: the services they open, the user they act as, and the entity named.
import type { Config } from '../src/config.js';
import type { AppDeps, ServiceCtx } from '../src/context.js';
import { openDeps, type OpenDeps } from '../src/deps.js';
import type { CardKind } from '../src/kernel/card-kinds.js';
import { viewerOfUser } from '../src/modules/auth/auth.service.js';

/**
 * The services alone (src/deps.ts: no HTTP server, GraphQL schema or dashboard, memory a script does
 * not need), with the demo workspace seeded on a new embedded database as the server does on its start.
 */
export async function openServices(config: Config): Promise<OpenDeps> {
  const opened = await openDeps(config);
  if (config.seedDemo) await (await import('../prisma/seed.js')).seedDemo(opened.deps);
  return opened;
}

/** The context of the user with this e-mail, or of the first active administrator. */
export async function cliContext(deps: AppDeps, email?: string): Promise<ServiceCtx> {
  const user = email
    ? await deps.db.user.findUnique({ where: { email: email.toLowerCase() } })
    : await deps.db.user.findFirst({ where: { active: true, role: { isAdmin: true } }, orderBy: { createdAt: 'asc' } });
  if (!user) throw new Error(email ? `no user ${email}` : 'no administrator yet: sign up first');
  const viewer = await viewerOfUser(deps.db, user.id, 'session');
  if (!viewer) throw new Error(`${user.email} is deactivated`);
  return { db: deps.db, deps, viewer };
}

const KINDS: Record<string, CardKind> = { contacts: 'CONTACT', contact: 'CONTACT', companies: 'COMPANY', company: 'COMPANY', deals: 'DEAL', deal: 'DEAL' };

export function kindOf(entity: string): CardKind {
  const k = KINDS[entity.toLowerCase()];
  if (!k) throw new Error(`--entity must be contacts, companies or deals, not ${entity}`);
  return k;
}
