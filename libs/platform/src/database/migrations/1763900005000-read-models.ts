import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The read models of libs/read-models/src/projections, each as generation 1 (`<table>__g1`) behind
 * a view `<table>` (see runner/projection.ts): projections write the generation, queries read the
 * view, and a rebuild fills `__g2` beside it before switching the view.
 *
 * - `subject_profile`: one row per subject with its current values in clear (the one place PI
 *   lives decrypted), search keys (blind indexes, a name prefix key) and non-PI stats columns.
 * - `consent_register`, `disclosure_register`: PIPL Arts. 14-15 and 23 records (no PI values).
 * - `access_log`: who read whose PI, for which purpose (category and field names only).
 * - `daily_activity`: event counts per day and type, for statistics.
 */
export class ReadModels1763900005000 implements MigrationInterface {
  name = 'ReadModels1763900005000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE subject_profile__g1 (
        subject_id      text PRIMARY KEY,
        version         integer NOT NULL,
        status          text NOT NULL CHECK (status IN ('active', 'restricted', 'erased')),
        created_at      timestamptz NOT NULL,
        updated_at      timestamptz NOT NULL,
        data            jsonb NOT NULL DEFAULT '{}',
        consents        jsonb NOT NULL DEFAULT '[]',
        restrictions    jsonb NOT NULL DEFAULT '[]',
        minor           boolean NOT NULL DEFAULT false,
        name_prefix_key text,
        phone_bidx      text,
        email_bidx      text,
        id_number_bidx  text,
        gender          text,
        birth_year      integer,
        province        text,
        categories      text[] NOT NULL DEFAULT '{}'
      )`);
    await db.query(`CREATE INDEX subject_profile__g1_name ON subject_profile__g1 (name_prefix_key text_pattern_ops) WHERE name_prefix_key IS NOT NULL`);
    await db.query(`CREATE INDEX subject_profile__g1_phone ON subject_profile__g1 (phone_bidx) WHERE phone_bidx IS NOT NULL`);
    await db.query(`CREATE INDEX subject_profile__g1_email ON subject_profile__g1 (email_bidx) WHERE email_bidx IS NOT NULL`);
    await db.query(`CREATE INDEX subject_profile__g1_id_number ON subject_profile__g1 (id_number_bidx) WHERE id_number_bidx IS NOT NULL`);
    await db.query(`CREATE INDEX subject_profile__g1_status ON subject_profile__g1 (status, subject_id)`);

    await db.query(`
      CREATE TABLE consent_register__g1 (
        consent_id     text PRIMARY KEY,
        subject_id     text NOT NULL,
        purpose_id     text NOT NULL,
        categories     text[] NOT NULL,
        separate       boolean NOT NULL,
        guardian       boolean NOT NULL DEFAULT false,
        status         text NOT NULL CHECK (status IN ('active', 'withdrawn')),
        notice_version text NOT NULL,
        channel        text NOT NULL,
        granted_at     timestamptz NOT NULL,
        withdrawn_at   timestamptz
      )`);
    await db.query(`CREATE INDEX consent_register__g1_subject ON consent_register__g1 (subject_id, granted_at)`);
    await db.query(`CREATE INDEX consent_register__g1_purpose ON consent_register__g1 (purpose_id, status)`);

    await db.query(`
      CREATE TABLE disclosure_register__g1 (
        disclosure_id text PRIMARY KEY,
        subject_id    text NOT NULL,
        recipient     jsonb NOT NULL,
        purpose_id    text NOT NULL,
        categories    text[] NOT NULL,
        consent_id    text NOT NULL,
        disclosed_at  timestamptz NOT NULL
      )`);
    await db.query(`CREATE INDEX disclosure_register__g1_subject ON disclosure_register__g1 (subject_id, disclosed_at)`);

    await db.query(`
      CREATE TABLE access_log__g1 (
        access_id   text PRIMARY KEY,
        subject_id  text NOT NULL,
        actor       text NOT NULL,
        roles       text[] NOT NULL,
        purpose_id  text,
        categories  text[] NOT NULL,
        revealed    text[] NOT NULL,
        via         text NOT NULL,
        accessed_at timestamptz NOT NULL,
        position    bigint NOT NULL
      )`);
    await db.query(`CREATE INDEX access_log__g1_subject ON access_log__g1 (subject_id, accessed_at DESC, access_id DESC)`);
    await db.query(`CREATE INDEX access_log__g1_actor ON access_log__g1 (actor, accessed_at DESC, access_id DESC)`);
    await db.query(`CREATE INDEX access_log__g1_time ON access_log__g1 (accessed_at DESC, access_id DESC)`);

    // last_*: the last event counted into the row, so an event applied again is not counted twice
    await db.query(`
      CREATE TABLE daily_activity__g1 (
        day                 date NOT NULL,
        kind                text NOT NULL,
        count               bigint NOT NULL,
        last_transaction_id bigint NOT NULL,
        last_position       bigint NOT NULL,
        PRIMARY KEY (day, kind)
      )`);

    const tables = ['subject_profile', 'consent_register', 'disclosure_register', 'access_log', 'daily_activity'];
    for (const table of tables) await db.query(`CREATE VIEW ${table} AS SELECT * FROM ${table}__g1`);
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          GRANT SELECT, INSERT, UPDATE, DELETE ON ${tables.map((table) => `${table}__g1`).join(', ')} TO pi_ledger_app;
          GRANT SELECT ON ${tables.join(', ')} TO pi_ledger_app;
        END IF;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    const tables = ['daily_activity', 'access_log', 'disclosure_register', 'consent_register', 'subject_profile'];
    for (const table of tables) {
      await db.query(`DROP VIEW IF EXISTS ${table}`);
      await db.query(`DROP TABLE IF EXISTS ${table}__g1`);
    }
  }
}
