import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Streams a projection quarantined (issue #18): an event of the stream that the projection could
 * not apply, for a reason of the event rather than of the database or the code, stops that stream
 * only, for that projection and generation of its tables; the projection goes on with every other
 * stream. A row says where (the first failing event: checkpoint, id, type, stream version) and why
 * as a code and a fixed description only: never the event's data, never the error's message, which
 * may echo values (PostgreSQL's do).
 *
 * Rows of generation n serve the live tables; a rebuild writes those of n+1 and drops the others
 * when it switches. `ledger projections replay` deletes a row when the stream applies again.
 */
export class ProjectionQuarantine1763900013000 implements MigrationInterface {
  name = 'ProjectionQuarantine1763900013000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE projection_quarantine (
        projection      text NOT NULL,
        generation      integer NOT NULL,
        stream_id       text NOT NULL,
        transaction_id  bigint NOT NULL,
        position        bigint NOT NULL,
        event_id        uuid NOT NULL,
        event_type      text NOT NULL,
        stream_version  bigint NOT NULL,
        error_code      text NOT NULL CHECK (error_code ~ '^[A-Za-z0-9_.:-]{1,64}$'),
        error_class     text NOT NULL CHECK (length(error_class) <= 200),
        quarantined_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (projection, generation, stream_id)
      )`);
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          GRANT SELECT, INSERT, UPDATE, DELETE ON projection_quarantine TO pi_ledger_app;
        END IF;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE projection_quarantine');
  }
}
