// Flat ESLint config: Nx module boundaries with real constraints, typed rules that catch floating
// promises and unchecked switches, and Prettier owning the format.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { readFileSync } from 'node:fs';

/** The registry as data (libs/services/registry.json, written by `npm run registry`). */
const registry = JSON.parse(readFileSync(new URL('./libs/services/registry.json', import.meta.url), 'utf8'));

/**
 * Scope rules from the registry: a service's code stays in its scope and the shared one, and may
 * import the contract libraries (`type:contract`, same scope as their producer) of the services
 * whose events it consumes; the type rules keep one domain from importing another's domain code.
 */
const scopeConstraints = registry.map((s) => ({
  sourceTag: `scope:${s.name}`,
  onlyDependOnLibsWithTags: [`scope:${s.name}`, 'scope:shared', ...s.consumesFrom.map((p) => `scope:${p}`)],
}));

export default [
  {
    ignores: [
      '**/node_modules',
      '**/dist',
      '**/.data',
      '**/.nx',
      'tools/infra/kafka/.cache',
      '**/*.cjs',
      '**/*.mjs',
      '**/*.js',
    ],
  },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          depConstraints: [
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:registry', 'type:domain', 'type:contract', 'type:platform'],
            },
            {
              sourceTag: 'type:e2e',
              onlyDependOnLibsWithTags: ['type:registry', 'type:domain', 'type:contract', 'type:platform'],
            },
            {
              sourceTag: 'type:registry',
              onlyDependOnLibsWithTags: ['type:domain', 'type:contract', 'type:platform'],
            },
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contract', 'type:platform'] },
            { sourceTag: 'type:contract', onlyDependOnLibsWithTags: ['type:platform'] },
            { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:platform'] },
            ...scopeConstraints,
            // The county feed is a subscriber as a county system builds one: its code reads the platform
            // and the AsyncAPI document only; its specs publish through the producers' contracts (the
            // type rules keep domain code out of reach).
            {
              sourceTag: 'scope:county-feed',
              onlyDependOnLibsWithTags: [
                'scope:county-feed',
                'scope:shared',
                ...registry.map((s) => `scope:${s.name}`),
              ],
            },
            { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['scope:gateway', 'scope:shared'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            // The registry, the embedded all-in-one app, the e2e specs and the tools bring the
            // services together.
            {
              sourceTag: 'scope:all',
              onlyDependOnLibsWithTags: [
                'scope:all',
                'scope:shared',
                'scope:county-feed',
                ...registry.map((s) => `scope:${s.name}`),
              ],
            },
          ],
        },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read the environment only in @sc/config.' },
      ],
    },
  },
  {
    // Product code (libs and apps; each project lints from its own folder, so the globs are relative)
    // handles untyped values (query rows, JSON, driver errors) only through a typed boundary: nothing
    // `any` flows into typed code unchecked. Specs, tools and generated files are exempt.
    files: ['**/*.ts'],
    // codegen-guarantees.ts holds deliberate type errors (each under @ts-expect-error).
    ignores: ['**/*.spec.ts', '**/__generated__/**', 'tools/**', '**/codegen-guarantees.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'error',
      '@typescript-eslint/no-unsafe-member-access': 'error',
      '@typescript-eslint/no-unsafe-argument': 'error',
      '@typescript-eslint/no-unsafe-return': 'error',
      '@typescript-eslint/no-unsafe-call': 'error',
    },
  },
  {
    // The config library is the one place that reads the environment; tools and tests may set it.
    files: [
      'libs/platform/config/src/**/*.ts',
      'tools/**/*.ts',
      '**/*.spec.ts',
      'libs/platform/testing/src/**/*.ts',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Specs that cannot fail (issue 18): an `expect` that runs only when something throws passes when
    // nothing does, and a `throw` inside a `try` lands in its own `catch`. Capture the error first
    // (`expect(() => f()).toThrow(...)`, `await expect(p).rejects...`, or a `thrown(fn)` helper that
    // throws after its `try`), then assert on it unconditionally.
    files: ['**/*.spec.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CatchClause CallExpression[callee.name='expect']",
          message:
            'No expect inside catch: it is skipped when nothing throws. Capture the error, then assert.',
        },
        {
          selector: "CallExpression[callee.property.name='catch'] CallExpression[callee.name='expect']",
          message:
            'No expect inside .catch(): it is skipped when nothing rejects. Use `await expect(p).rejects`.',
        },
        {
          selector: 'TryStatement > BlockStatement.block ThrowStatement',
          message: 'No throw inside try: its own catch swallows it. Throw after the try statement.',
        },
      ],
    },
  },
  {
    // GraphQL Code Generator output (`npm run codegen`): its helper types use `any` (the index
    // signature, subscription and scalar helpers) and declare a type parameter it does not always
    // use. Everything else still applies, and the files are typechecked like the rest.
    files: ['**/src/__generated__/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': 'off',
    },
  },
  prettier,
];
