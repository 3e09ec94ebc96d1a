// Duplicates of a contact or company (kernel/duplicates.ts finds them), and merging two contacts
// into one: in one transaction through the kernel's write path, the kept contact takes the
// other's empty fields, deals, tasks, timeline and files, and the other goes to the trash.
import type { ServiceCtx } from '../../context.js';
import { ValidationError } from '../../lib/errors.js';
import { findDuplicates } from '../../kernel/duplicates.js';
import { assertLive, assertVersion, findVisible, inOneTransaction, trashRecord, updateRecord, type CardWrite } from '../../kernel/records.js';
import { assertCan } from '../../kernel/access/actions.js';
import { LEADS } from './leads.messages.js';

/** The live cards that look like this one, best first; NotFoundError for a card the viewer may not see. */
export async function duplicatesOf(ctx: ServiceCtx, kind: 'CONTACT' | 'COMPANY', id: string) {
  const card = assertLive(kind, id, await findVisible(ctx, kind, id));
  return findDuplicates(ctx, kind, { name: card.name as string, phones: card.phones as string[], emails: card.emails as string[] }, [id]);
}

type ContactRow = { id: string; version: number; responsibleId: string; position: string | null; companyId: string | null; phones: string[]; emails: string[] };

/**
 * Merges `mergeId` into `keepId` (at `version`): needs EDIT on the kept contact and DELETE on the
 * other. Empty fields of the kept one (position, company) take the other's values, phones and
 * e-mails are joined; deals, tasks, timeline entries, files and leads move over; the other goes
 * to the trash (restorable, then empty). Answers the kept contact.
 */
export async function mergeContacts(ctx: ServiceCtx, keepId: string, version: number, mergeId: string) {
  if (keepId === mergeId) throw ValidationError.field('mergeId', LEADS.mergeSelf());
  const keep = assertLive('CONTACT', keepId, await findVisible(ctx, 'CONTACT', keepId)) as unknown as ContactRow;
  const other = assertLive('CONTACT', mergeId, await findVisible(ctx, 'CONTACT', mergeId)) as unknown as ContactRow;
  assertVersion('CONTACT', keep, version);
  await assertCan(ctx, 'contact:edit', keep);
  await assertCan(ctx, 'contact:delete', other);
  const fields: Record<string, unknown> = {};
  if (!keep.position && other.position) fields.position = other.position;
  const phones = [...new Set([...keep.phones, ...other.phones])];
  if (phones.length > keep.phones.length) fields.phones = phones;
  const emails = [...new Set([...keep.emails, ...other.emails])];
  if (emails.length > keep.emails.length) fields.emails = emails;
  const write: CardWrite = { fields, ...(!keep.companyId && other.companyId ? { companyId: other.companyId } : {}) };
  const ws = ctx.viewer.workspaceId;
  return inOneTransaction(ctx, async (t, tx) => {
    const kept = Object.keys(fields).length || write.companyId ? await updateRecord(t, 'CONTACT', keepId, version, write) : null;
    // Deals: the other's links become the kept one's, except where both were linked.
    const both = (await tx.dealContact.findMany({ where: { contactId: keepId }, select: { dealId: true } })).map((d) => d.dealId);
    await tx.dealContact.deleteMany({ where: { contactId: mergeId, dealId: { in: both } } });
    await tx.dealContact.updateMany({ where: { contactId: mergeId }, data: { contactId: keepId } });
    await tx.task.updateMany({ where: { workspaceId: ws, contactId: mergeId }, data: { contactId: keepId } });
    await tx.timelineEntry.updateMany({ where: { workspaceId: ws, entityType: 'CONTACT', cardId: mergeId }, data: { cardId: keepId } });
    await tx.attachment.updateMany({ where: { workspaceId: ws, entityType: 'CONTACT', cardId: mergeId }, data: { cardId: keepId } });
    await tx.incomingLead.updateMany({ where: { workspaceId: ws, contactId: mergeId }, data: { contactId: keepId } });
    await trashRecord(t, 'CONTACT', mergeId);
    return kept ?? (await tx.contact.findUniqueOrThrow({ where: { id: keepId } }));
  });
}
