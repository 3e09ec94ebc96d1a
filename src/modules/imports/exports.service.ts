// Exports of contacts, companies and deals as CSV or XLSX: only with the EXPORT right, only the
// cards within both its scope and the VIEW scope, only the fields the role may see. The headers
// are the labels the import matches (columns.ts), so an export imports back as it was. Cards are
// read a page at a time and written through csv-stringify or exceljs's streaming writer into
// storage; the file is an attachment its author may download, and the export is in the audit log.
import { randomUUID } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { ServiceCtx } from '../../context.js';
import { encodeGlobalId } from '../../lib/ids.js';
import { descriptor, type CardKind } from '../../kernel/card-kinds.js';
import * as rights from '../../kernel/access/rights.js';
import { canRead } from '../../kernel/access/field-access.js';
import { viewable } from '../../kernel/access/visibility.js';
import { listQuery, type CommonFilter } from '../../kernel/lists.js';
import { visibleDefinitions } from '../../kernel/fields/definitions.js';
import type { FieldDef } from '../../kernel/fields/values.js';
import { cardTable } from '../../kernel/tables.js';
import { audit } from '../audit/audit.service.js';
import { LABELS } from './columns.js';
import { loadExcelJS } from '../../lib/exceljs.js';

export type ExportFormat = 'CSV' | 'XLSX';
/**
 * The kind's list filter (ContactFilter, CompanyFilter, DealFilter, ids decoded): the shared keys,
 * custom-field conditions, and / or, and the kind's own keys, which its registered list hooks read.
 */
export interface ExportFilter extends CommonFilter<ExportFilter> {
  [ownKey: string]: unknown;
}

export type ExportOptions = {
  /** Hears the rows written so far and the cards selected (counted first, only when this is given). */
  onProgress?: (rows: number, total: number) => void;
};

const PAGE = 1000;

type Row = Record<string, unknown> & {
  id: string;
  responsible?: { email: string } | null;
  companyId?: string | null;
  tags: { tag: { name: string } }[];
  stage?: { name: string };
  pipeline?: { name: string };
  contacts?: { contact: { name: string } }[];
  customFields: unknown;
};

type Out = { header: string; value: (r: Row, companies: Map<string, string>) => string | number | null };

function customCell(def: FieldDef, x: unknown, locale: 'ru' | 'en'): string | number | null {
  if (x === undefined || x === null) return null;
  switch (def.type) {
    case 'MONEY': {
      const m = x as { a: string; c: string };
      return `${m.a} ${m.c}`;
    }
    case 'BOOLEAN':
      return x ? (locale === 'ru' ? 'да' : 'yes') : locale === 'ru' ? 'нет' : 'no';
    case 'SELECT':
      return def.options.find((o) => o.id === x)?.label ?? null;
    case 'MULTISELECT':
      return def.options
        .filter((o) => (x as string[]).includes(o.id))
        .map((o) => o.label)
        .join('; ');
    default:
      return String(x);
  }
}

/** The columns the viewer may see, in import order: id, system fields, links, tags, custom fields. */
async function columnsFor(ctx: ServiceCtx, kind: CardKind): Promise<Out[]> {
  const { viewer } = ctx;
  const locale = viewer.locale;
  const label = (k: string) => LABELS[k][locale];
  const out: Out[] = [{ header: label('id'), value: (r) => encodeGlobalId(descriptor(kind).typeName, r.id) }];
  const d = descriptor(kind);
  for (const f of d.fields) {
    const guard = f.type === 'PHONES' ? 'phones' : f.type === 'EMAILS' ? 'emails' : f.type === 'AMOUNT' || f.type === 'CURRENCY' ? 'amount' : null;
    if (guard && guard in d.access && !canRead(viewer, kind, guard)) continue;
    out.push({
      header: label(f.name),
      value: (r) => {
        const x = r[f.name];
        if (x === null || x === undefined) return null;
        if (Array.isArray(x)) return x.join(', ');
        if (typeof x === 'object' && 'toFixed' in x) return (x as { toFixed(n: number): string }).toFixed(2);
        return String(x);
      },
    });
  }
  if (canRead(viewer, kind, 'responsible')) out.push({ header: label('responsible'), value: (r) => r.responsible?.email ?? null });
  if (d.companyLink) out.push({ header: label('company'), value: (r, companies) => (r.companyId ? (companies.get(r.companyId) ?? null) : null) });
  if (kind === 'DEAL') {
    out.push({ header: label('pipeline'), value: (r) => r.pipeline?.name ?? null });
    out.push({ header: label('stage'), value: (r) => r.stage?.name ?? null });
    out.push({ header: label('contacts'), value: (r) => (r.contacts ?? []).map((c) => c.contact.name).join('; ') || null });
  }
  out.push({ header: label('tags'), value: (r) => r.tags.map((t) => t.tag.name).join(', ') || null });
  // Formulas are computed and files are not carried by a spreadsheet: neither would import back.
  for (const def of await visibleDefinitions(ctx, kind)) {
    if (def.archived || def.type === 'FORMULA' || def.type === 'FILE') continue;
    out.push({ header: def.name, value: (r) => customCell(def, (r.customFields as Record<string, unknown>)[def.key], locale) });
  }
  return out;
}

/**
 * The cards' rows, a page at a time, in id order (keyset: each page starts after the last id,
 * which the primary key serves). Only the columns the export writes are read: Prisma's client
 * spends its time per value, and a card has some 80 custom-field slot columns.
 */
async function* rowsOf(ctx: ServiceCtx, kind: CardKind, where: object, columns: Out[]): AsyncGenerator<(string | number | null)[]> {
  const d = descriptor(kind);
  const select = {
    id: true,
    customFields: true,
    ...Object.fromEntries(d.fields.map((f) => [f.name, true])),
    ...(d.companyLink ? { companyId: true } : {}),
    responsible: { select: { email: true } },
    tags: { select: { tag: { select: { name: true } } } },
    ...(kind === 'DEAL'
      ? {
          stage: { select: { name: true } },
          pipeline: { select: { name: true } },
          contacts: {
            where: { contact: { deletedAt: null, AND: [viewable(ctx.viewer, 'CONTACT')] } },
            orderBy: { position: 'asc' },
            select: { contact: { select: { name: true } } },
          },
        }
      : {}),
  };
  let after: string | undefined;
  for (;;) {
    const page = (await cardTable(ctx.db, kind).findMany({
      where: after ? { AND: [where, { id: { gt: after } }] } : where,
      select,
      orderBy: { id: 'asc' },
      take: PAGE,
    } as Parameters<ReturnType<typeof cardTable>['findMany']>[0])) as unknown as Row[];
    // A linked company is named only when the viewer may see it.
    const ids = [...new Set(page.map((r) => r.companyId).filter((x): x is string => !!x))];
    const companies = new Map(
      ids.length
        ? (
            await ctx.db.company.findMany({
              where: { id: { in: ids }, deletedAt: null, AND: [viewable(ctx.viewer, 'COMPANY')] },
              select: { id: true, name: true },
            })
          ).map((c) => [c.id, c.name])
        : [],
    );
    for (const r of page) yield columns.map((c) => c.value(r, companies));
    if (page.length < PAGE) return;
    after = page[page.length - 1].id;
  }
}

async function* counted<T>(rows: AsyncIterable<T>, n: { rows: number }, onRow?: (rows: number) => void) {
  for await (const r of rows) {
    n.rows++;
    onRow?.(n.rows);
    yield r;
  }
}

/** A streaming XLSX of a header and rows. */
function xlsx(header: string[], rows: AsyncIterable<(string | number | null)[]>, sheetName: string): Readable {
  const out = new PassThrough();
  void (async () => {
    const ExcelJS = await loadExcelJS();
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
    const sheet = wb.addWorksheet(sheetName);
    sheet.addRow(header).commit();
    for await (const r of rows) sheet.addRow(r).commit();
    sheet.commit();
    await wb.commit();
  })().catch((err: unknown) => out.destroy(err as Error));
  return out;
}

/**
 * Writes the cards the filter selects into a file and answers its attachment (download it at its
 * url). EXPORT right needed (ForbiddenError); cards outside its scope are left out.
 */
export async function exportCards(ctx: ServiceCtx, kind: CardKind, format: ExportFormat, filter?: ExportFilter | null, opts: ExportOptions = {}) {
  const scope = rights.scopeOf(ctx.viewer, kind, 'EXPORT');
  if (scope === 'NONE') throw rights.forbidden(kind, 'EXPORT', scope);
  const { where } = await listQuery(ctx, kind, { filter });
  const all = { AND: [where, rights.allowed(ctx.viewer, kind, 'EXPORT')] };
  const columns = await columnsFor(ctx, kind);
  const header = columns.map((c) => c.header);
  const n = { rows: 0 };
  const total = opts.onProgress ? await cardTable(ctx.db, kind).count({ where: all }) : 0;
  const rows = counted(rowsOf(ctx, kind, all, columns), n, opts.onProgress && ((done) => opts.onProgress!(done, total)));
  const d = descriptor(kind);
  const id = randomUUID();
  const storageKey = `${ctx.viewer.workspaceId}/${id}`;
  const stream =
    format === 'XLSX'
      ? xlsx(header, rows, d.label.many)
      : Readable.from(
          (async function* () {
            yield header;
            yield* rows;
          })(),
        ).pipe(stringify({ bom: true }));
  const size = await ctx.deps.storage.putStream(storageKey, stream);
  const stamp = new Date().toISOString().slice(0, 10);
  return ctx.db.$transaction(async (tx) => {
    const a = await tx.attachment.create({
      data: {
        id,
        workspaceId: ctx.viewer.workspaceId,
        name: `${d.label.many}-${stamp}.${format.toLowerCase()}`,
        contentType: format === 'XLSX' ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv',
        size,
        storageKey,
        uploadedById: ctx.viewer.userId,
      },
    });
    await audit(tx, ctx.viewer, 'CARDS_EXPORTED', { type: 'Attachment', id }, null, {
      entityType: kind,
      format,
      rows: n.rows,
      columns: header,
      filter: filter ? JSON.parse(JSON.stringify(filter)) : null,
    });
    return a;
  });
}
