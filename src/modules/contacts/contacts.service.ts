// Contacts (people): create, update, trash and restore, and the filtered list.
import { createRecord, restoreRecord, trashRecord, updateRecord, type CardWrite } from '../../kernel/records.js';
import type { ServiceCtx } from '../../context.js';
import { IssueList } from '../../lib/errors.js';
import type { Prisma } from '../../generated/prisma/client.js';
import * as cards from '../../kernel/lists.js';
import { registerListHooks } from '../../kernel/lists.js';
import { viewable, visible } from '../../kernel/access/visibility.js';
import { workspaceRegion } from '../../kernel/records.js';
import { visibleDefinitions, type FieldValueInput } from '../custom-fields/custom-fields.service.js';

type Query = { include?: object; select?: object };

// An interface, because a filter nests itself (and / or).
export interface ContactFilter extends cards.CommonFilter<ContactFilter> {
  companyIds?: string[] | null;
}

export type ContactSortField = 'NAME' | 'CREATED_AT' | 'UPDATED_AT' | 'LAST_ACTIVITY_AT';

export type ListArgs = { filter?: ContactFilter | null; orderBy?: cards.SortInput<ContactSortField>[] | null; inTrash?: boolean | null };

/** A company filter matches only through companies the viewer may see. */
const companyFilter = (ctx: ServiceCtx) => (f: ContactFilter) =>
  f.companyIds?.length ? [{ companyId: { in: f.companyIds }, company: { AND: [viewable(ctx.viewer, 'COMPANY')] } }] : [];

registerListHooks<ContactFilter>('CONTACT', { own: companyFilter });

export function listContacts(ctx: ServiceCtx, args: ListArgs, query: Query & cards.Page) {
  return cards.listCards<Prisma.ContactModel, ContactFilter, ContactSortField>(ctx, 'CONTACT', args, query);
}

export function countContacts(ctx: ServiceCtx, args: ListArgs) {
  return cards.countCards(ctx, 'CONTACT', args);
}

export function findContact(ctx: ServiceCtx, id: string, query: Query = {}) {
  return ctx.db.contact.findFirst({ ...query, where: { id, ...visible(ctx, 'CONTACT') } });
}

export type ContactInput = {
  customFields?: FieldValueInput[] | null;
  name?: string | null;
  position?: string | null;
  phones?: string[] | null;
  emails?: string[] | null;
  tags?: string[] | null;
  companyId?: string | null;
  responsibleId?: string | null;
};

function toWrite(input: ContactInput): CardWrite {
  const { customFields, name, position, phones, emails, responsibleId, companyId, tags } = input;
  return { fields: { name, position, phones, emails }, responsibleId, companyId, tags, customFields };
}

/** `issues` may arrive holding the input's malformed ids, so one error names every bad field. */
export async function createContact(ctx: ServiceCtx, input: ContactInput, issues = new IssueList()) {
  return (await createRecord(ctx, 'CONTACT', toWrite(input), issues)) as unknown as Prisma.ContactModel;
}

export async function updateContact(ctx: ServiceCtx, id: string, version: number, input: ContactInput, issues = new IssueList()) {
  return (await updateRecord(ctx, 'CONTACT', id, version, toWrite(input), issues)) as unknown as Prisma.ContactModel;
}

export async function trashContact(ctx: ServiceCtx, id: string, version?: number | null) {
  return (await trashRecord(ctx, 'CONTACT', id, version)) as unknown as Prisma.ContactModel;
}

export async function restoreContact(ctx: ServiceCtx, id: string) {
  return (await restoreRecord(ctx, 'CONTACT', id)) as unknown as Prisma.ContactModel;
}
