import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Command-side support tables (mutable, never the record):
 * - `idempotency_keys`: the first response to a key, replayed for the same body (api-contract.md).
 * - `subject_id_numbers`: blind index of ID-document numbers → subject, so one number belongs to one
 *   active subject. Holds HMACs only; erasure deletes the row.
 */
export class SubjectCommands1763900002000 implements MigrationInterface {
  name = 'SubjectCommands1763900002000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE idempotency_keys (
        actor         text NOT NULL,
        key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
        request_hash  text NOT NULL,
        status        integer,
        body          jsonb,
        etag          text,
        created_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (actor, key)
      )`);
    await db.query(`
      CREATE TABLE subject_id_numbers (
        id_number_hash text PRIMARY KEY,
        subject_id     text NOT NULL,
        reserved_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX subject_id_numbers_subject ON subject_id_numbers (subject_id)`);
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys, subject_id_numbers TO pi_ledger_app;
        END IF;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE subject_id_numbers');
    await db.query('DROP TABLE idempotency_keys');
  }
}
