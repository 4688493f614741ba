import type { EventStore } from '@pi-ledger/event-store/event-store.port';
import { MergeTaken, SubjectEvent, subjectStream } from '@pi-ledger/ledger-domain/subject/subject.events';

/** A file merged into this one, as its copy (PIPL Art. 45) and history show it: which, when, what was taken. */
export interface MergedFile {
  subjectId: string;
  mergedAt: string;
  taken: MergeTaken;
}

/** The files merged into `subjectId`, oldest first, from its stream (SubjectMerged). */
export async function mergesOf(store: EventStore, subjectId: string): Promise<MergedFile[]> {
  const events = await store.readStream<SubjectEvent>(subjectStream(subjectId));
  return events.flatMap((event) => (event.type === 'SubjectMerged' ? [{ subjectId: event.data.duplicateId, mergedAt: event.data.mergedAt, taken: event.data.taken }] : []));
}
