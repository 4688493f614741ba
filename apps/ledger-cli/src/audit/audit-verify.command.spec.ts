import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresEventStore } from '@pi-ledger/event-store/postgres/postgres-event-store';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { appendAuditTestEvents, readAllEvents, writeTree } from '@pi-ledger/audit/audit.testing';
import { AuditLog } from '@pi-ledger/audit/audit-log';
import { AuditVerifier } from '@pi-ledger/audit/audit-verifier';
import { TreeHeadSigner } from '@pi-ledger/audit/tree-head-signer';
import { AuditVerifyCommand, EXIT_NOT_INTACT } from './audit-verify.command';

describe('ledger audit verify', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let command: AuditVerifyCommand;
  let stdout: string[];
  const signer = TreeHeadSigner.generate();

  beforeAll(async () => {
    database = await createTestDatabase();
    store = new PostgresEventStore(database.pool);
    await appendAuditTestEvents(store, 12);
    await writeTree(database.pool, await readAllEvents(store));
    await new AuditLog(database.pool, signer).createTreeHead();
    command = new AuditVerifyCommand(new AuditVerifier(database.pool, signer.verificationKey));
  });
  afterAll(async () => {
    await store.close();
    await database.close();
  });
  beforeEach(() => {
    stdout = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    process.exitCode = undefined;
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.exitCode = undefined;
  });

  it('prints a summary and leaves the exit status 0 when the trail is intact', async () => {
    await command.run([], {});
    expect(process.exitCode).toBeUndefined();
    expect(stdout.join('')).toMatch(/^audit trail intact: 12 events, 12 leaves, 1 signed tree head checked\nlatest tree head: size 12, root [0-9a-f]{64}, /);
  });

  it('prints JSON with --json', async () => {
    await command.run([], { json: true });
    expect(JSON.parse(stdout.join(''))).toMatchObject({ ok: true, events: 12, treeHeads: 1 });
  });

  it('names the first bad position and exits 3 when the trail is not intact', async () => {
    const owner = await database.ownerClient();
    const victim = (await readAllEvents(store))[5];
    await owner.query('ALTER TABLE ledger_events DISABLE TRIGGER USER');
    await owner.query(`UPDATE ledger_events SET metadata = jsonb_set(metadata, '{actor}', '"x"') WHERE position = $1`, [victim.position]);
    await command.run([], {});
    expect(process.exitCode).toBe(EXIT_NOT_INTACT);
    expect(stdout.join('')).toContain(`audit trail NOT intact: position ${victim.position} (leaf 5): leaf-mismatch:`);
  });

  it('parses its options: public keys (repeatable), batch size', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pi-ledger-audit-cli-'));
    try {
      const ed = join(dir, 'ed.pem');
      const rsa = join(dir, 'rsa.pem');
      writeFileSync(ed, signer.publicKey().publicKeyPem);
      writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }));
      expect(command.parsePublicKey(ed, command.parsePublicKey(ed))).toHaveLength(2);
      expect(() => command.parsePublicKey(rsa)).toThrow(/not an Ed25519 public key/);
      expect(command.parseBatchSize('250')).toBe(250);
      expect(() => command.parseBatchSize('0')).toThrow(/1 to 10000/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
