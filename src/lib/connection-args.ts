// Relay connections page forwards (first/after) or backwards (last/before), never both at once:
// given first and last, a page would be silently cut from one end; given after and before, the
// page between two cursors is not something the lists offer. Checked here for every field that
// has such a pair of arguments, in literals and variables, before anything runs.
import { GraphQLError, Kind, TypeInfo, visit, visitWithTypeInfo, type ExecutionArgs, type ValueNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Whether an argument value is given: a literal other than null, or a variable with a value. */
function given(value: ValueNode | undefined, variables: ExecutionArgs['variableValues']): boolean {
  if (!value || value.kind === Kind.NULL) return false;
  if (value.kind === Kind.VARIABLE) return variables?.[value.name.value] != null;
  return true;
}

const PAIRS = [
  ['first', 'last'],
  ['after', 'before'],
] as const;
type Pair = (typeof PAIRS)[number];

/** The first field of the operation being run that is given both arguments of a pair, as "Type.field". */
function givenBoth(args: Pick<ExecutionArgs, 'schema' | 'document' | 'variableValues' | 'operationName'>): { field: string; pair: Pair } | null {
  const info = new TypeInfo(args.schema);
  const ops = args.document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const run = args.operationName ? ops.find((o) => o.name?.value === args.operationName) : ops.length === 1 ? ops[0] : undefined;
  let found: { field: string; pair: Pair } | null = null;
  visit(
    args.document,
    visitWithTypeInfo(info, {
      OperationDefinition: (node) => (node === run ? undefined : false),
      Field(node) {
        if (found) return false;
        const def = info.getFieldDef();
        if (!def) return undefined;
        const arg = (name: string) => node.arguments?.find((a) => a.name.value === name)?.value;
        const pair = PAIRS.find(([x, y]) => given(arg(x), args.variableValues) && given(arg(y), args.variableValues));
        if (!pair) return undefined;
        found = { field: `${info.getParentType()?.name ?? '?'}.${def.name}`, pair };
        return false;
      },
    }),
  );
  return found;
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
