import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Orders (issue #14, 消费记录): one row per order, its number, date, money and status in clear for
 * lists, reconciliation and the timeline; its contents (items, note), a cancellation's reason and
 * each refund's reason as sealed in their events (under the customer's `consumption` key). Refunds
 * are kept in order as a JSON array. Generation 1 behind its view.
 */
export class Orders1763900090000 implements MigrationInterface {
  name = 'Orders1763900090000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE orders__g1 (
        order_id        text PRIMARY KEY,
        order_number    text NOT NULL UNIQUE,
        subject_id      text NOT NULL,
        order_date      date NOT NULL,
        status          text NOT NULL,
        currency        text NOT NULL,
        amount_fen      bigint NOT NULL,
        refunded_fen    bigint NOT NULL DEFAULT 0,
        payment_method  text,
        contents        jsonb NOT NULL,
        cancel_reason   jsonb,
        refunds         jsonb NOT NULL DEFAULT '[]'::jsonb,
        placed_by       text NOT NULL,
        placed_at       timestamptz NOT NULL,
        paid_by         text,
        paid_at         timestamptz,
        cancelled_by    text,
        cancelled_at    timestamptz,
        version         integer NOT NULL
      )`);
    await db.query(`CREATE INDEX orders__g1_subject ON orders__g1 (subject_id, order_date DESC, order_id DESC)`);
    await db.query(`CREATE VIEW orders AS SELECT * FROM orders__g1`);
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          GRANT SELECT, INSERT, UPDATE, DELETE ON orders__g1 TO pi_ledger_app;
          GRANT SELECT ON orders TO pi_ledger_app;
        END IF;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP VIEW orders');
    await db.query('DROP TABLE orders__g1');
  }
}
