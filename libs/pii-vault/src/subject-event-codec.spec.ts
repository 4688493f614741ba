import { randomBytes, randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { AlongsideConflict } from '@pi-ledger/event-store/event-store.errors';
import { JsonObject } from '@pi-ledger/event-store/event-store.port';
import { PostgresEventStore } from '@pi-ledger/event-store/postgres/postgres-event-store';
import { EncryptedValue, PiiVault } from './pii-vault';
import { DataErasedError } from './pii-vault.errors';
import { countingStatements, VaultPen } from './pii-vault.testing';
import { ERASED, FREE_TEXT_CATEGORY, GUARDIAN_CATEGORY, SubjectEventCodec } from './subject-event-codec';

const why = { reason: 'erasure request (PIPL art. 47)', actor: 'officer-3' };
const at = '2026-02-02T10:00:00.000Z';

/** A registration of a minor as the decider emits it, then a restriction: PI in five categories. */
function events(subjectId: string): SubjectEvent[] {
  const collected = (category: 'identity' | 'contact' | 'health', fields: Record<string, unknown>): SubjectEvent => ({
    type: 'DataCollected',
    data: { subjectId, category, purposeId: 'health-management', fields, collectedAt: at },
  });
  return [
    { type: 'SubjectRegistered', data: { subjectId, purposeId: 'health-management', legalBasis: 'consent', noticeVersion: 'v1', channel: 'web', minor: true, registeredAt: at } },
    {
      type: 'ConsentGranted',
      data: {
        subjectId,
        consentId: 'c-1',
        purposeId: 'health-management',
        categories: ['health'],
        separate: true,
        noticeVersion: 'v1',
        channel: 'web',
        guardian: { name: '王芳', relation: 'mother' },
        grantedAt: at,
      },
    },
    collected('identity', { name: '王小明', birthDate: '2012-03-04' }),
    collected('contact', { phone: '+8613812345678' }),
    collected('health', { allergies: ['青霉素'] }),
    { type: 'ProcessingRestricted', data: { subjectId, restrictionId: 'r-1', purposeIds: null, reason: '家长要求暂停', restrictedAt: at } },
  ];
}

describe('SubjectEventCodec', () => {
  let database: TestDatabase;
  let pen: VaultPen;
  let vault: PiiVault;
  let codec: SubjectEventCodec;
  const masterKey = randomBytes(32);

  beforeAll(async () => {
    database = await createTestDatabase();
    pen = new VaultPen(database.pool);
    vault = await pen.open(masterKey);
    codec = new SubjectEventCodec(vault);
  });
  afterAll(async () => {
    await pen.closeAll();
    await database.close();
  });

  const statementsOf = <T>(action: () => Promise<T>) => countingStatements(database.pool, action);
  const keysOf = async (subjectId: string) =>
    new Map<string, string>(
      (await database.pool.query('SELECT category, key_id FROM vault_data_keys WHERE subject_id = $1', [subjectId])).rows.map((row) => [row.category, row.key_id]),
    );
  const sealed = async (subjectId: string) => {
    const plain = events(subjectId);
    const ids = plain.map(() => uuidv7());
    return { plain, ids, sealed: await codec.sealAll(plain, ids) };
  };

  it("seals a new subject's events with one statement, each value under its category's key", async () => {
    const subjectId = randomUUID();
    const plain = events(subjectId);
    const { statements, result } = await statementsOf(() =>
      codec.sealAll(
        plain,
        plain.map(() => uuidv7()),
      ),
    );
    expect(statements).toBe(1);
    const keys = await keysOf(subjectId);
    expect([...keys.keys()].sort()).toEqual(['contact', FREE_TEXT_CATEGORY, GUARDIAN_CATEGORY, 'health', 'identity'].sort());
    const kids = result.flatMap((event) => {
      if (event.type === 'DataCollected') return Object.values(event.data.fields).map((value) => [event.data.category, value.kid]);
      if (event.type === 'ConsentGranted') return [[GUARDIAN_CATEGORY, event.data.guardian!.kid]];
      if (event.type === 'ProcessingRestricted') return [[FREE_TEXT_CATEGORY, event.data.reason.kid]];
      return [];
    });
    expect(kids).toHaveLength(6);
    for (const [category, kid] of kids) expect(kid).toBe(keys.get(category));
    expect(JSON.stringify(result)).not.toMatch(/王|8613812345678|青霉素|家长/);
  });

  it('opens many subjects\' events on a cold vault with one statement, "[erased]" where a key is shredded', async () => {
    const [kept, erased] = [await sealed(randomUUID()), await sealed(randomUUID())];
    await vault.shred(erased.plain[0].data.subjectId, ['health'], why);
    const reader = new SubjectEventCodec(await pen.open(masterKey, { listenForShreds: false }));
    const both = [...kept.sealed, ...erased.sealed] as Array<SubjectEvent<EncryptedValue>>;
    const { statements, result } = await statementsOf(() => reader.openAll(both, [...kept.ids, ...erased.ids]));
    expect(statements).toBe(1);
    const withErasedHealth = erased.plain.map((event) =>
      event.type === 'DataCollected' && event.data.category === 'health' ? { ...event, data: { ...event.data, fields: { allergies: ERASED } } } : event,
    );
    expect(result).toEqual([...kept.plain, ...withErasedHealth]);
  });

  it('refuses to seal data of a shredded category again', async () => {
    const subjectId = randomUUID();
    await codec.sealAll(
      events(subjectId),
      events(subjectId).map(() => uuidv7()),
    );
    await vault.shred(subjectId, ['contact'], why);
    const again = events(subjectId).filter((event) => event.type === 'DataCollected');
    await expect(
      codec.sealAll(
        again,
        again.map(() => uuidv7()),
      ),
    ).rejects.toBeInstanceOf(DataErasedError);
    expect((await keysOf(subjectId)).size).toBe(5);
  });

  describe("sealForAppend: a new subject's keys stored by the append of its first events", () => {
    let store: PostgresEventStore;
    const metadata = { actor: 'staff-1', roles: ['staff'], correlationId: 'c-1' };
    beforeAll(() => {
      store = new PostgresEventStore(database.pool);
    });
    afterAll(() => store.close());

    const append = async (sealing: Awaited<ReturnType<SubjectEventCodec['sealForAppend']>>, ids: string[], subjectId: string) =>
      store.appendToStream(
        `subject-${subjectId}`,
        sealing.events.map((event, index) => ({ eventId: ids[index], type: event.type, data: event.data as unknown as JsonObject, metadata })),
        { expectedVersion: 0, ...(sealing.alongside ? { alongside: sealing.alongside } : {}) },
      );

    it('sends no key statement: the keys go with the events, and a cold vault opens them', async () => {
      const subjectId = randomUUID();
      const plain = events(subjectId);
      const ids = plain.map(() => uuidv7());
      // its own vault: a notification of another spec's shred, arriving meanwhile, would keep the draft out of the cache
      const writer = new SubjectEventCodec(await pen.open(masterKey, { listenForShreds: false }));
      const { statements, result: sealing } = await statementsOf(() => writer.sealForAppend(plain, ids, true));
      expect(statements).toBe(0);
      expect(sealing.alongside?.into).toMatch(/^vault_subject_keys /);
      expect(JSON.stringify(sealing.alongside?.values)).not.toMatch(/王|8613812345678|青霉素|家长/);
      expect((await keysOf(subjectId)).size).toBe(0); // nothing stored before the append
      await append(sealing, ids, subjectId);
      sealing.appended();
      expect((await keysOf(subjectId)).size).toBe(5);
      // cached once appended: sealing more costs no statement
      const more = events(subjectId).filter((event) => event.type === 'DataCollected');
      expect(
        (
          await statementsOf(() =>
            writer.sealAll(
              more,
              more.map(() => uuidv7()),
            ),
          )
        ).statements,
      ).toBe(0);
      const reader = new SubjectEventCodec(await pen.open(masterKey, { listenForShreds: false }));
      expect(await reader.openAll(sealing.events, ids)).toEqual(plain);
    });

    it('stores nothing when the append is refused, and caches nothing it did not store', async () => {
      const subjectId = randomUUID();
      const plain = events(subjectId);
      const ids = plain.map(() => uuidv7());
      const sealing = await codec.sealForAppend(plain, ids, true);
      await store.appendToStream(`subject-${subjectId}`, [{ type: 'Other', data: {}, metadata }]); // the stream moved on
      await expect(append(sealing, ids, subjectId)).rejects.toMatchObject({ code: 'wrong-expected-version' });
      expect((await keysOf(subjectId)).size).toBe(0);
      // the next command creates the keys the usual way, in a statement of its own
      const { statements } = await statementsOf(() =>
        codec.sealAll(
          plain,
          plain.map(() => uuidv7()),
        ),
      );
      expect(statements).toBe(1);
      expect((await keysOf(subjectId)).size).toBe(5);
    });

    it('refuses the whole append when the subject has keys after all; sealed again without a draft, it uses them', async () => {
      const subjectId = randomUUID();
      await codec.sealAll(
        events(subjectId),
        events(subjectId).map(() => uuidv7()),
      ); // keys, no events
      const stored = await keysOf(subjectId);
      const other = new SubjectEventCodec(await pen.open(masterKey, { listenForShreds: false })); // has none cached
      const plain = events(subjectId);
      const ids = plain.map(() => uuidv7());
      const drafted = await other.sealForAppend(plain, ids, true);
      expect(drafted.alongside).toBeDefined();
      await expect(append(drafted, ids, subjectId)).rejects.toBeInstanceOf(AlongsideConflict);
      expect(await store.streamVersion(`subject-${subjectId}`)).toBe(0);
      const resealed = await other.sealForAppend(plain, ids, false);
      expect(resealed.alongside).toBeUndefined();
      await append(resealed, ids, subjectId);
      expect(await keysOf(subjectId)).toEqual(stored);
      expect(await codec.openAll(resealed.events, ids)).toEqual(plain);
    });

    it('does not draft keys a vault has cached (stored), and does not cache a draft once a shred of the subject came in between', async () => {
      const subjectId = randomUUID();
      const plain = events(subjectId);
      await codec.sealAll(
        plain,
        plain.map(() => uuidv7()),
      );
      expect(
        (
          await codec.sealForAppend(
            plain,
            plain.map(() => uuidv7()),
            true,
          )
        ).alongside,
      ).toBeUndefined();

      const fresh = randomUUID();
      const cold = await pen.open(masterKey, { listenForShreds: false });
      const sealing = await new SubjectEventCodec(cold).sealForAppend(
        events(fresh),
        events(fresh).map(() => uuidv7()),
        true,
      );
      cold.evictSubject(fresh); // what a shred's notification does
      sealing.appended();
      expect(cold.cachedKeys).toBe(0);
    });
  });
});
