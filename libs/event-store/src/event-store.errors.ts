import { ExpectedVersion } from './event-store.port';

/** The stream was not at the version the writer based its decision on. */
export class WrongExpectedVersion extends Error {
  readonly code = 'wrong-expected-version';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: number,
  ) {
    super(`stream ${streamId}: expected version ${expected}, actual ${actual}`);
    this.name = 'WrongExpectedVersion';
  }
}

/** An event id that is already stored was appended again with other content. */
export class EventIdConflict extends Error {
  readonly code = 'event-id-conflict';
  constructor(readonly streamId: string) {
    super(`stream ${streamId}: event ids already belong to other events`);
    this.name = 'EventIdConflict';
  }
}

/**
 * The row inserted alongside the events broke a unique constraint of its own table, so neither the
 * row nor the events were written. Names the table and the constraint, never the values (the row
 * may hold personal data).
 */
export class AlongsideConflict extends Error {
  readonly code = 'alongside-conflict';
  constructor(
    readonly streamId: string,
    readonly table: string,
    readonly constraint: string | undefined,
  ) {
    super(`stream ${streamId}: the row for ${table} conflicts with a stored one${constraint ? ` (${constraint})` : ''}; nothing was written`);
    this.name = 'AlongsideConflict';
  }
}

export class InvalidAppend extends Error {
  readonly code = 'invalid-append';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAppend';
  }
}
