import { Pool, PoolClient } from 'pg';
import { compareCheckpoints, EventStore, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { isRelevant, Projection, ProjectionBatch } from './projection';
import { physicalTable, ProjectionCheckpoints } from './projection-checkpoints';

/**
 * Streams quarantined per projection (issue #18): an event a projection cannot apply stops its
 * stream for that projection, not the projection. What is kept of the failure is a code and a fixed
 * description: never the event's data, never the error's message (PostgreSQL's echo values).
 */

/** What a failure to apply says about the event, the database, or the code. */
export interface Failure {
  /**
   * `transient`: try the same events again later (deadlock, serialization, timeout, connection).
   * `systemic`: the projection's code or schema is at fault, not the event (an undefined column, a
   * missing privilege): stop the projection, as quarantining every stream would empty its tables.
   * `event`: this event cannot be applied: quarantine its stream.
   */
  kind: 'transient' | 'systemic' | 'event';
  /** SQLSTATE, a domain error code, or the JavaScript error's class name. */
  code: string;
  /** Fixed text chosen by the code, never taken from the error's message. */
  description: string;
}

const SQLSTATE_NAMES: Record<string, string> = {
  '21000': 'cardinality violation',
  '22001': 'string data right truncation',
  '22003': 'numeric value out of range',
  '22004': 'null value not allowed',
  '22007': 'invalid datetime format',
  '22008': 'datetime field overflow',
  '22012': 'division by zero',
  '22021': 'character not in repertoire',
  '22023': 'invalid parameter value',
  '2201B': 'invalid regular expression',
  '22030': 'duplicate JSON object key value',
  '22032': 'invalid JSON text',
  '22P02': 'invalid text representation',
  '22P05': 'untranslatable character',
  '23502': 'not-null violation',
  '23503': 'foreign key violation',
  '23505': 'unique violation',
  '23514': 'check violation',
  '23P01': 'exclusion violation',
  '54000': 'program limit exceeded',
  '54001': 'statement too complex',
  P0001: 'raised by PL/pgSQL',
};

const SQLSTATE_CLASSES: Record<string, string> = {
  '21': 'cardinality violation',
  '22': 'data exception',
  '23': 'integrity constraint violation',
  '2F': 'SQL routine exception',
  '38': 'external routine exception',
  '39': 'external routine invocation exception',
  '44': 'WITH CHECK OPTION violation',
  '54': 'program limit exceeded',
  P0: 'PL/pgSQL error',
};

/** Connection, resources, operator intervention, system errors, transaction rollbacks: the database's state, not the event. */
const TRANSIENT_CLASSES = new Set(['08', '40', '53', '57', '58', '72']);
/** Syntax or access rule, unsupported feature, internal error, invalid catalog/schema/transaction state: the code's or the schema's fault. */
const SYSTEMIC_CLASSES = new Set(['0A', '0B', '0L', '0P', '25', '26', '28', '2D', '34', '3D', '3F', '42', '55', 'F0', 'HV', 'XX']);
const NETWORK_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTCONN', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** node-postgres's own errors (no SQLSTATE) when a connection or the pool goes away: matched on its fixed texts. */
const DRIVER_TRANSIENT = /connection terminated|connection error|timeout exceeded when trying to connect|cannot use a pool after calling end|client was closed|not queryable/i;

export function classifyFailure(error: unknown): Failure {
  const coded = (error ?? {}) as { code?: unknown; severity?: unknown; name?: unknown; message?: unknown };
  const code = typeof coded.code === 'string' ? coded.code : undefined;
  if (code && /^[0-9A-Z]{5}$/.test(code) && typeof coded.severity === 'string') {
    const cls = code.slice(0, 2);
    const kind = code === '55P03' || TRANSIENT_CLASSES.has(cls) ? 'transient' : SYSTEMIC_CLASSES.has(cls) ? 'systemic' : 'event';
    const name = SQLSTATE_NAMES[code] ?? SQLSTATE_CLASSES[cls] ?? `SQLSTATE class ${cls}`;
    return { kind, code, description: `PostgreSQL: ${name}` };
  }
  if (code && NETWORK_ERRORS.has(code)) return { kind: 'transient', code, description: 'network error' };
  // the platform's typed outage (database-unavailable.ts): the database, not the event
  if (code === 'database-unavailable') return { kind: 'transient', code, description: 'database unavailable' };
  // the vault cannot unwrap any key under this master key: every stream would fail alike
  if (code === 'master-key-mismatch') return { kind: 'systemic', code, description: 'the master key does not match the vault' };
  if (typeof coded.message === 'string' && DRIVER_TRANSIENT.test(coded.message)) return { kind: 'transient', code: 'connection', description: 'database connection lost' };
  const name = typeof coded.name === 'string' && /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(coded.name) ? coded.name : 'Error';
  // a domain error's stable code (e.g. subject-not-found) says more than its class
  if (code && /^[a-z][a-z0-9-]{0,63}$/.test(code)) return { kind: 'event', code, description: `thrown by the projection (${name})` };
  return { kind: 'event', code: name, description: 'thrown by the projection' };
}

export interface QuarantineEntry {
  projection: string;
  generation: number;
  streamId: string;
  /** The first event of the stream the projection could not apply. */
  position: number;
  transactionId: number;
  eventId: string;
  eventType: string;
  streamVersion: number;
  code: string;
  description: string;
  quarantinedAt: string;
}

const COLUMNS = `q.projection, q.generation, q.stream_id, q.transaction_id::text AS tx, q.position::text AS pos, q.event_id, q.event_type,
  q.stream_version::text AS version, q.error_code, q.error_class, q.quarantined_at`;

function entryOf(row: Record<string, unknown>): QuarantineEntry {
  return {
    projection: row.projection as string,
    generation: row.generation as number,
    streamId: row.stream_id as string,
    position: Number(row.pos),
    transactionId: Number(row.tx),
    eventId: row.event_id as string,
    eventType: row.event_type as string,
    streamVersion: Number(row.version),
    code: row.error_code as string,
    description: row.error_class as string,
    quarantinedAt: (row.quarantined_at as Date).toISOString(),
  };
}

/** The quarantine's rows: SQL only, no policy. Reads see the live generation's rows only. */
export class ProjectionQuarantine {
  constructor(private readonly pool: Pool) {}

  /** Quarantined streams of the live generations, by projection then position; `limit` per call. */
  async list(projection?: string, limit = 10_000): Promise<QuarantineEntry[]> {
    const { rows } = await this.pool.query(
      `SELECT ${COLUMNS} FROM projection_quarantine q JOIN projection_checkpoints c ON c.name = q.projection AND c.generation = q.generation
        WHERE $1::text IS NULL OR q.projection = $1 ORDER BY q.projection, q.transaction_id, q.position LIMIT $2`,
      [projection ?? null, limit],
    );
    return rows.map(entryOf);
  }

  /** Number of quarantined streams per projection (live generations). */
  async counts(): Promise<Map<string, number>> {
    const { rows } = await this.pool.query(
      `SELECT q.projection, count(*)::int AS n FROM projection_quarantine q JOIN projection_checkpoints c ON c.name = q.projection AND c.generation = q.generation
        GROUP BY q.projection`,
    );
    return new Map(rows.map((row) => [row.projection as string, row.n as number]));
  }

  async find(projection: string, streamId: string): Promise<QuarantineEntry | undefined> {
    const { rows } = await this.pool.query(
      `SELECT ${COLUMNS} FROM projection_quarantine q JOIN projection_checkpoints c ON c.name = q.projection AND c.generation = q.generation
        WHERE q.projection = $1 AND q.stream_id = $2`,
      [projection, streamId],
    );
    return rows[0] ? entryOf(rows[0]) : undefined;
  }
}

/** The streams quarantined for one generation of a projection (the runner's and the rebuild's skip list). */
export async function quarantinedStreams(client: Pool | PoolClient, projection: string, generation: number): Promise<Set<string>> {
  const { rows } = await client.query(`SELECT stream_id FROM projection_quarantine WHERE projection = $1 AND generation = $2`, [projection, generation]);
  return new Set(rows.map((row) => row.stream_id as string));
}

/** Drops the rows of every generation but `keep` (a rebuild's switch), or of `drop` alone (a rebuild starting afresh). */
export async function dropQuarantine(client: Pool | PoolClient, projection: string, generation: { keep: number } | { drop: number }): Promise<void> {
  if ('keep' in generation) await client.query(`DELETE FROM projection_quarantine WHERE projection = $1 AND generation <> $2`, [projection, generation.keep]);
  else await client.query(`DELETE FROM projection_quarantine WHERE projection = $1 AND generation = $2`, [projection, generation.drop]);
}

async function recordQuarantine(client: PoolClient, projection: string, generation: number, event: RecordedEvent, failure: Failure): Promise<void> {
  await client.query(
    `INSERT INTO projection_quarantine (projection, generation, stream_id, transaction_id, position, event_id, event_type, stream_version, error_code, error_class)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (projection, generation, stream_id) DO NOTHING`,
    [
      projection,
      generation,
      event.streamId,
      event.checkpoint.transactionId,
      event.position,
      event.eventId,
      event.type.slice(0, 200),
      event.streamVersion,
      failure.code,
      failure.description.slice(0, 200),
    ],
  );
}

/** Where a projection had to stop instead of quarantining, and why. */
export interface ProjectionStop {
  event: RecordedEvent;
  failure: Failure;
  reason: string;
}

/** A stop's text for `last_error`: ids, codes and fixed texts only. */
export function describeStop({ event, failure, reason }: ProjectionStop): string {
  return `event ${event.eventId} (${event.type}) at position ${event.position} of stream ${event.streamId}: ${failure.code}: ${failure.description}; ${reason}`;
}

export interface IsolationResult {
  /** Index in `events` of the last event the checkpoint may move past (-1: none). */
  through: number;
  /** Streams quarantined by this call, in the order met. */
  quarantined: Array<{ event: RecordedEvent; failure: Failure }>;
  /** Set when an event could neither be applied nor its stream quarantined: the projection stops before it. */
  stopped?: ProjectionStop;
}

/** Default cap on the streams one generation of a projection may have in quarantine; past it, the projection stops. */
export const MAX_QUARANTINED_STREAMS = 20;

/**
 * Applies `events` one at a time, each under a savepoint of the caller's transaction, skipping the
 * streams in `quarantined`. An event that fails for a reason of its own puts its stream in
 * quarantine (the projection's `forgetStream`, then the row), and its stream's later events are
 * skipped. A transient failure is thrown (the caller rolls back and tries again later). A systemic
 * one, a projection that does not quarantine, or a quarantine already at `maxQuarantined`
 * streams, stops before the event: `through` is the event before it.
 */
export async function applyIsolated(
  client: PoolClient,
  projection: Projection,
  generation: number,
  events: readonly RecordedEvent[],
  quarantined: Set<string>,
  maxQuarantined = MAX_QUARANTINED_STREAMS,
): Promise<IsolationResult> {
  const batch = batchOf(client, generation);
  const result: IsolationResult = { through: events.length - 1, quarantined: [] };
  for (let index = 0; index < events.length; index++) {
    const event = events[index];
    if (!isRelevant(projection, event) || quarantined.has(event.streamId)) continue;
    await client.query('SAVEPOINT projection_event');
    try {
      await projection.apply(batch, [event]);
      await client.query('RELEASE SAVEPOINT projection_event');
      continue;
    } catch (error) {
      await client.query('ROLLBACK TO SAVEPOINT projection_event');
      const failure = classifyFailure(error);
      if (failure.kind === 'transient') throw error;
      const stop = (reason: string): IsolationResult => ({ ...result, through: index - 1, stopped: { event, failure, reason } });
      if (failure.kind === 'systemic') return stop('a fault of the projection or its schema, not of this stream: fix it, then resume');
      if (projection.quarantines === false) return stop('this projection stops rather than quarantine a stream: fix it, then resume');
      if (quarantined.size >= maxQuarantined) {
        return stop(`${quarantined.size} streams are quarantined already, more than one stream's fault: fix the projection, then resume and replay them`);
      }
      try {
        await projection.forgetStream?.(batch, event.streamId);
        await recordQuarantine(client, projection.name, generation, event, failure);
        await client.query('RELEASE SAVEPOINT projection_event');
      } catch (forgetError) {
        await client.query('ROLLBACK TO SAVEPOINT projection_event');
        const forgetFailure = classifyFailure(forgetError);
        if (forgetFailure.kind === 'transient') throw forgetError;
        return { ...result, through: index - 1, stopped: { event, failure: forgetFailure, reason: 'its stream could not be quarantined' } };
      }
      quarantined.add(event.streamId);
      result.quarantined.push({ event, failure });
    }
  }
  return result;
}

export function batchOf(client: PoolClient, generation: number): ProjectionBatch {
  return { client, table: (name: string) => physicalTable(name, generation) };
}

/** `ledger projections replay` found the stream not quarantined for that projection. */
export class StreamNotQuarantined extends Error {
  constructor(projection: string, streamId: string) {
    super(`stream ${streamId} is not quarantined for projection ${projection}`);
    this.name = 'StreamNotQuarantined';
  }
}

/** A replay met an event the projection still cannot apply: nothing changed but the quarantine's record of it. */
export class ReplayFailed extends Error {
  constructor(
    readonly event: RecordedEvent,
    readonly failure: Failure,
  ) {
    super(
      `event ${event.eventId} (${event.type}) at position ${event.position}, version ${event.streamVersion} of stream ${event.streamId}, still fails: ` +
        `${failure.code}: ${failure.description}; the stream stays quarantined`,
    );
    this.name = 'ReplayFailed';
  }
}

export interface ReplayOptions {
  /** The service's pool (no DDL). */
  pool: Pool;
  store: Pick<EventStore, 'readStream'>;
  projection: Projection;
  streamId: string;
}

/**
 * Replays a quarantined stream into a projection's live generation, in one transaction holding the
 * projection's checkpoint row (the live runner waits): forget what the tables hold of the stream,
 * apply every event of the stream up to the checkpoint from the first, and lift the quarantine; the
 * runner then applies its later events as usual. If an event still fails, everything is rolled back,
 * the quarantine's row is moved to that event, and ReplayFailed says which.
 */
export async function replayStream({ pool, store, projection, streamId }: ReplayOptions): Promise<{ events: number; generation: number }> {
  const client = await pool.connect();
  let failed: ReplayFailed | undefined;
  try {
    await client.query('BEGIN');
    const row = await new ProjectionCheckpoints(pool).get(projection.name, client, true);
    if (!row) throw new StreamNotQuarantined(projection.name, streamId);
    const generation = row.generation;
    const { rowCount } = await client.query(`SELECT 1 FROM projection_quarantine WHERE projection = $1 AND generation = $2 AND stream_id = $3 FOR UPDATE`, [
      projection.name,
      generation,
      streamId,
    ]);
    if (rowCount !== 1) throw new StreamNotQuarantined(projection.name, streamId);
    const events = (await store.readStream(streamId))
      .filter((event) => isRelevant(projection, event) && compareCheckpoints(event.checkpoint, row.checkpoint) <= 0)
      .map((event) => (projection.readsData === false ? { ...event, data: {} } : event));
    const batch = batchOf(client, generation);
    await projection.forgetStream?.(batch, streamId);
    await client.query('SAVEPOINT projection_replay');
    try {
      for (let from = 0; from < events.length; from += 500) await projection.apply(batch, events.slice(from, from + 500));
    } catch (error) {
      if (classifyFailure(error).kind === 'transient') throw error;
      await client.query('ROLLBACK TO SAVEPOINT projection_replay');
      // one at a time, to name the event that fails
      const isolated = await applyIsolated(client, { ...projectionMethods(projection), quarantines: false }, generation, events, new Set());
      if (isolated.stopped) failed = new ReplayFailed(isolated.stopped.event, isolated.stopped.failure);
    }
    if (failed) {
      await client.query('ROLLBACK');
      await client.query(
        `UPDATE projection_quarantine SET transaction_id = $4, position = $5, event_id = $6, event_type = $7, stream_version = $8, error_code = $9, error_class = $10, quarantined_at = now()
          WHERE projection = $1 AND generation = $2 AND stream_id = $3`,
        [
          projection.name,
          generation,
          streamId,
          failed.event.checkpoint.transactionId,
          failed.event.position,
          failed.event.eventId,
          failed.event.type.slice(0, 200),
          failed.event.streamVersion,
          failed.failure.code,
          failed.failure.description.slice(0, 200),
        ],
      );
      throw failed;
    }
    await client.query(`DELETE FROM projection_quarantine WHERE projection = $1 AND generation = $2 AND stream_id = $3`, [projection.name, generation, streamId]);
    await client.query('COMMIT');
    return { events: events.length, generation };
  } catch (error) {
    if (error !== failed) await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** The projection seen through an object of its own (its methods bound), so that flags can be overridden. */
function projectionMethods(projection: Projection): Projection {
  return {
    name: projection.name,
    version: projection.version,
    tables: projection.tables,
    eventTypes: projection.eventTypes,
    readsData: projection.readsData,
    apply: (batch, events) => projection.apply(batch, events),
  };
}
