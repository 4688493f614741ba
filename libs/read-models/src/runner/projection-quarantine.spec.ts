import { compareCheckpoints } from '@pi-ledger/event-store/event-store.port';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { v7 as uuidv7 } from 'uuid';
import type { NewEvent } from '@pi-ledger/event-store/event-store.port';
import { PostgresEventStore } from '@pi-ledger/event-store/postgres/postgres-event-store';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import { subjectStream } from '@pi-ledger/ledger-domain/subject/subject.events';
import type { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { VaultPen } from '@pi-ledger/pii-vault/pii-vault.testing';
import { SubjectEventCodec } from '@pi-ledger/pii-vault/subject-event-codec';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { SubjectProfileProjection } from '../projections/subject-profile/subject-profile.projection';
import { ProjectionCheckpoints } from './projection-checkpoints';
import { classifyFailure, ProjectionQuarantine, replayStream } from './projection-quarantine';
import { ProjectionRunner } from './projection-runner';

/**
 * Issue #18, item 1, at the runner: a lone surrogate, accepted before the edge refused such input,
 * reaches the subject_profile projection sealed; opened, it is a string PostgreSQL's jsonb refuses
 * (22P02), which stopped the projection for every subject. (In a name it no longer reaches jsonb:
 * the read model seals the values; a province, kept in clear as a generalised attribute, still
 * does.) Now that subject's stream alone is quarantined, its row forgotten, and the projection goes on.
 */
describe('quarantine of the subject_profile projection (PostgreSQL)', () => {
  let database: TestDatabase;
  let pen: VaultPen;
  let vault: PiiVault;
  let codec: SubjectEventCodec;
  let store: PostgresEventStore;

  beforeAll(async () => {
    database = await createTestDatabase();
    pen = new VaultPen(database.pool);
    vault = await pen.open(randomBytes(32));
    codec = new SubjectEventCodec(vault);
    store = new PostgresEventStore(database.pool, { pollIntervalMs: 100 });
  });
  afterAll(async () => {
    await store.close();
    await pen.closeAll();
    await database.close();
  });

  /** Seals and appends a subject's events, as the command side would. */
  async function append(subjectId: string, events: SubjectEvent[]): Promise<number> {
    const ids = events.map(() => uuidv7());
    const sealed = await codec.sealAll(events, ids);
    const stored: NewEvent[] = sealed.map((event, index) => ({
      eventId: ids[index],
      type: event.type,
      data: event.data as unknown as NewEvent['data'],
      metadata: { actor: 'spec', roles: ['staff'], correlationId: 'spec' },
    }));
    return (await store.appendToStream(subjectStream(subjectId), stored)).position;
  }
  const at = '2026-01-05T09:00:00.000Z';
  const registered = (subjectId: string): SubjectEvent => ({
    type: 'SubjectRegistered',
    data: { subjectId, purposeId: 'health-management', legalBasis: 'contract', noticeVersion: 'v1', channel: 'front-desk', minor: false, registeredAt: at },
  });
  const identity = (subjectId: string, name: string): SubjectEvent => ({
    type: 'DataCollected',
    data: { subjectId, category: 'identity', purposeId: 'health-management', fields: { name, birthDate: '1980-05-01' }, collectedAt: at },
  });
  const profile = async (subjectId: string) => (await database.pool.query(`SELECT version FROM subject_profile WHERE subject_id = $1`, [subjectId])).rows[0];

  it('quarantines the stream with the lone surrogate, forgets its row, and projects every other subject', async () => {
    const [before, victim, after] = [uuidv7(), uuidv7(), uuidv7()];
    await append(before, [registered(before), identity(before, '张伟')]);
    await append(victim, [registered(victim), identity(victim, '王芳')]);
    const runner = new ProjectionRunner(database.pool, store, [new SubjectProfileProjection(vault)], { logger: pino({ level: 'silent' }), pollMs: 50 });
    await runner.start();
    try {
      await waitFor(async () => (await profile(victim))?.version === 2);
      const bad = await append(victim, [
        {
          type: 'DataCorrected',
          data: { subjectId: victim, category: 'contact', purposeId: 'health-management', reason: 'correction', set: { address: { province: '\ud800' } }, changedAt: at },
        },
      ]);
      await append(after, [registered(after), identity(after, '李娜')]);
      await waitFor(async () => (await profile(after))?.version === 2);

      const [entry] = await new ProjectionQuarantine(database.pool).list('subject_profile');
      expect(entry).toMatchObject({ streamId: subjectStream(victim), position: bad, eventType: 'DataCorrected', streamVersion: 3, code: '22P02' });
      expect(await profile(victim)).toBeUndefined(); // no stale row left to read or search
      expect(await profile(before)).toEqual({ version: 2 });
      const head = await store.headCheckpoint();
      await waitFor(async () => compareCheckpoints((await new ProjectionCheckpoints(database.pool).get('subject_profile'))!.checkpoint, head) >= 0);
      expect((await new ProjectionCheckpoints(database.pool).get('subject_profile'))!.status).toBe('running');

      // the event is in the log for good: its replay fails the same way until the projection copes with it
      await expect(replayStream({ pool: database.pool, store, projection: new SubjectProfileProjection(vault), streamId: subjectStream(victim) })).rejects.toThrow(
        /version 3 of stream subject-.*still fails: 22P02/,
      );
    } finally {
      await runner.stop();
    }
  });

  it('classifies failures by code: transient, systemic, or the event’s own', () => {
    const pg = (code: string) => Object.assign(new Error(`message with a value "13812345678"`), { code, severity: 'ERROR' });
    expect(classifyFailure(pg('40P01'))).toMatchObject({ kind: 'transient', code: '40P01' });
    expect(classifyFailure(pg('57014'))).toMatchObject({ kind: 'transient' });
    expect(classifyFailure(pg('08006'))).toMatchObject({ kind: 'transient' });
    expect(classifyFailure(pg('55P03'))).toMatchObject({ kind: 'transient' });
    expect(classifyFailure(pg('42703'))).toMatchObject({ kind: 'systemic' });
    expect(classifyFailure(pg('42501'))).toMatchObject({ kind: 'systemic' });
    expect(classifyFailure(pg('22P02'))).toEqual({ kind: 'event', code: '22P02', description: 'PostgreSQL: invalid text representation' });
    expect(classifyFailure(pg('23505'))).toMatchObject({ kind: 'event', description: 'PostgreSQL: unique violation' });
    expect(classifyFailure(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toMatchObject({ kind: 'transient' });
    expect(classifyFailure(new Error('Connection terminated unexpectedly'))).toMatchObject({ kind: 'transient' });
    // the platform's typed outage and a wrong master key are no fault of one stream
    expect(classifyFailure(Object.assign(new Error('the database is unavailable'), { code: 'database-unavailable' }))).toMatchObject({ kind: 'transient' });
    expect(classifyFailure(Object.assign(new Error('master key mismatch'), { code: 'master-key-mismatch' }))).toMatchObject({ kind: 'systemic' });
    expect(classifyFailure(Object.assign(new Error('cannot decrypt'), { code: 'decryption-failed' }))).toMatchObject({ kind: 'event' });
    expect(classifyFailure(new TypeError('x is not a function: 13812345678'))).toEqual({ kind: 'event', code: 'TypeError', description: 'thrown by the projection' });
    expect(JSON.stringify(classifyFailure(pg('22P02')))).not.toContain('13812345678');
  });
});

async function waitFor(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  for (const start = Date.now(); !(await check());) {
    if (Date.now() - start > ms) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
