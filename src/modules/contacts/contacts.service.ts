// Contacts (people): create, update, trash and restore, and the filtered list.
import { createRecord, restoreRecord, trashRecord, updateRecord, type CardWrite } from '../../kernel/records.js';
import type { ServiceCtx } from '../../context.js';
import { IssueList } from '../../lib/errors.js';
import type { Prisma } from '../../generated/prisma/client.js';
import * as cards from '../../kernel/lists.js';
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

/** The list's where and order, every bad filter or sort key reported at once. */
async function listQuery(ctx: ServiceCtx, args: ListArgs) {
  const { phoneRegion } = await workspaceRegion(ctx);
  // Only the fields the viewer can see may be filtered and sorted by.
  const defs = await visibleDefinitions(ctx, 'CONTACT');
  const details = await cards.searchesDetails(ctx, 'CONTACT');
  const hidden = cards.hiddenSystemFields(ctx.viewer, 'CONTACT');
  const issues = new IssueList();
  const where = { AND: [cards.cardScope(ctx, 'CONTACT', !!args.inTrash), cards.cardFilter(args.filter ?? {}, { region: phoneRegion, defs, issues, own: companyFilter(ctx), details, hidden })] };
  const order = cards.orderBy('CONTACT', args.orderBy, { field: 'CREATED_AT', direction: 'DESC' }, defs, issues);
  issues.throwIfAny();
  return { where: where as Prisma.ContactWhereInput, order };
}

export async function listContacts(ctx: ServiceCtx, args: ListArgs, query: Query & cards.Page) {
  const { where, order } = await listQuery(ctx, args);
  return cards.pageCards<Prisma.ContactModel>(ctx, 'CONTACT', where, order, query);
}

export async function countContacts(ctx: ServiceCtx, args: ListArgs) {
  return ctx.db.contact.count({ where: (await listQuery(ctx, args)).where });
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
