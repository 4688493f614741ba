import { Pool, QueryConfig } from 'pg';
import { v7 as uuidv7, validate as isUuid } from 'uuid';
import {
  AppendResult,
  AnyDomainEvent,
  DomainEvent,
  ExpectedVersion,
  GlobalBatch,
  GlobalBatchOptions,
  GlobalCheckpoint,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
  BEGINNING,
} from '../event-store.port';
import { AlongsideInsert, PostgresAppendOptions, PostgresEventStorePort, StreamAppend } from './postgres-event-store.port';
import { AlongsideConflict, EventIdConflict, InvalidAppend, WrongExpectedVersion } from '../event-store.errors';
import { canonicalJson, sha256Hex } from '../payload-digest';
import { Upcasters } from '../upcasters';
import { LedgerWakeups } from './ledger-wakeups';
import { PostgresSubscription } from './postgres-subscription';

export interface PostgresEventStoreOptions {
  upcasters?: Upcasters;
  /** Fallback poll for subscribers when no wake-up arrives. */
  pollIntervalMs?: number;
  /** Observes every successful append (metrics). */
  onAppended?: (eventCount: number, seconds: number) => void;
}

// ORDER BY must name ledger_events.<column>: the text aliases below would otherwise sort as strings.
const ENVELOPE_COLUMNS = `position::text AS position, transaction_id::text AS transaction_id, event_id, stream_id,
  stream_version::text AS stream_version, type, schema_version, metadata, encode(payload_digest, 'hex') AS payload_digest, recorded_at`;
const COLUMNS = `${ENVELOPE_COLUMNS}, data`;
const MAX_RETRIES = 20;
const MAX_READ = 10_000;

interface EventRow {
  position: string;
  transaction_id: string;
  event_id: string;
  stream_id: string;
  stream_version: string;
  type: string;
  schema_version: number;
  data: RecordedEvent['data'];
  metadata: RecordedEvent['metadata'];
  /** Hex, as events carry it: encoded by the server instead of parsed into a Buffer and encoded again here. */
  payload_digest: string;
  recorded_at: Date;
  settled?: boolean;
}

/** Both ports over one PostgreSQL table; appends may carry a row for another table (PostgresAppendOptions). */
export class PostgresEventStore implements PostgresEventStorePort {
  private readonly upcasters: Upcasters;
  readonly wakeups: LedgerWakeups;

  constructor(
    private readonly pool: Pool,
    private readonly options: PostgresEventStoreOptions = {},
  ) {
    this.upcasters = options.upcasters ?? new Upcasters();
    this.wakeups = new LedgerWakeups(pool);
  }

  async appendToStream<E extends AnyDomainEvent>(streamId: string, events: readonly NewEvent<E>[], options: PostgresAppendOptions = {}): Promise<AppendResult> {
    const expected = options.expectedVersion ?? 'any';
    validateAppend(streamId, events, expected);
    const alongside = options.alongside;
    if (alongside && events.length === 0) throw new InvalidAppend('an alongside row needs at least one event to be appended with');
    if (events.length === 0) return this.appendNothing(streamId, expected);

    const started = process.hrtime.bigint();
    const prepared = events.map(prepareEvent);
    if (new Set(prepared.map((event) => event.eventId)).size !== events.length) throw new InvalidAppend('event ids repeat within one append');
    const statement = appendStatement(streamId, expected, prepared, alongside);

    for (let attempt = 0; ; attempt++) {
      let rows: { stream_version: string; position: string }[] | undefined;
      let alongsideConflict: { table?: string; constraint?: string } | undefined;
      try {
        rows = (await this.pool.query(statement)).rows;
      } catch (error) {
        // 23505: an event id is stored already, or a concurrent writer took the version between our
        // read of the head and our insert; anything else is not ours to settle
        if ((error as { code?: string }).code !== '23505') throw error;
        // or the alongside row's own table refused it (node-pg names the table of the constraint)
        if (alongside && (error as { table?: string }).table !== 'ledger_events') alongsideConflict = error as typeof alongsideConflict;
      }
      if (rows && rows.length > 0) {
        this.wakeups.appended();
        this.options.onAppended?.(events.length, Number(process.hrtime.bigint() - started) / 1e9);
        return lastOf(rows);
      }
      // Refused, or no row: the expected version did not match, unless these events were appended already.
      // Asked after an alongside conflict too: when the events' constraints would have refused the
      // statement as well, PostgreSQL may report either, and the answer must not depend on which
      // (a replay, whose row is stored since the original append, returns the original result).
      const settled = await this.appendRefused(streamId, expected, prepared);
      if (settled) return settled;
      // The events would be accepted now: it is the row that cannot be written, and a retry would not change that.
      if (alongsideConflict) throw new AlongsideConflict(streamId, alongsideConflict.table ?? alongsideTable(alongside!), alongsideConflict.constraint);
      if (attempt >= MAX_RETRIES) throw new Error(`stream ${streamId}: the append lost ${MAX_RETRIES} races in a row`);
    }
  }

  async appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    if (new Set(appends.map((append) => append.streamId)).size !== appends.length) throw new InvalidAppend('a multi-stream append names each stream once');
    for (const append of appends) {
      validateAppend(append.streamId, append.events, append.expectedVersion);
      if (append.events.length === 0) throw new InvalidAppend(`stream ${append.streamId}: a multi-stream append needs events for every stream`);
    }
    if (appends.length === 0) return [];
    const started = process.hrtime.bigint();
    const prepared = appends.map((append) => append.events.map(prepareEvent));
    const eventIds = prepared.flat().map((event) => event.eventId);
    if (new Set(eventIds).size !== eventIds.length) throw new InvalidAppend('event ids repeat within one append');
    let rows: Array<{ stream_id: string; stream_version: string; position: string }>;
    try {
      rows = (await this.pool.query(multiStreamStatement(appends, prepared))).rows;
    } catch (error) {
      if ((error as { code?: string }).code !== '23505') throw error;
      await this.refusedStream(appends);
      const table = (error as { table?: string }).table;
      if (table && table !== 'ledger_events') throw new AlongsideConflict(appends[0].streamId, table, (error as { constraint?: string }).constraint);
      throw new EventIdConflict(appends[0].streamId);
    }
    if (rows.length === 0) {
      await this.refusedStream(appends);
      throw new Error('a multi-stream append wrote nothing though every stream was at its expected version');
    }
    this.wakeups.appended();
    this.options.onAppended?.(eventIds.length, Number(process.hrtime.bigint() - started) / 1e9);
    const byStream = new Map<string, Array<{ stream_version: string; position: string }>>();
    for (const row of rows) byStream.set(row.stream_id, [...(byStream.get(row.stream_id) ?? []), row]);
    return appends.map((append) => lastOf(byStream.get(append.streamId) ?? []));
  }

  /** Throws WrongExpectedVersion for the first stream of a multi-stream append that is not at its expected version. */
  private async refusedStream(appends: readonly StreamAppend[]): Promise<void> {
    const { rows } = await this.pool.query<{ stream_id: string; version: string }>(
      `SELECT s.stream_id, (SELECT coalesce(max(stream_version), 0) FROM ledger_events e WHERE e.stream_id = s.stream_id)::text AS version FROM unnest($1::text[]) AS s(stream_id)`,
      [appends.map((append) => append.streamId)],
    );
    const current = new Map(rows.map((row) => [row.stream_id, Number(row.version)]));
    for (const append of appends) {
      const actual = current.get(append.streamId) ?? 0;
      if (!versionMatches(append.expectedVersion, actual)) throw new WrongExpectedVersion(append.streamId, append.expectedVersion, actual);
    }
  }

  async readStream<E extends AnyDomainEvent = DomainEvent>(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent<E>[]> {
    const backwards = options.direction === 'backwards';
    const from = options.fromVersion ?? (backwards ? Number.MAX_SAFE_INTEGER : 1);
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${COLUMNS} FROM ledger_events WHERE stream_id = $1 AND stream_version ${backwards ? '<=' : '>='} $2
        ORDER BY ledger_events.stream_version ${backwards ? 'DESC' : 'ASC'} LIMIT $3`,
      [streamId, from, options.maxCount ?? null],
    );
    // the caller names the stream's union; upcasting brought every event to its current schema
    return rows.map((row) => this.toEvent(row) as RecordedEvent<E>);
  }

  async streamVersion(streamId: string): Promise<number> {
    const { rows } = await this.pool.query('SELECT coalesce(max(stream_version), 0)::text AS version FROM ledger_events WHERE stream_id = $1', [streamId]);
    return Number(rows[0].version);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return (await this.readGlobalBatch(options.from ?? BEGINNING, options.maxCount ?? 1000)).events;
  }

  /**
   * The next events in global order, cut where a row belongs to a transaction not older than the
   * oldest one still running: such a transaction may yet commit rows that sort before it.
   */
  async readGlobalBatch(from: GlobalCheckpoint, maxCount: number, options: GlobalBatchOptions = {}): Promise<GlobalBatch> {
    const limit = Math.min(Math.max(1, maxCount), MAX_READ);
    const withData = options.data ?? true;
    const { rows } = await this.pool.query<EventRow>(
      `WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
       SELECT ${withData ? COLUMNS : ENVELOPE_COLUMNS}, transaction_id < horizon.xmin AS settled
         FROM ledger_events, horizon
        WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
        ORDER BY ledger_events.transaction_id, ledger_events.position
        LIMIT $3`,
      [String(from.transactionId), from.position, limit],
    );
    const settled = rows.findIndex((row) => !row.settled);
    const visible = settled === -1 ? rows : rows.slice(0, settled);
    return { events: visible.map((row) => this.toEvent(row, withData)), heldBack: settled !== -1 };
  }

  subscribeToAll(from: GlobalCheckpoint = BEGINNING, options: SubscribeOptions = {}): Subscription {
    return new PostgresSubscription(this, this.wakeups, from, options.batchSize ?? 500, this.options.pollIntervalMs ?? 500);
  }

  async headCheckpoint(): Promise<GlobalCheckpoint> {
    const { rows } = await this.pool.query(
      `SELECT transaction_id::text AS transaction_id, position::text AS position FROM ledger_events
        ORDER BY ledger_events.transaction_id DESC, ledger_events.position DESC LIMIT 1`,
    );
    return rows[0] ? { transactionId: Number(rows[0].transaction_id), position: Number(rows[0].position) } : BEGINNING;
  }

  async checkpointOf(position: number): Promise<GlobalCheckpoint | undefined> {
    const { rows } = await this.pool.query('SELECT transaction_id::text AS transaction_id FROM ledger_events WHERE position = $1', [position]);
    return rows[0] ? { transactionId: Number(rows[0].transaction_id), position } : undefined;
  }

  async close(): Promise<void> {
    await this.wakeups.close();
  }

  /**
   * Why an append wrote nothing: the same events were appended before (the original result), some
   * of its event ids belong to other events (EventIdConflict), or the stream is not at the expected
   * version (WrongExpectedVersion). Undefined when none holds any more: a writer that beat us has
   * moved on and the append should simply be tried again.
   */
  private async appendRefused(streamId: string, expected: ExpectedVersion, events: readonly PreparedEvent[]): Promise<AppendResult | undefined> {
    // = ANY() plans as an index scan on ledger_events_event_id_key whatever the statistics say
    const { rows } = await this.pool.query<{ current: string; known: number; matching: number; last_version: string; last_position: string }>({
      name: 'ledger-append-refused',
      text: `SELECT (SELECT coalesce(max(stream_version), 0) FROM ledger_events WHERE stream_id = $1)::text AS current,
                    count(*)::int AS known,
                    count(*) FILTER (WHERE e.stream_id = $1
                                       AND e.type = ($3::text[])[array_position($2::uuid[], e.event_id)]
                                       AND e.payload_digest = decode(($4::text[])[array_position($2::uuid[], e.event_id)], 'hex'))::int AS matching,
                    max(e.stream_version)::text AS last_version, max(e.position)::text AS last_position
               FROM ledger_events e
              WHERE e.event_id = ANY($2::uuid[])`,
      values: [streamId, events.map((event) => event.eventId), events.map((event) => event.type), events.map((event) => event.digest)],
    });
    const { current, known, matching } = rows[0];
    if (known === events.length && matching === events.length) {
      return { nextExpectedVersion: Number(rows[0].last_version), position: Number(rows[0].last_position) };
    }
    if (known > 0) throw new EventIdConflict(streamId);
    if (!versionMatches(expected, Number(current))) throw new WrongExpectedVersion(streamId, expected, Number(current));
    return undefined;
  }

  private async appendNothing(streamId: string, expected: ExpectedVersion): Promise<AppendResult> {
    const { rows } = await this.pool.query(
      `SELECT stream_version::text AS version, position::text AS position FROM ledger_events
        WHERE stream_id = $1 ORDER BY ledger_events.stream_version DESC LIMIT 1`,
      [streamId],
    );
    const current = rows[0] ? Number(rows[0].version) : 0;
    if (!versionMatches(expected, current)) throw new WrongExpectedVersion(streamId, expected, current);
    return { nextExpectedVersion: current, position: rows[0] ? Number(rows[0].position) : 0 };
  }

  private toEvent(row: EventRow, withData = true): RecordedEvent {
    const position = Number(row.position);
    const event: RecordedEvent = {
      eventId: row.event_id,
      type: row.type,
      schemaVersion: row.schema_version,
      data: withData ? row.data : {},
      metadata: row.metadata,
      recordedAt: row.recorded_at,
      streamId: row.stream_id,
      streamVersion: Number(row.stream_version),
      position,
      checkpoint: { transactionId: Number(row.transaction_id), position },
      payloadDigest: row.payload_digest,
    };
    return this.upcasters.isEmpty || !withData ? event : this.upcasters.apply(event);
  }
}

function lastOf(rows: readonly { stream_version: string; position: string }[]): AppendResult {
  let nextExpectedVersion = 0;
  let position = 0;
  for (const row of rows) {
    nextExpectedVersion = Math.max(nextExpectedVersion, Number(row.stream_version));
    position = Math.max(position, Number(row.position));
  }
  return { nextExpectedVersion, position };
}

function versionMatches(expected: ExpectedVersion, current: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return current === 0;
  if (expected === 'stream_exists') return current > 0;
  return expected === current;
}

function validateAppend(streamId: string, events: readonly NewEvent<AnyDomainEvent>[], expected: ExpectedVersion): void {
  if (typeof streamId !== 'string' || streamId.length === 0 || streamId.length > 200) {
    throw new InvalidAppend('streamId must be a string of 1 to 200 characters');
  }
  if (typeof expected === 'number' && (!Number.isSafeInteger(expected) || expected < 0)) {
    throw new InvalidAppend('expectedVersion must be a non-negative integer, any, no_stream or stream_exists');
  }
  for (const [index, event] of events.entries()) {
    const at = `events[${index}]`;
    if (event.eventId !== undefined && !isUuid(event.eventId)) throw new InvalidAppend(`${at}.eventId must be a UUID`);
    if (typeof event.type !== 'string' || event.type.length === 0) throw new InvalidAppend(`${at}.type is required`);
    if (event.schemaVersion !== undefined && !(Number.isInteger(event.schemaVersion) && event.schemaVersion >= 1)) {
      throw new InvalidAppend(`${at}.schemaVersion must be a positive integer`);
    }
    if (event.data === null || typeof event.data !== 'object' || Array.isArray(event.data)) {
      throw new InvalidAppend(`${at}.data must be a JSON object`);
    }
    const metadata = event.metadata;
    if (!metadata || typeof metadata.actor !== 'string' || !Array.isArray(metadata.roles) || typeof metadata.correlationId !== 'string') {
      throw new InvalidAppend(`${at}.metadata needs actor, roles and correlationId`);
    }
  }
}

/** An event as the append statement takes it: its data serialised once, canonically, and digested. */
interface PreparedEvent {
  eventId: string;
  type: string;
  schemaVersion: number;
  /** RFC 8785 text of the data: stored (jsonb keeps the same value) and digested, so serialised once. */
  data: string;
  metadata: string;
  /** Hex SHA-256 of `data`. */
  digest: string;
}

function prepareEvent(event: NewEvent<AnyDomainEvent>): PreparedEvent {
  const data = canonicalJson(event.data);
  return {
    eventId: event.eventId ?? uuidv7(),
    type: event.type,
    schemaVersion: event.schemaVersion ?? 1,
    data,
    metadata: JSON.stringify(event.metadata),
    digest: sha256Hex(data),
  };
}

/**
 * The stream's head and the expected-version check, shared by both append statements: a row (the
 * head) only when the stream is where the writer expects it. $1 stream id, $2 the expectation's
 * kind, $3 the expected version when it is a number (a separate parameter: a CASE casting $2 to
 * bigint could be folded, and fail, for 'any' when planning with the values).
 */
const ACCEPTED_HEAD = `
  WITH head AS (SELECT coalesce(max(stream_version), 0) AS version FROM ledger_events WHERE stream_id = $1),
  accepted AS (
    SELECT version FROM head
     WHERE CASE $2::text WHEN 'any' THEN true
                         WHEN 'no_stream' THEN version = 0
                         WHEN 'stream_exists' THEN version > 0
                         ELSE version = $3::bigint END
  )`;

const INSERT_ONE = `
  INSERT INTO ledger_events (event_id, stream_id, stream_version, type, schema_version, data, metadata, payload_digest)
  SELECT $4::uuid, $1, accepted.version + 1, $5, $6, $7::jsonb, $8::jsonb, decode($9, 'hex') FROM accepted
  RETURNING stream_version::text, position::text`;

const INSERT_BATCH = `
  INSERT INTO ledger_events (event_id, stream_id, stream_version, type, schema_version, data, metadata, payload_digest)
  SELECT e.i, $1, accepted.version + e.n, e.t, e.s, e.d, e.m, decode(e.h, 'hex')
    FROM accepted, jsonb_to_recordset($4::jsonb) AS e(n int, i uuid, t text, s int, d jsonb, m jsonb, h text)
   ORDER BY e.n
  RETURNING stream_version::text, position::text`;

/** The two append statements, with the insert that follows ACCEPTED_HEAD and how many parameters it takes. */
const APPEND = {
  one: { name: 'ledger-append-one', insert: INSERT_ONE, text: `${ACCEPTED_HEAD}${INSERT_ONE}`, parameters: 9 },
  batch: { name: 'ledger-append-batch', insert: INSERT_BATCH, text: `${ACCEPTED_HEAD}${INSERT_BATCH}`, parameters: 4 },
} as const;
type AppendShape = keyof typeof APPEND;

/**
 * One round trip, one statement: read the head, check the expected version, insert at the versions
 * that follow. A concurrent writer that takes the same version, or an event id stored already,
 * makes the unique constraints refuse the statement; only then does appendRefused look closer.
 * One event goes as scalar parameters, a batch as one JSON array (no array-literal escaping).
 */
function appendStatement(streamId: string, expected: ExpectedVersion, events: readonly PreparedEvent[], alongside?: AlongsideInsert): QueryConfig {
  const kind = typeof expected === 'number' ? 'version' : expected;
  const version = typeof expected === 'number' ? String(expected) : null;
  const shape: AppendShape = events.length === 1 ? 'one' : 'batch';
  let values: unknown[];
  if (shape === 'one') {
    const [event] = events;
    values = [streamId, kind, version, event.eventId, event.type, event.schemaVersion, event.data, event.metadata, event.digest];
  } else {
    const batch = events
      .map(
        (event, index) =>
          `{"n":${index + 1},"i":"${event.eventId}","t":${JSON.stringify(event.type)},"s":${event.schemaVersion},` +
          `"d":${event.data},"m":${event.metadata},"h":"${event.digest}"}`,
      )
      .join(',');
    values = [streamId, kind, version, `[${batch}]`];
  }
  if (!alongside) return { name: APPEND[shape].name, text: APPEND[shape].text, values };
  return { ...alongsideStatement(shape, alongside), values: [...values, ...alongside.values] };
}

const ALONGSIDE_NAME = /^[a-z][a-z0-9_-]{0,40}$/;
const ALONGSIDE_INTO = /^(?:[a-z_][a-z0-9_]*\.)?([a-z_][a-z0-9_]*) \(([a-z_][a-z0-9_]*(?:, [a-z_][a-z0-9_]*)*)\)$/;
const ALONGSIDE_TYPE = /^[a-z_][a-z0-9_ ]*(\[\])?$/;

/** Per alongside name: the shape it was first given with, and its statement text for one event and for a batch. */
const alongsideStatements = new Map<string, { into: string; types: string; text: Record<AppendShape, string> }>();

/**
 * The append statement with one more data-modifying CTE, inserting the row FROM accepted: it runs
 * once whether or not the main insert reads it, and inserts nothing when the version check fails.
 * Its values follow the append's own parameters. Built once per name: a prepared statement's name
 * stands for one text on every connection, hence one shape per name.
 */
function alongsideStatement(shape: AppendShape, alongside: AlongsideInsert): { name: string; text: string } {
  const { name, into, types, values } = alongside;
  if (typeof name !== 'string' || !ALONGSIDE_NAME.test(name)) throw new InvalidAppend(`alongside.name must match ${ALONGSIDE_NAME}`);
  const columns = typeof into === 'string' ? ALONGSIDE_INTO.exec(into) : null;
  if (!columns) throw new InvalidAppend(`alongside ${name}: into must be a table and its columns, as in "a_table (a, b)"`);
  if (columns[1] === 'ledger_events') throw new InvalidAppend(`alongside ${name}: the events' own table cannot take a row alongside them`);
  if (!Array.isArray(types) || !Array.isArray(values) || types.length === 0 || types.length !== values.length) {
    throw new InvalidAppend(`alongside ${name}: types and values must be arrays of the same, non-zero length`);
  }
  if (types.length !== columns[2].split(', ').length) throw new InvalidAppend(`alongside ${name}: one type per column of into`);
  if (!types.every((type) => typeof type === 'string' && ALONGSIDE_TYPE.test(type))) {
    throw new InvalidAppend(`alongside ${name}: each type must match ${ALONGSIDE_TYPE}`);
  }
  let known = alongsideStatements.get(name);
  if (!known) {
    const text = (of: AppendShape) => {
      const select = types.map((type, index) => `$${APPEND[of].parameters + index + 1}::${type}`).join(', ');
      return `${ACCEPTED_HEAD},
  alongside AS (INSERT INTO ${into} SELECT ${select} FROM accepted)${APPEND[of].insert}`;
    };
    known = { into, types: types.join(','), text: { one: text('one'), batch: text('batch') } };
    alongsideStatements.set(name, known);
  } else if (known.into !== into || known.types !== types.join(',')) {
    throw new InvalidAppend(`alongside ${name}: already used with another into or types`);
  }
  return { name: `${APPEND[shape].name}+${name}`, text: known.text[shape] };
}

/** The unqualified table name of a validated alongside `into`. */
function alongsideTable(alongside: AlongsideInsert): string {
  return ALONGSIDE_INTO.exec(alongside.into)![1];
}

/** A value of an alongside row as JSON for jsonb_to_recordset: bytes as bytea's hex input, arrays element by element. */
function alongsideJson(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (Array.isArray(value)) return value.map(alongsideJson);
  return value;
}

/**
 * The multi-stream append: every stream's head read and checked (`refused` holds the streams not
 * at their expected version; then nothing is inserted), each group of rows alongside (one name)
 * inserted by one data-modifying CTE, the events inserted in stream order. $1 the streams, $2 the
 * events, $3… the row groups, each as one JSON array.
 */
function multiStreamStatement(appends: readonly StreamAppend[], prepared: ReadonlyArray<readonly PreparedEvent[]>): QueryConfig {
  const streams = appends.map((append, k) => ({
    k,
    sid: append.streamId,
    kind: typeof append.expectedVersion === 'number' ? 'version' : append.expectedVersion,
    v: typeof append.expectedVersion === 'number' ? append.expectedVersion : null,
  }));
  const events = prepared
    .flatMap((stream, k) =>
      stream.map(
        (event, index) =>
          `{"k":${k},"n":${index + 1},"i":"${event.eventId}","t":${JSON.stringify(event.type)},"s":${event.schemaVersion},` +
          `"d":${event.data},"m":${event.metadata},"h":"${event.digest}"}`,
      ),
    )
    .join(',');
  const groups = new Map<string, { alongside: AlongsideInsert; rows: unknown[] }>();
  for (const append of appends) {
    if (!append.alongside) continue;
    alongsideStatement('batch', append.alongside); // validates the row and its name's one shape
    const group = groups.get(append.alongside.name) ?? { alongside: append.alongside, rows: [] };
    const columns = ALONGSIDE_INTO.exec(append.alongside.into)![2].split(', ');
    group.rows.push(Object.fromEntries(columns.map((column, index) => [column, alongsideJson(append.alongside!.values[index])])));
    groups.set(append.alongside.name, group);
  }
  const inserts = [...groups.values()].map(({ alongside }, index) => {
    const columns = ALONGSIDE_INTO.exec(alongside.into)![2].split(', ');
    const record = columns.map((column, at) => `${column} ${alongside.types[at]}`).join(', ');
    return `,
  alongside_${index} AS (INSERT INTO ${alongside.into} SELECT ${columns.map((column) => `r.${column}`).join(', ')}
    FROM jsonb_to_recordset($${index + 3}::jsonb) AS r(${record}) WHERE NOT EXISTS (SELECT 1 FROM refused))`;
  });
  const text = `
  WITH streams AS (
    SELECT s.k, s.sid, (SELECT coalesce(max(stream_version), 0) FROM ledger_events WHERE stream_id = s.sid) AS version, s.kind, s.v
      FROM jsonb_to_recordset($1::jsonb) AS s(k int, sid text, kind text, v bigint)
  ),
  refused AS (
    SELECT k FROM streams
     WHERE NOT CASE kind WHEN 'any' THEN true WHEN 'no_stream' THEN version = 0 WHEN 'stream_exists' THEN version > 0 ELSE version = v END
  )${inserts.join('')}
  INSERT INTO ledger_events (event_id, stream_id, stream_version, type, schema_version, data, metadata, payload_digest)
  SELECT e.i, streams.sid, streams.version + e.n, e.t, e.s, e.d, e.m, decode(e.h, 'hex')
    FROM streams JOIN jsonb_to_recordset($2::jsonb) AS e(k int, n int, i uuid, t text, s int, d jsonb, m jsonb, h text) ON e.k = streams.k
   WHERE NOT EXISTS (SELECT 1 FROM refused)
   ORDER BY e.k, e.n
  RETURNING stream_id, stream_version::text, position::text`;
  return { text, values: [JSON.stringify(streams), `[${events}]`, ...[...groups.values()].map((group) => JSON.stringify(group.rows))] };
}
