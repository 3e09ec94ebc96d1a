// Duplicates of a contact or company (kernel/duplicates.ts finds them), and `mergeContacts`, the
// first merge of two contacts, now `merge` (merge.service.ts) with no choices.
import type { ServiceCtx } from '../../context.js';
import { ValidationError } from '../../lib/errors.js';
import { findDuplicates } from '../../kernel/duplicates.js';
import { assertLive, findVisible } from '../../kernel/records.js';
import { merge } from './merge.service.js';
import { LEADS } from './leads.messages.js';

/** The live cards that look like this one, best first; NotFoundError for a card the viewer may not see. */
export async function duplicatesOf(ctx: ServiceCtx, kind: 'CONTACT' | 'COMPANY', id: string) {
  const card = assertLive(kind, id, await findVisible(ctx, kind, id));
  return findDuplicates(ctx, kind, { name: card.name as string, phones: card.phones as string[], emails: card.emails as string[] }, [id]);
}

/**
 * Merges `mergeId` into `keepId` (at `version`): `merge` (merge.service.ts) for two contacts with
 * no choices, kept for clients written before it.
 */
export async function mergeContacts(ctx: ServiceCtx, keepId: string, version: number, mergeId: string) {
  if (keepId === mergeId) throw ValidationError.field('mergeId', LEADS.mergeSelf());
  return merge(ctx, 'CONTACT', keepId, version, [mergeId]);
}
