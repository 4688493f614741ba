import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Recurring follow-up plans and escalation (issue #14): `follow_up_plans`, one row per plan (the
 * schedule, status and next occurrence in clear, the reason as sealed in its event; generation 1
 * behind its view), and on every generation of `follow_up_tasks` the plan occurrence that opened a
 * task and its escalation. The task view is made again over the live generation, since a view's
 * columns are fixed when it is made; no task row needs a value (neither existed before).
 */
export class FollowUpPlans1763900100000 implements MigrationInterface {
  name = 'FollowUpPlans1763900100000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE follow_up_plans__g1 (
        plan_id          text PRIMARY KEY,
        subject_id       text NOT NULL,
        status           text NOT NULL,
        every            integer NOT NULL,
        unit             text NOT NULL,
        start_date       date NOT NULL,
        end_date         date,
        occurrences      integer,
        lead_days        integer NOT NULL,
        channel          text NOT NULL,
        assignee         text,
        department       text,
        purpose_id       text NOT NULL,
        reason           jsonb,
        next_occurrence  integer NOT NULL,
        next_due_date    date,
        next_open_date   date,
        last_task_id     text,
        created_by       text NOT NULL,
        created_at       timestamptz NOT NULL,
        updated_at       timestamptz NOT NULL,
        end_cause        text,
        version          integer NOT NULL
      )`);
    await db.query(`CREATE INDEX follow_up_plans__g1_due ON follow_up_plans__g1 (next_open_date, plan_id) WHERE status = 'active'`);
    await db.query(`CREATE INDEX follow_up_plans__g1_subject ON follow_up_plans__g1 (subject_id)`);
    await db.query(`CREATE VIEW follow_up_plans AS SELECT * FROM follow_up_plans__g1`);
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          GRANT SELECT, INSERT, UPDATE, DELETE ON follow_up_plans__g1 TO pi_ledger_app;
          GRANT SELECT ON follow_up_plans TO pi_ledger_app;
        END IF;
      END $$`);

    const [live]: Array<{ table_name: string }> = await db.query(`SELECT table_name FROM information_schema.view_table_usage WHERE view_name = 'follow_up_tasks'`);
    const tables: Array<{ relname: string }> = await db.query(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relname ~ '^follow_up_tasks__g[0-9]+$'`);
    for (const { relname } of tables) {
      for (const column of ['source_plan_id text', 'source_occurrence integer', 'escalated_at timestamptz', 'escalated_to text']) {
        await db.query(`ALTER TABLE ${relname} ADD COLUMN ${column}`);
      }
      await db.query(`CREATE INDEX ${relname}_escalated ON ${relname} (escalated_to, due_date) WHERE escalated_at IS NOT NULL`);
    }
    // the new columns come last, so the view can be replaced in place (its grants stay)
    await db.query(`CREATE OR REPLACE VIEW follow_up_tasks AS SELECT * FROM ${live.table_name}`);
  }

  async down(): Promise<void> {
    throw new Error('the read models are not rolled back: restore a backup taken before this release');
  }
}
