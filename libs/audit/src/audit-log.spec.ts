import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@pi-ledger/event-store/postgres/postgres-event-store';
import { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { appendAuditTestEvents, inTransaction, readAllEvents, writeTree } from './audit.testing';
import { AuditLog } from './audit-log';
import { commitmentOf, leafHash } from './commitment';
import { EMPTY_ROOT, verifyConsistency, verifyInclusion } from './merkle';
import { MemoryTree } from './merkle-frontier';
import { TreeHeadSigner, verifyTreeHead } from './tree-head-signer';

const fromHex = (hex: string) => Buffer.from(hex, 'hex');

describe('AuditLog', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let events: RecordedEvent[];
  let tree: MemoryTree;
  let log: AuditLog;
  let now = new Date('2025-11-23T08:00:00.000Z');
  const signer = TreeHeadSigner.generate();

  beforeAll(async () => {
    database = await createTestDatabase();
    store = new PostgresEventStore(database.pool);
    log = new AuditLog(database.pool, signer, () => now);
    await appendAuditTestEvents(store, 45);
    events = await readAllEvents(store);
    tree = new MemoryTree(events.map((event) => leafHash(commitmentOf(event))));
  });
  afterAll(async () => {
    await store.close();
    await database.close();
  });

  describe('tree heads', () => {
    it('has none at first, so proofs without a tree size have nothing to refer to', async () => {
      expect(await log.latestTreeHead()).toBeUndefined();
      await expect(log.inclusionProof(events[0].eventId)).rejects.toMatchObject({ code: 'no-tree-head' });
    });

    it('signs the empty tree, and does not sign again while the tree has not grown', async () => {
      const head = await log.createTreeHead();
      expect(head).toMatchObject({ treeSize: 0, rootHash: EMPTY_ROOT.toString('hex'), timestamp: '2025-11-23T08:00:00.000Z', keyId: signer.keyId });
      now = new Date('2025-11-23T08:01:00.000Z');
      expect(await log.createTreeHead()).toEqual(head);
    });

    it('signs the current size and root, as an outside verifier recomputes them', async () => {
      await writeTree(database.pool, events.slice(0, 9));
      const head = await log.createTreeHead();
      expect(head).toMatchObject({ treeSize: 9, rootHash: tree.root(9).toString('hex'), timestamp: '2025-11-23T08:01:00.000Z' });
      expect(verifyTreeHead(head, signer.verificationKey)).toEqual({ ok: true });
      expect(await log.latestTreeHead()).toEqual(head);
      expect(await log.treeHead(9)).toEqual(head);
      expect(await log.treeHead(8)).toBeUndefined();
    });

    it('signs inside the caller’s transaction when given its client, and rolls back with it', async () => {
      await writeTree(database.pool, events.slice(9, 20));
      await expect(
        inTransaction(database.pool, async (client) => {
          expect((await log.createTreeHead(client)).treeSize).toBe(20);
          throw new Error('abandoned');
        }),
      ).rejects.toThrow('abandoned');
      expect((await log.latestTreeHead())?.treeSize).toBe(9);
    });

    it('never dates a head before the previous one, even when the clock steps back', async () => {
      now = new Date('2025-11-23T07:00:00.000Z');
      const head = await log.createTreeHead();
      expect(head).toMatchObject({ treeSize: 20, timestamp: '2025-11-23T08:01:00.000Z' });
      expect(verifyTreeHead(head, signer.verificationKey)).toEqual({ ok: true });
      now = new Date('2025-11-23T09:00:00.000Z');
    });
  });

  describe('with the whole ledger in the tree', () => {
    beforeAll(async () => {
      await writeTree(database.pool, events, 11);
      await log.createTreeHead();
    });

    it('proves every event’s inclusion at the latest head and at an older size', async () => {
      const latest = (await log.latestTreeHead())!;
      expect(latest.treeSize).toBe(45);
      for (const [i, event] of events.entries()) {
        const proof = await log.inclusionProof(event.eventId);
        expect(proof).toMatchObject({ leafIndex: i, treeSize: 45, leafHash: leafHash(commitmentOf(event)).toString('hex') });
        expect(verifyInclusion(proof.leafIndex, proof.treeSize, fromHex(proof.leafHash), proof.auditPath.map(fromHex), fromHex(latest.rootHash))).toBe(true);
        if (i < 20) {
          const older = await log.inclusionProof(event.eventId, 20);
          expect(verifyInclusion(i, 20, fromHex(older.leafHash), older.auditPath.map(fromHex), tree.root(20))).toBe(true);
        }
      }
    });

    it('proves the consistency of every older size with the latest, and of sizes between heads', async () => {
      for (let from = 0; from <= 45; from++) {
        const { proof } = await log.consistencyProof(from, 45);
        expect(verifyConsistency(from, 45, tree.root(from), tree.root(45), proof.map(fromHex))).toBe(true);
      }
      const between = await log.consistencyProof(9, 20);
      expect(between).toEqual({ from: 9, to: 20, proof: tree.consistencyProof(9, 20).map((hash) => hash.toString('hex')) });
      expect(await log.rootAt(37)).toBe(tree.root(37).toString('hex'));
    });

    it('answers a proof in a constant number of round trips', async () => {
      let queries = 0;
      const counting = new Proxy(database.pool, {
        get: (target, name) => (name === 'query' ? (...args: unknown[]) => (queries++, (target.query as (...a: unknown[]) => unknown)(...args)) : Reflect.get(target, name)),
      });
      const counted = new AuditLog(counting, signer);
      await counted.inclusionProof(events[5].eventId, 45);
      expect(queries).toBe(3); // the leaf, the tree size, the proof's nodes
      queries = 0;
      await counted.consistencyProof(7, 45);
      expect(queries).toBe(2); // the tree size, the proof's nodes
    });

    it('finds leaves by event id and by position', async () => {
      const event = events[30];
      const leaf = { leafIndex: 30, position: event.position, eventId: event.eventId, leafHash: tree.node({ level: 0, index: 30 }).toString('hex') };
      expect(await log.entry(event.eventId)).toEqual(leaf);
      expect(await log.leafOf(event.position)).toEqual(leaf);
      const page = await log.leavesOf([events[1].position, event.position, 999_999]);
      expect([...page.keys()].sort((a, b) => a - b)).toEqual([events[1].position, event.position].sort((a, b) => a - b));
      expect(await log.entry(randomUUID())).toBeUndefined();
      expect(await log.entry('not-a-uuid')).toBeUndefined();
    });

    it('names what is wrong with a request it cannot answer', async () => {
      await expect(log.inclusionProof(randomUUID(), 45)).rejects.toMatchObject({ code: 'event-not-in-tree' });
      await expect(log.inclusionProof('not-a-uuid', 45)).rejects.toMatchObject({ code: 'event-not-in-tree' });
      await expect(log.inclusionProof(events[30].eventId, 20)).rejects.toMatchObject({ code: 'event-not-in-tree', message: expect.stringContaining('first 20 leaves') });
      await expect(log.inclusionProof(events[0].eventId, 46)).rejects.toMatchObject({ code: 'tree-size-too-large' });
      await expect(log.inclusionProof(events[0].eventId, 1.5)).rejects.toMatchObject({ code: 'invalid-tree-size' });
      await expect(log.consistencyProof(20, 9)).rejects.toMatchObject({ code: 'invalid-range' });
      await expect(log.consistencyProof(9, 46)).rejects.toMatchObject({ code: 'tree-size-too-large' });
      await expect(log.consistencyProof(-1, 9)).rejects.toMatchObject({ code: 'invalid-tree-size' });
      await expect(log.rootAt(46)).rejects.toMatchObject({ code: 'tree-size-too-large' });
    });
  });
});
