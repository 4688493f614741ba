import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** house-style.md: the domain imports nothing from the framework, the ORM or the driver. */
const FORBIDDEN = /from\s+['"](@nestjs\/|typeorm|pg['"]|fastify|@pi-ledger\/(platform|event-store|pii-vault|read-models|audit|access-control))/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('libs/ledger-domain', () => {
  it('imports no framework, ORM, driver or infrastructure lib', () => {
    const offenders = sources(__dirname).filter((file) => FORBIDDEN.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
