import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Service records (issue #14): one row per service, its details as sealed in its event (under the
 * customer's `service_interactions` key); date, type and staff member in clear, for lists and
 * reports. Generation 1 behind its view.
 */
export class ServiceRecords1763900062000 implements MigrationInterface {
  name = 'ServiceRecords1763900062000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE service_records__g1 (
        record_id     text PRIMARY KEY,
        subject_id    text NOT NULL,
        service_date  date NOT NULL,
        service_type  text NOT NULL,
        staff_id      text NOT NULL,
        recorded_by   text NOT NULL,
        recorded_at   timestamptz NOT NULL,
        details       jsonb NOT NULL,
        position      bigint NOT NULL
      )`);
    await db.query(`CREATE INDEX service_records__g1_subject ON service_records__g1 (subject_id, service_date)`);
    await db.query(`CREATE INDEX service_records__g1_staff ON service_records__g1 (staff_id, service_date)`);
    await db.query(`CREATE VIEW service_records AS SELECT * FROM service_records__g1`);
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          GRANT SELECT, INSERT, UPDATE, DELETE ON service_records__g1 TO pi_ledger_app;
          GRANT SELECT ON service_records TO pi_ledger_app;
        END IF;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP VIEW service_records');
    await db.query('DROP TABLE service_records__g1');
  }
}
