import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The profile read model no longer keeps personal data in clear (issue #18): its values are
 * sealed per category, and names are found by blind indexes of their prefixes instead of a
 * plaintext key. The plaintext rows go now, not at some later rebuild: every generation but the
 * live one is dropped (with any rebuild in progress), the live one is emptied and gets the new
 * column, and the projection starts again from the beginning of the log at version 2, sealing every
 * row as it goes. Until it has caught up, reads of a subject wait for it (or answer 503
 * projection-lagging) as they do for any write not yet projected. Stop every instance of the
 * previous release before starting this one: their projector would write the old columns.
 */
export class SealedProfile1763900014000 implements MigrationInterface {
  name = 'SealedProfile1763900014000';

  async up(db: QueryRunner): Promise<void> {
    // the view's columns are fixed when it is made: it goes, and comes back over the same generation
    const [live]: Array<{ table_name: string }> = await db.query(`SELECT table_name FROM information_schema.view_table_usage WHERE view_name = 'subject_profile'`);
    await db.query(`DROP VIEW subject_profile`);
    const tables: Array<{ relname: string }> = await db.query(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relname ~ '^subject_profile__g[0-9]+$'`);
    for (const { relname } of tables.filter((table) => table.relname !== live.table_name)) await db.query(`DROP TABLE ${relname}`);
    await db.query(`DELETE FROM projection_rebuilds WHERE name = 'subject_profile'`);
    await db.query(`DELETE FROM projection_quarantine WHERE projection = 'subject_profile'`);
    for (const relname of [live.table_name]) {
      // the plaintext rows: TRUNCATE gives the table and its indexes new files and unlinks the old ones
      await db.query(`TRUNCATE ${relname}`);
      await db.query(`ALTER TABLE ${relname} ADD COLUMN name_prefix_bidx text[]`);
      await db.query(`ALTER TABLE ${relname} DROP COLUMN name_prefix_key`);
      await db.query(`CREATE INDEX ${relname}_name_prefix ON ${relname} USING gin (name_prefix_bidx) WHERE name_prefix_bidx IS NOT NULL`);
    }
    await db.query(`CREATE VIEW subject_profile AS SELECT * FROM ${live.table_name}`);
    // from the beginning of the log, at the projection's new version
    await db.query(
      `UPDATE projection_checkpoints SET version = 2, transaction_id = 0, position = 0, status = 'running', last_error = NULL, failed_position = NULL WHERE name = 'subject_profile'`,
    );
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
