// Imports: startImport (a file sent as a multipart upload), its progress, the imports listed,
// cancelImport; and exportCards (exports.service.ts).
import { filter, pipe } from 'graphql-yoga';
import { builder } from '../../builder.js';
import { liveViewer, startLive } from '../auth/live-viewer.js';
import type { ImportProgressMessage } from '../../lib/pubsub.js';
import { authed } from '../../context.js';
import { IdParser, parseId } from '../../lib/ids.js';
import { render, type Message } from '../../lib/i18n.js';
import { withId } from '../../lib/prisma-query.js';
import { ValidationError } from '../../lib/errors.js';
import { WRITE_ERRORS } from '../common/common.schema.js';
import { decodeCardFilter, EntityType, registerNode, NOWHERE } from '../cards/cards.schema.js';
import { ContactFilter, ID_FIELDS as CONTACT_IDS } from '../contacts/contacts.schema.js';
import { CompanyFilter, ID_FIELDS as COMPANY_IDS } from '../companies/companies.schema.js';
import { DealFilter, ID_FIELDS as DEAL_IDS } from '../deals/deals.schema.js';
import * as imports from './imports.service.js';
import { IMPORTS } from './imports.messages.js';
import { DuplicateMatch, type Match } from '../leads/leads.schema.js';
import { exportCards, type ExportFilter as ExportFilterOf } from './exports.service.js';

registerNode('Import');

const ImportStatus = builder.enumType('ImportStatus', {
  values: {
    PENDING: { description: 'Stored, not started yet.' },
    RUNNING: { description: 'Rows are being read and written.' },
    DONE: { description: 'Every row was read; the counts are final.' },
    FAILED: { description: 'The file could not be read (see error); rows written before stay.' },
    CANCELLED: { description: 'Stopped by cancelImport; rows written before stay.' },
  },
});

const DuplicatePolicy = builder.enumType('DuplicatePolicy', {
  values: {
    SKIP: { description: 'A row matching an existing card is skipped (and reported).' },
    UPDATE: { description: 'A row matching an existing card updates it (needs the EDIT right on it).' },
    CREATE: { description: 'Every row creates a card; nothing is matched.' },
  },
});

const ImportMatch = builder.enumType('ImportMatch', {
  description: 'How a row is matched to an existing card, tried in the order given.',
  values: ['ID', 'EMAIL', 'PHONE', 'NAME'] as const,
});

const ImportMappingInput = builder.inputType('ImportMappingInput', {
  fields: (t) => ({
    column: t.string({ required: true, description: 'A header of the file (case and spacing ignored).' }),
    field: t.string({
      required: true,
      description:
        'A system field (name, position, phones, emails, address, website, amount, currency, responsible, company, contacts, pipeline, stage, tags, id, firstName, lastName, middleName) or a custom field\u2019s name or API code; "" ignores the column.',
    }),
  }),
});

const ImportOptionsInput = builder.inputType('ImportOptionsInput', {
  fields: (t) => ({
    dryRun: t.boolean({ description: 'Check every row and report, write nothing.' }),
    policy: t.field({ type: DuplicatePolicy, description: 'What a row matching an existing card does; SKIP by default.' }),
    matchBy: t.field({ type: [ImportMatch], description: 'The keys matching rows to cards, in order; ID, EMAIL, PHONE, NAME by default.' }),
    mapping: t.field({ type: [ImportMappingInput], description: 'Columns whose field is given rather than matched by header.' }),
    batchSize: t.int({ description: 'Rows settled per progress step (1–5000, 1,000 by default).' }),
  }),
});

type IssueRow = { row: number; column: string; value: string; message: unknown; duplicates: unknown; kind: string };

const ImportIssueRef = builder.objectRef<IssueRow>('ImportIssue').implement({
  description: 'One problem of one row.',
  fields: (t) => ({
    row: t.exposeInt('row', { description: 'The row number in the file (the header is usually row 1).' }),
    column: t.exposeString('column', { description: 'The column header; empty for a problem of the whole row.' }),
    value: t.exposeString('value'),
    message: t.string({ resolve: (i, _a, ctx) => render(i.message as Message, ctx.locale) }),
    duplicates: t.field({
      type: [DuplicateMatch],
      description:
        'A dry run of contacts or companies: existing cards the row looks like (same phone, e-mail or a similar name, among those the import\u2019s author may see), best first, at most 5; on the row\u2019s whole-row issue. Empty otherwise.',
      resolve: (i) =>
        i.kind === 'CONTACT' || i.kind === 'COMPANY'
          ? ((i.duplicates ?? []) as Omit<Match, 'kind'>[]).map((m) => ({ ...m, kind: i.kind as Match['kind'] }))
          : [],
    }),
  }),
});

const ImportColumn = builder.objectRef<{ column: string; field: string | null }>('ImportColumn').implement({
  description: 'A column of the file and the field it fills.',
  fields: (t) => ({
    column: t.exposeString('column'),
    field: t.exposeString('field', { nullable: true, description: 'null: ignored (no field matched).' }),
  }),
});

builder.prismaNode('Import', {
  id: { field: 'id' },
  findUnique: (id, ctx) => (ctx.viewer ? { ...imports.visibleImports(authed(ctx)), id } : { id: NOWHERE }),
  nullable: true,
  fields: (t) => ({
    entityType: t.expose('entityType', { type: EntityType }),
    fileName: t.exposeString('fileName'),
    format: t.exposeString('format', { description: 'CSV or XLSX.' }),
    status: t.expose('status', { type: ImportStatus }),
    dryRun: t.exposeBoolean('dryRun'),
    policy: t.field({ type: DuplicatePolicy, resolve: (i) => (i.options as { policy: 'SKIP' | 'UPDATE' | 'CREATE' }).policy }),
    columns: t.field({
      type: [ImportColumn],
      description: 'How the header was matched; empty until the run has read it.',
      resolve: (i) => (i.mapping as { column: string; field: string | null }[] | null) ?? [],
    }),
    rowsRead: t.int({
      description: 'Rows with values read so far: created + updated + skipped + failed.',
      resolve: (i) => i.created + i.updated + i.skipped + i.failed,
    }),
    created: t.exposeInt('created', { description: 'Cards created (in a dry run: that would be).' }),
    updated: t.exposeInt('updated'),
    skipped: t.exposeInt('skipped'),
    failed: t.exposeInt('failed'),
    error: t.exposeString('error', { nullable: true }),
    issues: t.field({
      type: [ImportIssueRef],
      description: 'The row-by-row report, in row order.',
      args: { first: t.arg.int({ defaultValue: 100 }), offset: t.arg.int({ defaultValue: 0 }) },
      resolve: (i, a, ctx) => imports.reportIssues(authed(ctx), i, a.first ?? 100, a.offset ?? 0),
    }),
    report: t.relation('report', {
      nullable: true,
      description: 'The report as a CSV file (row, column, value, message) once the run has ended with something to report.',
    }),
    createdBy: t.relation('createdBy'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.mutationField('startImport', (t) =>
  t.prismaField({
    type: 'Import',
    authScopes: { writer: true },
    description:
      'Imports contacts, companies or deals from a CSV or XLSX file sent as a multipart upload. Answers at once; the rows are written in the background (see importProgress).',
    errors: { types: WRITE_ERRORS, dataField: { name: 'import' } },
    args: {
      file: t.arg({ type: 'Upload', required: true }),
      entityType: t.arg({ type: EntityType, required: true }),
      options: t.arg({ type: ImportOptionsInput }),
    },
    resolve: async (query, _r, a, ctx) => {
      const row = await imports.startImport(authed(ctx), a.file as File, a.entityType, (a.options ?? {}) as Partial<imports.ImportOptions>);
      return ctx.db.import.findUniqueOrThrow({ ...withId(query), where: { id: row.id } });
    },
  }),
);

builder.mutationField('cancelImport', (t) =>
  t.prismaField({
    type: 'Import',
    authScopes: { writer: true },
    description: 'Stops an import at its next batch; rows already written stay.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'import' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _r, a, ctx) => {
      const row = await imports.cancelImport(authed(ctx), parseId('Import', a.id));
      return ctx.db.import.findUniqueOrThrow({ ...withId(query), where: { id: row.id } });
    },
  }),
);

builder.queryField('importProgress', (t) =>
  t.prismaField({
    type: 'Import',
    nullable: true,
    authScopes: { member: true },
    description: 'An import as it stands: status, counts and report so far.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _r, a, ctx) => ctx.db.import.findFirst({ ...query, where: { id: parseId('Import', a.id), ...imports.visibleImports(authed(ctx)) } }),
  }),
);

builder.subscriptionField('importProgress', (t) =>
  t.prismaField({
    type: 'Import',
    authScopes: { member: true },
    description:
      'The import each time it moves on (a batch of rows settled) and when it ends: status and counts as committed. Its author and administrators may follow it; the last event carries the final status (DONE, FAILED or CANCELLED).',
    args: { importId: t.arg.id({ required: true }) },
    subscribe: async (_r, a, ctx) => {
      const id = parseId('Import', a.importId);
      const viewer = authed(ctx);
      // NotFoundError for an import the viewer may not see, before anything is sent.
      await imports.findImport(viewer, id);
      startLive(ctx);
      return pipe(
        ctx.deps.pubsub.subscribe('importProgress', id),
        filter(async (m: ImportProgressMessage) => m.workspaceId === viewer.viewer.workspaceId && !!(await liveViewer(ctx))),
      );
    },
    resolve: (query, _m, a, ctx) =>
      ctx.db.import.findFirstOrThrow({ ...query, where: { id: parseId('Import', a.importId), ...imports.visibleImports(authed(ctx)) } }),
  }),
);

builder.queryField('imports', (t) =>
  t.prismaField({
    type: ['Import'],
    authScopes: { member: true },
    description: 'Past and running imports, newest first.',
    args: { first: t.arg.int({ defaultValue: 50 }) },
    resolve: (query, _r, a, ctx) =>
      ctx.db.import.findMany({
        ...query,
        where: imports.visibleImports(authed(ctx)),
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: Math.min(Math.max(a.first ?? 50, 1), 500),
      }),
  }),
);

const ExportFormat = builder.enumType('ExportFormat', { values: ['CSV', 'XLSX'] as const });

/** The filter member of each card type: its list's own filter input and the id keys it decodes. */
const EXPORT_FILTERS = {
  CONTACT: { key: 'contact', ids: CONTACT_IDS },
  COMPANY: { key: 'company', ids: COMPANY_IDS },
  DEAL: { key: 'deal', ids: DEAL_IDS },
} as const;

type ExportFilterIn = { contact?: object | null; company?: object | null; deal?: object | null };

const ExportFilter = builder.inputRef<ExportFilterIn>('ExportFilter').implement({
  isOneOf: true,
  description:
    'Which cards to export: the filter of the exported type exactly as its list (`contacts`, `companies`, `deals`) takes it, custom-field conditions and and / or included; the member matching `entityType`.',
  fields: (t) => ({
    contact: t.field({ type: ContactFilter }),
    company: t.field({ type: CompanyFilter }),
    deal: t.field({ type: DealFilter }),
  }),
});

builder.mutationField('exportCards', (t) =>
  t.prismaField({
    type: 'Attachment',
    authScopes: { member: true },
    description:
      'Writes the contacts, companies or deals the filter selects into a CSV or XLSX file, headed by field names so it imports back; answers the file (download it at its url). Recorded in the audit log.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'file' } },
    args: {
      entityType: t.arg({ type: EntityType, required: true }),
      format: t.arg({ type: ExportFormat, required: true }),
      filter: t.arg({ type: ExportFilter }),
    },
    resolve: async (query, _r, a, ctx) => {
      const { key, ids: idFields } = EXPORT_FILTERS[a.entityType];
      const other = Object.entries(a.filter ?? {}).find(([k, x]) => k !== key && x !== null && x !== undefined);
      if (other) throw new ValidationError([{ field: `filter.${other[0]}`, message: IMPORTS.filterOfOtherType({ key }) }]);
      const ids = new IdParser();
      const filter = decodeCardFilter(ids, (a.filter?.[key] ?? null) as ExportFilterOf | null, idFields, `filter.${key}`);
      ids.done();
      const row = await exportCards(authed(ctx), a.entityType, a.format, filter ?? null);
      return ctx.db.attachment.findUniqueOrThrow({ ...withId(query), where: { id: row.id } });
    },
  }),
);
