import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Import jobs (issue #15): a job's state and report are operational tables, not events. What the
 * ledger must prove is in the events each row produces (a registration or a correction whose
 * metadata names the job and row). A row's outcome is written once (primary key job + row): the
 * per-row idempotency record a resumed job skips by. Nothing here holds PI in clear: row outcomes
 * name columns, codes and a matched customer's id; the keys of a job's rows are blind indexes
 * (HMAC), deleted when the job ends.
 */
export class ImportJobs1763900130000 implements MigrationInterface {
  name = 'ImportJobs1763900130000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE import_jobs (
        job_id            text PRIMARY KEY,
        kind              text NOT NULL,
        runner            text NOT NULL,
        state             text NOT NULL,
        dry_run           boolean NOT NULL,
        format            text NOT NULL,
        encoding          text,
        options           jsonb NOT NULL,
        actor             jsonb NOT NULL,
        file_path         text,
        file_sha256       text NOT NULL,
        file_bytes        bigint NOT NULL,
        bytes_read        bigint NOT NULL DEFAULT 0,
        rows_total        integer,
        unknown_columns   text[] NOT NULL DEFAULT '{}',
        failure           text,
        cancel_requested  boolean NOT NULL DEFAULT false,
        created_at        timestamptz NOT NULL,
        run_started_at    timestamptz,
        run_rows_before   integer NOT NULL DEFAULT 0,
        finished_at       timestamptz
      )`);
    await db.query(`CREATE INDEX import_jobs_open ON import_jobs (runner, state) WHERE state IN ('queued', 'running')`);
    await db.query(`CREATE INDEX import_jobs_file ON import_jobs (file_sha256)`);
    await db.query(`
      CREATE TABLE import_job_rows (
        job_id       text NOT NULL REFERENCES import_jobs (job_id) ON DELETE CASCADE,
        row_number   integer NOT NULL,
        outcome      text NOT NULL,
        flagged      boolean NOT NULL DEFAULT false,
        subject_id   text,
        problems     jsonb,
        match        jsonb,
        PRIMARY KEY (job_id, row_number)
      )`);
    await db.query(`
      CREATE TABLE import_job_keys (
        job_id      text NOT NULL REFERENCES import_jobs (job_id) ON DELETE CASCADE,
        key         text NOT NULL,
        row_number  integer NOT NULL,
        subject_id  text NOT NULL,
        PRIMARY KEY (job_id, key)
      )`);
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          GRANT SELECT, INSERT, UPDATE, DELETE ON import_jobs, import_job_rows, import_job_keys TO pi_ledger_app;
        END IF;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE import_job_keys');
    await db.query('DROP TABLE import_job_rows');
    await db.query('DROP TABLE import_jobs');
  }
}
