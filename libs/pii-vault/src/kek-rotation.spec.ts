import { randomBytes, randomUUID } from 'node:crypto';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { kekIdOf } from './master-key';
import { EncryptedValue, FieldContext } from './pii-vault';
import { KekRotationError, MasterKeyMismatchError } from './pii-vault.errors';
import { VaultPen } from './pii-vault.testing';

const SUBJECTS = 12;
const CATEGORIES = ['identity', 'contact'];

describe('PiiVault.rotateKek', () => {
  let database: TestDatabase;
  let pen: VaultPen;
  let written: [FieldContext, EncryptedValue][];
  let oldKek: Buffer;
  let newKek: Buffer;
  let phoneIndex: string;
  let shreddedSubject: string;

  /** 12 subjects × 2 categories = 24 data keys, one subject's keys shredded, and the blind-index key. */
  beforeEach(async () => {
    database = await createTestDatabase();
    pen = new VaultPen(database.pool);
    oldKek = randomBytes(32);
    newKek = randomBytes(32);
    const vault = await pen.open(oldKek);
    written = [];
    for (let s = 0; s < SUBJECTS; s++) {
      for (const category of CATEGORIES) {
        const at = { eventId: randomUUID(), subjectId: `subject-${s}`, category, field: 'value' };
        written.push([at, await vault.encrypt(at, `${category} ${s} 张`)]);
      }
    }
    shreddedSubject = 'subject-0';
    await vault.shred(shreddedSubject, undefined, { reason: 'erasure', actor: 'spec' });
    phoneIndex = vault.blindIndex('phone', '13812345678');
  });
  afterEach(async () => {
    await pen.closeAll();
    await database.close();
  });

  async function expectAllReadableWith(kek: Buffer): Promise<void> {
    const vault = await pen.open(kek, { listenForShreds: false });
    for (const [at, value] of written) {
      if (at.subjectId === shreddedSubject) await expect(vault.decrypt(at, value)).rejects.toMatchObject({ code: 'data-erased' });
      else expect(await vault.decrypt(at, value)).toBe(`${at.category} ${at.subjectId.slice(8)} 张`);
    }
    expect(vault.blindIndex('phone', '+86 138 1234 5678')).toBe(phoneIndex);
  }

  const kekIds = async () =>
    (
      await database.pool.query(`SELECT kek_id, count(*)::int AS n FROM (
        SELECT kek_id FROM vault_data_keys WHERE wrapped_key IS NOT NULL UNION ALL SELECT kek_id FROM vault_secrets) k GROUP BY kek_id`)
    ).rows;

  // these keys seal no events: that events stay untouched is kek-rotation.events.spec.ts, over a real log
  it('re-wraps every live key and the blind-index key in batches; the new key then opens the old data, the old one is refused', async () => {
    const vault = await pen.open(oldKek, { rotationBatchSize: 5 });
    const progress: [number, number][] = [];

    const result = await vault.rotateKek(newKek, (done, total) => progress.push([done, total]));

    expect(result).toEqual({ rewrapped: (SUBJECTS - 1) * CATEGORIES.length + 1 });
    expect(progress[0]).toEqual([0, 23]);
    expect(progress[progress.length - 1]).toEqual([23, 23]);
    // batches of 5 subjects, 2 keys each: 11 live subjects, then the blind-index key
    expect(progress.map(([done]) => done)).toEqual([0, 10, 20, 22, 23]);
    expect(await kekIds()).toEqual([{ kek_id: kekIdOf(newKek), n: 23 }]);

    await expectAllReadableWith(newKek);
    await expect(pen.open(oldKek)).rejects.toThrow(/does not match the key that wrapped the data keys/);
    // the rotating vault itself switched: new keys go under the new master key
    await vault.encrypt({ eventId: randomUUID(), subjectId: 'subject-new', category: 'contact', field: 'phone' }, 'x');
    expect(await kekIds()).toEqual([{ kek_id: kekIdOf(newKek), n: 24 }]);
  });

  it('leaves shredded keys shredded', async () => {
    const vault = await pen.open(oldKek);
    await vault.rotateKek(newKek);
    const { rows } = await database.pool.query('SELECT wrapped_key FROM vault_data_keys WHERE subject_id = $1', [shreddedSubject]);
    expect(rows).toEqual([{ wrapped_key: null }, { wrapped_key: null }]);
  });

  it('resumes an interrupted rotation, and refuses to run on a half-rotated vault meanwhile', async () => {
    const vault = await pen.open(oldKek, { rotationBatchSize: 4 });
    const interrupted = vault.rotateKek(newKek, (done) => {
      if (done >= 8) throw new Error('power cut');
    });
    await expect(interrupted).rejects.toThrow('power cut');
    expect(await kekIds()).toEqual(
      expect.arrayContaining([
        { kek_id: kekIdOf(oldKek), n: 15 },
        { kek_id: kekIdOf(newKek), n: 8 },
      ]),
    );

    for (const kek of [oldKek, newKek]) {
      const error = await pen.open(kek).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MasterKeyMismatchError);
      expect((error as Error).message).toMatch(/rotation is unfinished.*run `ledger keys rotate-kek` again/);
    }

    const resuming = await pen.open(oldKek, { rotatingTo: newKek, rotationBatchSize: 4 });
    expect(await resuming.rotateKek(newKek)).toEqual({ rewrapped: 15 });
    await expectAllReadableWith(newKek);
  });

  it('refuses, before writing anything, when a key is under neither the current nor the new master key', async () => {
    const vault = await pen.open(oldKek);
    const owner = await database.ownerClient();
    await owner.query(`UPDATE vault_subject_keys SET kek_id = 'ffffffffffffffff' WHERE subject_id = 'subject-3'`);

    const error = await vault.rotateKek(newKek).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KekRotationError);
    expect((error as Error).message).toMatch(/neither the current one nor the new one \(2 under kek id ffffffffffffffff/);
    expect(await kekIds()).toEqual(
      expect.arrayContaining([
        { kek_id: kekIdOf(oldKek), n: 21 },
        { kek_id: 'ffffffffffffffff', n: 2 },
      ]),
    );
  });

  it('allows one rotation at a time per database', async () => {
    const vault = await pen.open(oldKek);
    const other = await database.ownerClient();
    await other.query('SELECT pg_advisory_lock(7263537002)'); // what a running rotation holds
    await expect(vault.rotateKek(newKek)).rejects.toThrow(/another master-key rotation is running/);
    await other.query('SELECT pg_advisory_unlock(7263537002)');
    await vault.rotateKek(newKek);
    await expectAllReadableWith(newKek);
  });
});
