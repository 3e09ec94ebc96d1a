// Duplicate detection for contacts and companies: cards that share a phone number (compared in
// E.164, as the write path stores them in the workspace's region), an e-mail address (stored
// lower-cased) or a similar name (pg_trgm trigram similarity of at least 0.5, found through a GIN
// index: case, spacing, word order and a changed ending aside, so "Иван Петров" finds "Петров
// Иван" and "Иван Петрова"). Only cards the viewer may see are ever answered, so a match tells
// nothing about cards outside their VIEW scope.
import { Prisma } from '../generated/prisma/client.js';
import type { ServiceCtx } from '../context.js';
import { normalizePhone } from '../lib/validate.js';
import type { CardKind } from './card-kinds.js';
import { cardTable } from './tables.js';
import { visible } from './access/visibility.js';
import * as rights from './access/rights.js';
import { workspaceRegion } from './workspace.js';

export type DuplicateReason = 'PHONE' | 'EMAIL' | 'NAME';
export type DuplicateMatch = { id: string; reasons: DuplicateReason[]; score: number };
export type Probe = { name?: string | null; phones?: string[]; emails?: string[] };

/** How much each kind of evidence counts (a name by its similarity); the score is their sum, at most 1. */
const WEIGHT: Record<DuplicateReason, number> = { PHONE: 0.6, EMAIL: 0.6, NAME: 0.3 };
const MAX = 20;
/** The least trigram similarity that counts as a similar name. */
export const NAME_SIMILARITY = 0.5;

/** A name as compared: trimmed, inner spaces collapsed, lower-cased, ё read as е. */
export function normalName(s: string | null | undefined) {
  return (s ?? '').trim().replace(/\s+/g, ' ').toLowerCase().replace(/ё/g, 'е');
}

/** Phones in E.164 (numbers without a country code read in the workspace's region), invalid ones left out. */
export async function normalPhones(ctx: ServiceCtx, raw: string[]) {
  const { phoneRegion } = await workspaceRegion(ctx);
  return [...new Set(raw.map((p) => normalizePhone(p, phoneRegion)).filter((p): p is string => !!p))];
}

/** Name-search thresholds tried in turn: the first that yields enough close names spares sifting the loose ones. */
const TIERS = [0.8, NAME_SIMILARITY];
/** A name-only match at least this much above a tier's threshold outranks (rounded score included) every match below it. */
const MARGIN = 0.04;

type Found = { id: string; name: string; phones: string[]; emails: string[]; createdAt: Date; sim: number };

/**
 * The live cards of `kind` the viewer may see that look like the probe, best first (at most 20),
 * leaving out `exceptIds`.
 *
 * Each kind of evidence is its own index-driven lookup: phones and e-mails through their GIN
 * indexes (`&&`), the name through the trigram GIN index, in a transaction that raises
 * `pg_trgm.similarity_threshold` for itself (`set_config(..., true)`) so the index itself sifts the
 * candidates (at pg_trgm's default 0.3 it hands over thousands of rows to check one by one). The name is first searched with a high threshold (0.8): when that
 * already gives 20 visible name-only matches clearly above it, no looser name can rank among the
 * best 20; otherwise it is searched again at NAME_SIMILARITY. Visibility is applied to the few
 * candidates found (no query at all for a role that sees every card of the kind).
 */
export async function findDuplicates(ctx: ServiceCtx, kind: 'CONTACT' | 'COMPANY', probe: Probe, exceptIds: string[] = []): Promise<DuplicateMatch[]> {
  const phones = await normalPhones(ctx, probe.phones ?? []);
  const emails = [...new Set((probe.emails ?? []).map((e) => e.trim().toLowerCase()).filter(Boolean))];
  const name = normalName(probe.name);
  if (!phones.length && !emails.length && !name) return [];
  const table = Prisma.raw(`"${kind === 'CONTACT' ? 'Contact' : 'Company'}"`);
  const sim = name ? Prisma.sql`similarity("name", ${name})::float8` : Prisma.sql`0::float8`;
  const cols = Prisma.sql`"id"::text as "id", "name", "phones", "emails", "createdAt", ${sim} as "sim"`;
  const live = Prisma.sql`"workspaceId" = ${ctx.viewer.workspaceId}::uuid and "deletedAt" is null${
    exceptIds.length ? Prisma.sql` and "id" <> all(${exceptIds}::uuid[])` : Prisma.empty
  }`;
  const seesAll = rights.scopeOf(ctx.viewer, kind, 'VIEW') === 'ALL';
  const found = new Map<string, Found>();
  const seen = async (db: typeof ctx.db, rows: Found[]) => {
    if (seesAll || !rows.length) return rows;
    const ok = await cardTable(db, kind as CardKind).findMany({ where: { id: { in: rows.map((r) => r.id) }, ...visible(ctx, kind) }, select: { id: true } });
    const ids = new Set(ok.map((r) => r.id));
    return rows.filter((r) => ids.has(r.id));
  };
  const exact = [
    ...(phones.length ? [Prisma.sql`select ${cols} from ${table} where ${live} and "phones" && ${phones}::text[]`] : []),
    ...(emails.length ? [Prisma.sql`select ${cols} from ${table} where ${live} and "emails" && ${emails}::text[]`] : []),
  ];
  if (exact.length) {
    for (const r of await seen(ctx.db, await ctx.db.$queryRaw<Found[]>`${Prisma.join(exact, ' union ')} limit 200`)) found.set(r.id, r);
  }
  // The threshold is set for the transaction only (a pooled connection keeps no trace of it).
  if (name) {
    await ctx.db.$transaction(async (tx) => {
      for (const tier of TIERS) {
        await tx.$queryRaw`select set_config('pg_trgm.similarity_threshold', ${String(tier)}, true)`;
        const rows = await seen(
          tx as typeof ctx.db,
          await tx.$queryRaw<Found[]>`select ${cols} from ${table} where ${live} and "name" % ${name} order by "sim" desc limit 200`,
        );
        for (const r of rows) found.set(r.id, r);
        const close = rows.filter((r) => !r.phones.some((p) => phones.includes(p)) && !r.emails.some((e) => emails.includes(e)) && r.sim >= tier + MARGIN);
        if (close.length >= MAX) return;
      }
    });
  }
  const matches = [...found.values()]
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
    .map((r): DuplicateMatch => {
      const reasons: DuplicateReason[] = [];
      if (r.phones.some((p) => phones.includes(p))) reasons.push('PHONE');
      if (r.emails.some((e) => emails.includes(e))) reasons.push('EMAIL');
      const s = name && normalName(r.name) === name ? 1 : r.sim >= NAME_SIMILARITY ? r.sim : 0;
      if (s) reasons.push('NAME');
      const score = Math.min(
        1,
        reasons.reduce((t, x) => t + WEIGHT[x] * (x === 'NAME' ? s : 1), 0),
      );
      return { id: r.id, reasons, score: Math.round(score * 100) / 100 };
    });
  return matches
    .filter((m) => m.reasons.length)
    .sort((a, b) => b.score - a.score)
    .slice(0, MAX);
}
