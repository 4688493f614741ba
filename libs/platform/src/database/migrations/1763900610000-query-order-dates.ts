import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Orders of a period (issue #16, performance): the combined query's "spent N in a period" reads the
 * period's orders by date and sums them per customer. The date index now carries what the sum reads
 * (customer, amount, refunds, cancelled), so the read is an index-only scan instead of a visit to
 * every order's heap page. Every generation of `customer_query_orders` gets it (a rebuild may be
 * under way; a new generation copies the live one's indexes).
 */
export class QueryOrderDates1763900610000 implements MigrationInterface {
  name = 'QueryOrderDates1763900610000';

  async up(db: QueryRunner): Promise<void> {
    const tables: Array<{ relname: string }> = await db.query(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relname ~ '^customer_query_orders__g[0-9]+$'`);
    for (const { relname } of tables) {
      await db.query(`CREATE INDEX ${relname}_date_sums ON ${relname} (order_date) INCLUDE (subject_id, amount_fen, refunded_fen, cancelled)`);
      await db.query(`DROP INDEX IF EXISTS ${relname}_date`);
    }
  }

  async down(): Promise<void> {
    throw new Error('the read models are not rolled back: restore a backup taken before this release');
  }
}
