// GraphQL Code Generator: typed documents from schema/schema.graphql for the tests (test/gql)
// and for client developers, who can point the same config at their own documents.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['test/**/*.ts', '!test/gql/**'],
  ignoreNoDocuments: true,
  // ESM output (".js" extensions on relative imports) for NodeNext resolution.
  emitLegacyCommonJSImports: false,
  generates: {
    'test/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', Decimal: 'string', ID: 'string' },
      },
    },
  },
};

export default config;
