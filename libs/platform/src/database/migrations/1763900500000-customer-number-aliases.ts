import { MigrationInterface, QueryRunner } from 'typeorm';
import { addProjectionColumns } from './projection-columns';

/**
 * Customer-number aliases after a merge (issue #15): the duplicate's number keeps finding the
 * customer, now under the survivor. `customer_numbers.merged_into` names the subject a merged-away
 * subject's number leads to (null: its own). The projection's new version rebuilds the table from
 * the log, so merges made before this release get their alias too.
 */
export class CustomerNumberAliases1763900500000 implements MigrationInterface {
  name = 'CustomerNumberAliases1763900500000';

  async up(db: QueryRunner): Promise<void> {
    await addProjectionColumns(db, 'customer_numbers', ['merged_into text'], (table) => [
      `CREATE INDEX ${table}_merged_into ON ${table} (merged_into) WHERE merged_into IS NOT NULL`,
    ]);
  }

  async down(): Promise<void> {
    throw new Error('the read models are not rolled back: restore a backup taken before this release');
  }
}
