import type { AnyDomainEvent, AppendOptions, AppendResult, EventStore, ExpectedVersion, GlobalLog, NewEvent } from '../event-store.port';

/**
 * One row for another table, written by the statement that appends the events: inserted only when
 * the expected version holds, and rolled back with them. Needs at least one event to gate it on.
 * PostgreSQL only: it needs the events and the row in one database transaction (the vault's keys of
 * a new subject are stored this way; another adapter would store them before the append instead).
 */
export interface AlongsideInsert {
  /** Names the statement shape (prepared-statement name suffix): the same name must always come with the same `into` and `types`. /^[a-z][a-z0-9_-]{0,40}$/ */
  name: string;
  /** Table and columns, e.g. `vault_subject_keys (subject_id, kek_id, categories)`: code, never input. */
  into: string;
  /** The SQL type of each value, e.g. ['text', 'text', 'text[]', 'uuid[]', 'bytea[]']. */
  types: readonly string[];
  values: readonly unknown[];
}

export interface PostgresAppendOptions extends AppendOptions {
  /** A row inserted by the append's own statement: only when the append is accepted, committed with the events or not at all. */
  alongside?: AlongsideInsert;
}

/** One stream's part of a multi-stream append: its events, the version it must be at, and a row alongside (optional). */
export interface StreamAppend<E extends AnyDomainEvent = AnyDomainEvent> {
  streamId: string;
  events: readonly NewEvent<E>[];
  expectedVersion: ExpectedVersion;
  alongside?: AlongsideInsert;
}

/**
 * Several streams' appends in one statement, so one transaction (an import's batch of new
 * subjects): every stream's expected version is checked, and either every event and row is
 * written or none. A refused stream is WrongExpectedVersion (the first one), a row its table
 * refuses AlongsideConflict, an event id stored already EventIdConflict; then nothing was written.
 * The rows alongside that share a name go in as one multi-row insert.
 */
export interface MultiStreamAppender {
  appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]>;
}

/** The PostgreSQL adapter as its PostgreSQL-only callers see it: both ports, appends with a row alongside, and multi-stream appends. */
export type PostgresEventStorePort = EventStore<PostgresAppendOptions> & GlobalLog & MultiStreamAppender;
