// Lint that catches bugs (issue 8, item 4): type-aware typescript-eslint over every TypeScript
// file of the repository, plus the Jest rules that keep a skipped or focused test out of main.
import eslint from '@eslint/js';
import jest from 'eslint-plugin-jest';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // The folders .gitignore names: built output, packages, the emulator's virtualenv and data.
  { ignores: ['dist/', 'dist-bench/', 'node_modules/', 'coverage/', '.venv/', '.emulator/'] },
  eslint.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      // Each file is checked with the tsconfig.json nearest to it: the root one for src/, test/
      // and bench/, localstack/tsconfig.json and scripts/tsconfig.json for the files Node runs
      // directly.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // The code base writes `return await`: it keeps the function in the stack trace and inside
      // its own try/catch.
      '@typescript-eslint/return-await': ['error', 'always'],
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      // As the compiler's noUnusedParameters: a leading underscore marks a parameter that a
      // shared signature requires (the per-kind `needsReplacement` functions).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['test/**/*.ts'],
    ...jest.configs['flat/recommended'],
    rules: {
      ...jest.configs['flat/recommended'].rules,
      'jest/no-disabled-tests': 'error',
      'jest/no-focused-tests': 'error',
      // expectGolden (test/unit/golden.ts) asserts, as its name says.
      'jest/expect-expect': ['warn', { assertFunctionNames: ['expect', 'expectGolden'] }],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
