// What is read off an operation's document alone (a plan, the fields to check, the variables its
// cost depends on), worked out once per parsed document and operation: yoga's parser cache hands
// the same parsed document to every request of a query text, so it is the key, held weakly.
import type { DocumentNode } from 'graphql';

type Operation = { readonly document: DocumentNode; readonly operationName?: string | null };

/** `compute(args)`, kept per `args.document` and `args.operationName` (anything else in `args` must not change the answer). */
export function perOperation<A extends Operation, T>(compute: (args: A) => T): (args: A) => T {
  const kept = new WeakMap<DocumentNode, Map<string, T>>();
  return (args) => {
    let byName = kept.get(args.document);
    if (!byName) kept.set(args.document, (byName = new Map()));
    const name = args.operationName ?? '';
    if (!byName.has(name)) byName.set(name, compute(args));
    return byName.get(name)!;
  };
}
