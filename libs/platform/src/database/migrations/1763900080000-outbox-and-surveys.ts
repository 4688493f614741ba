import { MigrationInterface, QueryRunner } from 'typeorm';

const grant = (table: string) => `
  DO $$ BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${table}__g1 TO pi_ledger_app;
      GRANT SELECT ON ${table} TO pi_ledger_app;
    END IF;
  END $$`;

/**
 * Messages to customers and survey responses (issue #14 items 6 and 9). `outbox_messages`: one row
 * per message, the delivery columns in clear (kind, channel, status, attempts, next attempt, an
 * error code), recipient and content as sealed in their event. `survey_responses`: one row per
 * dispatched survey, the service it asks about and the counts CSAT and NPS are computed from in
 * clear, the free-text answers sealed. Generation 1 behind their views.
 */
export class OutboxAndSurveys1763900080000 implements MigrationInterface {
  name = 'OutboxAndSurveys1763900080000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE outbox_messages__g1 (
        message_id       text PRIMARY KEY,
        subject_id       text NOT NULL,
        kind             text NOT NULL,
        channel          text NOT NULL,
        purpose_id       text NOT NULL,
        category         text NOT NULL,
        source_kind      text NOT NULL,
        source_ref       text,
        status           text NOT NULL,
        attempts         integer NOT NULL,
        next_attempt_at  timestamptz,
        last_error       text,
        recipient        jsonb,
        content          jsonb,
        queued_by        text NOT NULL,
        queued_at        timestamptz NOT NULL,
        closed_at        timestamptz,
        version          integer NOT NULL
      )`);
    await db.query(`CREATE INDEX outbox_messages__g1_due ON outbox_messages__g1 (status, next_attempt_at)`);
    await db.query(`CREATE INDEX outbox_messages__g1_subject ON outbox_messages__g1 (subject_id, queued_at)`);
    await db.query(`CREATE VIEW outbox_messages AS SELECT * FROM outbox_messages__g1`);
    await db.query(grant('outbox_messages'));
    await db.query(`
      CREATE TABLE survey_responses__g1 (
        response_id        text PRIMARY KEY,
        subject_id         text NOT NULL,
        survey_id          text NOT NULL,
        survey_version     integer NOT NULL,
        service_record_id  text NOT NULL,
        service_type       text NOT NULL,
        service_date       date NOT NULL,
        staff_id           text NOT NULL,
        status             text NOT NULL,
        message_id         text,
        dispatched_by      text NOT NULL,
        dispatched_at      timestamptz NOT NULL,
        answered_by        text,
        answered_via       text,
        answered_at        timestamptz,
        scores             jsonb,
        comments           jsonb,
        scale_answers      integer NOT NULL DEFAULT 0,
        satisfied          integer NOT NULL DEFAULT 0,
        nps_answers        integer NOT NULL DEFAULT 0,
        promoters          integer NOT NULL DEFAULT 0,
        detractors         integer NOT NULL DEFAULT 0,
        version            integer NOT NULL
      )`);
    await db.query(`CREATE INDEX survey_responses__g1_results ON survey_responses__g1 (survey_id, service_date) WHERE status = 'answered'`);
    await db.query(`CREATE INDEX survey_responses__g1_subject ON survey_responses__g1 (subject_id)`);
    await db.query(`CREATE VIEW survey_responses AS SELECT * FROM survey_responses__g1`);
    await db.query(grant('survey_responses'));
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP VIEW survey_responses');
    await db.query('DROP TABLE survey_responses__g1');
    await db.query('DROP VIEW outbox_messages');
    await db.query('DROP TABLE outbox_messages__g1');
  }
}
