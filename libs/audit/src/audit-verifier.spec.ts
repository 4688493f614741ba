import { randomBytes, randomUUID } from 'node:crypto';
import type { Client, PoolClient } from 'pg';
import { PostgresEventStore } from '@pi-ledger/event-store/postgres/postgres-event-store';
import { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { appendAuditTestEvents, auditTestEvent, readAllEvents, writeTree } from './audit.testing';
import { AuditLog } from './audit-log';
import { AuditTreeWriter } from './audit-tree-writer';
import { AuditFailure, AuditVerifier } from './audit-verifier';
import { TreeHeadSigner } from './tree-head-signer';

const signer = TreeHeadSigner.generate();
const EVENTS = 30;
// 9 before 10: sizes compared as text would sort them the other way
const HEADS = [9, 10, 25, 30];

interface Ledger {
  database: TestDatabase;
  store: PostgresEventStore;
  events: RecordedEvent[];
  verifier: AuditVerifier;
  owner: Client;
  /** Position values taken from the identity but never used: room to insert "in the middle". */
  gap: number[];
}

/**
 * 30 events in a few streams (with a gap in the positions after the 15th), their tree written by
 * the writer in small transactions, and signed heads at sizes 9, 10, 25 and 30.
 */
async function auditedLedger(): Promise<Ledger> {
  const database = await createTestDatabase();
  const store = new PostgresEventStore(database.pool);
  const owner = await database.ownerClient();
  await appendAuditTestEvents(store, 15);
  const { rows } = await owner.query(`SELECT nextval(pg_get_serial_sequence('ledger_events', 'position'))::int AS p FROM generate_series(1, 3)`);
  await appendAuditTestEvents(store, EVENTS - 15);
  const events = await readAllEvents(store);
  const log = new AuditLog(database.pool, signer);
  for (const size of HEADS) {
    await writeTree(database.pool, events.slice(0, size), 4);
    await log.createTreeHead();
  }
  return { database, store, events, verifier: new AuditVerifier(database.pool, signer.verificationKey), owner, gap: rows.map((row) => row.p) };
}

async function close(ledger: Ledger): Promise<void> {
  await ledger.store.close();
  await ledger.database.close();
}

async function tamperEvents(ledger: Ledger, sql: string, values: unknown[] = []): Promise<void> {
  await ledger.owner.query('ALTER TABLE ledger_events DISABLE TRIGGER USER');
  await ledger.owner.query(sql, values);
}

async function tamperHeads(ledger: Ledger, sql: string, values: unknown[] = []): Promise<void> {
  await ledger.owner.query('ALTER TABLE audit_tree_heads DISABLE TRIGGER USER');
  await ledger.owner.query(sql, values);
}

function expectFailure(failure: AuditFailure | undefined, expected: Partial<AuditFailure>): void {
  expect(failure).toMatchObject(expected);
  const named = expected.position !== undefined ? `position ${expected.position}` : `tree head of size ${expected.treeSize}`;
  expect(failure?.message).toContain(named);
}

describe('AuditVerifier', () => {
  describe('an intact ledger', () => {
    let ledger: Ledger;
    beforeAll(async () => (ledger = await auditedLedger()));
    afterAll(async () => close(ledger));

    it('verifies every digest, leaf, node and head, and reports what it checked', async () => {
      const result = await ledger.verifier.verify();
      expect(result).toEqual({
        ok: true,
        events: EVENTS,
        leaves: EVENTS,
        pendingEvents: 0,
        treeHeads: HEADS.length,
        latestTreeHead: expect.objectContaining({ treeSize: 30, keyId: signer.keyId }),
        failure: undefined,
      });
    });

    it('streams in batches, whatever their size, reporting progress after each', async () => {
      for (const batchSize of [1, 4, 10, 29, 1000]) {
        const progress: [number, number][] = [];
        const result = await ledger.verifier.verify({ batchSize, onProgress: (checked, total) => progress.push([checked, total]) });
        expect(result.ok).toBe(true);
        expect(result.treeHeads).toBe(HEADS.length);
        expect(progress).toHaveLength(Math.ceil(EVENTS / batchSize));
        expect(progress[progress.length - 1]).toEqual([EVENTS, EVENTS]);
      }
    });

    it('refuses heads signed with another key unless that key is given', async () => {
      const other = TreeHeadSigner.generate();
      const result = await new AuditVerifier(ledger.database.pool, other.verificationKey).verify();
      expectFailure(result.failure, { code: 'tree-head-unknown-key', treeSize: 9 });
      expect((await ledger.verifier.verify({ publicKeys: [other.verificationKey, signer.verificationKey] })).ok).toBe(true);
    });
  });

  describe('events not yet in the tree', () => {
    let ledger: Ledger;
    beforeAll(async () => {
      ledger = await auditedLedger();
      await ledger.store.appendToStream(`late-${randomUUID()}`, [auditTestEvent('Late', 1), auditTestEvent('Late', 2)]);
    });
    afterAll(async () => close(ledger));

    it('fail by default, naming the first event without a leaf', async () => {
      const late = (await readAllEvents(ledger.store))[EVENTS];
      const result = await ledger.verifier.verify();
      expect(result.ok).toBe(false);
      expectFailure(result.failure, { code: 'event-not-in-tree', leafIndex: EVENTS, position: late.position });
    });

    it('are counted, not failed, with allowPending', async () => {
      expect(await ledger.verifier.verify({ allowPending: true })).toMatchObject({ ok: true, events: EVENTS + 2, leaves: EVENTS, pendingEvents: 2, treeHeads: HEADS.length });
    });
  });

  describe('tampering, each on a fresh ledger', () => {
    let ledger: Ledger;
    beforeEach(async () => (ledger = await auditedLedger()));
    afterEach(async () => close(ledger));

    it("catches an event's data changed in place", async () => {
      const victim = ledger.events[12];
      await tamperEvents(ledger, `UPDATE ledger_events SET data = jsonb_set(data, '{n}', '999') WHERE position = $1`, [victim.position]);
      expectFailure((await ledger.verifier.verify()).failure, { code: 'payload-digest-mismatch', leafIndex: 12, position: victim.position });
    });

    it("catches an event's data changed together with its payload digest", async () => {
      const victim = ledger.events[12];
      await tamperEvents(ledger, `UPDATE ledger_events SET data = '{"n":999}', payload_digest = sha256('{"n":999}') WHERE position = $1`, [victim.position]);
      expectFailure((await ledger.verifier.verify()).failure, { code: 'leaf-mismatch', leafIndex: 12, position: victim.position });
    });

    it("catches an event's metadata changed", async () => {
      const victim = ledger.events[21];
      await tamperEvents(ledger, `UPDATE ledger_events SET metadata = jsonb_set(metadata, '{actor}', '"someone-else"') WHERE position = $1`, [victim.position]);
      expectFailure((await ledger.verifier.verify()).failure, { code: 'leaf-mismatch', leafIndex: 21, position: victim.position });
    });

    it('catches an event deleted from the middle', async () => {
      const victim = ledger.events[12];
      await tamperEvents(ledger, 'DELETE FROM ledger_events WHERE position = $1', [victim.position]);
      expectFailure((await ledger.verifier.verify()).failure, { code: 'event-missing', leafIndex: 12, position: victim.position });
    });

    it('catches an event inserted with a position in the middle', async () => {
      const [position] = ledger.gap;
      const model = ledger.events[14];
      await tamperEvents(
        ledger,
        `INSERT INTO ledger_events (position, event_id, stream_id, stream_version, type, schema_version, data, metadata, payload_digest)
         OVERRIDING SYSTEM VALUE
         SELECT $1, $2, stream_id, 1000, type, schema_version, data, metadata, payload_digest FROM ledger_events WHERE position = $3`,
        [position, randomUUID(), model.position],
      );
      // committed now, it sorts after every event in the tree: it is the first event without a leaf
      expectFailure((await ledger.verifier.verify()).failure, { code: 'event-not-in-tree', leafIndex: EVENTS, position });
    });

    it('catches an event inserted in the middle of the global order too (its transaction id forged)', async () => {
      const [position] = ledger.gap;
      const model = ledger.events[14];
      await tamperEvents(
        ledger,
        `INSERT INTO ledger_events (position, transaction_id, event_id, stream_id, stream_version, type, schema_version, data, metadata, payload_digest)
         OVERRIDING SYSTEM VALUE
         SELECT $1, transaction_id, $2, stream_id, 1000, type, schema_version, data, metadata, payload_digest FROM ledger_events WHERE position = $3`,
        [position, randomUUID(), model.position],
      );
      expectFailure((await ledger.verifier.verify()).failure, { code: 'event-unexpected', leafIndex: 15, position });
    });

    it('catches the tail of the log truncated', async () => {
      const firstGone = ledger.events[EVENTS - 3];
      await tamperEvents(ledger, 'DELETE FROM ledger_events WHERE position = ANY($1::bigint[])', [ledger.events.slice(EVENTS - 3).map((event) => event.position)]);
      expectFailure((await ledger.verifier.verify()).failure, { code: 'event-missing', leafIndex: EVENTS - 3, position: firstGone.position });
    });

    it('catches a forged tree head (random signature)', async () => {
      const root = (await ledger.database.pool.query('SELECT root_hash FROM audit_tree_heads WHERE tree_size = 25')).rows[0].root_hash;
      await tamperHeads(ledger, 'DELETE FROM audit_tree_heads WHERE tree_size = 25');
      await ledger.owner.query(`INSERT INTO audit_tree_heads VALUES (25, $1, now(), $2, $3)`, [root, randomBytes(64), signer.keyId]);
      expectFailure((await ledger.verifier.verify()).failure, { code: 'tree-head-signature-invalid', treeSize: 25 });
    });

    it('catches a tree head re-signed with another key, under its key id or the real one', async () => {
      const thief = TreeHeadSigner.generate();
      const head = (await new AuditLog(ledger.database.pool, signer).treeHead(25))!;
      const resigned = thief.sign(25, head.rootHash, head.timestamp);
      await tamperHeads(ledger, 'UPDATE audit_tree_heads SET signature = $1, key_id = $2 WHERE tree_size = 25', [Buffer.from(resigned.signature, 'base64'), thief.keyId]);
      expectFailure((await ledger.verifier.verify()).failure, { code: 'tree-head-unknown-key', treeSize: 25 });
      await ledger.owner.query('UPDATE audit_tree_heads SET key_id = $1 WHERE tree_size = 25', [signer.keyId]);
      expectFailure((await ledger.verifier.verify()).failure, { code: 'tree-head-signature-invalid', treeSize: 25 });
    });

    it('catches two tree heads of the same size with different roots', async () => {
      await ledger.owner.query('ALTER TABLE audit_tree_heads DROP CONSTRAINT audit_tree_heads_pkey');
      // validly signed, even: two answers for one size is the fault
      const twin = signer.sign(25, randomBytes(32), new Date());
      await ledger.owner.query('INSERT INTO audit_tree_heads VALUES ($1, $2, $3, $4, $5)', [
        25,
        Buffer.from(twin.rootHash, 'hex'),
        new Date(twin.timestamp),
        Buffer.from(twin.signature, 'base64'),
        twin.keyId,
      ]);
      expectFailure((await ledger.verifier.verify()).failure, { code: 'tree-head-duplicate-size', treeSize: 25 });
    });

    it('catches history rewritten with its leaves and nodes rebuilt: the signed roots no longer match', async () => {
      const victim = ledger.events[17];
      await tamperEvents(ledger, `UPDATE ledger_events SET metadata = jsonb_set(metadata, '{actor}', '"someone-else"') WHERE position = $1`, [victim.position]);
      for (const table of ['audit_leaves', 'audit_nodes']) await ledger.owner.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
      await ledger.owner.query('DELETE FROM audit_leaves; DELETE FROM audit_nodes');
      await ledger.owner.query('BEGIN');
      await new AuditTreeWriter().append(ledger.owner as unknown as PoolClient, await readAllEvents(ledger.store));
      await ledger.owner.query('COMMIT');
      expectFailure((await ledger.verifier.verify()).failure, { code: 'tree-head-root-mismatch', treeSize: 25 });
    });

    it('catches a stored node that proofs would be built from', async () => {
      await ledger.owner.query('ALTER TABLE audit_nodes DISABLE TRIGGER USER');
      await ledger.owner.query('UPDATE audit_nodes SET hash = $1 WHERE level = 2 AND node_index = 3', [randomBytes(32)]);
      expect((await ledger.verifier.verify()).failure).toMatchObject({ code: 'node-mismatch', leafIndex: 12, message: expect.stringContaining('leaves 12 to 15') });
    });

    it('catches a signed head larger than the tree', async () => {
      const beyond = signer.sign(31, randomBytes(32), new Date());
      await ledger.owner.query('INSERT INTO audit_tree_heads VALUES ($1, $2, $3, $4, $5)', [
        31,
        Buffer.from(beyond.rootHash, 'hex'),
        new Date(beyond.timestamp),
        Buffer.from(beyond.signature, 'base64'),
        beyond.keyId,
      ]);
      expectFailure((await ledger.verifier.verify()).failure, { code: 'tree-head-beyond-tree', treeSize: 31 });
    });
  });
});
