import type { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import type { EncryptedValue } from '@pi-ledger/pii-vault/pii-vault';
import type { SubjectEventCodec } from '@pi-ledger/pii-vault/subject-event-codec';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import { evolveProfile, type SubjectProfileDocument } from './subject-profile.document';

/** The subject a subject-stream event is about. */
export function subjectIdOf(event: RecordedEvent): string {
  const subjectId = event.data.subjectId;
  if (typeof subjectId !== 'string') throw new Error(`event ${event.eventId} (${event.type}) names no subject`);
  return subjectId;
}

/**
 * Folds a batch's subject events into the documents their read model holds (subjectId → document,
 * updated in place): the events past each document's version are opened in one pass of the vault
 * (the batch's data keys in one SELECT) and applied in order by the profile's own `evolveProfile`.
 * Returns the subjects whose document changed. One way for every read model that keeps a profile.
 */
export async function foldProfiles(codec: SubjectEventCodec, documents: Map<string, SubjectProfileDocument>, events: readonly RecordedEvent[]): Promise<Set<string>> {
  const changed = new Set<string>();
  const fresh = events.filter((event) => event.streamVersion > (documents.get(subjectIdOf(event))?.version ?? 0));
  if (fresh.length === 0) return changed;
  const opened = await codec.openAll(
    fresh.map((event) => ({ type: event.type, data: event.data }) as unknown as SubjectEvent<EncryptedValue>),
    fresh.map((event) => event.eventId),
  );
  fresh.forEach((event, index) => {
    const subjectId = subjectIdOf(event);
    const before = documents.get(subjectId) ?? null;
    const after = evolveProfile(before, opened[index], event.streamVersion);
    if (after && after !== before) {
      documents.set(subjectId, after);
      changed.add(subjectId);
    }
  });
  return changed;
}
