// The cost of an operation, counted before it runs, with its variables: roughly the rows it may
// bring. A page of a connection costs its size (first or last, given as a literal or a variable;
// the default page size when neither is given) times what each item selects; an object costs 1;
// a plain list on an object (a deal's contacts, its custom field values) costs 1 and what its
// items select once, since each is loaded for the whole page in one statement and holds few
// items; scalars cost nothing (they come with their row). So a board page of 50 deals with
// every custom field costs a few hundred, while pages nested in pages multiply as their rows do.
import { GraphQLError, getNamedType, isLeafType, visit, type ASTNode, type DocumentNode, type ExecutionArgs } from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import type { Plugin } from 'graphql-yoga';
import { perOperation } from './per-operation.js';
import { ERRORS } from './errors.js';
import { render, type Locale } from './i18n.js';

export type CostLimits = { maxCost: number; defaultPage: number; maxPage: number };

const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function rowEstimator(limits: Pick<CostLimits, 'defaultPage' | 'maxPage'>): ComplexityEstimator {
  return ({ field, args, childComplexity }) => {
    if (isLeafType(getNamedType(field.type))) return 0;
    if (field.args.some((a) => a.name === 'first')) {
      const asked = count(args.first) ?? count(args.last) ?? limits.defaultPage;
      return 1 + Math.min(Math.max(asked, 0), limits.maxPage) * childComplexity;
    }
    // nodes(ids: [...]): one object per id.
    if (Array.isArray(args.ids)) return 1 + args.ids.length * childComplexity;
    return 1 + childComplexity;
  };
}

/** The operation's cost, or undefined when it cannot be counted (bad variables: execution says so). */
export function operationCost(args: Pick<ExecutionArgs, 'schema' | 'document' | 'variableValues' | 'operationName'>, limits: CostLimits) {
  try {
    return getComplexity({
      schema: args.schema,
      query: args.document,
      variables: (args.variableValues ?? {}) as Record<string, unknown>,
      operationName: args.operationName ?? undefined,
      estimators: [rowEstimator(limits)],
    });
  } catch {
    return undefined;
  }
}

/** Arguments whose values the estimator reads (a directive's arguments count as well: `@include(if:)`). */
const COUNTED = new Set(['first', 'last', 'ids']);

/** The variables the cost can depend on: those inside counted arguments and directives. */
function countedVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  const collect = (node: ASTNode) =>
    visit(node, {
      Variable: (v) => {
        names.add(v.name.value);
      },
    });
  visit(document, {
    VariableDefinition: () => false,
    Argument: (a) => (COUNTED.has(a.name.value) ? (collect(a.value), false) : undefined),
    Directive: (d) => (collect(d), false),
  });
  return [...names];
}

/** Costs kept per document and operation: different values of its counted variables it has seen. */
const KEPT_PER_OPERATION = 32;

/**
 * operationCost, kept per parsed document and operation (the variables it depends on, found
 * once) and per values of those variables: a mutation sent again with other input is not counted
 * again. An answer of undefined (variables that could not be read) is never kept, so bad
 * variables cannot stand in for good ones. Kept per plugin, as its limits are.
 */
function keptOperationCost(limits: CostLimits) {
  const operations = perOperation((args: Pick<ExecutionArgs, 'document' | 'operationName'>) => ({
    variables: countedVariables(args.document),
    byValues: new Map<string, number>(),
  }));
  return (args: Pick<ExecutionArgs, 'schema' | 'document' | 'variableValues' | 'operationName'>) => {
    const { variables, byValues } = operations(args);
    const values = args.variableValues ?? {};
    // A variable left out (its default applies) and one given as null are told apart.
    const key = JSON.stringify(variables.map((v) => (v in values ? [values[v]] : [])));
    const kept = byValues.get(key);
    if (kept !== undefined) return kept;
    const cost = operationCost(args, limits);
    if (cost !== undefined) {
      if (byValues.size >= KEPT_PER_OPERATION) byValues.delete(byValues.keys().next().value as string);
      byValues.set(key, cost);
    }
    return cost;
  };
}

function refusal(cost: number, max: number, locale: Locale) {
  return new GraphQLError(render(ERRORS.queryCost({ cost, max }), locale), { extensions: { code: 'COST_LIMIT', cost, limit: max } });
}

/** Refuses, before anything runs, an operation whose cost with its variables is over `maxCost`. */
export function useQueryCost(limits: CostLimits): Plugin {
  const costOf = keptOperationCost(limits);
  const check = (args: ExecutionArgs, stop: (r: { errors: GraphQLError[] }) => void) => {
    const cost = costOf(args);
    const locale = (args.contextValue as { locale?: Locale } | undefined)?.locale ?? 'en';
    if (cost !== undefined && cost > limits.maxCost) stop({ errors: [refusal(cost, limits.maxCost, locale)] });
  };
  return {
    onExecute: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
    onSubscribe: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
  };
}
