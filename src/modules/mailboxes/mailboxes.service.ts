// Mailboxes e-mails are logged from, received by (POST /integrations/mail/<key>/messages) and
// sent through (sendEmail, over the mailbox's SMTP settings). Anyone may register a personal
// mailbox of their own: its e-mails are then seen by them alone, whatever the card's rights.
// Shared mailboxes are the administrators' to register and set up; their e-mails follow the
// card's rights, like any address not registered at all.
import { randomBytes } from 'node:crypto';
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

/** SMTP settings: a URL with the credentials in it, and the display name of the sender. */
const smtpSettings = z.object({
  smtpUrl: z
    .url({ protocol: /^smtps?$/, error: v.zmsg(MAILBOXES.notSmtpUrl()) })
    .max(2000)
    .nullish(),
  fromName: v.optionalText(120),
});

export type MailboxSettings = { smtpUrl?: string | null; fromName?: string | null };

/** Who may see and change a mailbox's settings (its inbound key, its SMTP server): its owner, or an administrator for a shared one. */
export const managesMailbox = (ctx: ServiceCtx, box: { ownerId: string | null }) => (box.ownerId ? box.ownerId === ctx.viewer.userId : ctx.viewer.isAdmin);

export async function createMailbox(ctx: ServiceCtx, input: { address: string; personal: boolean } & MailboxSettings) {
  if (!input.personal && !ctx.viewer.isAdmin) throw new ForbiddenError(ACCESS.onlyAdmin({ what: MAILBOXES.registerShared() }));
  const { address, smtpUrl, fromName } = v.parseInput(
    smtpSettings.extend({ address: z.string().trim().toLowerCase().email(v.zmsg(MAILBOXES.notEmail())).max(320) }),
    input,
  );
  try {
    return await ctx.db.mailbox.create({
      data: {
        workspaceId: ctx.viewer.workspaceId,
        address,
        ownerId: input.personal ? ctx.viewer.userId : null,
        key: randomBytes(18).toString('base64url'),
        smtpUrl: smtpUrl ?? null,
        fromName: fromName ?? null,
      },
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw ValidationError.field('address', MAILBOXES.taken());
    throw err;
  }
}

/** Sets a mailbox's SMTP server and sender name (a field left out stays; null clears it); `newKey` replaces its inbound key. */
export async function updateMailbox(ctx: ServiceCtx, id: string, input: MailboxSettings & { newKey?: boolean | null }) {
  const box = await ctx.db.mailbox.findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId } });
  if (!box || (box.ownerId && box.ownerId !== ctx.viewer.userId && !ctx.viewer.isAdmin)) throw new NotFoundError('Mailbox', id);
  if (!managesMailbox(ctx, box)) throw new ForbiddenError(box.ownerId ? MAILBOXES.onlyOwnerSets() : ACCESS.onlyAdmin({ what: MAILBOXES.setUpShared() }));
  const data = v.parseInput(smtpSettings, input);
  return ctx.db.mailbox.update({
    where: { id },
    data: {
      ...(input.smtpUrl !== undefined ? { smtpUrl: data.smtpUrl ?? null } : {}),
      ...(input.fromName !== undefined ? { fromName: data.fromName ?? null } : {}),
      ...(input.newKey ? { key: randomBytes(18).toString('base64url') } : {}),
    },
  });
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
