import type { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import type { Projection, ProjectionBatch } from '../../runner/projection';
import { repointMerged } from '../merged-subjects';

type Disclosed = Extract<SubjectEvent, { type: 'DisclosedToThirdParty' }>['data'];

/**
 * `disclosure_register`: every provision of a subject's PI to another handler, with recipient,
 * purpose, categories and the separate consent it rests on (PIPL Art. 23; kept at least 3 years).
 * Inserted once per disclosure id, so a replay is a no-op; a merge moves the duplicate's rows to the survivor.
 */
export class DisclosureRegisterProjection implements Projection {
  readonly name = 'disclosure_register';
  readonly version = 1;
  readonly tables = ['disclosure_register'];
  readonly eventTypes: ReadonlySet<string> = new Set(['DisclosedToThirdParty', 'SubjectMerged']);

  async apply(batch: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    const rows = events
      .filter((event) => event.type === 'DisclosedToThirdParty')
      .map((event) => {
        const d = event.data as unknown as Disclosed;
        return {
          disclosure_id: d.disclosureId,
          subject_id: d.subjectId,
          recipient: d.recipient,
          purpose_id: d.purposeId,
          categories: d.categories,
          consent_id: d.consentId,
          disclosed_at: d.disclosedAt,
        };
      });
    await batch.client.query(
      `INSERT INTO ${batch.table('disclosure_register')} (disclosure_id, subject_id, recipient, purpose_id, categories, consent_id, disclosed_at)
       SELECT disclosure_id, subject_id, recipient, purpose_id, categories, consent_id, disclosed_at
         FROM jsonb_to_recordset($1::jsonb) AS r(disclosure_id text, subject_id text, recipient jsonb, purpose_id text, categories text[],
              consent_id text, disclosed_at timestamptz)
       ON CONFLICT (disclosure_id) DO NOTHING`,
      [JSON.stringify(rows)],
    );
    await repointMerged(batch, batch.table('disclosure_register'), events);
  }
}
