import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Check-up visits (issue #14): one row per visit, the visit itself as sealed in its event (under the
 * customer's `health_records` key), its date and recorder in clear. Generation 1 behind its view.
 */
export class CheckupVisits1763900061000 implements MigrationInterface {
  name = 'CheckupVisits1763900061000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE checkup_visits__g1 (
        visit_id     text PRIMARY KEY,
        subject_id   text NOT NULL,
        visit_date   date NOT NULL,
        recorded_by  text NOT NULL,
        recorded_at  timestamptz NOT NULL,
        visit        jsonb NOT NULL,
        position     bigint NOT NULL
      )`);
    await db.query(`CREATE INDEX checkup_visits__g1_subject ON checkup_visits__g1 (subject_id, visit_date)`);
    await db.query(`CREATE VIEW checkup_visits AS SELECT * FROM checkup_visits__g1`);
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          GRANT SELECT, INSERT, UPDATE, DELETE ON checkup_visits__g1 TO pi_ledger_app;
          GRANT SELECT ON checkup_visits TO pi_ledger_app;
        END IF;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP VIEW checkup_visits');
    await db.query('DROP TABLE checkup_visits__g1');
  }
}
