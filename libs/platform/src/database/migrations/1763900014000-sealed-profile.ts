import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The profile read model no longer keeps personal data in clear (issue #18): its values are
 * sealed per category, and names are found by blind indexes of their prefixes instead of a
 * plaintext key. Every generation of `subject_profile` gets the new column and loses the old one;
 * the projection's version 2 then rebuilds the read model into a new generation, sealing every
 * row, and the old generation with its plaintext is dropped. Until that rebuild has switched over,
 * names are not found by prefix (the old rows have no prefix indexes) and reads open the old
 * rows' plain values as they are.
 */
export class SealedProfile1763900014000 implements MigrationInterface {
  name = 'SealedProfile1763900014000';

  async up(db: QueryRunner): Promise<void> {
    // the view's columns are fixed when it is made: it goes, and comes back over the same generation
    const [live]: Array<{ table_name: string }> = await db.query(`SELECT table_name FROM information_schema.view_table_usage WHERE view_name = 'subject_profile'`);
    await db.query(`DROP VIEW subject_profile`);
    const tables: Array<{ relname: string }> = await db.query(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relname ~ '^subject_profile__g[0-9]+$'`);
    for (const { relname } of tables) {
      await db.query(`ALTER TABLE ${relname} ADD COLUMN name_prefix_bidx text[]`);
      await db.query(`ALTER TABLE ${relname} DROP COLUMN name_prefix_key`);
      await db.query(`CREATE INDEX ${relname}_name_prefix ON ${relname} USING gin (name_prefix_bidx) WHERE name_prefix_bidx IS NOT NULL`);
    }
    await db.query(`CREATE VIEW subject_profile AS SELECT * FROM ${live.table_name}`);
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          GRANT SELECT ON subject_profile TO pi_ledger_app;
        END IF;
      END $$`);
  }

  async down(): Promise<void> {
    throw new Error('the read model is not rolled back: restore a backup taken before this release');
  }
}
