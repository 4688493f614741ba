import type { JsonValue, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { type EncryptedValue, isEncryptedValue, type PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { DataErasedError } from '@pi-ledger/pii-vault/pii-vault.errors';
import { ERASED, SubjectEventCodec } from '@pi-ledger/pii-vault/subject-event-codec';
import { subjectStream, type SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import { phoneNumbers } from '@pi-ledger/ledger-domain/subject/contact';
import { type DuplicatePairEvent, pairOf } from '@pi-ledger/ledger-domain/duplicates/duplicate-pair';
import { UNASSIGNED } from '@pi-ledger/ledger-domain/assignment/assignment-scope';
import { DEFAULT_LIFECYCLE_STAGE } from '@pi-ledger/ledger-domain/subject/lifecycle';
import type { Projection, ProjectionBatch } from '../../runner/projection';
import type { SubjectProfileDocument } from '../subject-profile/subject-profile.document';
import { foldProfiles, subjectIdOf } from '../subject-profile/fold-profiles';
import { birthDateOf, matchKeys, matchScore, type MatchKey, type MatchReason, shownReasons } from './match-keys';

/** The categories a customer is matched by; the others are never opened here. */
const MATCHED_CATEGORIES: ReadonlySet<string> = new Set(['identity', 'identity_document', 'contact']);
/**
 * A merge (issue #15, item 3) ends the duplicate: its pairs close. The types are named here before
 * the merge's events join the subject's union, so the projection takes them the day they are
 * appended: `SubjectMerged` on the survivor names the `duplicateId`, `SubjectMergedInto` closes the
 * duplicate's own stream (`subjectId`). The survivor's values taken from the duplicate arrive as
 * data events of its own, which refresh its keys like any change.
 */
export const SUBJECT_MERGED = 'SubjectMerged';
export const SUBJECT_MERGED_INTO = 'SubjectMergedInto';
const MERGE_TYPES: ReadonlySet<string> = new Set([SUBJECT_MERGED, SUBJECT_MERGED_INTO]);
const SUBJECT_TYPES = ['SubjectRegistered', 'DataCollected', 'DataUpdated', 'DataCorrected', 'DataSupplemented', 'DataItemAdded', 'SubjectErased'] as const satisfies ReadonlyArray<
  SubjectEvent['type']
>;
/**
 * A value shared by more customers than this (a placeholder phone, the centre's own email) tells
 * nothing about who is whom: a customer gets no pair by it. It also bounds the work of one change.
 */
export const MAX_SHARING = 50;
/** The state's values are sealed under the customer's keys; the AAD binds them to this table. */
const STATE_CONTEXT = { eventId: 'duplicate_subjects', field: '*' } as const;
const SUBJECT_PREFIX = subjectStream('');

type Data = SubjectProfileDocument['data'];

/**
 * `duplicate_pairs`: candidate pairs of customers who may be one person, with their reasons and a
 * score, refreshed per event, never by a scan: a change of a customer's identity, ID document or
 * contact recomputes its match keys (match-keys.ts, blind indexes in `duplicate_keys`), and only
 * when they changed does it look up, by index, who else holds one of them, and rewrite its own
 * pairs. Work per change is O(matches), whatever the ledger's size.
 *
 * `duplicate_subjects` keeps what the next change needs (name, birth date, numbers) sealed under
 * the customer's data keys, like the profile, folded by the profile's own evolveProfile.
 * `duplicate_dismissals` keeps pairs a staff member dismissed as two people: never proposed again.
 * An erasure, or a merge that ends a customer, removes its keys, pairs and dismissals.
 */
export class DuplicateCandidatesProjection implements Projection {
  readonly name = 'duplicate_candidates';
  readonly version = 1;
  readonly tables = ['duplicate_subjects', 'duplicate_keys', 'duplicate_pairs', 'duplicate_dismissals'];
  readonly eventTypes: ReadonlySet<string> = new Set<string>([...SUBJECT_TYPES, 'DuplicatePairDismissed' satisfies DuplicatePairEvent['type'], ...MERGE_TYPES]);
  private readonly codec: SubjectEventCodec;

  constructor(private readonly vault: PiiVault) {
    this.codec = new SubjectEventCodec(vault);
  }

  async apply(batch: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    // a batch's events in order; the subject changes in runs, so that a dismissal or a merge sees the pairs before it
    let run: RecordedEvent[] = [];
    for (const event of events) {
      if (event.type === 'DuplicatePairDismissed' || MERGE_TYPES.has(event.type)) {
        await this.applySubjectEvents(batch, run);
        run = [];
        if (event.type === 'DuplicatePairDismissed') await this.dismiss(batch, event as unknown as DuplicatePairEvent);
        else await this.close(batch, [mergedSubjectOf(event)]);
      } else if (isMatchedChange(event)) run.push(event);
    }
    await this.applySubjectEvents(batch, run);
  }

  /** A quarantined customer's rows go, its pairs with them. */
  async forgetStream(batch: ProjectionBatch, streamId: string): Promise<void> {
    if (streamId.startsWith(SUBJECT_PREFIX)) await this.close(batch, [streamId.slice(SUBJECT_PREFIX.length)], true);
  }

  private async applySubjectEvents(batch: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    if (events.length === 0) return;
    const states = await this.load(batch, [...new Set(events.map(subjectIdOf))]);
    const changed = await foldProfiles(this.codec, states, events);
    const ended = [...changed].filter((subjectId) => states.get(subjectId)!.status === 'erased');
    const live = [...changed].filter((subjectId) => states.get(subjectId)!.status !== 'erased');
    // the ended first: a customer changed in the same batch must not pair with one that is gone
    await this.close(batch, ended);
    await this.save(
      batch,
      live.map((subjectId) => states.get(subjectId)!),
    );
    await this.refresh(batch, new Map(live.map((subjectId) => [subjectId, this.keysOf(states.get(subjectId)!.data)])));
  }

  /**
   * The customers' keys now; those whose keys differ from the stored ones have their pairs found
   * again, by index. A fixed number of statements per batch, whatever the number of customers in it.
   */
  private async refresh(batch: ProjectionBatch, keysBySubject: ReadonlyMap<string, MatchKey[]>): Promise<void> {
    if (keysBySubject.size === 0) return;
    const keysTable = batch.table('duplicate_keys');
    const stored = await batch.client.query<{ subject_id: string; match_key: string }>(`SELECT subject_id, match_key FROM ${keysTable} WHERE subject_id = ANY($1::text[])`, [
      [...keysBySubject.keys()],
    ]);
    const storedBySubject = new Map<string, Set<string>>();
    for (const row of stored.rows) storedBySubject.set(row.subject_id, (storedBySubject.get(row.subject_id) ?? new Set()).add(row.match_key));
    const moved = [...keysBySubject].filter(([subjectId, keys]) => {
      const before = storedBySubject.get(subjectId) ?? new Set<string>();
      return before.size !== keys.length || keys.some((key) => !before.has(key.key));
    });
    if (moved.length === 0) return;
    const movedIds = moved.map(([subjectId]) => subjectId);
    const rows = moved.flatMap(([subjectId, keys]) => keys.map((key) => ({ subjectId, ...key })));
    await batch.client.query(`DELETE FROM ${keysTable} WHERE subject_id = ANY($1::text[])`, [movedIds]);
    if (rows.length > 0) {
      await batch.client.query(`INSERT INTO ${keysTable} (match_key, subject_id, reason) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`, [
        rows.map((row) => row.key),
        rows.map((row) => row.subjectId),
        rows.map((row) => row.reason),
      ]);
    }
    // who else holds each key, by index, at most MAX_SHARING + 1 per key
    const { rows: sharing } = await batch.client.query<{ me: string; match_key: string; subject_id: string; reason: MatchReason }>(
      `SELECT q.me, k.match_key, k.subject_id, k.reason FROM unnest($1::text[], $2::text[]) AS q(key, me)
         CROSS JOIN LATERAL (SELECT match_key, subject_id, reason FROM ${keysTable} WHERE match_key = q.key AND subject_id <> q.me ORDER BY subject_id LIMIT ${MAX_SHARING + 1}) k`,
      [rows.map((row) => row.key), rows.map((row) => row.subjectId)],
    );
    const sharers = new Map<string, number>();
    for (const row of sharing) sharers.set(`${row.me} ${row.match_key}`, (sharers.get(`${row.me} ${row.match_key}`) ?? 0) + 1);
    const reasons = new Map<string, Set<MatchReason>>();
    for (const row of sharing) {
      if (sharers.get(`${row.me} ${row.match_key}`)! > MAX_SHARING) continue;
      const pair = pairOf(row.me, row.subject_id).join(' ');
      reasons.set(pair, (reasons.get(pair) ?? new Set()).add(row.reason));
    }
    const pairs = batch.table('duplicate_pairs');
    await batch.client.query(`DELETE FROM ${pairs} WHERE subject_a = ANY($1::text[]) OR subject_b = ANY($1::text[])`, [movedIds]);
    if (reasons.size === 0) return;
    const found = [...reasons].map(([pair, why]) => {
      const shown = shownReasons(why);
      return { pair: pair.split(' '), reasons: shown.join(','), score: matchScore(shown) };
    });
    // arrays, not a JSON recordset: the planner then knows how few pairs there are and checks each by the dismissals' key
    await batch.client.query(
      `INSERT INTO ${pairs} (subject_a, subject_b, reasons, score)
       SELECT p.a, p.b, string_to_array(p.r, ','), p.s FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS p(a, b, r, s)
        WHERE NOT EXISTS (SELECT FROM ${batch.table('duplicate_dismissals')} d WHERE d.subject_a = p.a AND d.subject_b = p.b)`,
      [found.map((row) => row.pair[0]), found.map((row) => row.pair[1]), found.map((row) => row.reasons), found.map((row) => row.score)],
    );
  }

  private async dismiss(batch: ProjectionBatch, event: DuplicatePairEvent): Promise<void> {
    const [a, b] = event.data.subjectIds;
    await batch.client.query(
      `INSERT INTO ${batch.table('duplicate_dismissals')} (subject_a, subject_b, dismissed_by, dismissed_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [a, b, event.data.dismissedBy, event.data.dismissedAt],
    );
    await batch.client.query(`DELETE FROM ${batch.table('duplicate_pairs')} WHERE subject_a = $1 AND subject_b = $2`, [a, b]);
  }

  /** Customers that ended (erased, merged away): nothing of them stays but a tombstone that keeps later events from bringing them back. */
  private async close(batch: ProjectionBatch, subjectIds: readonly string[], forget = false): Promise<void> {
    if (subjectIds.length === 0) return;
    const ids = [...subjectIds];
    await batch.client.query(`DELETE FROM ${batch.table('duplicate_keys')} WHERE subject_id = ANY($1::text[])`, [ids]);
    await batch.client.query(`DELETE FROM ${batch.table('duplicate_pairs')} WHERE subject_a = ANY($1::text[]) OR subject_b = ANY($1::text[])`, [ids]);
    await batch.client.query(`DELETE FROM ${batch.table('duplicate_dismissals')} WHERE subject_a = ANY($1::text[]) OR subject_b = ANY($1::text[])`, [ids]);
    const subjects = batch.table('duplicate_subjects');
    if (forget) await batch.client.query(`DELETE FROM ${subjects} WHERE subject_id = ANY($1::text[])`, [ids]);
    else {
      await batch.client.query(
        `INSERT INTO ${subjects} (subject_id, version, status, data) SELECT id, 2147483647, 'ended', '{}' FROM unnest($1::text[]) AS id
         ON CONFLICT (subject_id) DO UPDATE SET version = EXCLUDED.version, status = EXCLUDED.status, data = EXCLUDED.data`,
        [ids],
      );
    }
  }

  private keysOf(data: Data): MatchKey[] {
    const identity = data.identity ?? {};
    const document = data.identity_document ?? {};
    const contact = data.contact ?? {};
    const idNumber = clear(document.number);
    return matchKeys(this.vault, {
      idNumbers: idNumber ? [idNumber] : [],
      phones: phoneNumbers(contact).filter((phone) => clear(phone) !== undefined),
      emails: clear(contact.email) ? [clear(contact.email)!] : [],
      name: clear(identity.name),
      birthDate: birthDateOf(clear(identity.birthDate), idNumber, document.type ?? 'resident_id'),
    });
  }

  private async load(batch: ProjectionBatch, subjectIds: string[]): Promise<Map<string, SubjectProfileDocument>> {
    const { rows } = await batch.client.query<{ subject_id: string; version: number; status: string; data: Record<string, unknown> }>(
      `SELECT subject_id, version, status, data FROM ${batch.table('duplicate_subjects')} WHERE subject_id = ANY($1::text[])`,
      [subjectIds],
    );
    const refs = rows.flatMap((row) => Object.keys(row.data).map((category) => ({ subjectId: row.subject_id, category })));
    if (refs.length > 0) await this.vault.prepareKeys(refs, false);
    return new Map(
      await Promise.all(rows.map(async (row) => [row.subject_id, stateOf(row.subject_id, row.version, row.status, await this.open(row.subject_id, row.data))] as const)),
    );
  }

  private async save(batch: ProjectionBatch, states: readonly SubjectProfileDocument[]): Promise<void> {
    if (states.length === 0) return;
    const sealed = await Promise.all(states.map((state) => this.seal(state)));
    await batch.client.query(
      `INSERT INTO ${batch.table('duplicate_subjects')} AS s (subject_id, version, status, data)
       SELECT u.id, u.v, 'active', u.d::jsonb FROM unnest($1::text[], $2::int[], $3::text[]) AS u(id, v, d)
       ON CONFLICT (subject_id) DO UPDATE SET version = EXCLUDED.version, data = EXCLUDED.data WHERE s.version < EXCLUDED.version`,
      [states.map((state) => state.subjectId), states.map((state) => state.version), sealed.map((data) => JSON.stringify(data))],
    );
  }

  private async seal(state: SubjectProfileDocument): Promise<Record<string, EncryptedValue>> {
    const sealed: Record<string, EncryptedValue> = {};
    for (const [category, fields] of Object.entries(state.data)) {
      if (!fields || !MATCHED_CATEGORIES.has(category)) continue;
      try {
        sealed[category] = await this.vault.encrypt({ ...STATE_CONTEXT, subjectId: state.subjectId, category }, fields);
      } catch (error) {
        if (!(error instanceof DataErasedError)) throw error; // shredded since (a rebuild after an erasure): nothing to match by
      }
    }
    return sealed;
  }

  private async open(subjectId: string, stored: Record<string, unknown>): Promise<Data> {
    const data: Record<string, Record<string, JsonValue>> = {};
    for (const [category, value] of Object.entries(stored)) {
      if (!isEncryptedValue(value)) continue;
      try {
        data[category] = (await this.vault.decrypt({ ...STATE_CONTEXT, subjectId, category }, value)) as Record<string, JsonValue>;
      } catch (error) {
        if (!(error instanceof DataErasedError)) throw error;
      }
    }
    return data;
  }
}

/** A stored state as the document evolveProfile folds (only what matching reads is kept). */
function stateOf(subjectId: string, version: number, status: string, data: Data): SubjectProfileDocument {
  return {
    subjectId,
    version,
    status: status === 'ended' ? 'erased' : 'active',
    createdAt: '',
    updatedAt: '',
    data,
    consents: [],
    restrictions: [],
    minor: false,
    assignment: UNASSIGNED,
    lifecycle: { stage: DEFAULT_LIFECYCLE_STAGE, changedAt: null },
  };
}

/** A change the keys may follow: a registration, an erasure, or data of a matched category. */
function isMatchedChange(event: RecordedEvent): boolean {
  if (event.type === 'SubjectRegistered' || event.type === 'SubjectErased') return true;
  return typeof event.data.category === 'string' && MATCHED_CATEGORIES.has(event.data.category);
}

function mergedSubjectOf(event: RecordedEvent): string {
  const id = event.data.duplicateId ?? event.data.subjectId;
  if (typeof id !== 'string') throw new Error(`event ${event.eventId} (${event.type}) names no merged subject`);
  return id;
}

/** A usable string: not absent, not blank, not the mark of shredded data. */
function clear(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' && value !== ERASED && value.trim() !== '' ? value : undefined;
}
