import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Faster appends, found by bench:append (docs/benchmarks.md): the idempotency check becomes an
 * index lookup whatever the table's statistics, and the function keeps one generic plan instead
 * of re-planning its statements on every call. Same signature, same behaviour.
 */
export class AppendPlan1763900008000 implements MigrationInterface {
  name = 'AppendPlan1763900008000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
CREATE OR REPLACE FUNCTION ledger_append(
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
        -- = ANY() plans as an index scan on ledger_events_event_id_key even on an empty table; the
        -- join over unnest() it replaces could be planned as a sequential scan and kept that way
        SELECT count(*),
               count(*) FILTER (WHERE e.stream_id = p_stream_id
                                  AND e.type = p_types[array_position(p_event_ids, e.event_id)]
                                  AND e.payload_digest = p_digests[array_position(p_event_ids, e.event_id)])
          INTO v_known, v_matching
          FROM ledger_events e
         WHERE e.event_id = ANY(p_event_ids);
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
    await db.query(`ALTER FUNCTION ledger_append(text, text, uuid[], text[], int[], jsonb[], jsonb[], bytea[]) SET plan_cache_mode = force_generic_plan`);
  }

  async down(): Promise<void> {
    throw new Error('the event store is never rolled back');
  }
}
