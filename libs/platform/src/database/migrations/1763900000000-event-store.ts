import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event store: one append-only table, ordered for readers by (transaction_id, position).
 *
 * - `position` is an identity: unique and increasing in allocation order, not commit order.
 * - `transaction_id` (pg_current_xact_id) lets readers see only rows of transactions older than
 *   every transaction still running, so no later commit can land behind a reader's checkpoint
 *   (architecture.md, decision 2).
 * - `ledger_append` checks idempotency and the expected version and inserts in one round trip.
 * - Triggers refuse UPDATE, DELETE and TRUNCATE for everyone, the owner included; the runtime role
 *   `pi_ledger_app` additionally holds only SELECT and INSERT on the table.
 */
export class EventStore1763900000000 implements MigrationInterface {
  name = 'EventStore1763900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE ledger_events (
        position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
        event_id        uuid NOT NULL,
        stream_id       text NOT NULL CHECK (length(stream_id) BETWEEN 1 AND 200),
        stream_version  bigint NOT NULL CHECK (stream_version >= 1),
        type            text NOT NULL CHECK (length(type) BETWEEN 1 AND 200),
        schema_version  integer NOT NULL CHECK (schema_version >= 1),
        data            jsonb NOT NULL,
        metadata        jsonb NOT NULL,
        payload_digest  bytea NOT NULL CHECK (length(payload_digest) = 32),
        recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT ledger_events_event_id_key UNIQUE (event_id),
        CONSTRAINT ledger_events_stream_version_key UNIQUE (stream_id, stream_version)
      )`);
    await db.query(`CREATE INDEX ledger_events_global_order ON ledger_events (transaction_id, position)`);

    await db.query(`
      CREATE FUNCTION ledger_reject_mutation() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'ledger_events is append-only: % is not allowed', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await db.query(`
      CREATE TRIGGER ledger_events_no_update_delete BEFORE UPDATE OR DELETE ON ledger_events
        FOR EACH ROW EXECUTE FUNCTION ledger_reject_mutation()`);
    await db.query(`
      CREATE TRIGGER ledger_events_no_truncate BEFORE TRUNCATE ON ledger_events
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_mutation()`);

    // Errors: LE409 wrong expected version (DETAIL = actual version), LE422 event id reused with
    // other content. A unique violation on (stream_id, stream_version) means a concurrent writer won.
    await db.query(`
      CREATE FUNCTION ledger_append(
        p_stream_id text, p_expected text, p_event_ids uuid[], p_types text[], p_schema_versions int[],
        p_data jsonb[], p_metadata jsonb[], p_digests bytea[]
      ) RETURNS TABLE (next_expected_version bigint, last_position bigint, replayed boolean)
      LANGUAGE plpgsql AS $$
      DECLARE
        v_count int := cardinality(p_event_ids);
        v_known int;
        v_matching int;
        v_current bigint;
      BEGIN
        SELECT count(*),
               count(*) FILTER (WHERE e.stream_id = p_stream_id AND e.type = p_types[i.ord]
                                  AND e.payload_digest = p_digests[i.ord])
          INTO v_known, v_matching
          FROM unnest(p_event_ids) WITH ORDINALITY AS i(id, ord)
          JOIN ledger_events e ON e.event_id = i.id;
        IF v_known > 0 THEN
          IF v_known = v_count AND v_matching = v_count THEN
            RETURN QUERY SELECT max(e.stream_version), max(e.position), true
              FROM ledger_events e WHERE e.event_id = ANY(p_event_ids);
            RETURN;
          END IF;
          RAISE EXCEPTION 'event ids already used for other events' USING ERRCODE = 'LE422';
        END IF;

        SELECT coalesce(max(e.stream_version), 0) INTO v_current FROM ledger_events e WHERE e.stream_id = p_stream_id;
        IF (p_expected = 'no_stream' AND v_current <> 0)
           OR (p_expected = 'stream_exists' AND v_current = 0)
           OR (p_expected NOT IN ('any', 'no_stream', 'stream_exists') AND v_current <> p_expected::bigint) THEN
          RAISE EXCEPTION 'wrong expected version' USING ERRCODE = 'LE409', DETAIL = v_current::text;
        END IF;

        RETURN QUERY
          WITH inserted AS (
            INSERT INTO ledger_events (event_id, stream_id, stream_version, type, schema_version, data, metadata, payload_digest)
            SELECT i.id, p_stream_id, v_current + i.ord, p_types[i.ord], p_schema_versions[i.ord],
                   p_data[i.ord], p_metadata[i.ord], p_digests[i.ord]
              FROM unnest(p_event_ids) WITH ORDINALITY AS i(id, ord)
            RETURNING position
          )
          SELECT v_current + v_count, max(position), false FROM inserted;
      END $$`);

    // Least privilege for the running service. Creating roles needs CREATEROLE; on a managed server
    // without it the ledger still runs (as the connecting user) and the triggers still hold.
    await db.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          CREATE ROLE pi_ledger_app NOLOGIN;
        END IF;
      EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'cannot create role pi_ledger_app; the service will run as the connecting user';
      END $$`);
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          GRANT USAGE ON SCHEMA public TO pi_ledger_app;
          GRANT SELECT, INSERT ON ledger_events TO pi_ledger_app;
          GRANT SELECT ON ledger_migrations TO pi_ledger_app;
          GRANT EXECUTE ON FUNCTION ledger_append(text, text, uuid[], text[], int[], jsonb[], jsonb[], bytea[]) TO pi_ledger_app;
        END IF;
      END $$`);
  }

  async down(): Promise<void> {
    throw new Error('the event store is never rolled back: its events are the record');
  }
}
