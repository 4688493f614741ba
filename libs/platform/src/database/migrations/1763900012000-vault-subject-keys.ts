import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A subject's data keys in one row (issue #3: a registration's five keys cost five heap tuples and
 * fifteen index entries, and the key statement was most of what encryption added to it).
 *
 * `vault_subject_keys` holds, per subject, the live keys as parallel arrays (category, key id,
 * wrapped key), all wrapped by the row's `kek_id`, and the tombstones of the shredded ones as a
 * JSON object by category ({keyId, destroyedAt, reason, requestId, actor}). Rules, kept by the
 * functions below and by a trigger:
 *
 * - A shredded category stays shredded: its tombstone is never removed or changed, and the live
 *   arrays never name a category that has one (erasure cannot be undone by a later write).
 * - The runtime role may SELECT, INSERT and UPDATE, never DELETE: tombstones are evidence.
 * - A shred rewrites the row without the key; the old row version still holds the wrapped key
 *   until VACUUM removes it, so the vault vacuums this table after every shred (MAINTAIN granted on
 *   PostgreSQL 17+), as it did the old table.
 *
 * A new subject's row is inserted by the append of its first events, in the same statement
 * (AppendOptions.alongside), so keys and events commit together. Keys for a subject that has a row
 * already go through `vault_create_data_keys`, which keeps its signature and its answer, now over
 * this table.
 *
 * `vault_data_keys` becomes a view with the old table's columns, one row per key, live or
 * tombstone: the vault's reads, the erasure service's, and those of instances of the previous
 * release during a rolling deploy, are unchanged. Those instances' writes keep working through
 * `vault_create_data_keys`; their shreds and master-key rotations (UPDATEs of the old table) fail
 * until they are replaced, loudly and without effect (docs/operations.md, "Upgrading").
 *
 * Live keys under two master keys for one subject (a rotation left unfinished) cannot share a row:
 * the migration refuses to run until `ledger keys rotate-kek` has finished.
 */
export class VaultSubjectKeys1763900012000 implements MigrationInterface {
  name = 'VaultSubjectKeys1763900012000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM vault_data_keys WHERE wrapped_key IS NOT NULL GROUP BY subject_id HAVING count(DISTINCT kek_id) > 1) THEN
          RAISE EXCEPTION 'some subjects have live data keys under two master keys: finish the rotation (ledger keys rotate-kek) before this upgrade';
        END IF;
      END $$`);

    await db.query(`
      CREATE TABLE vault_subject_keys (
        subject_id  text PRIMARY KEY CHECK (length(subject_id) BETWEEN 1 AND 200),
        kek_id      text NOT NULL,
        categories  text[] NOT NULL,
        key_ids     uuid[] NOT NULL,
        wrapped     bytea[] NOT NULL,
        tombstones  jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(tombstones) = 'object'),
        created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT vault_subject_keys_arrays CHECK (
          cardinality(key_ids) = cardinality(categories) AND cardinality(wrapped) = cardinality(categories)
          AND array_position(categories, NULL) IS NULL AND array_position(key_ids, NULL) IS NULL
          AND array_position(wrapped, NULL) IS NULL)
      )`);
    // rotation and the master-key check on open look only at rows with live keys, by the key that wraps them
    await db.query(`CREATE INDEX vault_subject_keys_live_kek ON vault_subject_keys (kek_id) WHERE cardinality(categories) > 0`);

    await db.query(`
      INSERT INTO vault_subject_keys (subject_id, kek_id, categories, key_ids, wrapped, tombstones, created_at)
      SELECT subject_id,
             coalesce(min(kek_id) FILTER (WHERE wrapped_key IS NOT NULL), min(kek_id)),
             coalesce(array_agg(category ORDER BY category) FILTER (WHERE wrapped_key IS NOT NULL), '{}'),
             coalesce(array_agg(key_id ORDER BY category) FILTER (WHERE wrapped_key IS NOT NULL), '{}'),
             coalesce(array_agg(wrapped_key ORDER BY category) FILTER (WHERE wrapped_key IS NOT NULL), '{}'),
             coalesce(jsonb_object_agg(category, jsonb_build_object(
                        'keyId', key_id, 'destroyedAt', destroyed_at, 'reason', destroy_reason,
                        'requestId', request_id, 'actor', destroyed_by)) FILTER (WHERE wrapped_key IS NULL), '{}'),
             min(created_at)
        FROM vault_data_keys GROUP BY subject_id`);
    // the old table's file goes with it: no dead row version of a shredded key survives in it
    await db.query(`DROP TABLE vault_data_keys`);
    await db.query(`DROP FUNCTION vault_refuse_resurrection()`);

    await db.query(`
      CREATE FUNCTION vault_subject_keys_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' THEN
          IF NEW.subject_id <> OLD.subject_id THEN
            RAISE EXCEPTION 'the data keys of subject % cannot move to another subject', OLD.subject_id USING ERRCODE = 'insufficient_privilege';
          END IF;
          IF NOT NEW.tombstones @> OLD.tombstones THEN
            RAISE EXCEPTION 'the tombstones of subject % are evidence: never changed or removed', OLD.subject_id USING ERRCODE = 'insufficient_privilege';
          END IF;
        END IF;
        IF EXISTS (SELECT FROM unnest(NEW.categories) AS c WHERE NEW.tombstones ? c) THEN
          RAISE EXCEPTION 'a data key of subject % was shredded; erasure is final', NEW.subject_id USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF cardinality(NEW.categories) <> (SELECT count(DISTINCT c) FROM unnest(NEW.categories) AS c) THEN
          RAISE EXCEPTION 'subject % has two data keys for one category', NEW.subject_id USING ERRCODE = 'unique_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(`
      CREATE TRIGGER vault_subject_keys_guard BEFORE UPDATE ON vault_subject_keys
        FOR EACH ROW EXECUTE FUNCTION vault_subject_keys_guard()`);
    // A new row (a registration's, on the hot path) is checked only when it comes with tombstones
    // (the rows above did); its categories are distinct by construction, keys of a Map.
    await db.query(`
      CREATE TRIGGER vault_subject_keys_guard_insert BEFORE INSERT ON vault_subject_keys
        FOR EACH ROW WHEN (NEW.tombstones <> '{}'::jsonb) EXECUTE FUNCTION vault_subject_keys_guard()`);

    await db.query(`
      CREATE VIEW vault_data_keys AS
        SELECT k.key_id, s.subject_id, k.category, k.wrapped AS wrapped_key, s.kek_id, s.created_at,
               NULL::timestamptz AS destroyed_at, NULL::text AS destroy_reason, NULL::text AS request_id, NULL::text AS destroyed_by
          FROM vault_subject_keys s, unnest(s.categories, s.key_ids, s.wrapped) AS k(category, key_id, wrapped)
        UNION ALL
        SELECT (t.value ->> 'keyId')::uuid, s.subject_id, t.key, NULL::bytea, s.kek_id, s.created_at,
               (t.value ->> 'destroyedAt')::timestamptz, t.value ->> 'reason', t.value ->> 'requestId', t.value ->> 'actor'
          FROM vault_subject_keys s, jsonb_each(s.tombstones) AS t`);

    // Same signature and answer as before (1763900009000), over the subject's row: inserts the keys of
    // the categories the subject has no key or tombstone for, returns the subject's keys for all of
    // them. Its commit still does not wait for the WAL flush (1763900009000 says why that is safe).
    await db.query(`
      CREATE OR REPLACE FUNCTION vault_create_data_keys(
        p_subject_id text, p_key_ids uuid[], p_categories text[], p_wrapped bytea[], p_kek_id text
      ) RETURNS TABLE (key_id uuid, subject_id text, category text, wrapped_key bytea, kek_id text)
      LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        existing vault_subject_keys;
        add_categories text[];
        add_key_ids uuid[];
        add_wrapped bytea[];
      BEGIN
        PERFORM set_config('synchronous_commit', 'off', true);
        LOOP
          SELECT * INTO existing FROM vault_subject_keys s WHERE s.subject_id = p_subject_id FOR UPDATE;
          EXIT WHEN FOUND;
          INSERT INTO vault_subject_keys (subject_id, kek_id, categories, key_ids, wrapped)
          SELECT p_subject_id, p_kek_id, array_agg(n.category), array_agg(n.key_id), array_agg(n.wrapped)
            FROM unnest(p_categories, p_key_ids, p_wrapped) AS n(category, key_id, wrapped)
              ON CONFLICT DO NOTHING;
          -- inserted: the keys are those given; else another caller's row won the race: lock and read it
          IF FOUND THEN
            RETURN QUERY SELECT n.key_id, p_subject_id, n.category, n.wrapped, p_kek_id
                           FROM unnest(p_categories, p_key_ids, p_wrapped) AS n(category, key_id, wrapped);
            RETURN;
          END IF;
        END LOOP;
        SELECT array_agg(n.category), array_agg(n.key_id), array_agg(n.wrapped)
          INTO add_categories, add_key_ids, add_wrapped
          FROM unnest(p_categories, p_key_ids, p_wrapped) AS n(category, key_id, wrapped)
         WHERE NOT n.category = ANY (existing.categories) AND NOT existing.tombstones ? n.category;
        IF add_categories IS NOT NULL THEN
          IF cardinality(existing.categories) > 0 AND existing.kek_id <> p_kek_id THEN
            RAISE EXCEPTION 'the data keys of subject % are wrapped by kek id %, not by kek id %', p_subject_id, existing.kek_id, p_kek_id
              USING ERRCODE = 'PLV01';
          END IF;
          UPDATE vault_subject_keys s
             SET categories = s.categories || add_categories, key_ids = s.key_ids || add_key_ids,
                 wrapped = s.wrapped || add_wrapped, kek_id = p_kek_id
           WHERE s.subject_id = p_subject_id;
        END IF;
        RETURN QUERY
          SELECT k.key_id, k.subject_id, k.category, k.wrapped_key, k.kek_id
            FROM vault_data_keys k
           WHERE k.subject_id = p_subject_id AND k.category = ANY (p_categories);
      END $$`);

    await db.query(`
      CREATE FUNCTION vault_shred_data_keys(
        p_subject_id text, p_categories text[], p_reason text, p_request_id text, p_actor text
      ) RETURNS TABLE (key_id uuid, subject_id text, category text, destroyed_at timestamptz,
                       destroy_reason text, request_id text, destroyed_by text)
      LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        existing vault_subject_keys;
        shredded_at timestamptz := clock_timestamp();
        gone jsonb;
      BEGIN
        SELECT * INTO existing FROM vault_subject_keys s WHERE s.subject_id = p_subject_id FOR UPDATE;
        IF NOT FOUND THEN RETURN; END IF;
        SELECT jsonb_object_agg(k.category, jsonb_build_object(
                 'keyId', k.key_id, 'destroyedAt', shredded_at, 'reason', p_reason, 'requestId', p_request_id, 'actor', p_actor))
          INTO gone
          FROM unnest(existing.categories, existing.key_ids) AS k(category, key_id)
         WHERE p_categories IS NULL OR k.category = ANY (p_categories);
        IF gone IS NULL THEN RETURN; END IF;
        UPDATE vault_subject_keys s
           SET categories = coalesce(kept.categories, '{}'), key_ids = coalesce(kept.key_ids, '{}'),
               wrapped = coalesce(kept.wrapped, '{}'), tombstones = s.tombstones || gone
          FROM (SELECT array_agg(k.category) AS categories, array_agg(k.key_id) AS key_ids, array_agg(k.wrapped) AS wrapped
                  FROM unnest(existing.categories, existing.key_ids, existing.wrapped) AS k(category, key_id, wrapped)
                 WHERE NOT gone ? k.category) AS kept
         WHERE s.subject_id = p_subject_id;
        -- the other processes' vaults drop the subject's keys from their caches when this commits
        PERFORM pg_notify('pi_ledger_vault_shred', p_subject_id);
        RETURN QUERY
          SELECT (t.value ->> 'keyId')::uuid, p_subject_id, t.key, shredded_at, p_reason, p_request_id, p_actor
            FROM jsonb_each(gone) AS t ORDER BY t.key;
      END $$`);

    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          GRANT SELECT, INSERT, UPDATE ON vault_subject_keys TO pi_ledger_app;
          GRANT SELECT ON vault_data_keys TO pi_ledger_app;
          GRANT EXECUTE ON FUNCTION vault_shred_data_keys(text, text[], text, text, text) TO pi_ledger_app;
          IF current_setting('server_version_num')::int >= 170000 THEN
            EXECUTE 'GRANT MAINTAIN ON vault_subject_keys TO pi_ledger_app';
          END IF;
        END IF;
      END $$`);
  }

  async down(): Promise<void> {
    throw new Error('the vault is never rolled back');
  }
}
