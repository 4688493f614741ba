import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The PII vault (architecture.md, decision 3): data keys per subject × category, wrapped by the
 * master key, and the vault's own secrets (the blind-index key), wrapped the same way.
 *
 * - A shredded key keeps its row as a tombstone: `wrapped_key` NULL, who, when, why. The unique
 *   (subject_id, category) then blocks a new key for that pair, so erasure cannot be undone by a
 *   later write; a trigger refuses to put key material back into a tombstone.
 * - `kek_id` names the master key that wrapped each row, so a rotation can resume and a wrong
 *   master key is refused instead of starting a second set of keys.
 * - The runtime role may SELECT, INSERT and UPDATE, never DELETE: tombstones are evidence. On
 *   PostgreSQL 17+ it also holds MAINTAIN on vault_data_keys, so the VACUUM that follows a shred
 *   (removing the dead row versions that still hold the wrapped key) runs instead of being skipped.
 */
export class PiiVault1763900001000 implements MigrationInterface {
  name = 'PiiVault1763900001000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE vault_data_keys (
        key_id          uuid PRIMARY KEY,
        subject_id      text NOT NULL CHECK (length(subject_id) BETWEEN 1 AND 200),
        category        text NOT NULL CHECK (length(category) BETWEEN 1 AND 200),
        wrapped_key     bytea CHECK (length(wrapped_key) = 60),
        kek_id          text NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
        destroyed_at    timestamptz,
        destroy_reason  text,
        request_id      text,
        destroyed_by    text,
        CONSTRAINT vault_data_keys_subject_category_key UNIQUE (subject_id, category),
        CONSTRAINT vault_data_keys_tombstone CHECK (
          (wrapped_key IS NOT NULL AND destroyed_at IS NULL)
          OR (wrapped_key IS NULL AND destroyed_at IS NOT NULL AND destroy_reason IS NOT NULL AND destroyed_by IS NOT NULL))
      )`);
    // rotation and the master-key check on open look only at live keys, by the key that wraps them
    await db.query(`CREATE INDEX vault_data_keys_live_kek ON vault_data_keys (kek_id) WHERE wrapped_key IS NOT NULL`);

    await db.query(`
      CREATE TABLE vault_secrets (
        name        text PRIMARY KEY,
        wrapped     bytea NOT NULL,
        kek_id      text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
        rotated_at  timestamptz
      )`);

    await db.query(`
      CREATE FUNCTION vault_refuse_resurrection() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.wrapped_key IS NULL AND NEW.wrapped_key IS NOT NULL THEN
          RAISE EXCEPTION 'data key % was shredded; erasure is final', OLD.key_id
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(`
      CREATE TRIGGER vault_data_keys_no_resurrection BEFORE UPDATE ON vault_data_keys
        FOR EACH ROW EXECUTE FUNCTION vault_refuse_resurrection()`);

    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          GRANT SELECT, INSERT, UPDATE ON vault_data_keys, vault_secrets TO pi_ledger_app;
          IF current_setting('server_version_num')::int >= 170000 THEN
            EXECUTE 'GRANT MAINTAIN ON vault_data_keys TO pi_ledger_app';
          END IF;
        END IF;
      END $$`);
  }

  async down(): Promise<void> {
    throw new Error('the vault is never rolled back: dropping it would destroy every data key at once');
  }
}
