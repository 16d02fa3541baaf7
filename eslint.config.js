import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The house's doors (issue 21, docs/design.md): a module is entered only through its index.ts;
// app/ is the roof and nothing imports it; core/ is the ground floor and imports nothing of ours.
// Written per folder depth because the rule matches the import's text: from `m/x.ts` another
// module is `../other/…`, from `m/sub/x.ts` it is `../../other/…`. Tests and benchmarks may
// reach into internals. `npm run check:imports` counts the same crossings by resolved path.
const testFiles = ['**/*.test.ts', '**/*.contract.ts', 'test/**', 'bench/**'];
const up = (depth) => '../'.repeat(depth);
const doorMessage =
  "import another module through its index.ts only (and never app/, the roof): see docs/design.md 'Modules'";
const doors = (depth) => ({
  files: [depth === 1 ? '*/*.ts' : '*/*/*.ts'],
  ignores: [...testFiles, 'core/**'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: [`${up(depth)}*/**`, `!${up(depth)}*/index.ts`, `${up(depth)}app/**`],
            message: doorMessage,
          },
        ],
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'web/dist/**', 'bench/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      // Only core/config.ts reads the environment (docs/style.md §11).
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'read configuration in core/config.ts' },
      ],
    },
  },
  // Entry points and tests may read the environment; the service itself reads it in core/config.ts.
  {
    files: ['core/config.ts', 'app/cli.ts', 'test/**', 'bench/**', 'bin/**', 'vitest.config.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  doors(1),
  doors(2),
  {
    files: ['core/**/*.ts'],
    ignores: testFiles,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../**'],
              message: 'core/ is the ground floor: it imports no other module of ours',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['bin/**/*.js', '*.config.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
