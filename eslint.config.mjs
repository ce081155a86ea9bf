// ESLint for the whole repository (flat config). TypeScript is linted with typescript-eslint's type-aware
// rules (recommendedTypeChecked), through the TypeScript project service, so every .ts file is checked with the
// tsconfig that builds it. The plain .mjs scripts and benchmarks have no types to check: they get the same
// rules minus the type-aware ones. Layer rules are dependency-cruiser's (.dependency-cruiser.cjs), unused
// exports knip's (knip.json); `pnpm lint` runs all three (docs/development.md, "Lint").
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Product code: no function over 60 lines (blank lines and comments not counted); an exception says why. */
const PRODUCT = ['server/src/**/*.ts', 'webview/src/**/*.ts', 'extension/src/**/*.ts'];

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/.cache/**', 'test/bench/.build/**', 'test/bench/.out/**', 'test/vscode/.build/**', '**/*.d.mts'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // vitest.config.ts belongs to no package's tsconfig: the project service gives it a default project.
        projectService: { allowDefaultProject: ['vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Unused parameters named with a leading underscore are placeholders a signature requires; a rest sibling
      // (`const { dropped, ...kept } = x`) is how a property is left out.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['webview/src/**/*.ts', 'test/browser/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['server/src/**/*.ts', 'extension/src/**/*.ts', 'test/**/*.ts', 'vitest.config.ts'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // The store port is async so that a second backend (PostgreSQL) can be; SQLite answers synchronously. Its
    // methods stay `async` without an await so that a throw becomes a rejection, as the port promises.
    files: ['server/src/store/sqlite/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    // Tests read JSON bodies and messages (typed `any` by fetch and socket.io) and assert on them with expect,
    // which is the check; typing each body first would add casts, not safety. Test doubles implement async
    // interfaces (fetch, send) without awaiting anything. The other type-aware rules hold.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Released migrations are frozen (server/src/store/migrations/index.ts): their code is not changed to satisfy
    // a rule added after their release. 0005 interpolates row values of type unknown into chain keys.
    files: ['server/src/store/migrations/**/*.ts'],
    rules: { '@typescript-eslint/restrict-template-expressions': 'off' },
  },
  {
    // The golden test's reference: the old event export kept exactly as it was, so it is not changed to satisfy
    // rules either.
    files: ['test/integration/support/legacyEventsExport.ts'],
    rules: { '@typescript-eslint/no-base-to-string': 'off', 'no-useless-assignment': 'off' },
  },
  {
    // Functions passed to page.evaluate run in the browser.
    files: ['test/bench/cases/render.mjs'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: PRODUCT,
    rules: {
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
);
