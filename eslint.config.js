// ESLint owns correctness, Prettier owns formatting (eslint-config-prettier, last, turns off
// every rule that would fight it). typescript-eslint's plain `recommended` set: the
// type-checked set costs ~4x the time (tsc's program for every file) on a 2-core machine,
// and `npm run typecheck` already runs tsc.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['node_modules/', 'data/', 'src/generated/', 'test/gql/', 'dashboard/src/gql/', 'dist/', 'schema/', 'coverage/', 'reports/', '.stryker-tmp/']),
  {
    files: ['**/*.{ts,js,mjs,cjs}'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: { globals: globals.node },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // `_`-prefixed names and rest siblings are the way to leave something out on purpose:
      // `const { version: _v, ...rest } = card`, `({ __typename, ...node })`.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  // The dashboard's client runs in the browser.
  { files: ['dashboard/**/*.ts'], languageOptions: { globals: globals.browser } },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
