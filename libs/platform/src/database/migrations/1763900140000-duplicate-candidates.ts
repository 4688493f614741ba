import { MigrationInterface, QueryRunner } from 'typeorm';

const TABLES = ['duplicate_subjects', 'duplicate_keys', 'duplicate_pairs', 'duplicate_dismissals'];

/**
 * Duplicate candidates across the ledger (issue #15, item 2), a rebuildable read model: each
 * customer's matched values sealed under its keys (`duplicate_subjects`), its match keys as blind
 * indexes (`duplicate_keys`, found by key), the candidate pairs with reasons and score
 * (`duplicate_pairs`, listed by score, found by either customer) and the pairs dismissed as two
 * people. Generation 1 behind views.
 */
export class DuplicateCandidates1763900140000 implements MigrationInterface {
  name = 'DuplicateCandidates1763900140000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE duplicate_subjects__g1 (
        subject_id text PRIMARY KEY,
        version    integer NOT NULL,
        status     text NOT NULL,
        data       jsonb NOT NULL
      )`);
    await db.query(`
      CREATE TABLE duplicate_keys__g1 (
        match_key  text NOT NULL,
        subject_id text NOT NULL,
        reason     text NOT NULL,
        PRIMARY KEY (match_key, subject_id)
      )`);
    await db.query(`CREATE INDEX duplicate_keys__g1_subject ON duplicate_keys__g1 (subject_id)`);
    await db.query(`
      CREATE TABLE duplicate_pairs__g1 (
        subject_a text NOT NULL,
        subject_b text NOT NULL,
        reasons   text[] NOT NULL,
        score     integer NOT NULL,
        PRIMARY KEY (subject_a, subject_b),
        CHECK (subject_a < subject_b)
      )`);
    await db.query(`CREATE INDEX duplicate_pairs__g1_b ON duplicate_pairs__g1 (subject_b)`);
    await db.query(`CREATE INDEX duplicate_pairs__g1_score ON duplicate_pairs__g1 (score DESC, subject_a, subject_b)`);
    await db.query(`
      CREATE TABLE duplicate_dismissals__g1 (
        subject_a    text NOT NULL,
        subject_b    text NOT NULL,
        dismissed_by text NOT NULL,
        dismissed_at timestamptz NOT NULL,
        PRIMARY KEY (subject_a, subject_b)
      )`);
    await db.query(`CREATE INDEX duplicate_dismissals__g1_b ON duplicate_dismissals__g1 (subject_b)`);
    for (const table of TABLES) {
      await db.query(`CREATE VIEW ${table} AS SELECT * FROM ${table}__g1`);
      await db.query(`
        DO $$ BEGIN
          IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
            GRANT SELECT, INSERT, UPDATE, DELETE ON ${table}__g1 TO pi_ledger_app;
            GRANT SELECT ON ${table} TO pi_ledger_app;
          END IF;
        END $$`);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await db.query(`DROP VIEW ${table}`);
      await db.query(`DROP TABLE ${table}__g1`);
    }
  }
}
