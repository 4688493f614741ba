import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import type { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { kekIdOf, parseKey } from '@pi-ledger/pii-vault/master-key';
import { openPiiVault } from '@pi-ledger/pii-vault/open-pii-vault';
import { EncryptedValue, FieldContext } from '@pi-ledger/pii-vault/pii-vault';
import { captureLog, removeVaultTestDirs, vaultTestConfig } from '@pi-ledger/pii-vault/pii-vault.testing';
import { describeOutcome, rotateMasterKey, RotationConsole } from './rotate-master-key';

describe('ledger keys rotate-kek', () => {
  let database: TestDatabase;
  const logger = captureLog().logger;

  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await database.close();
    removeVaultTestDirs();
  });

  /** Writes a value per subject under the configured master key; returns what reads them back. */
  async function seed(config: LedgerConfig, subjects = 6): Promise<(config: LedgerConfig) => Promise<void>> {
    const vault = await openPiiVault(database.pool, config, logger, { listenForShreds: false });
    const written: [FieldContext, EncryptedValue][] = [];
    for (let i = 0; i < subjects; i++) {
      const at = { eventId: randomUUID(), subjectId: `subject-${i}`, category: 'contact', field: 'phone' };
      written.push([at, await vault.encrypt(at, `1381234567${i}`)]);
    }
    return async (reader) => {
      const reopened = await openPiiVault(database.pool, reader, logger, { listenForShreds: false });
      expect(await Promise.all(written.map(([at, value]) => reopened.decrypt(at, value)))).toEqual(written.map((_, i) => `1381234567${i}`));
    };
  }

  function terminal(): RotationConsole & { outs: string[]; notes: string[] } {
    const outs: string[] = [];
    const notes: string[] = [];
    return { outs, notes, out: (line) => outs.push(line), note: (line) => notes.push(line) };
  }

  describe('with the master key in <dataDir>/master.key', () => {
    it('--generate: re-wraps, installs the new key atomically and keeps the old file as master.key.old-<time>', async () => {
      const config = vaultTestConfig({ masterKey: undefined });
      const readBack = await seed(config);
      const keyFile = join(config.dataDir, 'master.key');
      const oldKey = parseKey(readFileSync(keyFile, 'utf8'), keyFile);
      const io = terminal();

      const outcome = await rotateMasterKey(database.pool, config, logger, { generate: true, batchSize: 2 }, io);

      const newKey = parseKey(readFileSync(keyFile, 'utf8'), keyFile);
      expect(outcome).toMatchObject({ fromKekId: kekIdOf(oldKey), toKekId: kekIdOf(newKey), rewrapped: 7 });
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const kept = readdirSync(config.dataDir).filter((name) => name.startsWith('master.key.old-'));
      expect(kept).toHaveLength(1);
      expect(readFileSync(join(config.dataDir, kept[0]), 'utf8').trim()).toBe(oldKey.toString('base64'));
      expect(existsSync(`${keyFile}.next`)).toBe(false);
      expect(io.outs).toEqual([]); // the key never goes to stdout when it lives in a file
      await readBack(config);
      await expect(openPiiVault(database.pool, { ...config, masterKey: oldKey }, logger)).rejects.toThrow(/does not match/);
    });

    it('resumes an interrupted --generate with the key it staged in master.key.next', async () => {
      const config = vaultTestConfig({ masterKey: undefined });
      const readBack = await seed(config, 10);
      const keyFile = join(config.dataDir, 'master.key');
      const before = readFileSync(keyFile, 'utf8');
      const interrupted = { ...terminal(), progress: (done: number) => { if (done >= 4) throw new Error('killed'); } };
      await expect(rotateMasterKey(database.pool, config, logger, { generate: true, batchSize: 2 }, interrupted)).rejects.toThrow('killed');
      expect(readFileSync(keyFile, 'utf8')).toBe(before);
      const staged = parseKey(readFileSync(`${keyFile}.next`, 'utf8'), 'staged');

      const io = terminal();
      const outcome = await rotateMasterKey(database.pool, config, logger, { generate: true }, io);
      expect(io.notes.join('\n')).toMatch(/resuming with the key an interrupted run left/);
      expect(outcome).toMatchObject({ toKekId: kekIdOf(staged), rewrapped: 7 });
      expect(readFileSync(keyFile, 'utf8').trim()).toBe(staged.toString('base64'));
      await readBack(config);
    });
  });

  describe('with the master key in LEDGER_MASTER_KEY', () => {
    it('--generate: prints the new key on stdout before re-wrapping and tells the operator to update LEDGER_MASTER_KEY', async () => {
      const config = vaultTestConfig({ masterKey: randomBytes(32) });
      const readBack = await seed(config);
      const io = { ...terminal(), progress: () => expect(io.outs).toHaveLength(1) };

      const outcome = await rotateMasterKey(database.pool, config, logger, { generate: true }, io);

      expect(io.outs).toHaveLength(1);
      const newKey = parseKey(io.outs[0], 'stdout');
      expect(outcome).toMatchObject({ toKekId: kekIdOf(newKey), rewrapped: 7 });
      expect(outcome.installed).toBeUndefined();
      expect(readdirSync(config.dataDir)).toEqual([]);
      expect(describeOutcome(outcome, 'env').note.join('\n')).toMatch(/set LEDGER_MASTER_KEY to the new key/);
      await readBack({ ...config, masterKey: newKey });
    });

    it('--new-key-file: uses that key and prints no key', async () => {
      const config = vaultTestConfig({ masterKey: randomBytes(32) });
      const readBack = await seed(config);
      const newKey = randomBytes(32);
      const file = join(config.dataDir, 'new.key');
      writeFileSync(file, `${newKey.toString('base64')}\n`, { mode: 0o600 });
      const io = terminal();

      expect(await rotateMasterKey(database.pool, config, logger, { newKeyFile: file }, io)).toMatchObject({ rewrapped: 7 });
      expect(io.outs).toEqual([]);
      await readBack({ ...config, masterKey: newKey });
    });
  });

  it('refuses both or neither of --new-key-file and --generate, and the current key as the new one', async () => {
    const config = vaultTestConfig({ masterKey: randomBytes(32) });
    await expect(rotateMasterKey(database.pool, config, logger, {}, terminal())).rejects.toThrow(/either --new-key-file <path> or --generate/);
    await expect(rotateMasterKey(database.pool, config, logger, { generate: true, newKeyFile: 'x' }, terminal())).rejects.toThrow(/either/);
    const same = join(config.dataDir, 'same.key');
    writeFileSync(same, config.masterKey!.toString('base64'));
    await expect(rotateMasterKey(database.pool, config, logger, { newKeyFile: same }, terminal())).rejects.toThrow(/nothing to rotate/);
  });
});
