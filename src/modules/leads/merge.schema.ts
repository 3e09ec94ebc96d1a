// Merging duplicates: `mergePreview` (per field, each card's value and the one the kept card will
// take) and `merge`; `mergedInto` on contacts and companies a merge put in the trash; MERGED
// timeline entries' details. The work is merge.service.ts's.
import { builder } from '../../builder.js';
import { authed } from '../../context.js';
import { encodeGlobalId, IdParser } from '../../lib/ids.js';
import { canSee } from '../../kernel/access/visibility.js';
import { toGraphql, type Stored } from '../../kernel/fields/values.js';
import type { CardRow } from '../../kernel/tables.js';
import { WRITE_ERRORS } from '../common/common.schema.js';
import { Contact } from '../contacts/contacts.schema.js';
import { Company } from '../companies/companies.schema.js';
import { CustomField, CustomFieldValue } from '../custom-fields/custom-fields.schema.js';
import { DuplicateEntity } from './leads.schema.js';
import * as merging from './merge.service.js';

const TYPE = { CONTACT: 'Contact', COMPANY: 'Company' } as const;

const MergeField = builder.enumType('MergeField', {
  description: 'A system field of a contact or company in a merge.',
  values: {
    NAME: {},
    POSITION: { description: 'Contacts.' },
    COMPANY: { description: 'Contacts.' },
    ADDRESS: { description: 'Companies.' },
    WEBSITE: { description: 'Companies.' },
    RESPONSIBLE: {},
    PHONES: { description: 'Joined: every card’s numbers; no choice.' },
    EMAILS: { description: 'Joined: every card’s addresses; no choice.' },
  } as const,
});

const MergeChoiceInput = builder.inputType('MergeChoiceInput', {
  description: 'The kept card takes the value of `field` or `customFieldId` (one of them) from card `cardId`.',
  fields: (t) => ({
    field: t.field({ type: MergeField }),
    customFieldId: t.id(),
    cardId: t.id({ required: true, description: 'The kept card or one of the merged ones.' }),
  }),
});

const MergeInput = builder.inputType('MergeInput', {
  fields: (t) => ({
    entityType: t.field({ type: DuplicateEntity, required: true }),
    keepId: t.id({ required: true }),
    version: t.int({ required: true, description: 'The kept card’s version as read; a stale one gets ConflictError.' }),
    mergeIds: t.idList({ required: true, description: `The cards merged into the kept one: 1 to ${merging.MAX_MERGED}, none twice, not the kept one.` }),
    choices: t.field({ type: [MergeChoiceInput], description: 'Fields not named take the kept card’s value, or when it is empty the first merged card’s.' }),
  }),
});

type Kind = merging.MergeKind;
type Candidate = merging.Candidate & { kind: Kind; def: merging.PreviewField['def'] };
type Field = merging.PreviewField & { kind: Kind };

const MergeCandidate = builder.objectRef<Candidate>('MergeCandidate').implement({
  description: 'One card’s value of a field.',
  fields: (t) => ({
    cardId: t.id({ resolve: (c) => encodeGlobalId(TYPE[c.kind], c.cardId) }),
    value: t.string({
      nullable: true,
      description: 'As shown: a user’s or company’s name, option labels, money with its currency; null when empty.',
      resolve: (c) => c.value,
    }),
    customValue: t.field({
      type: CustomFieldValue,
      nullable: true,
      description: 'A custom field’s value as cards show it; null when empty or for a system field.',
      resolve: (c) => (c.def && c.stored !== undefined ? toGraphql(c.def, c.stored) : null),
    }),
  }),
});

const MergePreviewField = builder.objectRef<Field>('MergePreviewField').implement({
  description: 'A field of the merged cards: a system field (`field`) or a custom field (`customField`).',
  fields: (t) => ({
    field: t.field({ type: MergeField, nullable: true, resolve: (f) => f.field }),
    customField: t.field({ type: CustomField, nullable: true, resolve: (f) => f.def as never }),
    joined: t.boolean({ description: 'The values of every card are joined (phones, e-mails, multiple choice): nothing to choose.', resolve: (f) => f.joined }),
    editable: t.boolean({
      description: 'False when the role may only read it: the kept card’s value stays, and a choice is refused.',
      resolve: (f) => f.editable,
    }),
    candidates: t.field({
      type: [MergeCandidate],
      description: 'The kept card first, then the merged ones in the order given.',
      resolve: (f) => f.candidates.map((c) => ({ ...c, kind: f.kind, def: f.def })),
    }),
    chosenCardId: t.id({
      nullable: true,
      description: 'The card whose value the kept card will take; null for joined fields and formulas.',
      resolve: (f) => (f.chosenCardId ? encodeGlobalId(TYPE[f.kind], f.chosenCardId) : null),
    }),
    result: t.string({ nullable: true, description: 'The value the kept card will hold, as shown.', resolve: (f) => f.result }),
    resultValue: t.field({
      type: CustomFieldValue,
      nullable: true,
      description: 'For a custom field, the value the kept card will hold (a formula: as it stands now).',
      resolve: (f) => (f.def && f.stored !== undefined ? toGraphql(f.def, f.stored as Stored) : null),
    }),
  }),
});

const MergePreview = builder.objectRef<merging.Preview>('MergePreview').implement({
  description: 'What a merge would do: per field the viewer may see, each card’s value and the one kept.',
  fields: (t) => ({
    entityType: t.field({ type: DuplicateEntity, resolve: (p) => p.kind }),
    keepId: t.id({ resolve: (p) => encodeGlobalId(TYPE[p.kind], p.keepId) }),
    cardIds: t.idList({ description: 'The kept card, then the merged ones.', resolve: (p) => p.cardIds.map((id) => encodeGlobalId(TYPE[p.kind], id)) }),
    fields: t.field({
      type: [MergePreviewField],
      description: 'System fields, then custom fields holding a value on any card, in their order; fields hidden from the viewer are left out.',
      resolve: (p) => p.fields.map((f) => ({ ...f, kind: p.kind })),
    }),
  }),
});

type Merged = { kind: Kind; row: CardRow };
const KeptCard = builder.objectRef<Merged>('KeptCard').implement({
  description: 'The card a merge kept: a contact or a company, by the kind merged.',
  fields: (t) => ({
    contact: t.field({
      type: Contact,
      nullable: true,
      description: 'The kept contact (a merge of contacts).',
      resolve: (m, _a, ctx) => (m.kind === 'CONTACT' ? ctx.db.contact.findUnique({ where: { id: m.row.id } }) : null),
    }),
    company: t.field({
      type: Company,
      nullable: true,
      description: 'The kept company (a merge of companies).',
      resolve: (m, _a, ctx) => (m.kind === 'COMPANY' ? ctx.db.company.findUnique({ where: { id: m.row.id } }) : null),
    }),
  }),
});

type ChoiceArg = { field?: merging.SystemField | null; customFieldId?: string | null; cardId: string };
/** The ids of a merge's arguments decoded; malformed ones are ValidationErrors naming them. */
function decode(kind: Kind, keepId: string, mergeIds: readonly string[], choices: readonly ChoiceArg[] | null | undefined) {
  const ids = new IdParser();
  const keep = ids.one('keepId', TYPE[kind], keepId);
  const merged = ids.many('mergeIds', TYPE[kind], mergeIds) ?? [];
  const chosen = (choices ?? []).map((c, i) => ({
    field: c.field ?? null,
    customFieldId: ids.one(`choices[${i}].customFieldId`, 'CustomField', c.customFieldId),
    cardId: ids.one(`choices[${i}].cardId`, TYPE[kind], c.cardId),
  }));
  ids.done();
  return { keep, merged, chosen };
}

builder.queryField('mergePreview', (t) =>
  t.field({
    type: MergePreview,
    authScopes: { member: true },
    description: 'What `merge` would do with these cards and choices: per field, each card’s value and the one the kept card would take. Changes nothing.',
    args: {
      entityType: t.arg({ type: DuplicateEntity, required: true }),
      keepId: t.arg.id({ required: true }),
      mergeIds: t.arg.idList({ required: true }),
      choices: t.arg({ type: [MergeChoiceInput] }),
    },
    resolve: async (_r, a, ctx) => {
      const { keep, merged, chosen } = decode(a.entityType, a.keepId, a.mergeIds, a.choices);
      return merging.mergePreview(authed(ctx), a.entityType, keep, merged, chosen);
    },
  }),
);

builder.mutationField('merge', (t) =>
  t.field({
    type: KeptCard,
    authScopes: { writer: true },
    description:
      'Merges contacts or companies into one kept card, in one transaction: it takes the chosen values and every timeline entry, task, file, deal, contact and lead of the others, which go to the trash pointing at it (`mergedInto`).',
    errors: { types: WRITE_ERRORS, dataField: { name: 'kept' } },
    args: { input: t.arg({ type: MergeInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const kind = input.entityType;
      const { keep, merged, chosen } = decode(kind, input.keepId, input.mergeIds, input.choices);
      return { kind, row: await merging.merge(authed(ctx), kind, keep, input.version, merged, chosen) };
    },
  }),
);

for (const kind of ['CONTACT', 'COMPANY'] as const) {
  builder.prismaObjectField(TYPE[kind], 'mergedInto', (t) =>
    t.field({
      type: kind === 'CONTACT' ? Contact : Company,
      nullable: true,
      description: 'Set on a card a merge put in the trash: the card it was merged into (if the viewer may see it). Restoring the card clears it.',
      select: { mergedIntoId: true },
      resolve: async (c, _a, ctx) => {
        const id = c.mergedIntoId;
        if (!id || !(await canSee(authed(ctx), kind, id))) return null;
        return (kind === 'CONTACT' ? ctx.db.contact.findUnique({ where: { id } }) : ctx.db.company.findUnique({ where: { id } })) as never;
      },
    }),
  );
}
