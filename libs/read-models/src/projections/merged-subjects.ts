import type { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import type { ProjectionBatch } from '../runner/projection';

type SubjectMerged = Extract<SubjectEvent, { type: 'SubjectMerged' }>['data'];

/**
 * A register of a subject's facts (consents, disclosures) follows a merge: on the survivor's
 * SubjectMerged every row of the duplicate becomes the survivor's, so the register keeps each fact
 * once, with its original date and status, under the file that lives on. A replay moves nothing more.
 */
export async function repointMerged(batch: ProjectionBatch, table: string, events: readonly RecordedEvent[]): Promise<void> {
  for (const event of events) {
    if (event.type !== 'SubjectMerged') continue;
    const { subjectId, duplicateId } = event.data as unknown as SubjectMerged;
    await batch.client.query(`UPDATE ${table} SET subject_id = $1 WHERE subject_id = $2`, [subjectId, duplicateId]);
  }
}
