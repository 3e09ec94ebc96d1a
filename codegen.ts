// GraphQL Code Generator: typed documents from schema/schema.graphql for the tests (test/gql)
// and for the dashboard's browser client (dashboard/src/gql); client developers can point the
// same config at their own documents.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  ignoreNoDocuments: true,
  // ESM output (".js" extensions on relative imports) for NodeNext resolution.
  emitLegacyCommonJSImports: false,
  generates: {
    'test/gql/': {
      documents: ['test/**/*.ts', '!test/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', Decimal: 'string', ID: 'string' },
      },
    },
    // The browser sends documents as text: `documentMode: 'string'` makes each document a typed
    // string, so the bundle carries no GraphQL parser or printer.
    'dashboard/src/gql/': {
      documents: ['dashboard/src/**/*.ts', '!dashboard/src/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', Decimal: 'string', ID: 'string', Upload: 'File' },
      },
    },
  },
};

export default config;
