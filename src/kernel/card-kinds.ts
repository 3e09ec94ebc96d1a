// The kinds of card the CRM keeps, each described by data: its table, its GraphQL type, its
// rights entity, its system fields (with their types, which of them search reads, which the
// timeline records, which field access can restrict) and its sort keys. One vocabulary
// everywhere: the public `EntityType` enum, the `entityType` columns of field definitions,
// timeline entries and files, and the rights entities all spell a kind the same way.
//
// The write path (records.ts), the lists (lists.ts), the timeline and the access module read
// these descriptors instead of asking `kind === 'deal' ? …`. A kind of the administrators' own
// (a later issue) is one more descriptor of this shape, not one more module.
export const CARD_KINDS = ['CONTACT', 'COMPANY', 'DEAL'] as const;
export type CardKind = (typeof CARD_KINDS)[number];

/** How a system field's value is read from a write and checked (see records.ts). */
export type SystemFieldType = 'NAME' | 'TEXT' | 'URL' | 'PHONES' | 'EMAILS' | 'AMOUNT' | 'CURRENCY';

export type SystemField = {
  name: string;
  type: SystemFieldType;
  /** Longest text accepted (NAME, TEXT). */
  max?: number;
  /** Field changes of it are written to the timeline (old → new). */
  tracked?: boolean;
};

/** A sort key of a card list: a column, with empties last, or a relation's column. */
export type SortKey = { column: string; nullsLast?: boolean } | { relation: string; column: string };

export type CardDescriptor = {
  kind: CardKind;
  /** The Prisma model (delegate) holding the cards. */
  table: 'contact' | 'company' | 'deal';
  /** The GraphQL object type, also the name in NotFoundError and ConflictError. */
  typeName: 'Contact' | 'Company' | 'Deal';
  label: { one: string; many: string };
  /** System fields a client writes, in the order the timeline reports their changes. */
  fields: SystemField[];
  /** Fields whose access a role can restrict, and the input keys each one covers. */
  access: Record<string, readonly string[]>;
  /** The columns the card search reads: its names (always), phones and e-mails (unless hidden). */
  search: { names: string[]; phones?: string; emails?: string };
  /** Tags: the join model and its card column. */
  tags: { model: 'contactTag' | 'companyTag' | 'dealTag'; column: 'contactId' | 'companyId' | 'dealId' };
  /** The card's column in tasks and other rows that belong to one card. */
  ownerColumn: 'contactId' | 'companyId' | 'dealId';
  /** Links a write may set to a card of another kind, checked as visible and live. */
  companyLink: boolean;
  /** Cards of the kind can be merged (`mergedIntoId` names the kept card on a merged one). */
  mergeable: boolean;
  /** Sort keys of the list, by the public enum value. */
  sort: Record<string, SortKey>;
};

const COMMON_SORT: Record<string, SortKey> = {
  NAME: { column: 'name' },
  CREATED_AT: { column: 'createdAt' },
  UPDATED_AT: { column: 'updatedAt' },
  LAST_ACTIVITY_AT: { column: 'lastActivityAt' },
};

export const DESCRIPTORS: Record<CardKind, CardDescriptor> = {
  CONTACT: {
    kind: 'CONTACT',
    table: 'contact',
    typeName: 'Contact',
    label: { one: 'contact', many: 'contacts' },
    fields: [
      { name: 'name', type: 'NAME', max: 255, tracked: true },
      { name: 'position', type: 'TEXT', max: 255, tracked: true },
      { name: 'phones', type: 'PHONES', tracked: true },
      { name: 'emails', type: 'EMAILS', tracked: true },
    ],
    access: { responsible: ['responsibleId'], phones: ['phones'], emails: ['emails'] },
    search: { names: ['name'], phones: 'phones', emails: 'emails' },
    tags: { model: 'contactTag', column: 'contactId' },
    ownerColumn: 'contactId',
    companyLink: true,
    mergeable: true,
    sort: COMMON_SORT,
  },
  COMPANY: {
    kind: 'COMPANY',
    table: 'company',
    typeName: 'Company',
    label: { one: 'company', many: 'companies' },
    fields: [
      { name: 'name', type: 'NAME', max: 255, tracked: true },
      { name: 'address', type: 'TEXT', max: 1000, tracked: true },
      { name: 'website', type: 'URL', tracked: true },
      { name: 'phones', type: 'PHONES', tracked: true },
      { name: 'emails', type: 'EMAILS', tracked: true },
    ],
    access: { responsible: ['responsibleId'], phones: ['phones'], emails: ['emails'] },
    search: { names: ['name'], phones: 'phones', emails: 'emails' },
    tags: { model: 'companyTag', column: 'companyId' },
    ownerColumn: 'companyId',
    companyLink: false,
    mergeable: true,
    sort: COMMON_SORT,
  },
  DEAL: {
    kind: 'DEAL',
    table: 'deal',
    typeName: 'Deal',
    label: { one: 'deal', many: 'deals' },
    fields: [
      { name: 'name', type: 'NAME', max: 255, tracked: true },
      { name: 'amount', type: 'AMOUNT', tracked: true },
      { name: 'currency', type: 'CURRENCY', tracked: true },
    ],
    // A deal's currency goes with its amount.
    access: { amount: ['amount', 'currency'], responsible: ['responsibleId'] },
    search: { names: ['name'] },
    tags: { model: 'dealTag', column: 'dealId' },
    ownerColumn: 'dealId',
    companyLink: true,
    mergeable: false,
    sort: {
      ...COMMON_SORT,
      AMOUNT: { column: 'amount' },
      CLOSED_AT: { column: 'closedAt', nullsLast: true },
      STAGE: { relation: 'stage', column: 'sortOrder' },
    },
  },
};

export const descriptor = (kind: CardKind): CardDescriptor => DESCRIPTORS[kind];

/** The kind whose GraphQL type has this name (global ids name the type). */
export function kindOfType(typeName: string): CardKind | undefined {
  return CARD_KINDS.find((k) => DESCRIPTORS[k].typeName === typeName);
}
