// plugin-prisma hands resolvers the selection a query needs; a client asking only for
// `__typename` of a returned record leaves it empty, which Prisma refuses. Select the id then.
export function withId<Q extends { select?: object }>(query: Q): Q {
  return query.select && Object.keys(query.select).length === 0 ? { ...query, select: { id: true } } : query;
}
