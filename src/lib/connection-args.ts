// Relay connections page forwards (first/after) or backwards (last/before), never both at once:
// given first and last, a page would be silently cut from one end; given after and before, the
// page between two cursors is not something the lists offer. Checked here for every field that
// has such a pair of arguments, in literals and variables, before anything runs.
import { GraphQLError, Kind, TypeInfo, visit, visitWithTypeInfo, type ExecutionArgs, type ValueNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { perOperation } from './per-operation.js';

/** Whether an argument is named with something other than a literal null (a variable may still be null). */
const named = (value: ValueNode | undefined): value is ValueNode => !!value && value.kind !== Kind.NULL;

/** Whether an argument value is given: a literal other than null, or a variable with a value. */
function given(value: ValueNode, variables: ExecutionArgs['variableValues']): boolean {
  return value.kind !== Kind.VARIABLE || variables?.[value.name.value] != null;
}

const PAIRS = [
  ['first', 'last'],
  ['after', 'before'],
] as const;
type Pair = (typeof PAIRS)[number];

type Candidate = { field: string; pair: Pair; x: ValueNode; y: ValueNode };

/**
 * The fields of the operation being run that name both arguments of a pair, in document order,
 * found once per document and operation: which of them are really given both depends on the
 * variables only.
 */
const candidates = perOperation((args: Pick<ExecutionArgs, 'schema' | 'document' | 'operationName'>): Candidate[] => {
  const info = new TypeInfo(args.schema);
  const ops = args.document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const run = args.operationName ? ops.find((o) => o.name?.value === args.operationName) : ops.length === 1 ? ops[0] : undefined;
  const found: Candidate[] = [];
  visit(
    args.document,
    visitWithTypeInfo(info, {
      OperationDefinition: (node) => (node === run ? undefined : false),
      Field(node) {
        const def = info.getFieldDef();
        if (!def) return undefined;
        const arg = (name: string) => node.arguments?.find((a) => a.name.value === name)?.value;
        for (const pair of PAIRS) {
          const [x, y] = [arg(pair[0]), arg(pair[1])];
          if (named(x) && named(y)) found.push({ field: `${info.getParentType()?.name ?? '?'}.${def.name}`, pair, x, y });
        }
        return undefined;
      },
    }),
  );
  return found;
});

/** The first field of the operation being run that is given both arguments of a pair, as "Type.field". */
function givenBoth(args: Pick<ExecutionArgs, 'schema' | 'document' | 'variableValues' | 'operationName'>): { field: string; pair: Pair } | null {
  for (const c of candidates(args)) if (given(c.x, args.variableValues) && given(c.y, args.variableValues)) return { field: c.field, pair: c.pair };
  return null;
}

function refusal({ field, pair: [x, y] }: { field: string; pair: Pair }) {
  return new GraphQLError(`Pass ${x} or ${y}, not both (${field}): ${x} pages forwards, ${y} backwards`, {
    extensions: { code: 'BAD_USER_INPUT', field },
  });
}

export function useOneWayPages(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const found = givenBoth(args);
      if (found) setResultAndStopExecution({ errors: [refusal(found)] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const found = givenBoth(args);
      if (found) setResultAndStopExecution({ errors: [refusal(found)] });
    },
  };
}
