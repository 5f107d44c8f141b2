// Lint of the whole project: ESLint's and typescript-eslint's recommended rules, Prettier owns
// the formatting, and the transport's boundary holds: application code imports `src/sqs` only
// through its public surface, the transport imports no application folder, and inside the
// transport each folder imports only the folders below it (SQS_LAYERS; src/sqs/layers.spec.ts).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const APP_FOLDERS = ['config', 'health', 'metrics', 'logging', 'users', 'cli', 'dev', 'lifecycle'];

// The transport's folders (src/sqs), top to bottom. A message flows intake -> buffer -> pool ->
// dispatch -> settlement; the engine above them wires the stages, the adapter above it plugs the
// engine into Nest; the support folders and core (the vocabulary every stage shares) sit below.
// A folder imports values only from the folders below it. A type-only import may point up: a
// stage names the type of an object the engine hands it (settlement acts on the buffer, the
// pool's registry and heartbeat and the intake's pauses; the pool takes from the buffer; core's
// options name the large-payload options). src/sqs/index.ts and the test kit (testing/) sit
// above every folder; specs are free to wire several stages.
const SQS_LAYERS = [
  ['adapter'],
  ['engine'],
  ['intake'],
  ['buffer'],
  ['pool'],
  ['dispatch'],
  ['settlement'],
  ['telemetry', 'large-payload'],
  ['envelopes', 'scrub'],
  ['core'],
];

/** One lint block per transport folder: no value import from a folder above it or beside it. */
function sqsLayerRules() {
  return SQS_LAYERS.flatMap((layer, index) =>
    layer.map((folder) => {
      const above = ['testing', ...SQS_LAYERS.slice(0, index).flat(), ...layer.filter((f) => f !== folder)];
      const below = SQS_LAYERS.slice(index + 1).flat();
      return {
        files: [`src/sqs/${folder}/**/*.ts`],
        ignores: ['src/sqs/**/*.spec.ts'],
        rules: {
          '@typescript-eslint/no-restricted-imports': [
            'error',
            {
              patterns: [
                {
                  regex: `^\\.\\./(${above.join('|')})(/|$)`,
                  allowTypeImports: true,
                  message: `src/sqs/${folder} imports values only from the folders below it (${below.join(', ') || 'none'}); see SQS_LAYERS in eslint.config.mjs.`,
                },
                {
                  regex: '^\\.\\./index\\.js$',
                  message: 'src/sqs/index.ts is the public surface for the application; import the file itself.',
                },
              ],
            },
          ],
        },
      };
    }),
  );
}

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
              regex: '(^|/)sqs/(?!index\\.js$|testing/).+$',
              message: 'Import the transport through src/sqs/index.js, its public surface.',
            },
            {
              regex: '(^|/)sqs/testing/(?!index\\.js$).+$',
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
              regex: `^(\\.\\./)+(${APP_FOLDERS.join('|')})(/|$)`,
              message: 'The transport must not import application folders.',
            },
          ],
        },
      ],
    },
  },
  // The transport's stages import only the stages below them (SQS_LAYERS above).
  ...sqsLayerRules(),
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
