import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Data keys of a subject created in one round trip and one commit (issue #3: registering a subject
 * cost a lookup, an insert and a commit per category). `vault_create_data_keys` inserts the keys it
 * is given, keeps any key that exists already (a tombstone included: erasure stays final), and
 * returns the subject's rows for those categories, created now or before.
 *
 * Its transaction commits without waiting for the WAL flush (synchronous_commit off, for that
 * transaction only). No acknowledged event can lose its key to a crash that way: WAL is flushed in
 * order, and every event sealed under the key is appended by a later transaction, whose synchronous
 * commit flushes the WAL past the key's commit record. A key lost in a crash is referenced by
 * nothing durable; the next writer makes a fresh one, and a vault that had cached it drops it when
 * the crash drops its LISTEN connection. (docs/key-management.md, "Key commits do not wait".)
 */
export class VaultKeyBatch1763900009000 implements MigrationInterface {
  name = 'VaultKeyBatch1763900009000';

  async up(db: QueryRunner): Promise<void> {
    // No SET clause on the function: with one, the set_config below would end with the function
    // instead of lasting to the commit, where PostgreSQL reads synchronous_commit.
    // ON CONFLICT names the constraint: a column list would be ambiguous with the output columns.
    await db.query(`
      CREATE FUNCTION vault_create_data_keys(
        p_subject_id text, p_key_ids uuid[], p_categories text[], p_wrapped bytea[], p_kek_id text
      ) RETURNS TABLE (key_id uuid, subject_id text, category text, wrapped_key bytea, kek_id text)
      LANGUAGE plpgsql AS $$
      BEGIN
        -- only for the caller's transaction, which must hold nothing but this call (see above)
        PERFORM set_config('synchronous_commit', 'off', true);
        -- in category order, so two callers racing for the same categories queue instead of deadlocking
        INSERT INTO vault_data_keys AS k (key_id, subject_id, category, wrapped_key, kek_id)
        SELECT n.key_id, p_subject_id, n.category, n.wrapped_key, p_kek_id
          FROM unnest(p_key_ids, p_categories, p_wrapped) AS n(key_id, category, wrapped_key)
         ORDER BY n.category
            ON CONFLICT ON CONSTRAINT vault_data_keys_subject_category_key DO NOTHING;
        -- a new snapshot (READ COMMITTED): a key another caller committed while this one waited is seen
        RETURN QUERY
          SELECT k.key_id, k.subject_id, k.category, k.wrapped_key, k.kek_id
            FROM vault_data_keys k
           WHERE k.subject_id = p_subject_id AND k.category = ANY (p_categories);
      END $$`);
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          GRANT EXECUTE ON FUNCTION vault_create_data_keys(text, uuid[], text[], bytea[], text) TO pi_ledger_app;
        END IF;
      END $$`);
  }

  async down(): Promise<void> {
    throw new Error('the vault is never rolled back');
  }
}
