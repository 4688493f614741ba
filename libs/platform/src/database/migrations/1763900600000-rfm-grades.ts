import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stored RFM grades (issue #16, performance): `customer_query_facts` keeps the recency grade, the
 * score and the segment beside the F and M grades it had, indexed, so a query on customer value reads
 * the grades instead of grading every customer's last order date at query time. Every generation of
 * the table gets the columns (a rebuild may be under way), then the view is made again over the live
 * one. Existing rows are graded by the first run of RfmRecencySweep (it grades every row whose stored
 * recency differs from today's, NULL included), which the API runs when it starts.
 */
export class RfmGrades1763900600000 implements MigrationInterface {
  name = 'RfmGrades1763900600000';

  async up(db: QueryRunner): Promise<void> {
    const [live]: Array<{ table_name: string }> = await db.query(`SELECT table_name FROM information_schema.view_table_usage WHERE view_name = 'customer_query_facts'`);
    const tables: Array<{ relname: string }> = await db.query(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relname ~ '^customer_query_facts__g[0-9]+$'`);
    for (const { relname } of tables) {
      await db.query(`ALTER TABLE ${relname} ADD COLUMN rfm_recency smallint, ADD COLUMN rfm_score smallint, ADD COLUMN rfm_segment text`);
      await db.query(`CREATE INDEX ${relname}_rfm_score ON ${relname} (rfm_score)`);
      // the query's sort key on the score (absent: -1), best first then subject id: a page of the best reads a page of the index
      await db.query(`CREATE INDEX ${relname}_rfm_score_sort ON ${relname} ((coalesce(rfm_score, -1)) DESC, subject_id)`);
      await db.query(`CREATE INDEX ${relname}_rfm_recency ON ${relname} (rfm_recency)`);
      await db.query(`CREATE INDEX ${relname}_rfm_segment ON ${relname} (rfm_segment)`);
    }
    // the new columns come last, so the view can be replaced in place (its grants stay)
    await db.query(`CREATE OR REPLACE VIEW customer_query_facts AS SELECT * FROM ${live.table_name}`);
  }

  async down(): Promise<void> {
    throw new Error('the read models are not rolled back: restore a backup taken before this release');
  }
}
