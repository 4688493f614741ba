import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The customer file completed (issue #14): the profile read model finds a customer by any of its
 * phones (`phone_bidxs`) and by its tags (`tag_bidxs`), and keeps the customer's type, tier and
 * lifecycle stage in clear for filters and counts. Every generation gets the columns (a rebuild
 * may be under way), then the view is made again over the live one. Existing rows: their one phone
 * becomes the list (the same blind index); nobody had a type, tier, tag or recorded stage before.
 */
export class CustomerFile1763900110000 implements MigrationInterface {
  name = 'CustomerFile1763900110000';

  async up(db: QueryRunner): Promise<void> {
    const [live]: Array<{ table_name: string }> = await db.query(`SELECT table_name FROM information_schema.view_table_usage WHERE view_name = 'subject_profile'`);
    const tables: Array<{ relname: string }> = await db.query(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relname ~ '^subject_profile__g[0-9]+$'`);
    for (const { relname } of tables) {
      for (const column of ['phone_bidxs text[]', 'tag_bidxs text[]', 'customer_type text', 'tier text', 'lifecycle_stage text', 'lifecycle_changed_at timestamptz']) {
        await db.query(`ALTER TABLE ${relname} ADD COLUMN ${column}`);
      }
      await db.query(`UPDATE ${relname} SET phone_bidxs = ARRAY[phone_bidx] WHERE phone_bidx IS NOT NULL`);
      await db.query(`CREATE INDEX ${relname}_phones ON ${relname} USING gin (phone_bidxs) WHERE phone_bidxs IS NOT NULL`);
      await db.query(`CREATE INDEX ${relname}_tags ON ${relname} USING gin (tag_bidxs) WHERE tag_bidxs IS NOT NULL`);
      await db.query(`CREATE INDEX ${relname}_classification ON ${relname} (lifecycle_stage, customer_type, tier)`);
    }
    // the new columns come last, so the view can be replaced in place (its grants stay)
    await db.query(`CREATE OR REPLACE VIEW subject_profile AS SELECT * FROM ${live.table_name}`);
  }

  async down(): Promise<void> {
    throw new Error('the read models are not rolled back: restore a backup taken before this release');
  }
}
