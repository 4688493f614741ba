import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail: an RFC 6962 Merkle tree over the event log, and its signed tree heads
 * (libs/audit, docs/audit.md).
 *
 * - `audit_leaves`: leaf i is the i-th event in global order (transaction_id, position).
 * - `audit_nodes`: the hash of every complete subtree above the leaves; level L node i covers
 *   leaves [i·2^L, (i+1)·2^L). Level 0 is `audit_leaves` itself. Any root or proof for any tree
 *   size is then a fold of O(log n) rows found through the primary keys.
 * - `audit_tree_heads`: signed (Ed25519) roots, at most one per tree size.
 *
 * All three only grow: the runtime role `pi_ledger_app` gets SELECT and INSERT, and triggers refuse
 * UPDATE, DELETE and TRUNCATE for everyone, the owner included.
 */
export class Audit1763900003000 implements MigrationInterface {
  name = 'Audit1763900003000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE audit_leaves (
        leaf_index  bigint PRIMARY KEY CHECK (leaf_index >= 0),
        position    bigint NOT NULL,
        event_id    uuid NOT NULL,
        leaf_hash   bytea NOT NULL CHECK (length(leaf_hash) = 32),
        CONSTRAINT audit_leaves_position_key UNIQUE (position),
        CONSTRAINT audit_leaves_event_id_key UNIQUE (event_id)
      )`);
    await db.query(`
      CREATE TABLE audit_nodes (
        level       integer NOT NULL CHECK (level BETWEEN 1 AND 62),
        node_index  bigint NOT NULL CHECK (node_index >= 0),
        hash        bytea NOT NULL CHECK (length(hash) = 32),
        PRIMARY KEY (level, node_index)
      )`);
    await db.query(`
      CREATE TABLE audit_tree_heads (
        tree_size   bigint PRIMARY KEY CHECK (tree_size >= 0),
        root_hash   bytea NOT NULL CHECK (length(root_hash) = 32),
        "timestamp" timestamptz NOT NULL,
        signature   bytea NOT NULL,
        key_id      text NOT NULL
      )`);

    await db.query(`
      CREATE FUNCTION audit_reject_mutation() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ['audit_leaves', 'audit_nodes', 'audit_tree_heads']) {
      await db.query(`
        CREATE TRIGGER ${table}_no_update_delete BEFORE UPDATE OR DELETE ON ${table}
          FOR EACH ROW EXECUTE FUNCTION audit_reject_mutation()`);
      await db.query(`
        CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
          FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_mutation()`);
    }

    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          GRANT SELECT, INSERT ON audit_leaves, audit_nodes, audit_tree_heads TO pi_ledger_app;
        END IF;
      END $$`);
  }

  async down(): Promise<void> {
    throw new Error('the audit trail is never rolled back: its signed heads have been handed out');
  }
}
