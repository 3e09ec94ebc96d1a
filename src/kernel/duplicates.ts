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

/**
 * The live cards of `kind` the viewer may see that look like the probe, best first (at most 20),
 * leaving out `exceptIds`.
 */
export async function findDuplicates(ctx: ServiceCtx, kind: 'CONTACT' | 'COMPANY', probe: Probe, exceptIds: string[] = []): Promise<DuplicateMatch[]> {
  const phones = await normalPhones(ctx, probe.phones ?? []);
  const emails = [...new Set((probe.emails ?? []).map((e) => e.trim().toLowerCase()).filter(Boolean))];
  const name = normalName(probe.name);
  const or: object[] = [];
  if (phones.length) or.push({ phones: { hasSome: phones } });
  if (emails.length) or.push({ emails: { hasSome: emails } });
  const similar = new Map<string, number>();
  if (name) {
    // `%` finds candidates through the trigram index (pg_trgm's threshold, 0.3); the similarity
    // filter keeps those that count. Visibility is applied below, with the other matches.
    const table = Prisma.raw(`"${kind === 'CONTACT' ? 'Contact' : 'Company'}"`);
    const rows = await ctx.db.$queryRaw<{ id: string; sim: number }[]>`
      select "id"::text as "id", similarity("name", ${name})::float8 as "sim" from ${table}
      where "workspaceId" = ${ctx.viewer.workspaceId}::uuid and "deletedAt" is null and "name" % ${name}
        and similarity("name", ${name}) >= ${NAME_SIMILARITY}
      order by 2 desc limit 200`;
    for (const r of rows) similar.set(r.id, r.sim);
    if (similar.size) or.push({ id: { in: [...similar.keys()] } });
  }
  if (!or.length) return [];
  const rows = (await cardTable(ctx.db, kind as CardKind).findMany({
    where: { ...visible(ctx, kind), deletedAt: null, ...(exceptIds.length ? { id: { notIn: exceptIds } } : {}), OR: or },
    select: { id: true, name: true, phones: true, emails: true },
    orderBy: { createdAt: 'asc' },
    take: 200,
  })) as unknown as { id: string; name: string; phones: string[]; emails: string[] }[];
  const matches = rows.map((r): DuplicateMatch => {
    const reasons: DuplicateReason[] = [];
    if (r.phones.some((p) => phones.includes(p))) reasons.push('PHONE');
    if (r.emails.some((e) => emails.includes(e))) reasons.push('EMAIL');
    const sim = name && normalName(r.name) === name ? 1 : (similar.get(r.id) ?? 0);
    if (sim) reasons.push('NAME');
    const score = Math.min(
      1,
      reasons.reduce((s, x) => s + WEIGHT[x] * (x === 'NAME' ? sim : 1), 0),
    );
    return { id: r.id, reasons, score: Math.round(score * 100) / 100 };
  });
  return matches
    .filter((m) => m.reasons.length)
    .sort((a, b) => b.score - a.score)
    .slice(0, MAX);
}
