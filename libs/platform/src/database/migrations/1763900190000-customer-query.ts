import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The combined customer query (issue #16): `customer_query_facts`, one row per customer of what the
 * query filters and sorts by that the profile does not hold in clear — birth month, division code,
 * keyed tokens of conditions and allergies, last service / check-up / survey, open complaints, order
 * aggregates and RFM grades; `customer_query_abnormal`, one row per abnormal indicator of a check-up
 * (a keyed token, never the code). The birth month is yyyymm, an integer: never a date that reads as a birthday; `customer_query_orders`, what an order counts for; and
 * `saved_queries`, the queries saved for a department. Generation 1 behind views; the projections
 * `customer_query` and `saved_queries` fill them from the log.
 */
const TABLES = ['customer_query_facts', 'customer_query_abnormal', 'customer_query_orders', 'saved_queries'];

export class CustomerQuery1763900190000 implements MigrationInterface {
  name = 'CustomerQuery1763900190000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE customer_query_facts__g1 (
        subject_id          text PRIMARY KEY,
        birth_month         integer,
        division_code       text,
        condition_tokens    text[] NOT NULL DEFAULT '{}',
        allergy_tokens      text[] NOT NULL DEFAULT '{}',
        last_service_date   date,
        last_checkup_date   date,
        last_survey_at      timestamptz,
        last_survey_score   numeric(3,2),
        open_complaint_ids  text[] NOT NULL DEFAULT '{}',
        open_complaints     integer GENERATED ALWAYS AS (cardinality(open_complaint_ids)) STORED,
        order_count         integer NOT NULL DEFAULT 0,
        order_total_fen     bigint NOT NULL DEFAULT 0,
        last_order_date     date,
        rfm_frequency       smallint,
        rfm_monetary        smallint
      )`);
    await db.query(`CREATE INDEX customer_query_facts__g1_birth ON customer_query_facts__g1 (birth_month)`);
    await db.query(`CREATE INDEX customer_query_facts__g1_division ON customer_query_facts__g1 (division_code text_pattern_ops)`);
    await db.query(`CREATE INDEX customer_query_facts__g1_conditions ON customer_query_facts__g1 USING gin (condition_tokens)`);
    await db.query(`CREATE INDEX customer_query_facts__g1_allergies ON customer_query_facts__g1 USING gin (allergy_tokens)`);
    await db.query(`CREATE INDEX customer_query_facts__g1_checkup ON customer_query_facts__g1 (last_checkup_date)`);
    await db.query(`CREATE INDEX customer_query_facts__g1_service ON customer_query_facts__g1 (last_service_date)`);
    await db.query(`CREATE INDEX customer_query_facts__g1_orders ON customer_query_facts__g1 (last_order_date)`);
    await db.query(`
      CREATE TABLE customer_query_abnormal__g1 (
        visit_id         text NOT NULL,
        indicator_token  text NOT NULL,
        subject_id       text NOT NULL,
        visit_date       date NOT NULL,
        PRIMARY KEY (visit_id, indicator_token)
      )`);
    await db.query(`CREATE INDEX customer_query_abnormal__g1_token ON customer_query_abnormal__g1 (indicator_token, visit_date, subject_id)`);
    await db.query(`CREATE INDEX customer_query_abnormal__g1_subject ON customer_query_abnormal__g1 (subject_id, visit_date)`);
    await db.query(`
      CREATE TABLE customer_query_orders__g1 (
        order_id      text PRIMARY KEY,
        subject_id    text NOT NULL,
        order_date    date NOT NULL,
        amount_fen    bigint NOT NULL,
        refund_ids    text[] NOT NULL DEFAULT '{}',
        refunded_fen  bigint NOT NULL DEFAULT 0,
        cancelled     boolean NOT NULL DEFAULT false
      )`);
    await db.query(`CREATE INDEX customer_query_orders__g1_subject ON customer_query_orders__g1 (subject_id, order_date) INCLUDE (amount_fen, refunded_fen, cancelled)`);
    await db.query(`CREATE INDEX customer_query_orders__g1_date ON customer_query_orders__g1 (order_date, subject_id)`);
    await db.query(`
      CREATE TABLE saved_queries__g1 (
        query_id       text PRIMARY KEY,
        department_id  text NOT NULL,
        name           text NOT NULL,
        definition     jsonb NOT NULL,
        created_by     text NOT NULL,
        created_at     timestamptz NOT NULL
      )`);
    await db.query(`CREATE INDEX saved_queries__g1_department ON saved_queries__g1 (department_id, created_at DESC, query_id)`);
    for (const table of TABLES) {
      await db.query(`CREATE VIEW ${table} AS SELECT * FROM ${table}__g1`);
      await db.query(`
        DO $$ BEGIN
          IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
            GRANT SELECT, INSERT, UPDATE, DELETE ON ${table}__g1 TO pi_ledger_app;
            GRANT SELECT ON ${table} TO pi_ledger_app;
          END IF;
        END $$`);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await db.query(`DROP VIEW ${table}`);
      await db.query(`DROP TABLE ${table}__g1`);
    }
  }
}
