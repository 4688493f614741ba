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

export class InvalidAppend extends Error {
  readonly code = 'invalid-append';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAppend';
  }
}
