import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NewEvent } from '@pi-ledger/event-store/event-store.port';
import { PostgresEventStore } from '@pi-ledger/event-store/postgres/postgres-event-store';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { appendAuditTestEvents, readAllEvents, writeTree } from '@pi-ledger/audit/audit.testing';
import { AuditLog } from '@pi-ledger/audit/audit-log';
import { EvidenceExporter } from '@pi-ledger/audit/evidence/evidence-exporter';
import { EvidencePackage } from '@pi-ledger/audit/evidence/evidence-package';
import { TreeHeadSigner } from '@pi-ledger/audit/tree-head-signer';
import { AuditExportCommand, EXIT_USAGE } from './audit-export.command';

const SCRIPT = join(__dirname, '../../../../libs/audit/src/evidence/verify-evidence.mjs');

describe('ledger audit export', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let command: AuditExportCommand;
  let dir: string;
  let stdout: string[];
  let stderr: string[];
  const subjectId = randomUUID();
  const signer = TreeHeadSigner.generate();
  const event = (type: string, n: number): NewEvent => ({
    type,
    data: { subjectId, n, name: { ciphertext: `sealed-${n}`, keyId: 'k1' } },
    metadata: { actor: 'staff-7', roles: ['staff'], purposeId: 'health-management', legalBasis: 'contract', correlationId: randomUUID() },
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    store = new PostgresEventStore(database.pool);
    await appendAuditTestEvents(store, 9);
    await store.appendToStream(`subject-${subjectId}`, [event('SubjectRegistered', 1), event('DataCollected', 2)]);
    await appendAuditTestEvents(store, 4);
    await store.appendToStream(`access-${subjectId}`, [event('PersonalDataAccessed', 3)]);
    await store.appendToStream(`subject-${subjectId}`, [event('DataCorrected', 4)]);
    await writeTree(database.pool, await readAllEvents(store));
    // recorded after the tree was written: not covered, counted as pending
    await store.appendToStream(`access-${subjectId}`, [event('PersonalDataAccessed', 5)]);
    command = new AuditExportCommand(new EvidenceExporter(database.pool, new AuditLog(database.pool, signer), store));
    dir = mkdtempSync(join(tmpdir(), 'pi-ledger-export-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await store.close();
    await database.close();
  });
  beforeEach(() => {
    stdout = [];
    stderr = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
    process.exitCode = undefined;
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.exitCode = undefined;
  });

  const verify = (file: string) => spawnSync(process.execPath, [SCRIPT, file], { encoding: 'utf8' });

  it('writes a package of the subject’s events in the tree that verify-evidence.mjs verifies, and records the export', async () => {
    const out = join(dir, 'evidence.json');
    await command.run([], { subject: subjectId, out });
    expect(process.exitCode).toBeUndefined();
    expect(stdout).toEqual([]);
    const evidence: EvidencePackage = JSON.parse(readFileSync(out, 'utf8'));
    expect(evidence).toMatchObject({ format: 'pi-ledger-evidence/v1', subjectId, pendingEvents: 1, publicKey: signer.publicKey() });
    expect(evidence.entries.map((entry) => entry.type)).toEqual(['SubjectRegistered', 'DataCollected', 'PersonalDataAccessed', 'DataCorrected']);
    expect(evidence.entries.map((entry) => entry.leafIndex)).toEqual([...evidence.entries.map((entry) => entry.leafIndex)].sort((a, b) => a - b));
    expect(JSON.stringify(evidence)).not.toContain('sealed-');
    expect(stderr.join('')).toContain(`evidence for subject ${subjectId}: 4 events under the tree head of size ${evidence.treeHead.treeSize}`);
    expect(stderr.join('')).toContain('1 events not in the tree yet are not covered');

    const result = verify(out);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toContain("entries: 4 (3 of the subject's record, 1 reads of it)");
    expect(result.stdout).toContain('note: 1 events of the range were not in the tree yet');

    const [recorded] = await store.readStream('audit-exports', { direction: 'backwards', maxCount: 1 });
    expect(recorded).toMatchObject({
      eventId: evidence.exportId,
      type: 'EvidenceExported',
      data: { subjectId, entryCount: 4, pendingEvents: 1, treeSize: evidence.treeHead.treeSize },
    });
    expect(recorded.metadata.actor).toMatch(/^cli:/);
  });

  it('prints to stdout without --out, limited to a range', async () => {
    const all = (await store.readStream(`subject-${subjectId}`)).concat(await store.readStream(`access-${subjectId}`));
    const from = all.find((e) => e.type === 'PersonalDataAccessed')!.recordedAt;
    await command.run([], { subject: subjectId, from });
    const evidence: EvidencePackage = JSON.parse(stdout.join(''));
    expect(evidence.range).toEqual({ from: from.toISOString(), to: null });
    expect(evidence.entries.map((entry) => entry.type)).toEqual(['PersonalDataAccessed', 'DataCorrected']);
    const file = join(dir, 'ranged.json');
    writeFileSync(file, JSON.stringify(evidence));
    expect(verify(file).status).toBe(0);
  });

  it('a changed byte anywhere that counts fails verification', async () => {
    await command.run([], { subject: subjectId });
    const evidence: EvidencePackage = JSON.parse(stdout.join(''));
    const cases: Array<[string, (pkg: EvidencePackage) => void, RegExp]> = [
      ['commitment', (pkg) => (pkg.entries[0].commitment = pkg.entries[0].commitment.replace('staff-7', 'staff-8')), /entries\[0\].*not included/],
      ['audit path', (pkg) => (pkg.entries[1].inclusionProof.auditPath[0] = '0'.repeat(64)), /entries\[1\].*not included/],
      ['entry field', (pkg) => (pkg.entries[2].type = 'Nothing'), /entries\[2\].*type "Nothing" differs/],
      ['subject', (pkg) => (pkg.subjectId = randomUUID()), /not this subject's/],
      ['root', (pkg) => (pkg.treeHead.rootHash = 'f'.repeat(64)), /treeHead.signature is not a valid/],
      ['key id', (pkg) => (pkg.publicKey.keyId = '0'.repeat(16)), /publicKey.keyId/],
      ['format', (pkg) => ((pkg as { format: string }).format = 'other/v9'), /format is "other\/v9"/],
    ];
    for (const [what, tamper, message] of cases) {
      const pkg: EvidencePackage = JSON.parse(JSON.stringify(evidence));
      tamper(pkg);
      const file = join(dir, `tampered-${what.replace(' ', '-')}.json`);
      writeFileSync(file, JSON.stringify(pkg));
      const result = verify(file);
      expect({ what, status: result.status }).toEqual({ what, status: 1 });
      expect(result.stdout).toMatch(message);
    }
  });

  it('refuses bad options and unknown subjects', async () => {
    expect(() => command.parseSubject('nope')).toThrow(/UUID/);
    expect(() => command.parseFrom('yesterday')).toThrow(/ISO 8601/);
    expect(() => command.parseTo('2025-11-23T08:00:00')).toThrow(/time zone/);
    expect(command.parseTo('2025-11-23').toISOString()).toBe('2025-11-23T00:00:00.000Z');
    await command.run([], { subject: subjectId, from: new Date('2025-02-01T00:00:00Z'), to: new Date('2025-01-01T00:00:00Z') });
    expect(process.exitCode).toBe(EXIT_USAGE);
    await expect(command.run([], { subject: randomUUID() })).rejects.toMatchObject({ code: 'subject-not-found' });
  });
});
