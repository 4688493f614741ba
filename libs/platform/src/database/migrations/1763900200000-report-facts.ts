import { MigrationInterface, QueryRunner } from 'typeorm';

const grant = (table: string) => `
  DO $$ BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${table}__g1 TO pi_ledger_app;
      GRANT SELECT ON ${table} TO pi_ledger_app;
    END IF;
  END $$`;

/**
 * Coarse per-customer facts the reports count (issue #16), opened once by the `report_facts`
 * projection from the sealed records instead of per request: per check-up result, the indicator's
 * code and whether it was abnormal (no value, name, range or institution); per order line, the item's
 * kind and code, quantity and amount (no name, no note). Rebuildable from the log; a customer's rows
 * go when an erasure reaches `health_records` or `consumption`. Generation 1 behind their views.
 */
export class ReportFacts1763900200000 implements MigrationInterface {
  name = 'ReportFacts1763900200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE report_checkup_results__g1 (
        visit_id    text NOT NULL,
        subject_id  text NOT NULL,
        visit_date  date NOT NULL,
        code        text NOT NULL,
        abnormal    boolean,
        PRIMARY KEY (visit_id, code)
      )`);
    await db.query(`CREATE INDEX report_checkup_results__g1_date ON report_checkup_results__g1 (visit_date, code) INCLUDE (subject_id, abnormal)`);
    await db.query(`CREATE INDEX report_checkup_results__g1_subject ON report_checkup_results__g1 (subject_id)`);
    await db.query(`CREATE VIEW report_checkup_results AS SELECT * FROM report_checkup_results__g1`);
    await db.query(grant('report_checkup_results'));
    await db.query(`
      CREATE TABLE report_order_items__g1 (
        order_id    text NOT NULL,
        line        integer NOT NULL,
        subject_id  text NOT NULL,
        order_date  date NOT NULL,
        kind        text NOT NULL,
        code        text NOT NULL,
        quantity    integer NOT NULL,
        amount_fen  bigint NOT NULL,
        PRIMARY KEY (order_id, line)
      )`);
    await db.query(`CREATE INDEX report_order_items__g1_date ON report_order_items__g1 (order_date)`);
    await db.query(`CREATE INDEX report_order_items__g1_subject ON report_order_items__g1 (subject_id)`);
    await db.query(`CREATE VIEW report_order_items AS SELECT * FROM report_order_items__g1`);
    await db.query(grant('report_order_items'));
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP VIEW report_order_items');
    await db.query('DROP TABLE report_order_items__g1');
    await db.query('DROP VIEW report_checkup_results');
    await db.query('DROP TABLE report_checkup_results__g1');
  }
}
