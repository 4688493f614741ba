import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bulk exports (issue #15): each customer in an export's file is recorded in the access log with
 * the export's id, so the customers of a leaked file can be listed (`GET /v1/audit/access?exportId=`).
 * Every generation of the table gets the column (a rebuild may be under way), then the view is made
 * again over the live one, since a view's columns are fixed when it is made. No row needs a value:
 * nothing was exported in bulk before this release.
 */
export class AccessLogExport1763900170000 implements MigrationInterface {
  name = 'AccessLogExport1763900170000';

  async up(db: QueryRunner): Promise<void> {
    const [live]: Array<{ table_name: string }> = await db.query(`SELECT table_name FROM information_schema.view_table_usage WHERE view_name = 'access_log'`);
    const tables: Array<{ relname: string }> = await db.query(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relname ~ '^access_log__g[0-9]+$'`);
    for (const { relname } of tables) {
      await db.query(`ALTER TABLE ${relname} ADD COLUMN export_id text`);
      await db.query(`CREATE INDEX ${relname}_export ON ${relname} (export_id) WHERE export_id IS NOT NULL`);
    }
    // the new column comes last, so the view can be replaced in place (its grants stay)
    await db.query(`CREATE OR REPLACE VIEW access_log AS SELECT * FROM ${live.table_name}`);
  }

  async down(): Promise<void> {
    throw new Error('the read models are not rolled back: restore a backup taken before this release');
  }
}
