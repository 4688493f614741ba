import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { kekIdOf, loadMasterKey, parseKey } from './master-key';
import { openPiiVault } from './open-pii-vault';
import { PiiVault } from './pii-vault';
import { MasterKeyMismatchError } from './pii-vault.errors';
import { captureLog, removeVaultTestDirs, vaultTestConfig } from './pii-vault.testing';

describe('openPiiVault', () => {
  let database: TestDatabase;
  const opened: PiiVault[] = [];

  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((vault) => vault.close()));
    await database.close();
    removeVaultTestDirs();
  });

  const open = async (...args: Parameters<typeof openPiiVault>) => {
    const vault = await openPiiVault(...args);
    opened.push(vault);
    return vault;
  };

  describe('without LEDGER_MASTER_KEY', () => {
    it('generates <dataDir>/master.key (base64, mode 0600) with a warning, then keeps using it', async () => {
      const config = vaultTestConfig({ masterKey: undefined });
      const log = captureLog();
      const vault = await open(database.pool, config, log.logger);
      const file = join(config.dataDir, 'master.key');

      expect(statSync(file).mode & 0o777).toBe(0o600);
      const key = parseKey(readFileSync(file, 'utf8'), file);
      expect(vault.kekId).toBe(kekIdOf(key));
      const warning = log.lines.map((line) => JSON.parse(line)).find((entry) => entry.level === 40);
      expect(warning.msg).toMatch(/generated a new master key .*LEDGER_MASTER_KEY/);
      expect(log.lines.join('\n')).not.toContain(key.toString('base64'));

      const at = { eventId: randomUUID(), subjectId: 's1', category: 'contact', field: 'phone' };
      const encrypted = await vault.encrypt(at, '13812345678');
      const again = await open(database.pool, config, captureLog().logger);
      expect(again.kekId).toBe(vault.kekId);
      expect(await again.decrypt(at, encrypted)).toBe('13812345678');
    });

    it('agrees on one key file when several processes start at once', async () => {
      const config = vaultTestConfig({ masterKey: undefined });
      const keys = await Promise.all(Array.from({ length: 8 }, () => loadMasterKey(config, captureLog().logger)));
      expect(new Set(keys.map((key) => key.kekId)).size).toBe(1);
      expect(keys.filter((key) => key.source === 'file')).toHaveLength(8);
    });

    it('refuses a key file that is not 32 bytes of base64, without echoing it', async () => {
      const config = vaultTestConfig({ masterKey: undefined });
      writeFileSync(join(config.dataDir, 'master.key'), 'not-a-key-hunter2\n', { mode: 0o600 });
      const error = await open(database.pool, config, captureLog().logger).catch((caught: Error) => caught);
      expect((error as Error).message).toMatch(/must hold 32 bytes, base64-encoded/);
      expect((error as Error).message).not.toContain('hunter2');
    });
  });

  describe('with a master key that did not wrap the stored keys', () => {
    it('refuses to open, naming both kek ids and never the key', async () => {
      const right = randomBytes(32);
      const vault = await open(database.pool, vaultTestConfig({ masterKey: right }), captureLog().logger);
      await vault.encrypt({ eventId: randomUUID(), subjectId: 's1', category: 'health', field: 'conditions' }, ['高血压']);
      const wrong = randomBytes(32);

      const error = await open(database.pool, vaultTestConfig({ masterKey: wrong }), captureLog().logger).catch((caught: Error) => caught);
      expect(error).toBeInstanceOf(MasterKeyMismatchError);
      expect((error as Error).message).toContain(`LEDGER_MASTER_KEY does not match the key that wrapped the data keys (kek id ${kekIdOf(right)})`);
      expect((error as Error).message).toContain(`this one has kek id ${kekIdOf(wrong)}`);
      expect((error as Error).message).not.toContain(wrong.toString('base64'));
      const { rows } = await database.pool.query('SELECT DISTINCT kek_id FROM vault_data_keys UNION SELECT kek_id FROM vault_secrets');
      expect(rows).toEqual([{ kek_id: kekIdOf(right) }]);
    });

    it('refuses even before any data key exists: the blind-index key already belongs to the first master key', async () => {
      await open(database.pool, vaultTestConfig({ masterKey: randomBytes(32) }), captureLog().logger);
      await expect(open(database.pool, vaultTestConfig({ masterKey: randomBytes(32) }), captureLog().logger)).rejects.toThrow(/does not match the key that wrapped the data keys/);
    });

    it('names the key file when the key came from it', async () => {
      await open(database.pool, vaultTestConfig({ masterKey: randomBytes(32) }), captureLog().logger);
      const config = vaultTestConfig({ masterKey: undefined });
      await expect(open(database.pool, config, captureLog().logger)).rejects.toThrow(`the master key in ${join(config.dataDir, 'master.key')} does not match`);
    });
  });

  it('tells the operator to migrate when the vault tables are missing', async () => {
    const owner = await database.ownerClient();
    await owner.query('DROP TABLE vault_subject_keys CASCADE');
    await expect(open(database.pool, vaultTestConfig({ masterKey: randomBytes(32) }), captureLog().logger)).rejects.toThrow(/run `ledger db migrate`/);
  });
});
