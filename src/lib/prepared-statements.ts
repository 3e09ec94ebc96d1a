// Which statements each PostgreSQL connection keeps prepared. Prisma's pg adapter sends every
// statement unnamed (Prisma's earlier query engine prepared them all), so PostgreSQL parses and
// plans it again each time: for the card tables, with their many partial slot indexes, planning a
// read of one card by id cost more than running it, and the board page's one statement spent 1.6
// of its 2.8 ms in the planner (docs/performance.md, "Statements kept prepared"). A statement text
// seen a few times gets a name, which the adapter hands to `pg` (its `statementNameGenerator`):
// each connection then parses it once, and PostgreSQL's plan cache (plan_cache_mode auto) reuses a
// generic plan once five custom ones show it costs no more. Names are bounded per pool, so a
// stream of one-off texts (a list of ids of every length) cannot fill the connections' memory with
// prepared statements: a kept statement with its plan held ~170 KB of its connection's memory (the
// board's and a card write's, measured), so at most 100 (~17 MB a connection); the hot ones are a
// few dozen.

/**
 * A statement PostgreSQL plans (a query or a change, after a leading comment): only those gain
 * from being kept. BEGIN, COMMIT and the like are sent as they are, as the pipelined connection
 * expects (lib/pg-pipelined.ts).
 */
const PLANNED = /^\s*(?:\/\*[^]*?\*\/\s*)?(?:select|insert|update|delete|with)\b/i;

export type StatementNames = (query: { sql: string }) => string | undefined;

/**
 * A name for each statement text once it has been sent `after` times, up to `max` names; other
 * texts stay unnamed. One per pool: a name always stands for one text on every connection.
 */
export function statementNames({ after = 3, max = 100 } = {}): StatementNames {
  const names = new Map<string, string>();
  const seen = new Map<string, number>();
  return ({ sql }) => {
    const known = names.get(sql);
    if (known !== undefined || names.size >= max || !PLANNED.test(sql)) return known;
    const times = (seen.get(sql) ?? 0) + 1;
    if (times < after) {
      // Texts counted toward a name are bounded too.
      if (seen.size >= 4096) seen.clear();
      seen.set(sql, times);
      return undefined;
    }
    seen.delete(sql);
    const name = `crm_${names.size}`;
    names.set(sql, name);
    return name;
  };
}
