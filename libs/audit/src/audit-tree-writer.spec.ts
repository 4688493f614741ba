import { PostgresEventStore } from '@pi-ledger/event-store/postgres/postgres-event-store';
import { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { appendAuditTestEvents, inTransaction, readAllEvents, writeTree } from './audit.testing';
import { treeSizeOf } from './audit-tree-storage';
import { AuditTreeWriter } from './audit-tree-writer';
import { commitmentOf, leafHash } from './commitment';
import { MemoryTree } from './merkle-frontier';

describe('AuditTreeWriter', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let events: RecordedEvent[];
  let expected: MemoryTree;
  const writer = new AuditTreeWriter();

  beforeAll(async () => {
    database = await createTestDatabase();
    store = new PostgresEventStore(database.pool);
    await appendAuditTestEvents(store, 77);
    events = await readAllEvents(store);
    expected = new MemoryTree(events.map((event) => leafHash(commitmentOf(event))));
  });
  afterAll(async () => {
    await store.close();
    await database.close();
  });

  async function storedTree(): Promise<{ leaves: string[]; nodes: Map<string, string> }> {
    const leaves = await database.pool.query('SELECT leaf_index::int, position::int, event_id, leaf_hash FROM audit_leaves ORDER BY leaf_index');
    const nodes = await database.pool.query('SELECT level, node_index::int, hash FROM audit_nodes');
    return {
      leaves: leaves.rows.map((row, i) => `${row.leaf_index === i}:${row.position}:${row.event_id}:${row.leaf_hash.toString('hex')}`),
      nodes: new Map(nodes.rows.map((row) => [`${row.level}/${row.node_index}`, row.hash.toString('hex')])),
    };
  }

  /** Every complete subtree of the tree of `size` leaves, as the RFC computes it. */
  function expectedNodes(size: number): Map<string, string> {
    const nodes = new Map<string, string>();
    for (let level = 1; 2 ** level <= size; level++) {
      for (let index = 0; (index + 1) * 2 ** level <= size; index++) nodes.set(`${level}/${index}`, expected.node({ level, index }).toString('hex'));
    }
    return nodes;
  }

  it('stores leaf i for the i-th event in global order and every complete subtree, whatever the batch sizes', async () => {
    // batches of 1, 2, 3, … events
    let size = 0;
    for (let batch = 1, i = 0; i < events.length; i += batch, batch++) {
      size = (await inTransaction(database.pool, (client) => writer.append(client, events.slice(i, i + batch)))).treeSize;
      expect(size).toBe(Math.min(i + batch, events.length));
    }
    const { leaves, nodes } = await storedTree();
    expect(leaves).toEqual(events.map((event, i) => `true:${event.position}:${event.eventId}:${expected.node({ level: 0, index: i }).toString('hex')}`));
    expect(nodes).toEqual(expectedNodes(events.length));
    expect(await treeSizeOf(database.pool)).toBe(77);
  });

  it('changes nothing when a batch is applied again, alone or overlapping new events', async () => {
    const before = await storedTree();
    expect(await writeTree(database.pool, events, 10)).toBe(77);
    expect(await inTransaction(database.pool, (client) => writer.append(client, events.slice(70)))).toEqual({ treeSize: 77 });
    expect(await storedTree()).toEqual(before);
  });

  it('refuses a batch out of global order, and writes nothing', async () => {
    const fresh = await createTestDatabase();
    try {
      const freshStore = new PostgresEventStore(fresh.pool);
      await appendAuditTestEvents(freshStore, 4);
      const four = await readAllEvents(freshStore);
      for (const bad of [
        [four[1], four[0]],
        [four[0], four[0]],
      ]) {
        await expect(inTransaction(fresh.pool, (client) => writer.append(client, bad))).rejects.toThrow(/global order/);
      }
      expect(await treeSizeOf(fresh.pool)).toBe(0);
    } finally {
      await fresh.close();
    }
  });

  it('refuses new events that do not directly follow the last leaf in the log: none may be skipped', async () => {
    const fresh = await createTestDatabase();
    try {
      const freshStore = new PostgresEventStore(fresh.pool);
      await appendAuditTestEvents(freshStore, 10);
      const ten = await readAllEvents(freshStore);
      await expect(inTransaction(fresh.pool, (client) => writer.append(client, ten.slice(1, 5)))).rejects.toThrow(/1 event\(s\) between/);
      expect(await writeTree(fresh.pool, ten.slice(0, 5))).toBe(5);
      await expect(inTransaction(fresh.pool, (client) => writer.append(client, [ten[4], ten[6], ten[7]]))).rejects.toThrow(/skips/);
      await expect(inTransaction(fresh.pool, (client) => writer.append(client, [ten[3], ten[5]]))).resolves.toEqual({ treeSize: 6 });
      expect(await treeSizeOf(fresh.pool)).toBe(6);
    } finally {
      await fresh.close();
    }
  });

  it('leaves nothing behind when the caller’s transaction rolls back', async () => {
    const fresh = await createTestDatabase();
    try {
      const freshStore = new PostgresEventStore(fresh.pool);
      await appendAuditTestEvents(freshStore, 9);
      const nine = await readAllEvents(freshStore);
      await expect(
        inTransaction(fresh.pool, async (client) => {
          await writer.append(client, nine);
          throw new Error('projection failed');
        }),
      ).rejects.toThrow('projection failed');
      expect((await fresh.pool.query('SELECT count(*)::int AS n FROM audit_nodes')).rows[0].n).toBe(0);
      expect(await writeTree(fresh.pool, nine, 4)).toBe(9);
    } finally {
      await fresh.close();
    }
  });

  it('takes a constant number of round trips per call, reading only the O(log n) frontier', async () => {
    const fresh = await createTestDatabase();
    try {
      const freshStore = new PostgresEventStore(fresh.pool);
      await appendAuditTestEvents(freshStore, 600, 20);
      const all = await readAllEvents(freshStore);
      await writeTree(fresh.pool, all.slice(0, 255), 255);
      const statements: { text: string; values: unknown[] }[] = [];
      await inTransaction(fresh.pool, async (client) => {
        const counting = new Proxy(client, {
          get: (target, name) =>
            name === 'query'
              ? (text: string, values: unknown[]) => {
                  statements.push({ text, values });
                  return target.query(text, values);
                }
              : Reflect.get(target, name),
        });
        await writer.append(counting, all.slice(255));
      });
      // lock; size, present positions, last leaf; count of the log up to the batch's end; frontier; one INSERT
      expect(statements).toHaveLength(5);
      // size 255 = 128+64+32+16+8+4+2+1: leaf 254, and (level, index) of the 7 nodes above the leaves
      expect(statements[3].values).toEqual([[254], [7, 6, 5, 4, 3, 2, 1], [0, 2, 6, 14, 30, 62, 126]]);
      expect(await treeSizeOf(fresh.pool)).toBe(600);
      const stored = await fresh.pool.query('SELECT hash FROM audit_nodes WHERE level = 9 AND node_index = 0');
      expect(stored.rows[0].hash).toEqual(new MemoryTree(all.slice(0, 512).map((event) => leafHash(commitmentOf(event)))).root());
    } finally {
      await fresh.close();
    }
  });

  describe('append-only', () => {
    it('gives the service role no UPDATE, DELETE or TRUNCATE on the audit tables', async () => {
      for (const statement of [
        'UPDATE audit_leaves SET leaf_hash = leaf_hash',
        'DELETE FROM audit_leaves',
        'TRUNCATE audit_leaves',
        'UPDATE audit_nodes SET hash = hash',
        'DELETE FROM audit_nodes',
        'TRUNCATE audit_nodes',
        'UPDATE audit_tree_heads SET key_id = key_id',
        'DELETE FROM audit_tree_heads',
        'TRUNCATE audit_tree_heads',
      ]) {
        await expect(database.pool.query(statement)).rejects.toMatchObject({ code: '42501' });
      }
    });

    it('rejects UPDATE, DELETE and TRUNCATE by the owner through triggers', async () => {
      const owner = await database.ownerClient();
      // row triggers need a row
      await owner.query(`INSERT INTO audit_tree_heads (tree_size, root_hash, "timestamp", signature, key_id) VALUES (0, sha256(''), now(), '\\x00', 'test')`);
      for (const statement of [
        "UPDATE audit_leaves SET leaf_hash = '\\x00'",
        'DELETE FROM audit_nodes',
        'TRUNCATE audit_leaves CASCADE',
        "UPDATE audit_tree_heads SET key_id = 'other'",
        'DELETE FROM audit_tree_heads',
        'TRUNCATE audit_tree_heads',
      ]) {
        await expect(owner.query(statement)).rejects.toThrow(/append-only/);
      }
      expect(await treeSizeOf(database.pool)).toBe(77);
    });
  });
});
