import type { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { isEncryptedValue, type PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { subjectStream } from '@pi-ledger/ledger-domain/subject/subject.events';
import { SubjectEventCodec } from '@pi-ledger/pii-vault/subject-event-codec';
import { DEFAULT_LIFECYCLE_STAGE, isLifecycleStage, type Lifecycle } from '@pi-ledger/ledger-domain/subject/lifecycle';
import type { Projection, ProjectionBatch } from '../../runner/projection';
import { SUBJECT_PROFILE_EVENT_TYPES, SubjectProfileDocument } from './subject-profile.document';
import { foldProfiles, subjectIdOf } from './fold-profiles';
import { PROFILE_COLUMNS, toProfileRow } from './subject-profile.row';
import { openProfileData, StoredProfileData } from './profile-sealing';

const SUBJECT_STREAM_PREFIX = subjectStream('');
/** The columns a document is read back from (documentOf). */
export const DOCUMENT_COLUMNS =
  'subject_id, version, status, created_at, updated_at, data, consents, restrictions, minor, department_id, health_manager_id, lifecycle_stage, lifecycle_changed_at';
const COLUMN_NAMES = PROFILE_COLUMNS.map(([name]) => name).join(', ');
const RECORD_TYPE = PROFILE_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ');
const UPDATES = PROFILE_COLUMNS.filter(([name]) => name !== 'subject_id')
  .map(([name]) => `${name} = EXCLUDED.${name}`)
  .join(', ');

/**
 * `subject_profile`: one row per subject, its values sealed per category under the subject's data
 * keys (profile-sealing.ts), with blind indexes to search by (phone, email, ID number, name
 * prefixes) and generalised, non-identifying statistics columns. Per batch: one read
 * of the rows involved, the events folded in memory, one upsert. The row's `version` (the stream
 * version applied) makes a replayed event a no-op, here and again in the upsert's guard.
 */
export class SubjectProfileProjection implements Projection {
  readonly name = 'subject_profile';
  /** 2: values sealed, name prefixes as blind indexes (version 1 kept them in clear). */
  readonly version = 2;
  readonly tables = ['subject_profile'];
  readonly eventTypes: ReadonlySet<string> = SUBJECT_PROFILE_EVENT_TYPES;
  private readonly codec: SubjectEventCodec;

  constructor(private readonly vault: PiiVault) {
    this.codec = new SubjectEventCodec(vault);
  }

  async apply(batch: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    const table = batch.table('subject_profile');
    const documents = await this.load(batch, table, [...new Set(events.map(subjectIdOf))]);
    const changed = await foldProfiles(this.codec, documents, events);
    if (changed.size === 0) return;
    const rows = await Promise.all([...changed].map((subjectId) => toProfileRow(documents.get(subjectId)!, this.vault)));
    await batch.client.query(
      `INSERT INTO ${table} AS p (${COLUMN_NAMES})
       SELECT ${COLUMN_NAMES} FROM jsonb_to_recordset($1::jsonb) AS r(${RECORD_TYPE})
       ON CONFLICT (subject_id) DO UPDATE SET ${UPDATES} WHERE p.version < EXCLUDED.version`,
      [JSON.stringify(rows)],
    );
  }

  /** A quarantined subject's row goes: no stale values read, none left behind by an erasure it will not see. */
  async forgetStream(batch: ProjectionBatch, streamId: string): Promise<void> {
    if (!streamId.startsWith(SUBJECT_STREAM_PREFIX)) return;
    await batch.client.query(`DELETE FROM ${batch.table('subject_profile')} WHERE subject_id = $1`, [streamId.slice(SUBJECT_STREAM_PREFIX.length)]);
  }

  private async load(batch: ProjectionBatch, table: string, subjectIds: string[]): Promise<Map<string, SubjectProfileDocument>> {
    const { rows } = await batch.client.query(`SELECT ${DOCUMENT_COLUMNS} FROM ${table} WHERE subject_id = ANY($1::text[])`, [subjectIds]);
    // the batch's keys in one statement, then every row opened from the cache
    const refs = rows.flatMap((row) =>
      Object.entries(row.data as StoredProfileData)
        .filter(([, value]) => isEncryptedValue(value))
        .map(([category]) => ({ subjectId: row.subject_id as string, category })),
    );
    if (refs.length > 0) await this.vault.prepareKeys(refs, false);
    return new Map(await Promise.all(rows.map(async (row) => [row.subject_id as string, await openDocument(this.vault, row)] as const)));
  }
}

/** A stored row as a document, its values opened. */
export async function openDocument(vault: PiiVault, row: Record<string, unknown>): Promise<SubjectProfileDocument> {
  return { ...documentOf(row), data: await openProfileData(vault, row.subject_id as string, row.data as StoredProfileData) };
}

/** A stored row as a document whose `data` is still as stored (sealed): for what needs no value. */
export function documentOf(row: Record<string, unknown>): SubjectProfileDocument {
  return {
    subjectId: row.subject_id as string,
    version: row.version as number,
    status: row.status as SubjectProfileDocument['status'],
    createdAt: (row.created_at as Date).toISOString(),
    updatedAt: (row.updated_at as Date).toISOString(),
    data: row.data as SubjectProfileDocument['data'],
    consents: row.consents as SubjectProfileDocument['consents'],
    restrictions: row.restrictions as SubjectProfileDocument['restrictions'],
    minor: row.minor as boolean,
    assignment: { departmentId: (row.department_id as string | null) ?? null, healthManagerId: (row.health_manager_id as string | null) ?? null },
    lifecycle: lifecycleOf(row),
  };
}

/** A row's lifecycle stage; rows of customers never moved hold none: active since the registration. */
export function lifecycleOf(row: Record<string, unknown>): Lifecycle {
  const changedAt = row.lifecycle_changed_at as Date | null | undefined;
  return { stage: isLifecycleStage(row.lifecycle_stage) ? row.lifecycle_stage : DEFAULT_LIFECYCLE_STAGE, changedAt: changedAt ? changedAt.toISOString() : null };
}
