import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customer numbers (issue #14): one row per subject that has one, found exactly by its number.
 * Generation 1 behind its view, like every read model. The number is a pseudonymous identifier the
 * centre issues (like the subject id), not a value of the customer's: it is kept in clear.
 */
export class CustomerNumbers1763900060000 implements MigrationInterface {
  name = 'CustomerNumbers1763900060000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE customer_numbers__g1 (
        subject_id       text PRIMARY KEY,
        customer_number  text NOT NULL UNIQUE,
        year             integer NOT NULL,
        sequence         integer NOT NULL,
        allocated_at     timestamptz NOT NULL,
        position         bigint NOT NULL
      )`);
    await db.query(`CREATE VIEW customer_numbers AS SELECT * FROM customer_numbers__g1`);
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          GRANT SELECT, INSERT, UPDATE, DELETE ON customer_numbers__g1 TO pi_ledger_app;
          GRANT SELECT ON customer_numbers TO pi_ledger_app;
        END IF;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP VIEW customer_numbers');
    await db.query('DROP TABLE customer_numbers__g1');
  }
}
