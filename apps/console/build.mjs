// Builds the console into dist/console, unless it is newer than everything it is made from. Specs that
// start the service run `npm run build` while browser specs are being served the console, so a build
// is written aside and swapped in: a page never finds its directory emptied under it.
import { existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const target = join(root, 'dist', 'console');
const stamp = join(target, '.built');
// what the bundle is made from: the app, what it imports from the libs, the locked dependencies
const SOURCES = ['apps/console', 'libs/ledger-domain/src/validation', 'package-lock.json'];

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const force = process.argv.includes('--force');
if (!force && existsSync(stamp) && statSync(stamp).mtimeMs >= Math.max(...SOURCES.map((source) => newest(join(root, source))))) process.exit(0);

const aside = `${target}.${process.pid}`;
// the bundle the service serves is the production one, whoever builds it: a build started from jest (NODE_ENV=test) would
// otherwise get React's and Ant Design's development checks and warnings
process.env.NODE_ENV = 'production';
const { build } = await import('vite');
await build({ configFile: join(root, 'apps/console/vite.config.mts'), build: { outDir: aside, emptyOutDir: true } });
writeFileSync(join(aside, '.built'), '');
const old = `${target}.old.${process.pid}`;
if (existsSync(target)) renameSync(target, old);
renameSync(aside, target);
rmSync(old, { recursive: true, force: true });
