/**
 * The architecture's import rules, checked by `npm run lint` (depcruise apps libs test bench).
 * Paths are relative to the repository; `@pi-ledger/<lib>/*` resolves through tsconfig.json.
 */
const TESTS = '(\\.spec|\\.contract-spec|\\.e2e-spec|\\.testing)\\.ts$|^test/|^bench/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle of modules: one of them should not know the other (move the shared part down, or invert it).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-circular-between-libs',
      severity: 'error',
      comment:
        'A cycle between folders of different libs (e.g. read-models -> audit -> read-models): libs form layers, ' +
        'and the lower one must not know the higher one. Compose in the higher lib, or in the app.',
      scope: 'folder',
      from: { path: '^libs/([^/]+)/' },
      to: { circular: true, pathNot: '^libs/$1/' },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment:
        'libs/ledger-domain decides from commands and events only: no framework, ORM, driver, logger, validator, ' +
        'id generator or other lib, and no I/O. Only itself and node:crypto (hashing is computation).',
      from: { path: '^libs/ledger-domain/', pathNot: TESTS },
      to: { pathNot: ['^libs/ledger-domain/', '^(node:)?crypto$'] },
    },
    {
      name: 'libs-not-to-apps',
      severity: 'error',
      comment: 'Libs are used by the apps, never the other way round.',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'apps-not-to-other-apps',
      severity: 'error',
      comment: 'Each app is deployed on its own; what two apps share belongs in a lib.',
      from: { path: '^apps/([^/]+)/' },
      // but for the CLI's in-process import and export (`ledger import customers`, `ledger export customers`), which must run the API's own registration and export, not copies
      to: { path: '^apps/', pathNot: ['^apps/$1/', '^apps/ledger-api/src/imports/import-runtime\\.ts$', '^apps/ledger-api/src/exports/export-runtime\\.ts$'] },
    },
    {
      name: 'production-not-to-tests',
      severity: 'error',
      comment: 'Shipped code must not import test support, specs or benchmarks.',
      from: { path: '^(apps|libs)/', pathNot: TESTS },
      to: { path: TESTS },
    },
    {
      name: 'not-to-dev-dep',
      severity: 'error',
      comment: 'Shipped code imports a devDependency, which `npm ci --omit=dev` would not install: make it a dependency.',
      // apps/console is bundled by Vite at build time: what it imports ships inside its bundle, not from node_modules
      from: { path: '^(apps|libs)/', pathNot: [TESTS, '^apps/console/'] },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-non-package-json',
      severity: 'error',
      comment: 'An import of a package that package.json does not declare: it works only while something else pulls it in.',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing on disk.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // specs, test support and benchmarks are cruised as leaves: their own imports (a lib's spec using
    // test/support, which boots the API) would otherwise make every lib look cyclic at folder level
    doNotFollow: { path: ['node_modules', TESTS] },
    exclude: { path: '^(dist|coverage)/' },
    // type-only imports count: a cycle or a layering breach is one whether or not it survives compilation
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.tsx', '.mjs', '.js', '.cjs', '.json', '.d.ts'],
    },
    skipAnalysisNotInRules: true,
  },
};
