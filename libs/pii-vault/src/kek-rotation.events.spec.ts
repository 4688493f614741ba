import { randomBytes, randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import { JsonObject } from '@pi-ledger/event-store/event-store.port';
import { PostgresEventStore } from '@pi-ledger/event-store/postgres/postgres-event-store';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { kekIdOf } from './master-key';
import { EncryptedValue } from './pii-vault';
import { MasterKeyMismatchError } from './pii-vault.errors';
import { eventRowsVerbatim, VaultPen } from './pii-vault.testing';
import { ERASED, SubjectEventCodec } from './subject-event-codec';

const at = '2026-02-02T10:00:00.000Z';
const metadata = { actor: 'staff-1', roles: ['staff'], purposeId: 'health-management', legalBasis: 'consent' as const, correlationId: 'c-1' };

/** A registration as the decider emits it: PI in identity, contact, health and guardian. */
function registration(subjectId: string, n: number): SubjectEvent[] {
  const collected = (category: 'identity' | 'contact' | 'health', fields: Record<string, unknown>): SubjectEvent => ({
    type: 'DataCollected',
    data: { subjectId, category, purposeId: 'health-management', fields, collectedAt: at },
  });
  return [
    { type: 'SubjectRegistered', data: { subjectId, purposeId: 'health-management', legalBasis: 'consent', noticeVersion: 'v1', channel: 'web', minor: false, registeredAt: at } },
    {
      type: 'ConsentGranted',
      data: {
        subjectId,
        consentId: `c-${n}`,
        purposeId: 'health-management',
        categories: ['health'],
        separate: true,
        noticeVersion: 'v1',
        channel: 'web',
        guardian: { name: `王芳${n}`, relation: 'mother' },
        grantedAt: at,
      },
    },
    collected('identity', { name: `张伟${n}`, birthDate: '1980-05-01' }),
    collected('contact', { phone: `+86138123456${String(n).padStart(2, '0')}` }),
    collected('health', { conditions: ['2型糖尿病'], allergies: ['青霉素'] }),
  ];
}

/** A later command: its keys come from vault_create_data_keys, not from the registration's append. */
function correction(subjectId: string, n: number): SubjectEvent[] {
  return [
    {
      type: 'DataCorrected',
      data: { subjectId, category: 'contact', purposeId: 'health-management', reason: 'correction', set: { phone: `+86139000000${String(n).padStart(2, '0')}` }, changedAt: at },
    },
    { type: 'ProcessingRestricted', data: { subjectId, restrictionId: `r-${n}`, purposeIds: null, reason: `${n} 号要求暂停`, restrictedAt: at } },
  ];
}

describe('PiiVault.rotateKek over a log of sealed subject events', () => {
  let database: TestDatabase;
  let pen: VaultPen;
  let store: PostgresEventStore;
  const oldKek = randomBytes(32);
  const newKek = randomBytes(32);

  beforeAll(async () => {
    database = await createTestDatabase();
    pen = new VaultPen(database.pool);
    store = new PostgresEventStore(database.pool);
  });
  afterAll(async () => {
    await store.close();
    await pen.closeAll();
    await database.close();
  });

  const eventRows = () => eventRowsVerbatim(database.pool);
  const dataKeys = async () =>
    (await database.pool.query('SELECT subject_id, category, key_id, kek_id, wrapped_key IS NOT NULL AS live FROM vault_data_keys ORDER BY subject_id, category')).rows;

  it('re-wraps every data key and leaves every event row byte for byte; only the new master key opens the events', async () => {
    const writer = new SubjectEventCodec(await pen.open(oldKek, { listenForShreds: false }));
    const plain = new Map<string, SubjectEvent[]>();
    const subjects = Array.from({ length: 5 }, () => randomUUID());
    for (const [n, subjectId] of subjects.entries()) {
      let version = 0;
      for (const events of [registration(subjectId, n), correction(subjectId, n)]) {
        const first = version === 0;
        const ids = events.map(() => uuidv7());
        const sealing = await writer.sealForAppend(events, ids, first);
        await store.appendToStream(
          `subject-${subjectId}`,
          sealing.events.map((event, index) => ({ eventId: ids[index], type: event.type, data: event.data as unknown as JsonObject, metadata })),
          { expectedVersion: version, ...(sealing.alongside ? { alongside: sealing.alongside } : {}) },
        );
        sealing.appended();
        version += events.length;
        ids.forEach((id, index) => plain.set(id, [events[index]]));
      }
    }
    const erased = subjects[0];
    await pen.open(oldKek).then((vault) => vault.shred(erased, ['health'], { reason: 'erasure', actor: 'officer-1' }));

    const before = await eventRows();
    expect(before).toHaveLength(subjects.length * 7);
    expect(before.map((row) => row.data).join('\n')).not.toMatch(/张伟|王芳|8613812345|糖尿病|青霉素|要求暂停/);
    const keysBefore = await dataKeys();
    expect(new Set(keysBefore.map((row) => row.kek_id))).toEqual(new Set([kekIdOf(oldKek)]));
    expect(keysBefore.filter((row) => row.live)).toHaveLength(subjects.length * 5 - 1); // identity, contact, health, guardian, free_text

    const rotating = await pen.open(oldKek, { listenForShreds: false, rotationBatchSize: 2 });
    expect(await rotating.rotateKek(newKek)).toEqual({ rewrapped: subjects.length * 5 - 1 + 1 }); // and the blind-index key

    expect(await eventRows()).toEqual(before);
    const keysAfter = await dataKeys();
    // same data keys (ids, categories, tombstone), each live one now wrapped under the new master key
    expect(keysAfter.map(({ kek_id, ...key }) => key)).toEqual(keysBefore.map(({ kek_id, ...key }) => key));
    expect(keysAfter.filter((row) => row.live).map((row) => row.kek_id)).toEqual(keysBefore.filter((row) => row.live).map(() => kekIdOf(newKek)));
    const { rows: rowKeks } = await database.pool.query('SELECT DISTINCT kek_id FROM vault_subject_keys UNION SELECT DISTINCT kek_id FROM vault_secrets');
    expect(rowKeks).toEqual([{ kek_id: kekIdOf(newKek) }]);

    const reader = new SubjectEventCodec(await pen.open(newKek, { listenForShreds: false }));
    // the streams, not readAll: another test database's open transaction may hold the global horizon back
    const recorded = (await Promise.all(subjects.map((id) => store.readStream(`subject-${id}`)))).flat();
    expect(recorded).toHaveLength(subjects.length * 7);
    const opened = await reader.openAll(
      recorded.map((event) => ({ type: event.type, data: event.data }) as unknown as SubjectEvent<EncryptedValue>),
      recorded.map((event) => event.eventId),
    );
    const expected = recorded.map((event) => {
      const [original] = plain.get(event.eventId)!;
      const shredded = original.data.subjectId === erased && original.type === 'DataCollected' && original.data.category === 'health';
      return shredded ? { ...original, data: { ...original.data, fields: { conditions: ERASED, allergies: ERASED } } } : original;
    });
    expect(opened).toEqual(expected);
    expect(JSON.stringify(opened)).toContain('张伟4');

    const refused = await pen.open(oldKek, { listenForShreds: false }).catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(MasterKeyMismatchError);
    expect((refused as Error).message).toMatch(new RegExp(`does not match the key that wrapped the data keys \\(kek id ${kekIdOf(newKek)}\\)`));
  });
});
