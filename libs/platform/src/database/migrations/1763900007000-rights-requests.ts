import { MigrationInterface, QueryRunner } from 'typeorm';

/** The rights-request queue read model (generation 1 behind its view): no PI, only facts. */
export class RightsRequests1763900007000 implements MigrationInterface {
  name = 'RightsRequests1763900007000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE rights_requests__g1 (
        request_id   text PRIMARY KEY,
        subject_id   text NOT NULL,
        type         text NOT NULL,
        status       text NOT NULL,
        requester    text NOT NULL,
        received_at  timestamptz NOT NULL,
        due_at       timestamptz NOT NULL,
        extended     boolean NOT NULL DEFAULT false,
        updated_at   timestamptz NOT NULL,
        position     bigint NOT NULL
      )`);
    await db.query(`CREATE INDEX rights_requests__g1_queue ON rights_requests__g1 (status, due_at)`);
    await db.query(`CREATE INDEX rights_requests__g1_subject ON rights_requests__g1 (subject_id)`);
    await db.query(`CREATE VIEW rights_requests AS SELECT * FROM rights_requests__g1`);
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          GRANT SELECT, INSERT, UPDATE, DELETE ON rights_requests__g1 TO pi_ledger_app;
          GRANT SELECT ON rights_requests TO pi_ledger_app;
        END IF;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP VIEW rights_requests');
    await db.query('DROP TABLE rights_requests__g1');
  }
}
