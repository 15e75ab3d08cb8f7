// Lint: typescript-eslint's recommended rules with type information (floating
// promises, unsafe `any`, misused promises), run by `npm test` with zero
// warnings allowed. Formatting: @stylistic (ESLint's formatting rules:
// indentation, quotes, semicolons, spacing, trailing commas), fixed by
// `npm run format`. It keeps the house style's dense one-line statements
// and wide lines, which Prettier would re-flow (+7 % lines, several files
// past 400).
import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'media/**', 'test/fixtures/**', 'bench/models/**', 'fuzz-out/**', '.cache/**', 'dist-vsix/**', '.scratch/**', 'scripts/**/*.mjs', 'bench/**/*.cjs', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  stylistic.configs.customize({ indent: 2, quotes: 'single', semi: true, jsx: false, braceStyle: '1tbs', commaDangle: 'always-multiline', arrowParens: true, quoteProps: 'as-needed' }),
  {
    rules: {
      // The house style: short cases and guards on one line, lists as wide as the line allows, long ternary chains.
      '@stylistic/max-statements-per-line': 'off',
      '@stylistic/list-style': 'off',
      '@stylistic/operator-linebreak': 'off',
      '@stylistic/multiline-ternary': 'off',
    },
  },
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's describe/it return promises that the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // The webview runs in the browser: Node's built-ins are not there (webview/graph/* is
    // also bundled into the extension host's layout worker, but must run in the page too).
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          regex: '^(node:.*|(fs|path|os|child_process|worker_threads)(/.*)?)$',
          message: 'webview code runs in the browser, where Node built-ins do not exist; compute in src/core (pure) or in the extension host and send the result in a message',
        }],
      }],
    },
  },
);
