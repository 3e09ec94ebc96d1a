// Mailboxes e-mails are logged from. Anyone may register a personal mailbox of their own: its
// e-mails are then seen by them alone, whatever the card's rights. Shared mailboxes are the
// administrators' to register; their e-mails follow the card's rights, like any address not
// registered at all.
import { z } from 'zod';
import type { ServiceCtx } from '../../context.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { ForbiddenError, NotFoundError, ValidationError, isUniqueViolation } from '../../lib/errors.js';
import * as v from '../../lib/validate.js';
import { ACCESS } from '../../kernel/access/messages.js';
import { MAILBOXES } from './mailboxes.messages.js';

/** The selection plugin-prisma hands a resolver, spread into the Prisma call. */
type Query = { include?: Prisma.MailboxInclude; select?: Prisma.MailboxSelect };

/** Shared mailboxes and the viewer's own personal ones (administrators: every mailbox). */
export function listMailboxes(ctx: ServiceCtx, query: Query = {}) {
  const mine = ctx.viewer.isAdmin ? {} : { OR: [{ ownerId: null }, { ownerId: ctx.viewer.userId }] };
  return ctx.db.mailbox.findMany({ ...query, where: { workspaceId: ctx.viewer.workspaceId, ...mine }, orderBy: { address: 'asc' } });
}

export async function createMailbox(ctx: ServiceCtx, input: { address: string; personal: boolean }) {
  if (!input.personal && !ctx.viewer.isAdmin) throw new ForbiddenError(ACCESS.onlyAdmin({ what: MAILBOXES.registerShared() }));
  const { address } = v.parseInput(z.object({ address: z.string().trim().toLowerCase().email(v.zmsg(MAILBOXES.notEmail())).max(320) }), input);
  try {
    return await ctx.db.mailbox.create({ data: { workspaceId: ctx.viewer.workspaceId, address, ownerId: input.personal ? ctx.viewer.userId : null } });
  } catch (err) {
    if (isUniqueViolation(err)) throw ValidationError.field('address', MAILBOXES.taken());
    throw err;
  }
}

/** The owner removes a personal mailbox, an administrator a shared one. E-mails logged stay as they were. */
export async function deleteMailbox(ctx: ServiceCtx, id: string) {
  const box = await ctx.db.mailbox.findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId } });
  // Another user's personal mailbox is not found, like one that does not exist.
  if (!box || (box.ownerId && box.ownerId !== ctx.viewer.userId && !ctx.viewer.isAdmin)) throw new NotFoundError('Mailbox', id);
  if (box.ownerId ? box.ownerId !== ctx.viewer.userId : !ctx.viewer.isAdmin) {
    throw new ForbiddenError(box.ownerId ? MAILBOXES.onlyOwner() : ACCESS.onlyAdmin({ what: MAILBOXES.removeShared() }));
  }
  await ctx.db.mailbox.delete({ where: { id } });
  return box;
}
