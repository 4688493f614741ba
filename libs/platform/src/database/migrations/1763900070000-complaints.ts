import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Complaints (issue #14): one row per complaint, the queue's columns in clear (status, severity,
 * channel, category, department, handler, deadlines, escalations), the description and the latest
 * reply as sealed in their events, and the text category they are sealed under (erasure purges by
 * it). Generation 1 behind its view.
 */
export class Complaints1763900070000 implements MigrationInterface {
  name = 'Complaints1763900070000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE complaints__g1 (
        complaint_id             text PRIMARY KEY,
        subject_id               text NOT NULL,
        channel                  text NOT NULL,
        category                 text NOT NULL,
        severity                 text NOT NULL,
        service_record_id        text,
        text_category            text NOT NULL,
        status                   text NOT NULL,
        department               text,
        handler                  text,
        awaiting_reply           boolean NOT NULL,
        reply_due_at             timestamptz NOT NULL,
        resolution_due_at        timestamptz NOT NULL,
        reply_escalated_due      timestamptz,
        resolution_escalated_due timestamptz,
        escalations              integer NOT NULL DEFAULT 0,
        last_escalated_at        timestamptz,
        reopened                 integer NOT NULL DEFAULT 0,
        satisfaction             smallint,
        description              jsonb NOT NULL,
        reply                    jsonb,
        received_by              text NOT NULL,
        received_at              timestamptz NOT NULL,
        replied_at               timestamptz,
        closed_at                timestamptz,
        version                  integer NOT NULL
      )`);
    await db.query(`CREATE INDEX complaints__g1_queue ON complaints__g1 (resolution_due_at, complaint_id)`);
    await db.query(`CREATE INDEX complaints__g1_department ON complaints__g1 (department, status, resolution_due_at)`);
    await db.query(`CREATE INDEX complaints__g1_handler ON complaints__g1 (handler, status, resolution_due_at)`);
    await db.query(`CREATE INDEX complaints__g1_subject ON complaints__g1 (subject_id)`);
    await db.query(`CREATE VIEW complaints AS SELECT * FROM complaints__g1`);
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          GRANT SELECT, INSERT, UPDATE, DELETE ON complaints__g1 TO pi_ledger_app;
          GRANT SELECT ON complaints TO pi_ledger_app;
        END IF;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP VIEW complaints');
    await db.query('DROP TABLE complaints__g1');
  }
}
