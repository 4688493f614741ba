import type { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import type { Projection, ProjectionBatch } from '../../runner/projection';
import { repointMerged } from '../merged-subjects';

type Granted = Extract<SubjectEvent, { type: 'ConsentGranted' }>['data'];
type Withdrawn = Extract<SubjectEvent, { type: 'ConsentWithdrawn' }>['data'];

/**
 * `consent_register`: every consent, the notice it was given under and whether it still stands
 * (PIPL Arts. 14-15). No PI values: a guardian is recorded as a fact, not by name. Grants insert
 * once (by consent id); a withdrawal only moves an active consent, so both replay as no-ops. A merge
 * moves the duplicate's consents, withdrawn ones too, to the survivor (merged-subjects.ts).
 */
export class ConsentRegisterProjection implements Projection {
  readonly name = 'consent_register';
  readonly version = 1;
  readonly tables = ['consent_register'];
  readonly eventTypes: ReadonlySet<string> = new Set(['ConsentGranted', 'ConsentWithdrawn', 'SubjectMerged']);

  async apply(batch: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    const table = batch.table('consent_register');
    const grants = events.filter((event) => event.type === 'ConsentGranted').map((event) => grantRow(event.data as unknown as Granted));
    const withdrawals = events.filter((event) => event.type === 'ConsentWithdrawn').map((event) => event.data as unknown as Withdrawn);
    // a consent is granted before it is withdrawn, so grants first keeps the batch's meaning
    if (grants.length > 0) {
      await batch.client.query(
        `INSERT INTO ${table} (consent_id, subject_id, purpose_id, categories, separate, guardian, status, notice_version, channel, granted_at)
         SELECT consent_id, subject_id, purpose_id, categories, separate, guardian, 'active', notice_version, channel, granted_at
           FROM jsonb_to_recordset($1::jsonb) AS r(consent_id text, subject_id text, purpose_id text, categories text[], separate boolean,
                guardian boolean, notice_version text, channel text, granted_at timestamptz)
         ON CONFLICT (consent_id) DO NOTHING`,
        [JSON.stringify(grants)],
      );
    }
    if (withdrawals.length > 0) {
      await batch.client.query(
        `UPDATE ${table} AS c SET status = 'withdrawn', withdrawn_at = r.withdrawn_at
           FROM jsonb_to_recordset($1::jsonb) AS r(consent_id text, withdrawn_at timestamptz)
          WHERE c.consent_id = r.consent_id AND c.status = 'active'`,
        [JSON.stringify(withdrawals.map((w) => ({ consent_id: w.consentId, withdrawn_at: w.withdrawnAt })))],
      );
    }
    await repointMerged(batch, table, events);
  }
}

function grantRow(grant: Granted) {
  return {
    consent_id: grant.consentId,
    subject_id: grant.subjectId,
    purpose_id: grant.purposeId,
    categories: grant.categories,
    separate: grant.separate,
    guardian: grant.guardian !== undefined,
    notice_version: grant.noticeVersion,
    channel: grant.channel,
    granted_at: grant.grantedAt,
  };
}
