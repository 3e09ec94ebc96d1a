// Limits on the size of what one request may send, in variables and in literals alike, checked
// before anything runs: a filter of hundreds of nested `or` branches took seconds of PostgreSQL
// time and gigabytes of memory, a 3,000-deep input answered HTTP 500, `nodes` with 10,000 ids
// stalled PGlite, and a 10 MB search string was accepted. Refusals are BAD_USER_INPUT errors
// with `extensions.limit` naming the limit and `extensions.path` where it was exceeded.
import { GraphQLError, Kind, type ExecutionArgs, type ValueNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export const INPUT_LIMITS = {
  /** Input objects nested in one another (lists do not count). */
  maxInputDepth: 8,
  /** Items in one list argument or list field of an input (ids, custom-field values, …). */
  maxListLength: 500,
  /** Characters in one string (the longest text a field takes is 10,000). */
  maxStringLength: 100_000,
  /** `and` / `or` branches of filters in one request, all levels together. */
  maxFilterBranches: 50,
};

type Limit = keyof typeof INPUT_LIMITS;
type Found = { limit: Limit; path: string } | null;

/** Walks a JSON value (a variable) and answers the first limit it exceeds. */
function checkValue(v: unknown, path: string, depth: number, branches: { n: number }): Found {
  if (typeof v === 'string') return v.length > INPUT_LIMITS.maxStringLength ? { limit: 'maxStringLength', path } : null;
  if (Array.isArray(v)) {
    if (v.length > INPUT_LIMITS.maxListLength) return { limit: 'maxListLength', path };
    for (let i = 0; i < v.length; i++) {
      const f = checkValue(v[i], `${path}[${i}]`, depth, branches);
      if (f) return f;
    }
    return null;
  }
  if (v && typeof v === 'object') {
    if (depth + 1 > INPUT_LIMITS.maxInputDepth) return { limit: 'maxInputDepth', path };
    for (const [k, x] of Object.entries(v)) {
      if ((k === 'and' || k === 'or') && Array.isArray(x) && (branches.n += x.length) > INPUT_LIMITS.maxFilterBranches) {
        return { limit: 'maxFilterBranches', path: `${path}.${k}` };
      }
      const f = checkValue(x, `${path}.${k}`, depth + 1, branches);
      if (f) return f;
    }
  }
  return null;
}

/** The same walk over a literal in the document (variables inside it are checked as variables). */
function literal(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.STRING:
      return node.value;
    case Kind.LIST:
      return node.values.map(literal);
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, literal(f.value)]));
    default:
      return null;
  }
}

function exceeded(args: Pick<ExecutionArgs, 'document' | 'variableValues'>): Found {
  const branches = { n: 0 };
  for (const [name, value] of Object.entries(args.variableValues ?? {})) {
    const f = checkValue(value, `$${name}`, 0, branches);
    if (f) return f;
  }
  const stack: unknown[] = [...args.document.definitions];
  // Arguments of every field in the document, nested selections included.
  while (stack.length) {
    const node = stack.pop() as { arguments?: readonly { name: { value: string }; value: ValueNode }[]; selectionSet?: { selections: readonly unknown[] } };
    for (const a of node.arguments ?? []) {
      const f = checkValue(literal(a.value), a.name.value, 0, branches);
      if (f) return f;
    }
    if (node.selectionSet) stack.push(...node.selectionSet.selections);
  }
  return null;
}

function refusal(f: NonNullable<Found>) {
  return new GraphQLError(`Input too large at ${f.path}: ${f.limit} is ${INPUT_LIMITS[f.limit]}`, {
    extensions: { code: 'BAD_USER_INPUT', limit: f.limit, max: INPUT_LIMITS[f.limit], path: f.path },
  });
}

export function useInputLimits(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const f = exceeded(args);
      if (f) setResultAndStopExecution({ errors: [refusal(f)] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const f = exceeded(args);
      if (f) setResultAndStopExecution({ errors: [refusal(f)] });
    },
  };
}
