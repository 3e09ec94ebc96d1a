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
export type DuplicateMatch = { id: string; name: string; reasons: DuplicateReason[]; score: number };
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
  return phonesIn(raw, (await workspaceRegion(ctx)).phoneRegion);
}

/** normalPhones for a region already read. */
function phonesIn(raw: string[], region: string) {
  return [...new Set(raw.map((p) => normalizePhone(p, region)).filter((p): p is string => !!p))];
}

/** Name-search thresholds tried in turn: the first that yields enough close names spares sifting the loose ones. */
const TIERS = [0.8, 0.65, NAME_SIMILARITY];
/** A name-only match at least this much above a tier's threshold outranks (rounded score included) every match below it. */
const MARGIN = 0.04;
/** Distinct names searched per statement (an import's batch has hundreds). */
const NAME_CHUNK = 50;

type Card = { id: string; name: string; phones: string[]; emails: string[]; createdAt: Date };
type Norm = { phones: string[]; emails: string[]; name: string; except: Set<string> };

/**
 * The live cards of `kind` the viewer may see that look like the probe, best first (at most 20),
 * leaving out `exceptIds`.
 */
export async function findDuplicates(ctx: ServiceCtx, kind: 'CONTACT' | 'COMPANY', probe: Probe, exceptIds: string[] = []): Promise<DuplicateMatch[]> {
  return (await findDuplicatesMany(ctx, kind, [probe], [exceptIds]))[0];
}

/**
 * findDuplicates for many probes at once (an import's batch), in a fixed number of statements:
 * the answer for each probe, in order, at most `max` each, leaving out its `except` ids.
 *
 * Each kind of evidence is its own index-driven lookup: phones and e-mails through their GIN
 * indexes (`&&`, all the probes' values in one statement), names through the trigram GIN index
 * (one lateral search per distinct name), in a transaction that raises
 * `pg_trgm.similarity_threshold` for itself (`set_config(..., true)`) so the index itself sifts the
 * candidates (at pg_trgm's default 0.3 it hands over thousands of rows to check one by one). A
 * name is searched with falling thresholds (0.8, 0.65, NAME_SIMILARITY): as soon as one gives `max`
 * visible name-only matches clearly above it, no looser name can rank among the best, so the
 * looser search (thousands of candidates among many similar names) is not made. Visibility is applied to the few candidates found (no query
 * at all for a role that sees every card of the kind).
 */
export async function findDuplicatesMany(
  ctx: ServiceCtx,
  kind: 'CONTACT' | 'COMPANY',
  probes: Probe[],
  except: string[][] = [],
  max = MAX,
  /** The least name similarity searched for; above NAME_SIMILARITY, looser names are not looked for (cheaper, for many probes). */
  nameFloor = NAME_SIMILARITY,
): Promise<DuplicateMatch[][]> {
  const { phoneRegion } = await workspaceRegion(ctx);
  const ps: Norm[] = probes.map((p, i) => ({
    phones: phonesIn(p.phones ?? [], phoneRegion),
    emails: [...new Set((p.emails ?? []).map((e) => e.trim().toLowerCase()).filter(Boolean))],
    name: normalName(p.name),
    except: new Set(except[i] ?? []),
  }));
  const table = Prisma.raw(`"${kind === 'CONTACT' ? 'Contact' : 'Company'}"`);
  const cols = Prisma.sql`"id"::text as "id", "name", "phones", "emails", "createdAt"`;
  const live = Prisma.sql`"workspaceId" = ${ctx.viewer.workspaceId}::uuid and "deletedAt" is null`;
  const seesAll = rights.scopeOf(ctx.viewer, kind, 'VIEW') === 'ALL';
  /** Cards seen so far, by id; null: one the viewer may not see. */
  const cards = new Map<string, Card | null>();
  const keepVisible = async <T extends Card>(db: typeof ctx.db, rows: T[]): Promise<T[]> => {
    const fresh = [...new Set(rows.filter((r) => !cards.has(r.id)).map((r) => r.id))];
    const ok =
      seesAll || !fresh.length
        ? null
        : new Set(
            (await cardTable(db, kind as CardKind).findMany({ where: { id: { in: fresh }, ...visible(ctx, kind) }, select: { id: true } })).map((r) => r.id),
          );
    for (const r of rows) if (!cards.has(r.id)) cards.set(r.id, !ok || ok.has(r.id) ? r : null);
    return rows.filter((r) => cards.get(r.id));
  };
  // Per probe: the cards sharing a phone or an e-mail, and the name similarity of each card found.
  const evidence = ps.map(() => new Set<string>());
  const sims = ps.map(() => new Map<string, number>());
  const allPhones = [...new Set(ps.flatMap((p) => p.phones))];
  const allEmails = [...new Set(ps.flatMap((p) => p.emails))];
  const exact = [
    ...(allPhones.length ? [Prisma.sql`select ${cols} from ${table} where ${live} and "phones" && ${allPhones}::text[]`] : []),
    ...(allEmails.length ? [Prisma.sql`select ${cols} from ${table} where ${live} and "emails" && ${allEmails}::text[]`] : []),
  ];
  if (exact.length) {
    const rows = await keepVisible(ctx.db, await ctx.db.$queryRaw<Card[]>`${Prisma.join(exact, ' union ')}`);
    ps.forEach((p, i) => {
      for (const r of rows) {
        if (!p.except.has(r.id) && (r.phones.some((x) => p.phones.includes(x)) || r.emails.some((x) => p.emails.includes(x)))) evidence[i].add(r.id);
      }
    });
    // The name similarity of each such card to its probe's name, in one statement.
    const pairs = ps.flatMap((p, i) => (p.name ? [...evidence[i]].map((id) => ({ i, id, q: p.name })) : []));
    if (pairs.length) {
      const got = await ctx.db.$queryRaw<{ i: number; id: string; sim: number }[]>`
        select x."i"::int as "i", c."id"::text as "id", similarity(c."name", x."q")::float8 as "sim"
        from unnest(${pairs.map((p) => p.i)}::int[], ${pairs.map((p) => p.id)}::uuid[], ${pairs.map((p) => p.q)}::text[]) as x("i", "id", "q")
        join ${table} c on c."id" = x."id"`;
      for (const g of got) sims[g.i].set(g.id, g.sim);
    }
  }
  // Names in chunks, each chunk's two tiers in a transaction of its own (kept short).
  const named = ps.map((_p, i) => i).filter((i) => ps[i].name);
  const names = [...new Set(named.map((i) => ps[i].name))];
  for (let k = 0; k < names.length; k += NAME_CHUNK) {
    const chunk = new Set(names.slice(k, k + NAME_CHUNK));
    let pending = named.filter((i) => chunk.has(ps[i].name));
    // The threshold is set for the transaction only (a pooled connection keeps no trace of it).
    await ctx.db.$transaction(
      async (tx) => {
        for (const tier of TIERS.filter((t) => t >= nameFloor)) {
          if (!pending.length) return;
          await tx.$queryRaw`select set_config('pg_trgm.similarity_threshold', ${String(tier)}, true)`;
          const rows = await keepVisible(
            tx as typeof ctx.db,
            await tx.$queryRaw<(Card & { q: string; sim: number })[]>`
              select n."q", c.* from unnest(${[...new Set(pending.map((i) => ps[i].name))]}::text[]) as n("q") cross join lateral (
                select ${cols}, similarity("name", n."q")::float8 as "sim" from ${table}
                where ${live} and "name" % n."q" order by "sim" desc limit 200) c`,
          );
          const byName = new Map<string, typeof rows>();
          for (const r of rows) byName.set(r.q, [...(byName.get(r.q) ?? []), r]);
          pending = pending.filter((i) => {
            const p = ps[i];
            let close = 0;
            for (const r of byName.get(p.name) ?? []) {
              if (p.except.has(r.id)) continue;
              sims[i].set(r.id, r.sim);
              if (!evidence[i].has(r.id) && r.sim >= tier + MARGIN) close++;
            }
            return close < max;
          });
        }
      },
      { timeout: 60_000 },
    );
  }
  return ps.map((p, i) => {
    const found = [...new Set([...evidence[i], ...sims[i].keys()])]
      .map((id) => cards.get(id))
      .filter((c): c is Card => !!c)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    const matches = found.map((r): DuplicateMatch => {
      const reasons: DuplicateReason[] = [];
      if (r.phones.some((x) => p.phones.includes(x))) reasons.push('PHONE');
      if (r.emails.some((x) => p.emails.includes(x))) reasons.push('EMAIL');
      const sim = sims[i].get(r.id) ?? 0;
      const s = p.name && normalName(r.name) === p.name ? 1 : sim >= NAME_SIMILARITY ? sim : 0;
      if (s) reasons.push('NAME');
      const score = Math.min(
        1,
        reasons.reduce((t, x) => t + WEIGHT[x] * (x === 'NAME' ? s : 1), 0),
      );
      return { id: r.id, name: r.name, reasons, score: Math.round(score * 100) / 100 };
    });
    return matches
      .filter((m) => m.reasons.length)
      .sort((a, b) => b.score - a.score)
      .slice(0, max);
  });
}
