import { Pool } from 'pg';
import { v7 as uuidv7, validate as isUuid } from 'uuid';
import {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedVersion,
  GlobalCheckpoint,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
  BEGINNING,
} from '../event-store.port';
import { EventIdConflict, InvalidAppend, WrongExpectedVersion } from '../event-store.errors';
import { canonicalJson, sha256 } from '../payload-digest';
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
const COLUMNS = `position::text AS position, transaction_id::text AS transaction_id, event_id, stream_id,
  stream_version::text AS stream_version, type, schema_version, data, metadata, payload_digest, recorded_at`;
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
  payload_digest: Buffer;
  recorded_at: Date;
  settled?: boolean;
}

export interface GlobalBatch {
  events: RecordedEvent[];
  /** True when committed events exist past the batch but wait behind an older running transaction. */
  heldBack: boolean;
}

export class PostgresEventStore implements EventStore {
  private readonly upcasters: Upcasters;
  readonly wakeups: LedgerWakeups;

  constructor(
    private readonly pool: Pool,
    private readonly options: PostgresEventStoreOptions = {},
  ) {
    this.upcasters = options.upcasters ?? new Upcasters();
    this.wakeups = new LedgerWakeups(pool);
  }

  async appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const expected = options.expectedVersion ?? 'any';
    validateAppend(streamId, events, expected);
    if (events.length === 0) return this.appendNothing(streamId, expected);

    const started = process.hrtime.bigint();
    const params = [
      streamId,
      String(expected),
      events.map((event) => event.eventId ?? uuidv7()),
      events.map((event) => event.type),
      events.map((event) => event.schemaVersion ?? 1),
      events.map((event) => JSON.stringify(event.data)),
      events.map((event) => JSON.stringify(event.metadata)),
      events.map((event) => sha256(canonicalJson(event.data))),
    ];
    if (new Set(params[2] as string[]).size !== events.length) throw new InvalidAppend('event ids repeat within one append');

    for (let attempt = 0; ; attempt++) {
      try {
        const { rows } = await this.pool.query(
          'SELECT next_expected_version::text, last_position::text, replayed FROM ledger_append($1, $2, $3, $4, $5, $6, $7, $8)',
          params,
        );
        const result = { nextExpectedVersion: Number(rows[0].next_expected_version), position: Number(rows[0].last_position) };
        if (!rows[0].replayed) {
          this.wakeups.appended();
          this.options.onAppended?.(events.length, Number(process.hrtime.bigint() - started) / 1e9);
        }
        return result;
      } catch (error) {
        const failure = error as { code?: string; detail?: string; constraint?: string };
        if (failure.code === 'LE409') throw new WrongExpectedVersion(streamId, expected, Number(failure.detail));
        if (failure.code === 'LE422') throw new EventIdConflict(streamId);
        if (failure.code !== '23505' || attempt >= MAX_RETRIES) throw error;
        // A concurrent writer took the version (or the event ids) between our check and insert.
        const versionTaken = failure.constraint === 'ledger_events_stream_version_key';
        if (versionTaken && (typeof expected === 'number' || expected === 'no_stream')) {
          throw new WrongExpectedVersion(streamId, expected, await this.streamVersion(streamId));
        }
      }
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const from = options.fromVersion ?? (backwards ? Number.MAX_SAFE_INTEGER : 1);
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${COLUMNS} FROM ledger_events WHERE stream_id = $1 AND stream_version ${backwards ? '<=' : '>='} $2
        ORDER BY ledger_events.stream_version ${backwards ? 'DESC' : 'ASC'} LIMIT $3`,
      [streamId, from, options.maxCount ?? null],
    );
    return rows.map((row) => this.toEvent(row));
  }

  async streamVersion(streamId: string): Promise<number> {
    const { rows } = await this.pool.query(
      'SELECT coalesce(max(stream_version), 0)::text AS version FROM ledger_events WHERE stream_id = $1',
      [streamId],
    );
    return Number(rows[0].version);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return (await this.readGlobalBatch(options.from ?? BEGINNING, options.maxCount ?? 1000)).events;
  }

  /**
   * The next events in global order, cut where a row belongs to a transaction not older than the
   * oldest one still running: such a transaction may yet commit rows that sort before it.
   */
  async readGlobalBatch(from: GlobalCheckpoint, maxCount: number): Promise<GlobalBatch> {
    const limit = Math.min(Math.max(1, maxCount), MAX_READ);
    const { rows } = await this.pool.query<EventRow>(
      `WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
       SELECT ${COLUMNS}, transaction_id < horizon.xmin AS settled
         FROM ledger_events, horizon
        WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
        ORDER BY ledger_events.transaction_id, ledger_events.position
        LIMIT $3`,
      [String(from.transactionId), from.position, limit],
    );
    const settled = rows.findIndex((row) => !row.settled);
    const visible = settled === -1 ? rows : rows.slice(0, settled);
    return { events: visible.map((row) => this.toEvent(row)), heldBack: settled !== -1 };
  }

  subscribeToAll(from: GlobalCheckpoint = BEGINNING, options: SubscribeOptions = {}): Subscription {
    return new PostgresSubscription(this, this.wakeups, from, options.batchSize ?? 500, this.options.pollIntervalMs ?? 500);
  }

  async headCheckpoint(): Promise<GlobalCheckpoint> {
    const { rows } = await this.pool.query(
      `SELECT transaction_id::text AS transaction_id, position::text AS position FROM ledger_events
        WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY ledger_events.transaction_id DESC, ledger_events.position DESC LIMIT 1`,
    );
    return rows[0] ? { transactionId: Number(rows[0].transaction_id), position: Number(rows[0].position) } : BEGINNING;
  }

  async checkpointOf(position: number): Promise<GlobalCheckpoint | undefined> {
    const { rows } = await this.pool.query(
      'SELECT transaction_id::text AS transaction_id FROM ledger_events WHERE position = $1',
      [position],
    );
    return rows[0] ? { transactionId: Number(rows[0].transaction_id), position } : undefined;
  }

  async close(): Promise<void> {
    await this.wakeups.close();
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

  private toEvent(row: EventRow): RecordedEvent {
    const position = Number(row.position);
    const event: RecordedEvent = {
      eventId: row.event_id,
      type: row.type,
      schemaVersion: row.schema_version,
      data: row.data,
      metadata: row.metadata,
      recordedAt: row.recorded_at,
      streamId: row.stream_id,
      streamVersion: Number(row.stream_version),
      position,
      checkpoint: { transactionId: Number(row.transaction_id), position },
      payloadDigest: row.payload_digest.toString('hex'),
    };
    return this.upcasters.isEmpty ? event : this.upcasters.apply(event);
  }
}

function versionMatches(expected: ExpectedVersion, current: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return current === 0;
  if (expected === 'stream_exists') return current > 0;
  return expected === current;
}

function validateAppend(streamId: string, events: readonly NewEvent[], expected: ExpectedVersion): void {
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
