import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NewEvent } from '@pi-ledger/event-store/event-store.port';
import { PostgresEventStore } from '@pi-ledger/event-store/postgres/postgres-event-store';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { readAllEvents, writeTree } from '@pi-ledger/audit/audit.testing';
import { AuditLog } from '@pi-ledger/audit/audit-log';
import { AuditVerifier } from '@pi-ledger/audit/audit-verifier';
import { ComplianceReport } from '@pi-ledger/audit/compliance-report/compliance-report';
import { pinnedClock } from '@pi-ledger/platform/clock/ledger-clock';
import { TreeHeadSigner } from '@pi-ledger/audit/tree-head-signer';
import { EXIT_USAGE } from '../program-name';
import { ComplianceReportCommand } from './compliance-report.command';

const metadata = { actor: 'staff-7', roles: ['staff'], purposeId: 'marketing', legalBasis: 'consent' as const, correlationId: randomUUID() };
const granted = (subjectId: string, grantedAt: string): NewEvent => ({
  type: 'ConsentGranted',
  data: { subjectId, consentId: randomUUID(), purposeId: 'marketing', categories: ['contact'], separate: false, noticeVersion: 'v1', channel: 'app', grantedAt },
  metadata,
});

describe('ledger compliance report', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let command: ComplianceReportCommand;
  let stdout: string[];
  let stderr: string[];

  beforeAll(async () => {
    database = await createTestDatabase();
    store = new PostgresEventStore(database.pool);
    await store.appendToStream(`subject-${randomUUID()}`, [granted(randomUUID(), '2026-03-01T00:00:00.000Z')]);
    await store.appendToStream(`subject-${randomUUID()}`, [granted(randomUUID(), '2026-04-01T00:00:00.000Z')]);
    await store.appendToStream(`subject-${randomUUID()}`, [granted(randomUUID(), '2026-05-01T00:00:00.000Z')]);
    await writeTree(database.pool, await readAllEvents(store));
    const signer = TreeHeadSigner.generate();
    const clock = pinnedClock('2026-06-01T00:00:00.000Z');
    command = new ComplianceReportCommand(
      new ComplianceReport(database.pool, store, new AuditLog(database.pool, signer, clock), new AuditVerifier(database.pool, signer.verificationKey), clock),
    );
  });
  afterAll(async () => {
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

  it('prints the report of the period as JSON, the events it counts in the tree under a signed head, and a summary on stderr', async () => {
    await command.run([], { from: command.parseFrom('2026-03-15'), to: command.parseTo('2026-06-01T00:00:00+08:00') });
    const report = JSON.parse(stdout.join(''));
    expect(report.consents.given).toMatchObject({ count: 2, byPurpose: { marketing: { count: 2 } } });
    expect(report.auditTrail.verification.ok).toBe(true);
    expect(report.auditTrail.pending).toEqual([]);
    expect(report.auditTrail.entries.map((entry: { position: number }) => entry.position)).toEqual([
      ...report.purposes.flatMap((p: { positions: number[] }) => p.positions),
      ...report.consents.given.positions,
    ]);
    expect(stderr.join('')).toContain('2 consents given');
    expect(process.exitCode).toBeUndefined();
  });

  it('writes the report to a file that verify-evidence.mjs verifies offline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'compliance-report-cli-'));
    try {
      const out = join(dir, 'report.json');
      await command.run([], { from: command.parseFrom('2026-01-01'), to: command.parseTo('2026-06-01'), out });
      expect(stdout).toEqual([]);
      expect(JSON.parse(readFileSync(out, 'utf8')).consents.given.count).toBe(3);
      const verified = spawnSync(process.execPath, [join(__dirname, '../../../../libs/audit/src/evidence/verify-evidence.mjs'), out], { encoding: 'utf8' });
      expect({ status: verified.status, stdout: verified.stdout }).toMatchObject({ status: 0, stdout: expect.stringContaining('compliance-audit report verified') });
      expect(stderr.join('')).toContain('verify-evidence.mjs');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a period that ends before it starts, and a time that is not ISO 8601', async () => {
    await command.run([], { from: command.parseFrom('2026-06-01'), to: command.parseTo('2026-01-01') });
    expect(process.exitCode).toBe(EXIT_USAGE);
    expect(stdout).toEqual([]);
    expect(() => command.parseFrom('last tuesday')).toThrow(/ISO 8601/);
  });
});
