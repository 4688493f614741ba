import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Projection bookkeeping: a checkpoint per projection (moved in the same transaction as its read
 * model), a lease per projection (one worker at a time), and the progress of a rebuild.
 */
export class Projections1763900004000 implements MigrationInterface {
  name = 'Projections1763900004000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE projection_checkpoints (
        name            text PRIMARY KEY,
        version         integer NOT NULL,
        generation      integer NOT NULL DEFAULT 1,
        status          text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'paused', 'failed')),
        transaction_id  bigint NOT NULL DEFAULT 0,
        position        bigint NOT NULL DEFAULT 0,
        last_error      text,
        failed_position bigint,
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE projection_leases (
        name        text PRIMARY KEY,
        owner       text NOT NULL,
        expires_at  timestamptz NOT NULL
      )`);
    await db.query(`
      CREATE TABLE projection_rebuilds (
        name            text PRIMARY KEY,
        generation      integer NOT NULL,
        owner           text NOT NULL,
        transaction_id  bigint NOT NULL DEFAULT 0,
        position        bigint NOT NULL DEFAULT 0,
        heartbeat_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          GRANT SELECT, INSERT, UPDATE, DELETE ON projection_checkpoints, projection_leases, projection_rebuilds TO pi_ledger_app;
        END IF;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE projection_rebuilds, projection_leases, projection_checkpoints');
  }
}
