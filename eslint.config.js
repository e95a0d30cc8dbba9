// The house rules a reviewer should not have to repeat: type-aware TypeScript checks, and the
// architecture's import boundaries (docs/design.md, "Layout that shows the architecture").
// Formatting is Prettier's job (`npm run format:check`); eslint-config-prettier turns off the
// rules that would fight it.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const APPS = ['api', 'cli', 'worker'];

/** `apps/<name>` may use libs, never another app. */
const appZones = APPS.map((app) => ({
  target: `./apps/${app}`,
  from: APPS.filter((other) => other !== app).map((other) => `./apps/${other}`),
  message: 'an app never imports another app: move what both need into libs/',
}));

export default tseslint.config(
  { ignores: ['dist/**', 'generated/**', 'node_modules/**', 'coverage/**', 'demo-data/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['prisma.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            ...appZones,
            {
              target: './libs',
              from: ['./apps', './scripts', './test'],
              message: 'libs are the core: they never import apps, scripts or tests',
            },
            {
              // benchmarks and the soak are test tooling and may use the test support; the demo,
              // the world generator and the set-up scripts ship with the product
              target: [
                './apps',
                './scripts/demo.ts',
                './scripts/generate-world.ts',
                './scripts/db-setup.ts',
                './scripts/openapi.ts',
              ],
              from: './test',
              message: 'production code never imports test code: move what it needs into libs/',
            },
          ],
        },
      ],
      // input rules strip and refuse control characters on purpose (NUL, C0 controls)
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // Nest's constructor injection and `@Inject` tokens produce classes whose only member is the
      // constructor; that is the framework's idiom, not dead code.
      '@typescript-eslint/no-extraneous-class': 'off',
      // Template-literal log and error lines routinely print numbers and ids.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    // its scope analysis does not see a constant used only inside a decorator (`@Param('id', { schema })`)
    files: ['apps/**/*.controller.ts'],
    rules: { 'no-useless-assignment': 'off' },
  },
  {
    // Tests read parsed JSON bodies and drive libraries with loose types on purpose.
    files: ['test/**/*.ts', '**/*.spec.ts', '**/*.e2e-spec.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // fakes implement async interfaces with synchronous bodies
      '@typescript-eslint/require-await': 'off',
    },
  },
  prettier,
);
