// Lint of the whole project: ESLint's and typescript-eslint's recommended rules, Prettier owns
// the formatting, and the transport's boundary holds: application code imports `src/sqs` only
// through its public surface, and the transport imports no application folder.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const APP_FOLDERS = ['config', 'health', 'metrics', 'logging', 'users', 'cli', 'dev', 'lifecycle'];

export default tseslint.config(
  {
    ignores: [
      '.build/**',
      'dist/**',
      'node_modules/**',
      'bench/peers/**',
      'bench/results/**',
      'charts/**',
      'coverage/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        Buffer: 'readonly',
        performance: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        fetch: 'readonly',
        Response: 'readonly',
        structuredClone: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Nest's decorators and class-validator DTOs use empty classes and definite assignment.
      '@typescript-eslint/no-extraneous-class': 'off',
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' },
    },
  },
  {
    // Application folders reach the transport only through src/sqs/index.ts.
    files: [`src/{${APP_FOLDERS.join(',')}}/**/*.ts`, 'src/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)sqs/(?!index\\.js$)[^/]+$',
              message: 'Import the transport through src/sqs/index.js, its public surface.',
            },
            {
              regex: '(^|/)sqs/testing/(?!index\\.js$)[^/]+$',
              message: 'Import the test kit through src/sqs/testing/index.js.',
            },
          ],
        },
      ],
    },
  },
  {
    // The transport knows nothing of the application around it.
    files: ['src/sqs/**/*.ts'],
    ignores: ['src/sqs/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^\\.\\./(${APP_FOLDERS.join('|')})(/|$)`,
              message: 'The transport must not import application folders.',
            },
          ],
        },
      ],
    },
  },
  {
    // Small files and functions in production code; specs may be longer.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.spec.ts'],
    rules: {
      'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 40, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // Specs read parsed YAML and JSON of unknown shape.
    files: ['test/**/*.ts', 'src/**/*.spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  prettier,
);
