import { QueryRunner } from 'typeorm';

/**
 * Adds columns to a read model's table: to every generation (a rebuild may be under way), with
 * their indexes, then makes the view again over the live one, since a view's columns are fixed
 * when it is made. The new columns come last, so the view is replaced in place (its grants stay).
 */
export async function addProjectionColumns(db: QueryRunner, view: string, columns: readonly string[], indexes: (table: string) => string[]): Promise<void> {
  const [live]: Array<{ table_name: string }> = await db.query(`SELECT table_name FROM information_schema.view_table_usage WHERE view_name = $1`, [view]);
  const tables: Array<{ relname: string }> = await db.query(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relname ~ $1`, [`^${view}__g[0-9]+$`]);
  for (const { relname } of tables) {
    for (const column of columns) await db.query(`ALTER TABLE ${relname} ADD COLUMN ${column}`);
    for (const index of indexes(relname)) await db.query(index);
  }
  await db.query(`CREATE OR REPLACE VIEW ${view} AS SELECT * FROM ${live.table_name}`);
}
