import type { JsonValue, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import type { EncryptedValue, PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { SubjectEventCodec } from '@pi-ledger/pii-vault/subject-event-codec';
import { DeclaredEventCodec } from '@pi-ledger/pii-vault/declared-event-codec';
import { CHECKUP_PI } from '@pi-ledger/pii-vault/event-pi-declarations';
import { subjectStream, type SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import { effectiveEvents, isRecordMoved, RECORD_MOVED } from '@pi-ledger/ledger-domain/subject/record-move';
import { checkupStream, type CheckupEvent, type CheckupVisit } from '@pi-ledger/ledger-domain/checkups/checkup.events';
import { complaintStream } from '@pi-ledger/ledger-domain/complaints/complaint.events';
import { orderStream } from '@pi-ledger/ledger-domain/orders/order.events';
import type { Category } from '@pi-ledger/ledger-domain/registry/categories';
import type { Projection, ProjectionBatch } from '../../runner/projection';
import { erasureReaches } from '../subject-records/record-erasure';
import { addressFacts, birthMonthOf, healthTokens } from './customer-query.tokens';
import type { LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { frequencyGradeSql, gradingDay, monetaryGradeSql, recencyGradeSql, rfmScoreSql, rfmSegmentSql } from './rfm';

type SubjectDataEvent = Extract<SubjectEvent<JsonValue>, { type: 'DataCollected' | 'DataUpdated' | 'DataCorrected' | 'DataSupplemented' | 'DataItemAdded' }>;
type SubjectErased = Extract<SubjectEvent, { type: 'SubjectErased' }>;

const SUBJECT_EVENTS = ['DataCollected', 'DataUpdated', 'DataCorrected', 'DataSupplemented', 'DataItemAdded'];
const RECORD_EVENTS = [
  'ServiceRecorded',
  'CheckupRecorded',
  'ComplaintReceived',
  'ComplaintReopened',
  'ComplaintClosed',
  'SurveyAnswered',
  'OrderPlaced',
  'OrderCancelled',
  'OrderRefunded',
];
const SUBJECT_PREFIX = subjectStream('');

/**
 * `customer_query`: what the combined query (issue #16) filters and sorts by beyond the profile's
 * clear columns, one facts row per customer plus abnormal indicators per visit and what each order
 * counts for. Personal data only coarse or keyed: the birth month, the primary address's division
 * code, conditions, allergies and abnormal indicators as blind-index tokens (vault `health_term`).
 * Rebuildable from the log; an erasure purges what it reaches, a whole one the customer's rows.
 */
export class CustomerQueryProjection implements Projection {
  readonly name = 'customer_query';
  /**
   * 2: follows merges (a merged-away file's rows go; moved records count for the survivor). Rebuild once to drop files merged before.
   * 3: stores the RFM recency grade, score and segment (graded as of the ledger clock's day; RfmRecencySweep ages them daily).
   */
  readonly version = 3;
  readonly tables = ['customer_query_facts', 'customer_query_abnormal', 'customer_query_orders'];
  readonly eventTypes: ReadonlySet<string> = new Set([...SUBJECT_EVENTS, ...RECORD_EVENTS, 'SubjectErased', 'SubjectMergedInto', RECORD_MOVED]);
  private readonly subjects: SubjectEventCodec;
  private readonly checkups: DeclaredEventCodec<CheckupEvent<unknown>>;

  /** `clock`: the day recency is graded for when orders arrive (the ledger's LEDGER_CLOCK). */
  constructor(
    private readonly vault: PiiVault,
    private readonly clock: LedgerClock,
  ) {
    this.subjects = new SubjectEventCodec(vault);
    this.checkups = new DeclaredEventCodec<CheckupEvent<unknown>>(vault, CHECKUP_PI);
  }

  async apply(batch: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    const data = events.filter((event) => SUBJECT_EVENTS.includes(event.type));
    const opened = await this.subjects.openAll(
      data.map((event) => ({ type: event.type, data: event.data }) as unknown as SubjectEvent<EncryptedValue>),
      data.map((event) => event.eventId),
    );
    const openedById = new Map(data.map((event, index) => [event.eventId, opened[index] as SubjectDataEvent]));
    const ordersOf = new Set<string>();
    // a run of subject events (a registration's categories) is gathered per customer, then written before the next other event: one upsert per set of columns alike
    const pending = new Map<string, PendingFacts>();
    const flush = async () => {
      await this.upsertFacts(batch, pending);
      pending.clear();
    };
    for (const event of events) {
      const subjectEvent = openedById.get(event.eventId);
      if (subjectEvent) {
        gather(pending, subjectEvent.data.subjectId, this.subjectData(subjectEvent));
        continue;
      }
      await flush();
      if (event.type === 'SubjectErased') await this.erased(batch, event.data as unknown as SubjectErased['data'], ordersOf);
      else if (event.type === 'SubjectMergedInto') await this.mergedAway(batch, event.data.subjectId as string, ordersOf);
      else if (isRecordMoved(event)) {
        // the record, now the survivor's: its facts counted again from the events the move carries (the duplicate's rows went with its file)
        for (const carried of effectiveEvents([event])) if (RECORD_EVENTS.includes(carried.type)) await this.record(batch, carried, ordersOf);
      } else await this.record(batch, event, ordersOf);
    }
    await flush();
    if (ordersOf.size > 0) await this.orderFacts(batch, [...ordersOf]);
  }

  async forgetStream(batch: ProjectionBatch, streamId: string): Promise<void> {
    if (streamId.startsWith(SUBJECT_PREFIX)) {
      const subjectId = streamId.slice(SUBJECT_PREFIX.length);
      for (const table of this.tables) await batch.client.query(`DELETE FROM ${batch.table(table)} WHERE subject_id = $1`, [subjectId]);
    } else if (streamId.startsWith(checkupStream(''))) {
      await batch.client.query(`DELETE FROM ${batch.table('customer_query_abnormal')} WHERE visit_id = $1`, [streamId.slice(checkupStream('').length)]);
    } else if (streamId.startsWith(complaintStream(''))) {
      await batch.client.query(`UPDATE ${batch.table('customer_query_facts')} SET open_complaint_ids = array_remove(open_complaint_ids, $1) WHERE $1 = ANY(open_complaint_ids)`, [
        streamId.slice(complaintStream('').length),
      ]);
    } else if (streamId.startsWith(orderStream(''))) {
      const { rows } = await batch.client.query(`DELETE FROM ${batch.table('customer_query_orders')} WHERE order_id = $1 RETURNING subject_id`, [
        streamId.slice(orderStream('').length),
      ]);
      if (rows[0]) await this.orderFacts(batch, [rows[0].subject_id as string]);
    }
  }

  /** The facts columns a customer's data event sets; token lists of a `DataItemAdded` are added to, not replaced. */
  private subjectData(event: SubjectDataEvent): PendingFacts {
    const { category } = event.data;
    const fields: Record<string, JsonValue | null> =
      event.type === 'DataItemAdded' ? { [event.data.field]: [event.data.item] } : event.type === 'DataCollected' ? event.data.fields : event.data.set;
    const replaces = event.type === 'DataCollected';
    const facts: PendingFacts = new Map();
    const append = event.type === 'DataItemAdded';
    if (category === 'identity' && (replaces || 'birthDate' in fields)) facts.set('birth_month', { value: birthMonthOf(fields.birthDate), append: false });
    if (category === 'contact' && (replaces || 'addresses' in fields || 'address' in fields)) {
      const division = addressFacts(fields, append);
      if (division !== undefined) facts.set('division_code', { value: division, append: false });
    }
    if (category === 'health') {
      for (const [field, column] of [
        ['conditions', 'condition_tokens'],
        ['allergies', 'allergy_tokens'],
      ] as const) {
        if (!replaces && !(field in fields)) continue;
        facts.set(column, { value: healthTokens(this.vault, field, fields[field]), append });
      }
    }
    return facts;
  }

  /**
   * The columns gathered, one upsert per set of columns alike (a batch of registrations: one in all); columns marked `append`
   * (token lists) gain the values instead of taking them.
   */
  private async upsertFacts(batch: ProjectionBatch, pending: ReadonlyMap<string, PendingFacts>): Promise<void> {
    const groups = new Map<string, { columns: string[]; appends: boolean[]; rows: Record<string, unknown>[] }>();
    for (const [subjectId, facts] of pending) {
      if (facts.size === 0) continue;
      const columns = [...facts.keys()].sort();
      const appends = columns.map((column) => facts.get(column)!.append);
      const key = columns.map((column, index) => `${column}${appends[index] ? '+' : ''}`).join(',');
      const group = groups.get(key) ?? { columns, appends, rows: [] };
      group.rows.push(Object.fromEntries([['subject_id', subjectId], ...columns.map((column) => [column, facts.get(column)!.value])]));
      groups.set(key, group);
    }
    for (const { columns, appends, rows } of groups.values()) {
      const updates = columns.map((column, index) =>
        appends[index] ? `${column} = ARRAY(SELECT DISTINCT unnest(f.${column} || EXCLUDED.${column}))` : `${column} = EXCLUDED.${column}`,
      );
      await batch.client.query(
        `INSERT INTO ${batch.table('customer_query_facts')} AS f (subject_id, ${columns.join(', ')})
         SELECT subject_id, ${columns.join(', ')} FROM jsonb_to_recordset($1::jsonb) AS r(subject_id text, ${columns.map((column) => `${column} ${FACT_TYPES[column]}`).join(', ')})
         ON CONFLICT (subject_id) DO UPDATE SET ${updates.join(', ')}`,
        [JSON.stringify(rows)],
      );
    }
  }

  private async record(batch: ProjectionBatch, event: RecordedEvent, ordersOf: Set<string>): Promise<void> {
    const facts = batch.table('customer_query_facts');
    const d = event.data as Record<string, unknown>;
    const subjectId = d.subjectId as string;
    const upsert = (column: string, value: unknown, merge: string) =>
      batch.client.query(`INSERT INTO ${facts} AS f (subject_id, ${column}) VALUES ($1, $2) ON CONFLICT (subject_id) DO UPDATE SET ${column} = ${merge}`, [subjectId, value]);
    switch (event.type) {
      case 'ServiceRecorded':
        await upsert('last_service_date', d.serviceDate, 'GREATEST(f.last_service_date, EXCLUDED.last_service_date)');
        return;
      case 'CheckupRecorded':
        await upsert('last_checkup_date', d.visitDate, 'GREATEST(f.last_checkup_date, EXCLUDED.last_checkup_date)');
        await this.abnormal(batch, event);
        return;
      case 'ComplaintReceived':
      case 'ComplaintReopened':
        await upsert('open_complaint_ids', [d.complaintId], `ARRAY(SELECT DISTINCT unnest(f.open_complaint_ids || EXCLUDED.open_complaint_ids))`);
        return;
      case 'ComplaintClosed':
        await batch.client.query(`UPDATE ${facts} SET open_complaint_ids = array_remove(open_complaint_ids, $2) WHERE subject_id = $1`, [subjectId, d.complaintId]);
        return;
      case 'SurveyAnswered': {
        const scale = Object.values((d.scores as { scale?: Record<string, number> } | undefined)?.scale ?? {});
        if (scale.length === 0) return;
        const score = scale.reduce((sum, value) => sum + value, 0) / scale.length;
        await batch.client.query(
          `INSERT INTO ${facts} AS f (subject_id, last_survey_at, last_survey_score) VALUES ($1, $2, $3)
           ON CONFLICT (subject_id) DO UPDATE SET last_survey_at = EXCLUDED.last_survey_at, last_survey_score = EXCLUDED.last_survey_score
           WHERE f.last_survey_at IS NULL OR f.last_survey_at <= EXCLUDED.last_survey_at`,
          [subjectId, d.answeredAt, score.toFixed(2)],
        );
        return;
      }
      case 'OrderPlaced':
        await batch.client.query(
          `INSERT INTO ${batch.table('customer_query_orders')} (order_id, subject_id, order_date, amount_fen) VALUES ($1, $2, $3, $4) ON CONFLICT (order_id) DO NOTHING`,
          [d.orderId, subjectId, d.orderDate, d.amountFen],
        );
        ordersOf.add(subjectId);
        return;
      case 'OrderCancelled':
        await batch.client.query(`UPDATE ${batch.table('customer_query_orders')} SET cancelled = true WHERE order_id = $1`, [d.orderId]);
        ordersOf.add(subjectId);
        return;
      case 'OrderRefunded':
        await batch.client.query(
          `UPDATE ${batch.table('customer_query_orders')} SET refund_ids = refund_ids || $2::text, refunded_fen = refunded_fen + $3 WHERE order_id = $1 AND NOT ($2::text = ANY(refund_ids))`,
          [d.orderId, d.refundId, d.amountFen],
        );
        ordersOf.add(subjectId);
        return;
    }
  }

  /** The visit's abnormal results, opened under the customer's health_records key, kept as tokens of their codes. */
  private async abnormal(batch: ProjectionBatch, event: RecordedEvent): Promise<void> {
    const [opened] = await this.checkups.openAll([{ type: 'CheckupRecorded', data: event.data } as CheckupEvent<unknown>]);
    const visit = opened.data.visit as CheckupVisit | string;
    if (typeof visit !== 'object' || visit === null || !Array.isArray(visit.results)) return; // erased since: nothing to find
    const codes = visit.results.filter((result) => result.abnormal === true).map((result) => result.code);
    const tokens = healthTokens(this.vault, 'indicators', codes);
    if (tokens.length === 0) return;
    await batch.client.query(
      `INSERT INTO ${batch.table('customer_query_abnormal')} (visit_id, indicator_token, subject_id, visit_date)
       SELECT $1, token, $2, $3 FROM unnest($4::text[]) AS token ON CONFLICT DO NOTHING`,
      [opened.data.visitId, opened.data.subjectId, opened.data.visitDate, tokens],
    );
  }

  /** Order count, net total, last order date and the RFM grades of each customer, from its counted orders; recency as of the ledger clock's day. */
  private async orderFacts(batch: ProjectionBatch, subjectIds: string[]): Promise<void> {
    const orders = batch.table('customer_query_orders');
    await batch.client.query(
      `INSERT INTO ${batch.table('customer_query_facts')} AS f (subject_id, order_count, order_total_fen, last_order_date, rfm_recency, rfm_frequency, rfm_monetary, rfm_score, rfm_segment)
       SELECT s.subject_id, a.n, a.total, a.last, g.r, g.f, g.m, ${rfmScoreSql('g.r', 'g.f', 'g.m')}, ${rfmSegmentSql('g.r', 'g.f', 'g.m')}
         FROM unnest($1::text[]) AS s(subject_id)
         CROSS JOIN LATERAL (SELECT count(*)::int AS n, coalesce(sum(amount_fen - refunded_fen), 0)::bigint AS total, max(order_date) AS last
                               FROM ${orders} o WHERE o.subject_id = s.subject_id AND NOT o.cancelled AND o.refunded_fen < o.amount_fen) a
         CROSS JOIN LATERAL (SELECT ${recencyGradeSql('a.last', '$2')} AS r, ${frequencyGradeSql('a.n')} AS f, ${monetaryGradeSql('a.total', 'a.n')} AS m) g
       ON CONFLICT (subject_id) DO UPDATE SET order_count = EXCLUDED.order_count, order_total_fen = EXCLUDED.order_total_fen,
         last_order_date = EXCLUDED.last_order_date, rfm_recency = EXCLUDED.rfm_recency, rfm_frequency = EXCLUDED.rfm_frequency, rfm_monetary = EXCLUDED.rfm_monetary,
         rfm_score = EXCLUDED.rfm_score, rfm_segment = EXCLUDED.rfm_segment`,
      [subjectIds, gradingDay(this.clock())],
    );
  }

  /** A file merged into another: its rows go (its data and records arrive again as the survivor's: re-sealed events, RecordMoved). */
  private async mergedAway(batch: ProjectionBatch, subjectId: string, ordersOf: Set<string>): Promise<void> {
    for (const table of this.tables) await batch.client.query(`DELETE FROM ${batch.table(table)} WHERE subject_id = $1`, [subjectId]);
    ordersOf.delete(subjectId);
  }

  private async erased(batch: ProjectionBatch, data: SubjectErased['data'], ordersOf: Set<string>): Promise<void> {
    const event = { type: 'SubjectErased', data } as SubjectErased;
    const subjectId = data.subjectId;
    const facts = batch.table('customer_query_facts');
    if (data.whole === true && data.retained.length === 0) {
      for (const table of this.tables) await batch.client.query(`DELETE FROM ${batch.table(table)} WHERE subject_id = $1`, [subjectId]);
      ordersOf.delete(subjectId);
      return;
    }
    const reaches = (category: Category) => erasureReaches(event, category);
    const cleared: string[] = [];
    if (reaches('identity')) cleared.push('birth_month = NULL');
    if (reaches('contact')) cleared.push('division_code = NULL');
    if (reaches('health')) cleared.push(`condition_tokens = '{}'`, `allergy_tokens = '{}'`);
    if (reaches('health_records')) {
      cleared.push('last_checkup_date = NULL');
      await batch.client.query(`DELETE FROM ${batch.table('customer_query_abnormal')} WHERE subject_id = $1`, [subjectId]);
    }
    if (reaches('service_interactions')) cleared.push('last_service_date = NULL', 'last_survey_at = NULL', 'last_survey_score = NULL', `open_complaint_ids = '{}'`);
    if (reaches('consumption')) {
      await batch.client.query(`DELETE FROM ${batch.table('customer_query_orders')} WHERE subject_id = $1`, [subjectId]);
      ordersOf.add(subjectId);
    }
    if (cleared.length > 0) await batch.client.query(`UPDATE ${facts} SET ${cleared.join(', ')} WHERE subject_id = $1`, [subjectId]);
  }
}

/** The SQL types of the facts columns a customer's data sets (upsertFacts reads them from JSON). */
const FACT_TYPES: Readonly<Record<string, string>> = { birth_month: 'integer', division_code: 'text', condition_tokens: 'text[]', allergy_tokens: 'text[]' };

/** Facts columns waiting to be written for one customer: the value, and whether it adds to the stored list instead of replacing it. */
type PendingFacts = Map<string, { value: unknown; append: boolean }>;

/** Adds one event's facts to what is pending for the customer, in order: a replacing value takes over, an added list joins what is there. */
function gather(pending: Map<string, PendingFacts>, subjectId: string, facts: PendingFacts): void {
  if (facts.size === 0) return;
  const into = pending.get(subjectId) ?? new Map();
  for (const [column, next] of facts) {
    const before = into.get(column);
    into.set(column, before && next.append ? { value: [...new Set([...(before.value as unknown[]), ...(next.value as unknown[])])], append: before.append } : next);
  }
  pending.set(subjectId, into);
}
