import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { EncryptedValue, FieldContext, isEncryptedValue, JsonValue, PiiVault } from './pii-vault';
import { DecryptionFailedError } from './pii-vault.errors';
import { captureLog, CapturedLog, VaultPen } from './pii-vault.testing';

describe('PiiVault', () => {
  let database: TestDatabase;
  let pen: VaultPen;
  let vault: PiiVault;
  let log: CapturedLog;
  const masterKey = randomBytes(32);

  beforeAll(async () => {
    database = await createTestDatabase();
    pen = new VaultPen(database.pool);
    log = captureLog();
    vault = await pen.open(masterKey, { logger: log.logger });
  });
  afterAll(async () => {
    await pen.closeAll();
    await database.close();
  });

  const context = (overrides: Partial<FieldContext> = {}): FieldContext => ({
    eventId: randomUUID(),
    subjectId: `subject-${randomUUID()}`,
    category: 'contact',
    field: 'phone',
    ...overrides,
  });

  describe('round trip', () => {
    it.each<[string, JsonValue]>([
      ['a string', '+8613812345678'],
      ['Chinese text', '张三，北京市朝阳区建国路 88 号'],
      ['a number', 172.5],
      ['zero', 0],
      ['a boolean', false],
      ['null', null],
      ['an object', { line: '建国路 88 号', city: '北京', floors: [3, 4], verified: true }],
      ['an array', ['高血压', '青霉素过敏', { since: 2019 }]],
      ['an empty string', ''],
    ])('gives back %s exactly', async (_, value) => {
      const at = context();
      const encrypted = await vault.encrypt(at, value);
      expect(isEncryptedValue(encrypted)).toBe(true);
      expect(await vault.decrypt(at, encrypted)).toEqual(value);
    });

    it('writes base64 ciphertext with a fresh 12-byte IV every time, never the plaintext', async () => {
      const at = context();
      const [first, second] = [await vault.encrypt(at, '张三'), await vault.encrypt(at, '张三')];
      expect(Buffer.from(first.iv, 'base64')).toHaveLength(12);
      expect(Buffer.from(first.tag, 'base64')).toHaveLength(16);
      expect(first.iv).not.toBe(second.iv);
      expect(first.ct).not.toBe(second.ct);
      expect(first.kid).toBe(second.kid);
      expect(JSON.stringify(first)).not.toContain('张三');
    });

    it('encrypts and decrypts a set of fields under one key', async () => {
      const at = context({ category: 'identity' });
      const { field: _field, ...event } = at;
      const fields = { name: '李四', idNumber: '11010519491231002X', birthDate: '1949-12-31' };
      const encrypted = await vault.encryptFields(event, fields);
      expect(Object.keys(encrypted)).toEqual(['name', 'idNumber', 'birthDate']);
      expect(new Set(Object.values(encrypted).map((value) => value.kid)).size).toBe(1);
      expect(await vault.decryptFields(event, encrypted)).toEqual(fields);
    });
  });

  describe('binding to the context (AAD)', () => {
    let at: FieldContext;
    let encrypted: EncryptedValue;
    beforeAll(async () => {
      at = context();
      encrypted = await vault.encrypt(at, '13812345678');
      // the other subject and category must exist, with keys of their own
      await vault.encrypt({ ...at, subjectId: 'subject-other' }, 'x');
      await vault.encrypt({ ...at, category: 'health' }, 'x');
    });

    it.each<[string, Partial<FieldContext>]>([
      ['another event', { eventId: randomUUID() }],
      ['another subject', { subjectId: 'subject-other' }],
      ['another category', { category: 'health' }],
      ['another field', { field: 'email' }],
      ['a subject with no key', { subjectId: 'subject-nobody' }],
    ])('refuses the ciphertext moved to %s', async (_, moved) => {
      await expect(vault.decrypt({ ...at, ...moved }, encrypted)).rejects.toBeInstanceOf(DecryptionFailedError);
    });

    it.each(['ct', 'tag', 'iv'] as const)('refuses a tampered %s', async (part) => {
      const bytes = Buffer.from(encrypted[part], 'base64');
      bytes[0] ^= 0x01;
      await expect(vault.decrypt(at, { ...encrypted, [part]: bytes.toString('base64') })).rejects.toMatchObject({
        code: 'decryption-failed',
      });
    });

    it('refuses a value that is not an envelope, and contexts that could be confused', async () => {
      await expect(vault.decrypt(at, { ...encrypted, v: 2 } as unknown as EncryptedValue)).rejects.toBeInstanceOf(DecryptionFailedError);
      await expect(vault.encrypt({ ...at, field: 'a\nb' }, 'x')).rejects.toThrow(/no newline/);
      await expect(vault.encrypt({ ...at, category: '' }, 'x')).rejects.toThrow(/non-empty/);
    });

    it('names no value in its errors', async () => {
      const secret = '11010519491231002X';
      const target = context();
      const sealed = await vault.encrypt(target, secret);
      const error = await vault.decrypt({ ...target, field: 'other' }, sealed).catch((caught: Error) => caught);
      expect(String((error as Error).message)).toMatch(/field other of event/);
      expect(JSON.stringify({ message: (error as Error).message, ...(error as object) })).not.toContain(secret);
    });
  });

  describe('data keys', () => {
    it('creates one key per (subject, category) even when 20 vaults (as in 20 processes) race for it', async () => {
      const vaults = await Promise.all(Array.from({ length: 20 }, () => pen.open(masterKey, { listenForShreds: false })));
      const at = context({ category: 'health' });
      const encrypted = await Promise.all(vaults.map((racer, i) => racer.encrypt({ ...at, field: `f${i}` }, i)));
      const { rows } = await database.pool.query('SELECT key_id FROM vault_data_keys WHERE subject_id = $1', [at.subjectId]);
      expect(rows).toHaveLength(1);
      expect(new Set(encrypted.map((value) => value.kid))).toEqual(new Set([rows[0].key_id]));
      const fresh = await pen.open(masterKey, { listenForShreds: false });
      expect(await Promise.all(encrypted.map((value, i) => fresh.decrypt({ ...at, field: `f${i}` }, value)))).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });

    it('stores keys only wrapped (60 bytes) under the kek id of the master key', async () => {
      const at = context();
      const { kid } = await vault.encrypt(at, 'x');
      const { rows } = await database.pool.query('SELECT wrapped_key, kek_id, category FROM vault_data_keys WHERE key_id = $1', [kid]);
      expect(rows[0]).toMatchObject({ kek_id: createHash('sha256').update(masterKey).digest('hex').slice(0, 16), category: 'contact' });
      expect(rows[0].wrapped_key).toHaveLength(60);
    });

    it('keeps at most cacheSize unwrapped keys in memory, and still serves evicted ones from the table', async () => {
      const small = await pen.open(masterKey, { cacheSize: 5, listenForShreds: false });
      const written: [FieldContext, EncryptedValue][] = [];
      for (let i = 0; i < 12; i++) {
        const at = context({ category: `c${i % 3}` });
        written.push([at, await small.encrypt(at, i)]);
        expect(small.cachedKeys).toBeLessThanOrEqual(5);
      }
      expect(small.cachedKeys).toBe(5);
      for (const [i, [at, value]] of written.entries()) {
        expect(await small.decrypt(at, value)).toBe(i);
        expect(small.cachedKeys).toBeLessThanOrEqual(5);
      }
    });

    it('serves the hot path from the cache without a database round trip', async () => {
      const at = context();
      const value = await vault.encrypt(at, 'warm');
      const query = jest.spyOn(database.pool, 'query');
      try {
        for (let i = 0; i < 50; i++) await vault.decrypt(at, value);
        await vault.encrypt({ ...at, field: 'email' }, 'x');
        expect(query).not.toHaveBeenCalled();
      } finally {
        query.mockRestore();
      }
    });
  });

  describe('blind indexes', () => {
    it.each<['phone' | 'email' | 'id_number', string[]]>([
      ['phone', ['13812345678', '+86 138 1234 5678', '008613812345678', '8613812345678', '+86-138-1234-5678']],
      ['email', ['zhang.san@example.cn', ' Zhang.San@Example.CN ']],
      ['id_number', ['11010519491231002X', '11010519491231002x', ' 11010519491231002x']],
    ])('gives every spelling of the same %s the same index', (kind, spellings) => {
      const indexes = new Set(spellings.map((value) => vault.blindIndex(kind, value)));
      expect(indexes.size).toBe(1);
      expect([...indexes][0]).toMatch(/^[0-9a-f]{64}$/);
    });

    it('tells different values and kinds apart, and is never a plain SHA-256', () => {
      const phone = vault.blindIndex('phone', '13812345678');
      expect(vault.blindIndex('phone', '13812345679')).not.toBe(phone);
      expect(vault.blindIndex('id_number', '+8613812345678')).not.toBe(phone);
      for (const plain of ['13812345678', '+8613812345678']) {
        expect(phone).not.toBe(createHash('sha256').update(plain).digest('hex'));
      }
    });

    it('depends on the blind-index key: another database gives another index', async () => {
      const other = await createTestDatabase();
      const otherPen = new VaultPen(other.pool);
      try {
        const elsewhere = await otherPen.open(masterKey);
        expect(elsewhere.blindIndex('email', 'a@b.cn')).not.toBe(vault.blindIndex('email', 'a@b.cn'));
      } finally {
        await otherPen.closeAll();
        await other.close();
      }
    });

    it('keeps its key wrapped in vault_secrets and stable across opens', async () => {
      const { rows } = await database.pool.query(`SELECT wrapped, kek_id FROM vault_secrets WHERE name = 'blind-index-key'`);
      expect(rows).toHaveLength(1);
      expect(rows[0].wrapped).toHaveLength(60);
      const again = await pen.open(masterKey, { listenForShreds: false });
      expect(again.blindIndex('phone', '13812345678')).toBe(vault.blindIndex('phone', '13812345678'));
    });

    it('refuses to index an empty value', () => {
      expect(() => vault.blindIndex('email', '   ')).toThrow(/empty email/);
    });
  });

  it('writes no PI to its logs', () => {
    const logged = log.lines.join('\n');
    expect(logged).toContain('pii vault open');
    for (const value of ['13812345678', '张三', '李四', '11010519491231002X', '高血压']) expect(logged).not.toContain(value);
  });
});
