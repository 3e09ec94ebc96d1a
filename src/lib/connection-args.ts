// Relay connections page forwards (first/after) or backwards (last/before), never both at once:
// given both, a page would be silently cut from one end. Checked here for every field that has
// both arguments, in literals and variables, before anything runs.
import { GraphQLError, Kind, TypeInfo, visit, visitWithTypeInfo, type ExecutionArgs, type ValueNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Whether an argument value is given: a literal other than null, or a variable with a value. */
function given(value: ValueNode | undefined, variables: ExecutionArgs['variableValues']): boolean {
  if (!value || value.kind === Kind.NULL) return false;
  if (value.kind === Kind.VARIABLE) return variables?.[value.name.value] != null;
  return true;
}

/** The first field of the operation being run that is given both first and last, as "Type.field". */
function firstWithLast(args: Pick<ExecutionArgs, 'schema' | 'document' | 'variableValues' | 'operationName'>): string | null {
  const info = new TypeInfo(args.schema);
  const ops = args.document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const run = args.operationName ? ops.find((o) => o.name?.value === args.operationName) : ops.length === 1 ? ops[0] : undefined;
  let found: string | null = null;
  visit(
    args.document,
    visitWithTypeInfo(info, {
      OperationDefinition: (node) => (node === run ? undefined : false),
      Field(node) {
        if (found) return false;
        const def = info.getFieldDef();
        if (!def || !def.args.some((a) => a.name === 'first') || !def.args.some((a) => a.name === 'last')) return undefined;
        const arg = (name: string) => node.arguments?.find((a) => a.name.value === name)?.value;
        if (given(arg('first'), args.variableValues) && given(arg('last'), args.variableValues)) {
          found = `${info.getParentType()?.name ?? '?'}.${def.name}`;
          return false;
        }
        return undefined;
      },
    }),
  );
  return found;
}

function refusal(field: string) {
  return new GraphQLError(`Pass first or last, not both (${field}): first pages forwards, last backwards`, {
    extensions: { code: 'BAD_USER_INPUT', field },
  });
}

export function useOneWayPages(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const field = firstWithLast(args);
      if (field) setResultAndStopExecution({ errors: [refusal(field)] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const field = firstWithLast(args);
      if (field) setResultAndStopExecution({ errors: [refusal(field)] });
    },
  };
}
