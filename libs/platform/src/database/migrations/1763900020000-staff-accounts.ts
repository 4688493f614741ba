import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Staff accounts and sign-in (issue #13). The accounts themselves are event streams; these tables
 * hold what a stream cannot:
 * - `staff_usernames`: the one account a username belongs to, inserted by the append that creates
 *   the account (its primary key refuses a second account with the name);
 * - `auth_sessions` and `auth_refresh_tokens`: sign-in sessions and their rotating refresh tokens,
 *   stored only as SHA-256 digests (a refresh token is 256 random bits: no dictionary to try). A
 *   digest already used that comes again is a stolen token: its session ends.
 */
export class StaffAccounts1763900020000 implements MigrationInterface {
  name = 'StaffAccounts1763900020000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE staff_usernames (
        username  text PRIMARY KEY CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
        staff_id  uuid NOT NULL UNIQUE
      )`);
    await db.query(`
      CREATE TABLE auth_sessions (
        session_id    uuid PRIMARY KEY,
        staff_id      uuid NOT NULL,
        created_at    timestamptz NOT NULL,
        expires_at    timestamptz NOT NULL,
        refreshed_at  timestamptz NOT NULL,
        ended_at      timestamptz,
        end_reason    text CHECK (end_reason ~ '^[a-z-]{1,40}$')
      )`);
    await db.query('CREATE INDEX auth_sessions_by_staff ON auth_sessions (staff_id, created_at DESC)');
    await db.query(`
      CREATE TABLE auth_refresh_tokens (
        token_digest  bytea PRIMARY KEY CHECK (length(token_digest) = 32),
        session_id    uuid NOT NULL REFERENCES auth_sessions ON DELETE CASCADE,
        issued_at     timestamptz NOT NULL,
        used_at       timestamptz
      )`);
    await db.query('CREATE INDEX auth_refresh_tokens_by_session ON auth_refresh_tokens (session_id)');
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          GRANT SELECT, INSERT ON staff_usernames TO pi_ledger_app;
          GRANT SELECT, INSERT, UPDATE, DELETE ON auth_sessions, auth_refresh_tokens TO pi_ledger_app;
        END IF;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE auth_refresh_tokens');
    await db.query('DROP TABLE auth_sessions');
    await db.query('DROP TABLE staff_usernames');
  }
}
