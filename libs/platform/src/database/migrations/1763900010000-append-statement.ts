import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PostgresEventStore appends with one prepared statement of its own (docs/architecture.md,
 * "Appends"): the stream head, the expected-version check and the insert, with the idempotency
 * check only on the path where the unique constraints refuse it. The PL/pgSQL `ledger_append`
 * ran that check and two more statements on every call; nothing calls it any more, and a second
 * way to append with other rules would be one too many.
 */
export class AppendStatement1763900010000 implements MigrationInterface {
  name = 'AppendStatement1763900010000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION ledger_append(text, text, uuid[], text[], int[], jsonb[], jsonb[], bytea[])`);
  }

  async down(): Promise<void> {
    throw new Error('the event store is never rolled back');
  }
}
