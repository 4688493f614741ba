// ESLint: typescript-eslint's type-checked recommended set, tuned to this codebase, and the rule
// that keeps ledger time on the one clock. Formatting is Prettier's (.prettierrc.json), not ESLint's.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const TESTS = ['**/*.spec.ts', '**/*.contract-spec.ts', '**/*.e2e-spec.ts', '**/*.testing.ts', 'test/**', 'bench/**'];

/**
 * Where reading the system time directly is right: the clock itself, logging and metrics
 * (timestamps of the process, not of the ledger), and timers that measure elapsed time
 * (timeouts, leases, deadlines, progress) rather than stamping ledger facts.
 */
const TIME_ALLOWED = [
  'libs/platform/src/clock/ledger-clock.ts', // the one clock
  'libs/platform/src/logging/**',
  'libs/platform/src/metrics/**',
  'libs/read-models/src/runner/projection-runner.ts', // lease renewal, polling back-off
  'apps/ledger-api/src/application/projection-freshness.ts', // freshness wait deadline
  'apps/ledger-api/src/http/idempotency.interceptor.ts', // sweep interval
  'libs/audit/src/audit-verifier.ts', // held-back-transaction timeout
  'apps/ledger-cli/src/projections/projections.commands.ts', // rebuild progress and speed
  'libs/access-control/src/token.service.ts', // jose's expiry check, against real time
  'apps/ledger-cli/src/keys/rotate-master-key.ts', // names the old key's file on the operator's disk, not a ledger fact
  'apps/console/**', // the browser's own time for hints (days left, a minor's age); the API decides with the ledger's clock
];
const CLOCK_MESSAGE = 'Take the time from the injected LEDGER_CLOCK (libs/platform/src/clock/ledger-clock.ts), so that tests and restores can pin it.';

export default defineConfig(
  { ignores: ['dist/', 'coverage/', '.ledger-data/', 'node_modules/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // pg's QueryResult rows, JSON bodies and parsed files are `any` by design and are mapped at the
      // query or parse boundary; these five fire several hundred times on that, not on bugs.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // `async` without `await` is deliberate where an interface wants a Promise (TypeORM migrations'
      // down(), nest-commander's run(), stop()/close() of ports): it keeps a throw a rejection.
      '@typescript-eslint/require-await': 'off',
      // as tsc's noUnusedLocals/noUnusedParameters: a leading underscore, or a sibling of a rest
      // element (`const { channel: _channel, ...rest } = x`), marks a value left out on purpose
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // `cond ? delete a[k] : (a[k] = v)` as a statement is house style in the evolve functions
      '@typescript-eslint/no-unused-expressions': ['error', { allowTernary: true, allowShortCircuit: true }],
      // the ledger matches control characters on purpose (canonical JSON, plaintext scans)
      'no-control-regex': 'off',
    },
  },
  {
    files: TESTS,
    rules: {
      // jest's expect(mock.method) and spies pass methods unbound on purpose
      '@typescript-eslint/unbound-method': 'off',
      // fixtures spell out holes, casts of jest.requireActual and counters a test reads in a failure message
      'no-sparse-arrays': 'off',
      'no-useless-assignment': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
  {
    files: ['bench/**/*.ts'],
    rules: {
      // benchmark scripts read response bodies loosely and keep the autocannon worker's `this`
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-this-alias': 'off',
      'no-useless-escape': 'off',
    },
  },
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: [...TIME_ALLOWED, ...TESTS],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.type='Identifier'][callee.name='Date'][arguments.length=0]", message: `new Date() reads the system time. ${CLOCK_MESSAGE}` },
        { selector: "CallExpression[callee.type='Identifier'][callee.name='Date']", message: `Date() reads the system time. ${CLOCK_MESSAGE}` },
        {
          selector: "CallExpression[callee.type='MemberExpression'][callee.object.name='Date'][callee.property.name='now']",
          message: `Date.now() reads the system time. ${CLOCK_MESSAGE}`,
        },
      ],
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.{js,cjs}'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
