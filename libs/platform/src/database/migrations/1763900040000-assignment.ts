import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Assignment scoping (issue #13): the profile read model keeps the department and health manager
 * a customer is assigned to (search filters, and the scope of health managers and customer
 * service), and the access log flags break-glass reads with their reason code. Every generation of
 * each table gets the columns (a rebuild may be under way), then the view is made again over the
 * live one, since a view's columns are fixed when it is made. No row needs a value: no customer was
 * assigned and no read was break-glass before this release.
 */
export class Assignment1763900040000 implements MigrationInterface {
  name = 'Assignment1763900040000';

  async up(db: QueryRunner): Promise<void> {
    await this.addColumns(db, 'subject_profile', ['department_id text', 'health_manager_id text'], (table) => [
      `CREATE INDEX ${table}_department ON ${table} (department_id, subject_id) WHERE department_id IS NOT NULL`,
      `CREATE INDEX ${table}_health_manager ON ${table} (health_manager_id, subject_id) WHERE health_manager_id IS NOT NULL`,
    ]);
    await this.addColumns(db, 'access_log', ['break_glass text'], (table) => [
      `CREATE INDEX ${table}_break_glass ON ${table} (accessed_at DESC, access_id DESC) WHERE break_glass IS NOT NULL`,
    ]);
  }

  async down(): Promise<void> {
    throw new Error('the read models are not rolled back: restore a backup taken before this release');
  }

  private async addColumns(db: QueryRunner, view: string, columns: string[], indexes: (table: string) => string[]): Promise<void> {
    const [live]: Array<{ table_name: string }> = await db.query(`SELECT table_name FROM information_schema.view_table_usage WHERE view_name = $1`, [view]);
    const tables: Array<{ relname: string }> = await db.query(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relname ~ $1`, [`^${view}__g[0-9]+$`]);
    for (const { relname } of tables) {
      for (const column of columns) await db.query(`ALTER TABLE ${relname} ADD COLUMN ${column}`);
      for (const index of indexes(relname)) await db.query(index);
    }
    // the new columns come last, so the view can be replaced in place (its grants stay)
    await db.query(`CREATE OR REPLACE VIEW ${view} AS SELECT * FROM ${live.table_name}`);
  }
}
