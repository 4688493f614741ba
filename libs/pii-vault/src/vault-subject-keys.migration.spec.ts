import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createLedgerPool, ensureDatabase, migrateLedgerDatabase, withDatabase } from '@pi-ledger/platform/database/ledger-database';
import { LEDGER_MIGRATIONS } from '@pi-ledger/platform/database/ledger-migrations';
import { TEST_SERVER_URL_ENV } from '@pi-ledger/test-support/test-database';
import { dataKeyAad, wrapKey } from './envelope';
import { kekIdOf } from './master-key';
import { DataErasedError } from './pii-vault';
import { VaultPen } from './pii-vault.testing';

/**
 * Migration 1763900012000 moves the data keys of a vault made by earlier releases (one row per
 * key) into one row per subject: every live key still opens what it sealed, every tombstone keeps
 * who, when and why, and a rotation left half-done stops the upgrade before anything changes.
 */
describe('migration 1763900012000: a subject’s data keys in one row', () => {
  const before = LEDGER_MIGRATIONS.findIndex((migration) => migration.name === 'VaultSubjectKeys1763900012000');
  const clients: Client[] = [];
  afterAll(() => Promise.all(clients.map((client) => client.end())));

  /** A database migrated up to the release before, and an owner connection to it. */
  async function previousRelease(): Promise<{ url: string; owner: Client }> {
    const serverUrl = process.env[TEST_SERVER_URL_ENV] as string;
    const name = `test_migration_${process.pid}_${randomBytes(4).toString('hex')}`;
    await ensureDatabase(serverUrl, name);
    const url = withDatabase(serverUrl, name);
    const dataSource = new DataSource({
      type: 'postgres',
      url,
      migrations: LEDGER_MIGRATIONS.slice(0, before),
      migrationsTableName: 'ledger_migrations',
      migrationsTransactionMode: 'each',
      logging: false,
    });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    await dataSource.destroy();
    const owner = new Client({ connectionString: url });
    await owner.connect();
    clients.push(owner);
    return { url, owner };
  }

  /** A data key stored as the previous release stored it (its vault_create_data_keys, one row per key). */
  async function oldKey(owner: Client, kek: Buffer, subjectId: string, category: string): Promise<string> {
    const keyId = randomUUID();
    const wrapped = wrapKey(kek, randomBytes(32), dataKeyAad(keyId, subjectId, category));
    await owner.query('SELECT vault_create_data_keys($1, $2::uuid[], $3::text[], $4::bytea[], $5)', [subjectId, [keyId], [category], [wrapped], kekIdOf(kek)]);
    return keyId;
  }

  it('keeps every live key usable and every tombstone as it was', async () => {
    const { url, owner } = await previousRelease();
    const kek = randomBytes(32);
    const keys = new Map<string, string>();
    for (const subjectId of ['subject-a', 'subject-b']) {
      for (const category of ['identity', 'contact', 'health_records']) keys.set(`${subjectId}/${category}`, await oldKey(owner, kek, subjectId, category));
    }
    await owner.query(
      `UPDATE vault_data_keys SET wrapped_key = NULL, destroyed_at = '2026-11-01T08:00:00.123456Z', destroy_reason = 'erasure',
              request_id = 'req-1', destroyed_by = 'officer'
        WHERE subject_id = 'subject-b' AND category = 'health_records'`,
    );

    await migrateLedgerDatabase(url, () => undefined);

    const { rows } = await owner.query('SELECT subject_id, categories, key_ids, tombstones FROM vault_subject_keys ORDER BY subject_id');
    expect(rows.map((row) => [row.subject_id, [...row.categories].sort(), Object.keys(row.tombstones)])).toEqual([
      ['subject-a', ['contact', 'health_records', 'identity'], []],
      ['subject-b', ['contact', 'identity'], ['health_records']],
    ]);
    const pool = await createLedgerPool(url, { max: 4 });
    const pen = new VaultPen(pool);
    try {
      const vault = await pen.open(kek);
      for (const [id, keyId] of keys) {
        const [subjectId, category] = id.split('/');
        const at = { eventId: randomUUID(), subjectId, category, field: 'value' };
        if (id === 'subject-b/health_records') {
          await expect(vault.encrypt(at, 'x')).rejects.toBeInstanceOf(DataErasedError);
          continue;
        }
        const sealed = await vault.encrypt(at, `${id} 张三`);
        expect(sealed.kid).toBe(keyId); // the migrated key, not a new one
        expect(await vault.decrypt(at, sealed)).toBe(`${id} 张三`);
      }
      expect(await vault.tombstones('subject-b')).toEqual([
        {
          keyId: keys.get('subject-b/health_records'),
          subjectId: 'subject-b',
          category: 'health_records',
          destroyedAt: new Date('2026-11-01T08:00:00.123Z'),
          reason: 'erasure',
          requestId: 'req-1',
          actor: 'officer',
        },
      ]);
      const destroyedAt = await owner.query(`SELECT destroyed_at::text FROM vault_data_keys WHERE key_id = $1`, [keys.get('subject-b/health_records')]);
      expect(destroyedAt.rows[0].destroyed_at).toBe('2026-11-01 08:00:00.123456+00');
      // a new category for a migrated subject joins its row
      const added = await vault.encrypt({ eventId: randomUUID(), subjectId: 'subject-a', category: 'lifestyle', field: 'value' }, 'x');
      const row = await owner.query(`SELECT key_ids FROM vault_subject_keys WHERE subject_id = 'subject-a'`);
      expect(row.rows[0].key_ids).toContain(added.kid);
    } finally {
      await pen.closeAll();
      await pool.end();
    }
  });

  it('refuses to run while a subject has live keys under two master keys (a rotation left unfinished)', async () => {
    const { url, owner } = await previousRelease();
    await oldKey(owner, randomBytes(32), 'subject-a', 'identity');
    await oldKey(owner, randomBytes(32), 'subject-a', 'contact');
    const typeormLog = jest.spyOn(console, 'log').mockImplementation(() => undefined); // TypeORM prints the failure too
    await expect(migrateLedgerDatabase(url, () => undefined)).rejects.toThrow(/finish the rotation \(ledger keys rotate-kek\)/);
    typeormLog.mockRestore();
    const { rows } = await owner.query(`SELECT count(*)::int AS n FROM vault_data_keys`);
    expect(rows[0].n).toBe(2); // the old table, untouched
    expect((await owner.query(`SELECT to_regclass('vault_subject_keys') AS t`)).rows[0].t).toBeNull();
  });
});
