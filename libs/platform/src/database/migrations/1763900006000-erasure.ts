import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `erasure_certificates`: the signed certificate of each erasure, by rights request (or retention
 * run) id, so it can be fetched again. The body holds a keyed pseudonym of the subject, categories,
 * key ids, positions and hashes: no PI. Certificates are evidence, so the service may not change or
 * delete them.
 */
export class Erasure1763900006000 implements MigrationInterface {
  name = 'Erasure1763900006000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE erasure_certificates (
        request_id  text PRIMARY KEY CHECK (length(request_id) BETWEEN 1 AND 200),
        subject_id  text NOT NULL,
        body        jsonb NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX erasure_certificates_subject ON erasure_certificates (subject_id)`);
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          GRANT SELECT, INSERT ON erasure_certificates TO pi_ledger_app;
        END IF;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE erasure_certificates');
  }
}
