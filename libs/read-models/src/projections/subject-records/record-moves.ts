import type { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { effectiveEvents, isRecordMoved, RECORD_MOVED } from '@pi-ledger/ledger-domain/subject/record-move';
import type { Projection, ProjectionBatch } from '../../runner/projection';

/**
 * A records projection that follows merges: on a RecordMoved of a stream whose events it reads, it
 * forgets the record (forgetStream) and applies the events the move carries, which name the
 * survivor and are sealed under its keys, so its rows read as if the record had been the
 * survivor's from the start (the duplicate's shredded keys do not blank them). Events of other
 * types pass through in order, in the same batch. The wrapped projection needs a forgetStream
 * that drops what it holds of one record stream (forgetRecordStream).
 */
export function followingMoves(projection: Projection & Required<Pick<Projection, 'eventTypes' | 'forgetStream'>>): Projection {
  const types = projection.eventTypes;
  return {
    name: projection.name,
    version: projection.version,
    tables: projection.tables,
    eventTypes: new Set([...types, RECORD_MOVED]),
    ...(projection.batchLingerMs === undefined ? {} : { batchLingerMs: projection.batchLingerMs }),
    ...(projection.quarantines === undefined ? {} : { quarantines: projection.quarantines }),
    async apply(batch: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
      let run: RecordedEvent[] = [];
      const flush = async () => {
        if (run.length > 0) await projection.apply(batch, run);
        run = [];
      };
      for (const event of events) {
        if (!isRecordMoved(event)) {
          run.push(event);
          continue;
        }
        const carried = effectiveEvents([event as RecordedEvent]).filter((one) => types.has(one.type));
        if (carried.length === 0) continue; // a record of a kind this projection does not hold
        await flush();
        await projection.forgetStream(batch, event.streamId);
        await projection.apply(batch, carried);
      }
      await flush();
    },
    forgetStream: (batch, streamId) => projection.forgetStream(batch, streamId),
  };
}
