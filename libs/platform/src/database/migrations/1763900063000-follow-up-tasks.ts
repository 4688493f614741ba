import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Follow-up tasks (issue #14): one row per task, the work queues' columns in clear (due date,
 * assignee, department, channel, status), the note, outcome and cancellation reason as sealed in
 * their events. Generation 1 behind its view.
 */
export class FollowUpTasks1763900063000 implements MigrationInterface {
  name = 'FollowUpTasks1763900063000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE follow_up_tasks__g1 (
        task_id          text PRIMARY KEY,
        subject_id       text NOT NULL,
        due_date         date NOT NULL,
        assignee         text NOT NULL,
        department       text,
        channel          text NOT NULL,
        status           text NOT NULL,
        source_kind      text NOT NULL,
        source_visit_id  text,
        note             jsonb,
        outcome          jsonb,
        cancel_reason    jsonb,
        opened_by        text NOT NULL,
        opened_at        timestamptz NOT NULL,
        closed_by        text,
        closed_at        timestamptz,
        version          integer NOT NULL
      )`);
    await db.query(`CREATE INDEX follow_up_tasks__g1_assignee ON follow_up_tasks__g1 (assignee, status, due_date)`);
    await db.query(`CREATE INDEX follow_up_tasks__g1_department ON follow_up_tasks__g1 (department, status, due_date)`);
    await db.query(`CREATE INDEX follow_up_tasks__g1_subject ON follow_up_tasks__g1 (subject_id)`);
    await db.query(`CREATE VIEW follow_up_tasks AS SELECT * FROM follow_up_tasks__g1`);
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          GRANT SELECT, INSERT, UPDATE, DELETE ON follow_up_tasks__g1 TO pi_ledger_app;
          GRANT SELECT ON follow_up_tasks TO pi_ledger_app;
        END IF;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP VIEW follow_up_tasks');
    await db.query('DROP TABLE follow_up_tasks__g1');
  }
}
