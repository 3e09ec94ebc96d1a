// plugin-prisma hands resolvers the selection a query needs; a client asking only for
// `__typename` of a returned record leaves it empty, which Prisma refuses. Select the id then.
export function withId<Q extends { select?: object }>(query: Q): Q {
  return query.select && Object.keys(query.select).length === 0 ? { ...query, select: { id: true } } : query;
}

/**
 * A type read in select mode hands a service only the columns the client asked for; a service
 * that also reads columns of the row for its own checks adds them here (an include-mode query,
 * which reads every column, is left as it is).
 */
export function withColumns<Q extends { select?: object | null }>(query: Q, columns: Record<string, true>): Q {
  return query.select ? { ...query, select: { ...query.select, ...columns } } : query;
}
