import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { EncryptedValue, FieldContext, KeyRef, PiiVault } from './pii-vault';
import { DataErasedError, MasterKeyMismatchError } from './pii-vault.errors';
import { countingStatements, VaultPen } from './pii-vault.testing';

const CATEGORIES = ['identity', 'identity_document', 'contact', 'employment', 'health'];
const why = { reason: 'erasure request (PIPL art. 47)', requestId: 'dsar-7', actor: 'officer-2' };

describe('PiiVault.prepareKeys', () => {
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

  const newSubject = () => `subject-${randomUUID()}`;
  const refs = (subjectId: string, categories = CATEGORIES): KeyRef[] => categories.map((category) => ({ subjectId, category }));
  const at = (subjectId: string, category: string): FieldContext => ({ eventId: randomUUID(), subjectId, category, field: 'value' });
  const keyRows = async (subjectId: string) =>
    (await owner.query('SELECT key_id, category, wrapped_key FROM vault_data_keys WHERE subject_id = $1 ORDER BY category', [subjectId])).rows;

  const statementsOf = async (action: () => Promise<unknown>) => (await countingStatements(database.pool, action)).statements;

  it("creates the keys of all of a subject's categories in one statement, then seals from the cache", async () => {
    const subjectId = newSubject();
    expect(await statementsOf(() => vault.prepareKeys(refs(subjectId), true))).toBe(1);
    const rows = await keyRows(subjectId);
    expect(rows.map((row) => row.category)).toEqual([...CATEGORIES].sort());
    expect(rows.every((row) => row.wrapped_key.length === 60)).toBe(true);

    const kids: string[] = [];
    const sealAll = async () => {
      for (const category of CATEGORIES) kids.push((await vault.encrypt(at(subjectId, category), category)).kid);
    };
    expect(await statementsOf(sealAll)).toBe(0);
    expect(kids.sort()).toEqual(rows.map((row) => row.key_id).sort());
  });

  it('runs as the least-privileged service role', async () => {
    expect((await database.pool.query('SELECT current_user')).rows[0].current_user).toBe('pi_ledger_app');
  });

  it('keeps the keys that exist, creating only the missing ones', async () => {
    const subjectId = newSubject();
    const context = at(subjectId, 'contact');
    const first = await vault.encrypt(context, 'x');
    const cold = await pen.open(masterKey, { listenForShreds: false });
    await cold.prepareKeys(refs(subjectId), true);
    const rows = await keyRows(subjectId);
    expect(rows).toHaveLength(CATEGORIES.length);
    expect(rows.find((row) => row.category === 'contact').key_id).toBe(first.kid);
    expect(await cold.decrypt(context, first)).toBe('x');
  });

  it('reads the keys of many subjects with one SELECT, and creates none', async () => {
    const subjects = [newSubject(), newSubject(), newSubject()];
    const sealed: Array<{ context: FieldContext; value: EncryptedValue }> = [];
    for (const subjectId of subjects) {
      const context = at(subjectId, 'health');
      sealed.push({ context, value: await vault.encrypt(context, `health of ${subjectId}`) });
    }
    const cold = await pen.open(masterKey, { listenForShreds: false });
    const wanted = [...subjects.flatMap((subjectId) => refs(subjectId, ['health', 'contact'])), ...refs(newSubject(), ['health'])];
    expect(await statementsOf(() => cold.prepareKeys(wanted, false))).toBe(1);
    expect(cold.cachedKeys).toBe(subjects.length);
    expect(
      await statementsOf(async () => {
        for (const { context, value } of sealed) expect(await cold.decrypt(context, value)).toBe(`health of ${context.subjectId}`);
      }),
    ).toBe(0);
    for (const subjectId of subjects) expect((await keyRows(subjectId)).map((row) => row.category)).toEqual(['health']);
  });

  it('lets concurrent creators in different processes agree on one key per (subject, category)', async () => {
    const [a, b] = [await pen.open(masterKey, { listenForShreds: false }), await pen.open(masterKey, { listenForShreds: false })];
    const subjects = Array.from({ length: 20 }, newSubject);
    // held back by a lock, then released at once, the statements run side by side; in opposite
    // orders, inserting the keys in the order given would deadlock them
    await owner.query('BEGIN');
    await owner.query('LOCK TABLE vault_subject_keys IN ACCESS EXCLUSIVE MODE');
    const racing = Promise.all(subjects.flatMap((subjectId) => [a.prepareKeys(refs(subjectId), true), b.prepareKeys(refs(subjectId, [...CATEGORIES].reverse()), true)]));
    await waitForLockWait(10);
    await owner.query('COMMIT');
    await racing;
    for (const subjectId of subjects) {
      const rows = await keyRows(subjectId);
      expect(rows).toHaveLength(CATEGORIES.length);
      for (const row of rows) {
        const context = at(subjectId, row.category);
        const [fromA, fromB] = [await a.encrypt(context, 'a'), await b.encrypt(context, 'b')];
        expect([fromA.kid, fromB.kid]).toEqual([row.key_id, row.key_id]);
        expect(await b.decrypt(context, fromA)).toBe('a');
      }
    }
  });

  it('leaves a shredded category erased: no new key, and encrypt throws DataErasedError', async () => {
    const subjectId = newSubject();
    await vault.prepareKeys(refs(subjectId), true);
    await vault.shred(subjectId, ['health'], why);
    for (const writer of [vault, await pen.open(masterKey, { listenForShreds: false })]) {
      await writer.prepareKeys(refs(subjectId), true);
      await expect(writer.encrypt(at(subjectId, 'health'), 'new health data')).rejects.toBeInstanceOf(DataErasedError);
      expect(typeof (await writer.encrypt(at(subjectId, 'contact'), 'x')).kid).toBe('string');
    }
    const rows = await keyRows(subjectId);
    expect(rows).toHaveLength(CATEGORIES.length);
    expect(rows.find((row) => row.category === 'health').wrapped_key).toBeNull();
  });

  it('does not cache keys whose statement raced a shred of the subject', async () => {
    const subjectId = newSubject();
    const cold = await pen.open(masterKey, { listenForShreds: false });
    await owner.query('BEGIN');
    await owner.query('LOCK TABLE vault_subject_keys IN ACCESS EXCLUSIVE MODE'); // holds the statement back
    const preparing = cold.prepareKeys(refs(subjectId), true);
    await waitForLockWait();
    cold.evictSubject(subjectId); // what a shred here, or its notification from elsewhere, does
    await owner.query('COMMIT');
    await preparing;
    expect(cold.cachedKeys).toBe(0);
    // the keys were created all the same, and are loaded again when used
    expect(await statementsOf(() => cold.encrypt(at(subjectId, 'contact'), 'x'))).toBe(1);
    expect(cold.cachedKeys).toBe(1);
  });

  it('commits its keys without waiting for the WAL flush, for that transaction only', async () => {
    const client = await database.pool.connect();
    // under this vault's kek id: a row under another would stop later vaults from opening
    const createKey = () =>
      client.query(`SELECT * FROM vault_create_data_keys($1, ARRAY[gen_random_uuid()], ARRAY['contact'], ARRAY[$2::bytea], $3)`, [newSubject(), randomBytes(60), vault.kekId]);
    const setting = async () => (await client.query('SHOW synchronous_commit')).rows[0].synchronous_commit;
    try {
      await client.query('SET synchronous_commit = on'); // the test server runs with it off
      await client.query('BEGIN');
      await createKey();
      expect(await setting()).toBe('off');
      await client.query('COMMIT');
      // a pooled connection goes on to append events: those commits must still wait
      expect(await setting()).toBe('on');
      await createKey();
      expect(await setting()).toBe('on');
    } finally {
      await client.query('RESET synchronous_commit');
      client.release();
    }
  });

  it('forgets its keys when the server drops its LISTEN connection, as a crash would: a key lost with it is not used again', async () => {
    const listeners = async () =>
      (await owner.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`)).rows.map((row) => row.pid as number);
    const before = await listeners();
    const writer = await pen.open(masterKey);
    const [pid] = (await listeners()).filter((candidate) => !before.includes(candidate));
    const subjectId = newSubject();
    await writer.prepareKeys(refs(subjectId), true);
    expect(writer.cachedKeys).toBe(CATEGORIES.length);
    await owner.query('SELECT pg_terminate_backend($1)', [pid]);
    const deadline = Date.now() + 5000;
    while (writer.cachedKeys > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(writer.cachedKeys).toBe(0);
  });

  /** Until `waiting` backends wait on a lock (statements held back by the test's LOCK). */
  async function waitForLockWait(waiting = 1): Promise<void> {
    const observer = await database.ownerClient(); // pg_stat_activity stays as first read within a transaction
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const { rows } = await observer.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
      if (rows[0].n >= waiting) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('no statement waited on the lock');
  }

  it('refuses to add a key to a subject whose keys another master key wraps (a rotation since), mixing nothing', async () => {
    const subjectId = newSubject();
    await vault.prepareKeys(refs(subjectId, ['identity']), true);
    await owner.query(`UPDATE vault_subject_keys SET kek_id = 'ffffffffffffffff' WHERE subject_id = $1`, [subjectId]); // what a rotation did
    const error = await vault.prepareKeys(refs(subjectId, ['identity', 'contact']), true).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MasterKeyMismatchError);
    expect((error as Error).message).toMatch(/wrapped by kek id ffffffffffffffff.*restart with the new LEDGER_MASTER_KEY/);
    expect((await keyRows(subjectId)).map((row) => row.category)).toEqual(['identity']);
  });
});
