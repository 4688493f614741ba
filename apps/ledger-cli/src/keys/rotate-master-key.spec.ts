import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { JsonObject } from '@pi-ledger/event-store/event-store.port';
import { PostgresEventStore } from '@pi-ledger/event-store/postgres/postgres-event-store';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import type { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { kekIdOf, parseKey } from '@pi-ledger/pii-vault/master-key';
import { openPiiVault } from '@pi-ledger/pii-vault/open-pii-vault';
import { EncryptedValue, FieldContext } from '@pi-ledger/pii-vault/pii-vault';
import { MasterKeyMismatchError } from '@pi-ledger/pii-vault/pii-vault.errors';
import { SubjectEventCodec } from '@pi-ledger/pii-vault/subject-event-codec';
import { captureLog, eventRowsVerbatim, removeVaultTestDirs, vaultTestConfig } from '@pi-ledger/pii-vault/pii-vault.testing';
import { RotateKekCommand } from './keys-rotate-kek.command';
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
      const interrupted = {
        ...terminal(),
        progress: (done: number) => {
          if (done >= 4) throw new Error('killed');
        },
      };
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

  describe('over a log of sealed subject events, through the command', () => {
    const at = '2026-02-02T10:00:00.000Z';
    const metadata = { actor: 'staff-1', roles: ['staff'], purposeId: 'health-management', legalBasis: 'consent' as const, correlationId: 'c-1' };
    /** A registration, then a correction: the first command's keys go with its append, the second's through vault_create_data_keys. */
    const commands = (subjectId: string, n: number): SubjectEvent[][] => [
      [
        {
          type: 'SubjectRegistered',
          data: { subjectId, purposeId: 'health-management', legalBasis: 'consent', noticeVersion: 'v1', channel: 'web', minor: false, registeredAt: at },
        },
        {
          type: 'DataCollected',
          data: { subjectId, category: 'identity', purposeId: 'health-management', fields: { name: `张伟${n}`, idNumber: '110101198005010018' }, collectedAt: at },
        },
        { type: 'DataCollected', data: { subjectId, category: 'contact', purposeId: 'health-management', fields: { phone: `+8613812345${n}` }, collectedAt: at } },
      ],
      [
        { type: 'DataCorrected', data: { subjectId, category: 'health', purposeId: 'health-management', reason: 'correction', set: { conditions: ['2型糖尿病'] }, changedAt: at } },
        { type: 'ProcessingRestricted', data: { subjectId, restrictionId: `r-${n}`, purposeIds: null, reason: `${n} 号要求暂停`, restrictedAt: at } },
      ],
    ];
    const eventRows = () => eventRowsVerbatim(database.pool);
    const dataKeys = async () =>
      (await database.pool.query('SELECT subject_id, category, key_id, kek_id FROM vault_data_keys WHERE wrapped_key IS NOT NULL ORDER BY subject_id, category')).rows;

    let store: PostgresEventStore;
    let stdout: string[];
    beforeEach(() => {
      store = new PostgresEventStore(database.pool);
      stdout = [];
      jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
      jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    });
    afterEach(async () => {
      jest.restoreAllMocks();
      await store.close();
    });

    it('keys rotate-kek --new-key-file --batch-size 2: re-wraps every data key, every event row stays byte for byte, only the new key opens them', async () => {
      const oldKey = randomBytes(32);
      const config = vaultTestConfig({ masterKey: oldKey });
      const writer = await openPiiVault(database.pool, config, logger, { listenForShreds: false });
      const codec = new SubjectEventCodec(writer);
      const plain = new Map<string, SubjectEvent>();
      const subjectIds: string[] = [];
      for (let n = 0; n < 4; n++) {
        const subjectId = randomUUID();
        subjectIds.push(subjectId);
        let version = 0;
        for (const events of commands(subjectId, n)) {
          const ids = events.map(() => uuidv7());
          const sealing = await codec.sealForAppend(events, ids, version === 0);
          await store.appendToStream(
            `subject-${subjectId}`,
            sealing.events.map((event, i) => ({ eventId: ids[i], type: event.type, data: event.data as unknown as JsonObject, metadata })),
            { expectedVersion: version, ...(sealing.alongside ? { alongside: sealing.alongside } : {}) },
          );
          sealing.appended();
          version += events.length;
          ids.forEach((id, i) => plain.set(id, events[i]));
        }
      }
      await writer.close();
      const before = await eventRows();
      expect(before).toHaveLength(4 * 5);
      expect(before.map((row) => row.data).join('\n')).not.toMatch(/张伟|110101198005010018|8613812345|糖尿病|要求暂停/);
      const keysBefore = await dataKeys();
      expect(keysBefore.map((row) => row.kek_id)).toEqual(Array(4 * 4).fill(kekIdOf(oldKey))); // identity, contact, health, free_text

      const newKey = randomBytes(32);
      const file = join(config.dataDir, 'new.key');
      writeFileSync(file, `${newKey.toString('base64')}\n`, { mode: 0o600 });
      const command = new RotateKekCommand(database.pool, config, logger);
      await command.run([], { newKeyFile: command.parseNewKeyFile(file), batchSize: command.parseBatchSize('2') });

      expect(stdout.join('')).toBe(`rotated the master key: kek id ${kekIdOf(oldKey)} -> ${kekIdOf(newKey)}; re-wrapped ${4 * 4 + 1} keys\n`);
      expect(await eventRows()).toEqual(before);
      expect(await dataKeys()).toEqual(keysBefore.map((key) => ({ ...key, kek_id: kekIdOf(newKey) })));

      const reader = await openPiiVault(database.pool, vaultTestConfig({ masterKey: newKey }), logger, { listenForShreds: false });
      try {
        // the streams, not readAll: another test database's open transaction may hold the global horizon back
        const recorded = (await Promise.all(subjectIds.map((id) => store.readStream(`subject-${id}`)))).flat();
        expect(recorded).toHaveLength(plain.size);
        const opened = await new SubjectEventCodec(reader).openAll(
          recorded.map((event) => ({ type: event.type, data: event.data }) as unknown as SubjectEvent<EncryptedValue>),
          recorded.map((event) => event.eventId),
        );
        expect(opened).toEqual(recorded.map((event) => plain.get(event.eventId)));
      } finally {
        await reader.close();
      }
      const refused = await openPiiVault(database.pool, vaultTestConfig({ masterKey: oldKey }), logger, { listenForShreds: false }).catch((caught: unknown) => caught);
      expect(refused).toBeInstanceOf(MasterKeyMismatchError);
    });

    it('parses --batch-size as an integer from 1 to 100000', () => {
      const command = new RotateKekCommand(database.pool, vaultTestConfig(), logger);
      expect(command.parseBatchSize('1')).toBe(1);
      expect(command.parseBatchSize('100000')).toBe(100_000);
      for (const bad of ['0', '-1', '100001', '2.5', 'abc', '']) {
        expect(() => command.parseBatchSize(bad)).toThrow('--batch-size must be an integer from 1 to 100000');
      }
      expect(command.parseGenerate()).toBe(true);
      expect(command.parseNewKeyFile('/keys/new.key')).toBe('/keys/new.key');
    });
  });
});
