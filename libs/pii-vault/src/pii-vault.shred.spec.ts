import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase, withoutDatabaseCreation } from '@pi-ledger/test-support/test-database';
import { EncryptedValue, FieldContext, PiiVault } from './pii-vault';
import { DataErasedError } from './pii-vault.errors';
import { captureLog, VaultPen } from './pii-vault.testing';

const CATEGORIES = ['identity', 'contact', 'health'];
const why = { reason: 'erasure request (PIPL art. 47)', requestId: 'dsar-42', actor: 'officer-7' };

describe('PiiVault.shred', () => {
  let database: TestDatabase;
  let pen: VaultPen;
  let vault: PiiVault;
  let owner: Client;
  const masterKey = randomBytes(32);

  beforeAll(async () => {
    database = await createTestDatabase();
    pen = new VaultPen(database.pool);
    vault = await pen.open(masterKey);
    owner = await database.ownerClient();
  });
  afterAll(async () => {
    await pen.closeAll();
    await database.close();
  });

  /** A subject with one value in each category. */
  async function subject(): Promise<{ id: string; values: Map<string, [FieldContext, EncryptedValue]> }> {
    const id = `subject-${randomUUID()}`;
    const values = new Map<string, [FieldContext, EncryptedValue]>();
    for (const category of CATEGORIES) {
      const at = { eventId: randomUUID(), subjectId: id, category, field: 'value' };
      values.set(category, [at, await vault.encrypt(at, `${category} of ${id}`)]);
    }
    return { id, values };
  }

  const wrappedKeys = async (subjectId: string) =>
    (await owner.query('SELECT category, wrapped_key FROM vault_data_keys WHERE subject_id = $1 ORDER BY category', [subjectId])).rows;

  it('shreds every category of a subject: decrypt then throws DataErasedError, the keys are NULL', async () => {
    const erased = await subject();
    const kept = await subject();
    const tombstones = await vault.shred(erased.id, undefined, why);

    expect(tombstones.map((t) => t.category)).toEqual(['contact', 'health', 'identity']);
    for (const [at, value] of erased.values.values()) {
      const error = await vault.decrypt(at, value).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DataErasedError);
      expect(error).toMatchObject({ code: 'data-erased', subjectId: erased.id, category: at.category });
    }
    expect((await wrappedKeys(erased.id)).map((row) => row.wrapped_key)).toEqual([null, null, null]);
    for (const [at, value] of kept.values.values()) expect(await vault.decrypt(at, value)).toBe(`${at.category} of ${kept.id}`);
    expect((await wrappedKeys(kept.id)).every((row) => row.wrapped_key?.length === 60)).toBe(true);
  });

  it('shreds only the categories named, and lists tombstones with reason, request id and actor', async () => {
    const erased = await subject();
    const before = new Date();
    const [tombstone, ...more] = await vault.shred(erased.id, ['health'], why);

    expect(more).toEqual([]);
    expect(tombstone).toMatchObject({ subjectId: erased.id, category: 'health', ...why });
    expect(tombstone.keyId).toBe(erased.values.get('health')![1].kid);
    expect(tombstone.destroyedAt.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    expect(await vault.tombstones(erased.id)).toEqual([tombstone]);
    expect(await vault.hasLiveKey(erased.id, 'health')).toBe(false);
    expect(await vault.hasLiveKey(erased.id, 'contact')).toBe(true);

    const [healthAt, health] = erased.values.get('health')!;
    await expect(vault.decrypt(healthAt, health)).rejects.toBeInstanceOf(DataErasedError);
    for (const category of ['identity', 'contact']) {
      const [at, value] = erased.values.get(category)!;
      expect(await vault.decrypt(at, value)).toBe(`${category} of ${erased.id}`);
    }
  });

  it('is idempotent: shredding again destroys nothing and keeps the first tombstones', async () => {
    const erased = await subject();
    const first = await vault.shred(erased.id, ['contact'], why);
    expect(await vault.shred(erased.id, ['contact'], { ...why, reason: 'again' })).toEqual([]);
    const rest = await vault.shred(erased.id, undefined, { reason: 'retention expired', actor: 'retention-job' });
    expect(rest.map((t) => t.category)).toEqual(['health', 'identity']);
    expect(rest[0].requestId).toBeUndefined();
    expect(await vault.shred(erased.id, undefined, why)).toEqual([]);
    expect((await vault.tombstones(erased.id)).find((t) => t.category === 'contact')).toEqual(first[0]);
  });

  it('does not let a later encrypt bring a shredded (subject, category) back', async () => {
    const erased = await subject();
    await vault.shred(erased.id, ['identity'], why);
    const again = { eventId: randomUUID(), subjectId: erased.id, category: 'identity', field: 'name' };
    await expect(vault.encrypt(again, '王五')).rejects.toBeInstanceOf(DataErasedError);
    const other = await pen.open(masterKey, { listenForShreds: false });
    await expect(other.encrypt(again, '王五')).rejects.toBeInstanceOf(DataErasedError);
    expect((await wrappedKeys(erased.id)).find((row) => row.category === 'identity').wrapped_key).toBeNull();
  });

  it('refuses, in the database too, to put key material back into a tombstone', async () => {
    const erased = await subject();
    await vault.shred(erased.id, ['contact'], why);
    await expect(
      owner.query(
        `UPDATE vault_subject_keys SET categories = categories || 'contact'::text, key_ids = key_ids || gen_random_uuid(), wrapped = wrapped || $2::bytea
          WHERE subject_id = $1`,
        [erased.id, randomBytes(60)],
      ),
    ).rejects.toThrow(/erasure is final/);
    await expect(owner.query(`UPDATE vault_subject_keys SET tombstones = '{}' WHERE subject_id = $1`, [erased.id])).rejects.toThrow(/evidence/);
    await expect(database.pool.query('DELETE FROM vault_subject_keys WHERE subject_id = $1', [erased.id])).rejects.toMatchObject({
      code: '42501',
    });
    expect((await vault.tombstones(erased.id)).map((tombstone) => tombstone.category)).toEqual(['contact']);
  });

  it('evicts the key from the cache of another process holding it (LISTEN/NOTIFY)', async () => {
    const erased = await subject();
    const projector = await pen.open(masterKey);
    const [at, value] = erased.values.get('health')!;
    expect(await projector.decrypt(at, value)).toBe(`health of ${erased.id}`); // now cached there
    await vault.shred(erased.id, ['health'], why);
    const deadline = Date.now() + 5000;
    let outcome: unknown;
    do {
      outcome = await projector.decrypt(at, value).catch((caught: unknown) => caught);
      if (outcome instanceof DataErasedError) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    } while (Date.now() < deadline);
    expect(outcome).toBeInstanceOf(DataErasedError);
  });

  it('requires a reason and an actor', async () => {
    await expect(vault.shred('s', undefined, { reason: ' ', actor: 'a' })).rejects.toThrow(/reason and an actor/);
  });

  describe('physical removal', () => {
    beforeAll(() => owner.query('CREATE EXTENSION IF NOT EXISTS pageinspect'));

    /** Every page of vault_subject_keys as raw bytes (pageinspect, as the superuser). */
    async function pages(): Promise<Buffer[]> {
      const { rows } = await owner.query(
        `SELECT get_raw_page('vault_subject_keys', n::int) AS page
           FROM generate_series(0, pg_relation_size('vault_subject_keys') / current_setting('block_size')::int - 1) AS n`,
      );
      return rows.map((row) => row.page as Buffer);
    }
    async function tupleData(): Promise<Buffer[]> {
      const { rows } = await owner.query(
        `SELECT t.t_data FROM generate_series(0, pg_relation_size('vault_subject_keys') / current_setting('block_size')::int - 1) AS n,
                LATERAL heap_page_items(get_raw_page('vault_subject_keys', n::int)) AS t WHERE t.t_data IS NOT NULL`,
      );
      return rows.map((row) => row.t_data as Buffer);
    }
    const wrappedOf = async (subjectId: string): Promise<Buffer[]> => (await wrappedKeys(subjectId)).map((row) => row.wrapped_key);

    it('VACUUMs after a shred as the service role, so no row version holding the wrapped key remains', async () => {
      const erased = await subject();
      const wrapped = await wrappedOf(erased.id);
      expect((await tupleData()).some((data) => wrapped.some((key) => data.includes(key)))).toBe(true);
      await withoutDatabaseCreation(() => vault.shred(erased.id, undefined, why));
      expect((await tupleData()).some((data) => wrapped.some((key) => data.includes(key)))).toBe(false);
    });

    it('with shredVacuum "full", leaves no byte of the wrapped key in the table file', async () => {
      const full = await pen.open(masterKey, { shredVacuum: 'full', listenForShreds: false });
      const erased = await subject();
      await subject(); // the erased subject's rows are not the last ones on their page
      const wrapped = await wrappedOf(erased.id);
      await withoutDatabaseCreation(() => full.shred(erased.id, undefined, why));
      expect((await pages()).some((page) => wrapped.some((key) => page.includes(key)))).toBe(false);
    });

    it('logs a warning, and still shreds, when the role may not VACUUM the table', async () => {
      const log = captureLog();
      const limited = await pen.open(masterKey, { logger: log.logger, listenForShreds: false });
      await owner.query('REVOKE MAINTAIN ON vault_subject_keys FROM pi_ledger_app');
      try {
        const erased = await subject();
        expect(await limited.shred(erased.id, ['health'], why)).toHaveLength(1);
        expect(log.lines.some((line) => line.includes('VACUUM vault_subject_keys was skipped'))).toBe(true);
        expect(await limited.hasLiveKey(erased.id, 'health')).toBe(false);
        // the old row version may stay or be pruned with its page: no VACUUM ran, whatever became of it
      } finally {
        await owner.query('GRANT MAINTAIN ON vault_subject_keys TO pi_ledger_app');
      }
    });
  });
});
