import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PostgresEventStore appends with one prepared statement of its own (docs/architecture.md,
 * "Appends"): the stream head, the expected-version check and the insert, with the idempotency
 * check only on the path where the unique constraints refuse it. Nothing in this release calls
 * the PL/pgSQL `ledger_append` any more, but instances of the previous release still do while a
 * rolling deploy replaces them, and migrations run when the first new instance starts: dropping
 * it now would fail every append of the old ones. So this migration keeps it, and a later release
 * drops it (`DROP FUNCTION ledger_append(text, text, uuid[], text[], int[], jsonb[], jsonb[], bytea[])`).
 */
export class AppendStatement1763900010000 implements MigrationInterface {
  name = 'AppendStatement1763900010000';

  async up(db: QueryRunner): Promise<void> {
    // deliberately empty in this release: see above
    await db.query('SELECT 1');
  }

  async down(): Promise<void> {
    throw new Error('the event store is never rolled back');
  }
}
