// What the import and export scripts share: the user they act as, and the entity named.
import type { AppDeps, ServiceCtx } from '../src/context.js';
import type { CardKind } from '../src/kernel/card-kinds.js';
import { viewerOfUser } from '../src/modules/auth/auth.service.js';

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
