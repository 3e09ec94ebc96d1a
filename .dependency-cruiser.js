// The import graph the code keeps (CONVENTIONS: "an import graph without cycles"):
// no runtime cycles among src/ files, lib/ is the bottom layer, the kernel sits below the
// modules. `npm run check:imports`.
//
// tsPreCompilationDeps 'specify' keeps type imports in the graph (the layer rules see them)
// but marks every dependency the TypeScript compiler erases, as tsx and vitest do at run time:
// `import type`, `import { type X }` with only type specifiers, and imports used only as
// types. Those get 'type-only' / 'pre-compilation-only', and the cycle rule ignores them.
const ERASED = ['type-only', 'pre-compilation-only'];

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-runtime-cycle',
      severity: 'error',
      comment:
        'A cycle of imports that exist at run time: module evaluation order decides which side sees the other half-initialised. ' +
        'Move the shared piece down (lib/, kernel/) or make the import type-only.',
      from: { path: '^src/' },
      to: { circular: true, dependencyTypesNot: ERASED, viaOnly: { dependencyTypesNot: ERASED } },
    },
    {
      name: 'lib-is-the-bottom-layer',
      severity: 'error',
      comment: 'src/lib holds shared mechanisms and knows nothing of the kernel, the modules or the app wiring (types included).',
      from: { path: '^src/lib/' },
      to: { path: ['^src/modules/', '^src/kernel/', '^src/context[.]ts$', '^src/app[.]ts$', '^src/schema[.]ts$'] },
    },
    {
      name: 'kernel-below-modules',
      severity: 'error',
      comment: 'src/kernel is what the modules build on; it imports no module (types included).',
      from: { path: '^src/kernel/' },
      to: { path: '^src/modules/' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: 'An import the resolver cannot find: the rules above would silently miss it.',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Generated code is a leaf: its own imports are not ours to check, and it is large.
    doNotFollow: { path: ['node_modules', '^src/generated/'] },
    tsPreCompilationDeps: 'specify',
    // NodeNext: relative imports name the emitted '.js'; the tsconfig makes them resolve to the '.ts' sources.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    skipAnalysisNotInRules: true,
  },
};
