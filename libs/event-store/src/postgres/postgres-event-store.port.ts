import type { AppendOptions, EventStore, GlobalLog } from '../event-store.port';

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

/** The PostgreSQL adapter as its PostgreSQL-only callers see it: both ports, and appends with a row alongside. */
export type PostgresEventStorePort = EventStore<PostgresAppendOptions> & GlobalLog;
