import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes of the combined query (issue #16, performance). Orders of a period: "spent N in a period"
 * reads the period's orders by date and sums them per customer; the date index now carries what the
 * sum reads (customer, amount, refunds, cancelled), so the read is an index-only scan instead of a
 * visit to every order's heap page. Sorting: the query sorts by `coalesce(<field>, <lowest>)` then
 * subject id (customer-query.sql.ts sortKey), so a page of the customers with the oldest check-up
 * (those overdue for one) is read off an index on that expression (the best RFM scores: 1763900600000).
 * Every generation gets them (a rebuild may be under way; a new generation copies the live one's).
 */
export class QueryIndexes1763900610000 implements MigrationInterface {
  name = 'QueryIndexes1763900610000';

  async up(db: QueryRunner): Promise<void> {
    const tables: Array<{ relname: string }> = await db.query(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relname ~ '^customer_query_orders__g[0-9]+$'`);
    for (const { relname } of tables) {
      await db.query(`CREATE INDEX ${relname}_date_sums ON ${relname} (order_date) INCLUDE (subject_id, amount_fen, refunded_fen, cancelled)`);
      await db.query(`DROP INDEX IF EXISTS ${relname}_date`);
    }
    const facts: Array<{ relname: string }> = await db.query(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relname ~ '^customer_query_facts__g[0-9]+$'`);
    for (const { relname } of facts) {
      await db.query(`CREATE INDEX ${relname}_checkup_sort ON ${relname} ((coalesce(last_checkup_date, '-infinity'::date)), subject_id)`);
    }
  }

  async down(): Promise<void> {
    throw new Error('the read models are not rolled back: restore a backup taken before this release');
  }
}
