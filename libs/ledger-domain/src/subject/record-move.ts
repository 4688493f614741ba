/**
 * One event of a record's stream as a move carries it: its type and data, the subject the survivor,
 * its PI sealed under the survivor's keys; where it stood in the log (read models keep its order and
 * their version and position guards hold).
 */
export interface CarriedEvent {
  type: string;
  data: { subjectId: string } & Record<string, unknown>;
  streamVersion: number;
  position: number;
  recordedAt: string;
}

export const RECORD_MOVED = 'RecordMoved';

/**
 * The last event of a record's stream (check-up, service record, follow-up task or plan, order,
 * complaint, survey response, message, rights request) when a merge moved it to the survivor: the
 * stream's events up to here, as they now read, restated for the survivor. Readers fold what it
 * carries instead of what came before it (those events were sealed under the duplicate's shredded
 * keys); the events after it follow as usual.
 */
export interface RecordMoved<C extends CarriedEvent = CarriedEvent> {
  type: typeof RECORD_MOVED;
  data: { streamId: string; subjectId: string; fromSubjectId: string; events: C[]; movedBy: string; movedAt: string };
}

type StreamEvent = { type: string; data: unknown };
type Envelope = { streamVersion: number; position: number; recordedAt: Date };

export function isRecordMoved(event: StreamEvent): event is RecordMoved {
  return event.type === RECORD_MOVED;
}

/**
 * A record stream's events as they now read: a RecordMoved replaces everything before it with the
 * events it carries, each where it stood (version, position, time) and otherwise in the move's
 * envelope (metadata), then come the events after it.
 */
export function effectiveEvents<R extends StreamEvent & Envelope>(events: readonly R[]): R[] {
  let effective: R[] = [];
  for (const event of events) {
    if (isRecordMoved(event))
      effective = event.data.events.map(({ type, data, streamVersion, position, recordedAt }) => ({
        ...event,
        type,
        data,
        streamVersion,
        position,
        recordedAt: new Date(recordedAt),
      }));
    else effective.push(event);
  }
  return effective;
}

/** A record stream's fold that follows moves: a RecordMoved restarts it from the events it carries. */
export function followingMoves<S, E extends StreamEvent>(fold: {
  initialState: () => S;
  evolve: (state: S, event: E) => S;
}): {
  initialState: () => S;
  evolve: (state: S, event: E) => S;
} {
  return {
    initialState: fold.initialState,
    evolve: (state, event) => (isRecordMoved(event) ? (event.data.events as unknown as E[]).reduce(fold.evolve, fold.initialState()) : fold.evolve(state, event)),
  };
}

export interface MoveRecord {
  streamId: string;
  /** The stream's events as they now read (effectiveEvents), PI opened. */
  events: ReadonlyArray<StreamEvent & Envelope & { data: Record<string, unknown> }>;
  survivorId: string;
  duplicateId: string;
  actor: string;
  now: string;
}

/**
 * A merge moves one of the duplicate's records to the survivor: its events restated with the
 * survivor as subject (their PI to be sealed under the survivor's keys). A record already the
 * survivor's (a merge resumed after it moved this one) or another's (it never was the duplicate's)
 * is left as it is; so is a stream with nothing in it.
 */
export function decideRecordMove(command: MoveRecord): RecordMoved[] {
  const { events, survivorId, duplicateId } = command;
  const owner = events[0]?.data.subjectId;
  if (owner !== duplicateId) return [];
  return [
    {
      type: RECORD_MOVED,
      data: {
        streamId: command.streamId,
        subjectId: survivorId,
        fromSubjectId: duplicateId,
        events: events.map(({ type, data, streamVersion, position, recordedAt }) => ({
          type,
          data: { ...data, subjectId: survivorId },
          streamVersion,
          position,
          recordedAt: recordedAt.toISOString(),
        })),
        movedBy: command.actor,
        movedAt: command.now,
      },
    },
  ];
}
