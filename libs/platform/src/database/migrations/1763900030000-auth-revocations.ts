import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Revoked sign-in sessions, machine tokens and actors (issue #13): the read side of the
 * `SessionRevoked`, `TokenRevoked` and `ActorRevoked` events, one row written by the append's own
 * statement (AppendOptions.alongside), so a revocation is in force the moment its event commits
 * and never waits on a projector. Every API process holds the table in memory (RevocationService):
 * it LISTENs on `ledger_revocations` and re-reads, from a snapshot horizon, the rows of
 * transactions it may not have seen (`txid`).
 *
 * `revoked_at` is the ledger clock's time of the fact; `issued_before` (actors only) is the cut-off
 * in the clock that stamps tokens' `iat`. Rows are pruned by `recorded_at` (the database's clock)
 * once no token they refuse can still be valid.
 */
export class AuthRevocations1763900030000 implements MigrationInterface {
  name = 'AuthRevocations1763900030000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE auth_revocations (
        id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind           text NOT NULL CHECK (kind IN ('session', 'token', 'actor')),
        target         text NOT NULL CHECK (length(target) BETWEEN 1 AND 200),
        revoked_at     timestamptz NOT NULL,
        issued_before  double precision CHECK ((kind = 'actor') = (issued_before IS NOT NULL)),
        txid           xid8 NOT NULL DEFAULT pg_current_xact_id(),
        recorded_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query('CREATE INDEX auth_revocations_txid ON auth_revocations (txid)');
    await db.query('CREATE INDEX auth_revocations_recorded_at ON auth_revocations (recorded_at)');
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          GRANT SELECT, INSERT, DELETE ON auth_revocations TO pi_ledger_app;
        END IF;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE auth_revocations');
  }
}
