// Lint and format rules of the cdk8s / AWS CDK construct libraries (the set projen generates for
// them), in ESLint 9's flat config. Formatting is linting here: `npm run format` is `eslint --fix`,
// so there is one source of style and no formatter that rewrites files nobody asked it to touch.
// Line limit: 150 characters of code; long string literals (error messages) and comments are exempt,
// as in projen's setting, because splitting a message hides it from grep.
const js = require('@eslint/js');
const stylistic = require('@stylistic/eslint-plugin');
const importPlugin = require('eslint-plugin-import');
const tseslint = require('typescript-eslint');

/** Files that may import devDependencies: they never ship in the package. */
const DEV_FILES = ['test/**', 'bench/**', 'examples/**', 'scripts/**', '*.config.js'];

module.exports = tseslint.config(
  {
    ignores: ['lib/**', 'build/**', 'dist/**', 'coverage/**', 'docs/**', 'node_modules/**', 'bench/.tmp/**', 'scratch/**', '**/*.d.ts'],
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { project: './tsconfig.dev.json', tsconfigRootDir: __dirname },
    },
    rules: {
      // the type checker already reports these, with better messages
      'no-undef': 'off',
      'no-redeclare': 'off',
      // the public API speaks `any` where it hands over raw Kubernetes JSON
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-require-imports': 'error',
      '@typescript-eslint/no-shadow': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/return-await': 'error',
      '@typescript-eslint/member-ordering': ['error', {
        default: ['public-static-field', 'public-static-method', 'protected-static-field', 'protected-static-method',
          'private-static-field', 'private-static-method', 'field', 'constructor', 'method'],
      }],
    },
  },
  {
    files: ['**/*.ts', '**/*.js'],
    plugins: { '@stylistic': stylistic, 'import': importPlugin },
    rules: {
      '@stylistic/indent': ['error', 2, { SwitchCase: 1, ignoredNodes: ['TemplateLiteral *'] }],
      '@stylistic/quotes': ['error', 'single', { avoidEscape: true, allowTemplateLiterals: 'always' }],
      '@stylistic/semi': ['error', 'always'],
      '@stylistic/comma-dangle': ['error', 'always-multiline'],
      '@stylistic/comma-spacing': ['error', { before: false, after: true }],
      '@stylistic/array-bracket-spacing': ['error', 'never'],
      '@stylistic/array-bracket-newline': ['error', 'consistent'],
      '@stylistic/object-curly-spacing': ['error', 'always'],
      '@stylistic/object-curly-newline': ['error', { multiline: true, consistent: true }],
      '@stylistic/keyword-spacing': 'error',
      '@stylistic/key-spacing': 'error',
      '@stylistic/space-before-blocks': 'error',
      '@stylistic/brace-style': ['error', '1tbs', { allowSingleLine: true }],
      '@stylistic/member-delimiter-style': 'error',
      '@stylistic/quote-props': ['error', 'consistent-as-needed'],
      '@stylistic/no-multiple-empty-lines': ['error', { max: 1 }],
      '@stylistic/no-trailing-spaces': 'error',
      '@stylistic/eol-last': 'error',
      '@stylistic/max-len': ['error', {
        code: 150, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreComments: true, ignoreRegExpLiterals: true,
      }],
      'curly': ['error', 'multi-line', 'consistent'],
      'dot-notation': 'error',
      'no-bitwise': 'error',
      'no-duplicate-imports': 'error',
      'import/order': ['error', { groups: ['builtin', 'external'], alphabetize: { order: 'asc', caseInsensitive: true } }],
      'import/no-extraneous-dependencies': ['error', { devDependencies: false, optionalDependencies: false, peerDependencies: true }],
    },
  },
  {
    files: DEV_FILES,
    rules: { 'import/no-extraneous-dependencies': ['error', { devDependencies: true, peerDependencies: true }] },
  },
  {
    // plain CommonJS: the config files and the scripts `npm test` runs before anything is compiled
    files: ['**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' },
    },
  },
);
