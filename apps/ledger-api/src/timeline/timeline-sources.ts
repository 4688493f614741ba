import type { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { DeclaredEventCodec, SubjectScopedEvent } from '@pi-ledger/pii-vault/declared-event-codec';
import { CHECKUP_PI, FOLLOW_UP_PI, ORDER_PI, PiDeclaration, SERVICE_RECORD_PI } from '@pi-ledger/pii-vault/event-pi-declarations';
import type { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import type { TimelineSelect } from '@pi-ledger/read-models/projections/timeline/timeline.queries';

/** What a summary is made from: the entry's ids, and its read model's `row`. */
export interface TimelineEntryOf {
  subjectId: string;
  id: string;
  row: Record<string, unknown>;
}

/** Opens one sealed value of an entry, as the kind's event declared it ("[erased]" once shredded). */
export type OpenSealed = (declarations: Record<string, PiDeclaration>, type: string, data: Record<string, unknown>, member: string) => Promise<unknown>;

/**
 * One kind of record on a customer's timeline. To add a kind (complaints, surveys, …): one more
 * entry in TIMELINE_SOURCES below, naming the category that governs reading it, the projection its
 * read model comes from (for X-Ledger-Min-Position), the SELECT of one customer's rows and how an
 * entry's short summary is made. Nothing else changes: authorisation, paging and the access record
 * follow the category.
 */
export interface TimelineSource extends TimelineSelect {
  category: Category;
  projection: string;
  summarise(entry: TimelineEntryOf, open: OpenSealed): Promise<Record<string, unknown>>;
}

const EXCERPT = 80;
/** A summary shows the start of a text, never a whole record. */
const excerpt = (value: unknown) => (typeof value === 'string' && value.length > EXCERPT ? `${value.slice(0, EXCERPT)}…` : value);
const asObject = (value: unknown) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined);

export const TIMELINE_SOURCES: readonly TimelineSource[] = [
  {
    kind: 'service',
    category: 'service_interactions',
    projection: 'service_records',
    sql: `SELECT service_date AS date, record_id AS id, jsonb_build_object('serviceType', service_type, 'staffId', staff_id, 'details', details) AS row
      FROM service_records WHERE subject_id = $1`,
    async summarise({ subjectId, id, row }, open) {
      const details = await open(SERVICE_RECORD_PI, 'ServiceRecorded', { recordId: id, subjectId, details: row.details }, 'details');
      return { serviceType: row.serviceType, staffId: row.staffId, content: excerpt(asObject(details)?.content ?? details) };
    },
  },
  {
    kind: 'checkup',
    category: 'health_records',
    projection: 'checkup_visits',
    sql: `SELECT visit_date AS date, visit_id AS id, jsonb_build_object('visit', visit) AS row FROM checkup_visits WHERE subject_id = $1`,
    async summarise({ subjectId, id, row }, open) {
      const visit = asObject(await open(CHECKUP_PI, 'CheckupRecorded', { visitId: id, subjectId, visit: row.visit }, 'visit'));
      if (!visit) return { erased: true };
      const results = visit.results as Array<{ abnormal: boolean | null }>;
      return { institution: visit.institution, package: visit.package ?? null, results: results.length, abnormal: results.filter((result) => result.abnormal === true).length };
    },
  },
  {
    kind: 'follow_up',
    category: 'service_interactions',
    projection: 'follow_up_tasks',
    sql: `SELECT due_date AS date, task_id AS id, jsonb_build_object('status', status, 'channel', channel, 'assignee', assignee, 'source', source_kind, 'note', note) AS row
      FROM follow_up_tasks WHERE subject_id = $1`,
    async summarise({ subjectId, id, row }, open) {
      const note = row.note === null ? null : await open(FOLLOW_UP_PI, 'FollowUpOpened', { taskId: id, subjectId, note: row.note }, 'note');
      return { status: row.status, channel: row.channel, assignee: row.assignee, source: row.source, note: excerpt(note) };
    },
  },
  {
    kind: 'order',
    category: 'consumption',
    projection: 'orders',
    sql: `SELECT order_date AS date, order_id AS id, jsonb_build_object('orderNumber', order_number, 'status', status, 'amountFen', amount_fen,
        'refundedFen', refunded_fen, 'paymentMethod', payment_method, 'contents', contents) AS row
      FROM orders WHERE subject_id = $1`,
    async summarise({ subjectId, id, row }, open) {
      const contents = asObject(await open(ORDER_PI, 'OrderPlaced', { orderId: id, subjectId, contents: row.contents }, 'contents'));
      const items = (contents?.items ?? []) as Array<{ name: string }>;
      const { orderNumber, status, amountFen, refundedFen, paymentMethod } = row;
      return { orderNumber, status, amountFen, refundedFen, paymentMethod, items: items.slice(0, 3).map((item) => item.name), itemCount: items.length };
    },
  },
  {
    // no text in the summary: a complaint's text may be sealed under health_records (holdsHealthData)
    kind: 'complaint',
    category: 'service_interactions',
    projection: 'complaints',
    sql: `SELECT (received_at AT TIME ZONE 'Asia/Shanghai')::date AS date, complaint_id AS id, jsonb_build_object('channel', channel, 'category', category,
        'severity', severity, 'status', status, 'satisfaction', satisfaction) AS row
      FROM complaints WHERE subject_id = $1`,
    async summarise({ row }) {
      const { channel, category, severity, status, satisfaction } = row;
      return { channel, category, severity, status, satisfaction };
    },
  },
  {
    // dated by the service it asked about; the answers' free text stays out of a summary
    kind: 'survey',
    category: 'service_interactions',
    projection: 'survey_responses',
    sql: `SELECT service_date AS date, response_id AS id, jsonb_build_object('surveyId', survey_id, 'surveyVersion', survey_version, 'serviceRecordId', service_record_id,
        'serviceType', service_type, 'status', status, 'answeredAt', answered_at, 'scores', scores) AS row
      FROM survey_responses WHERE subject_id = $1`,
    async summarise({ row }) {
      const { surveyId, surveyVersion, serviceRecordId, serviceType, status, answeredAt, scores } = row;
      return { surveyId, surveyVersion, serviceRecordId, serviceType, status, answeredAt, scores };
    },
  },
];

export const TIMELINE_KINDS = TIMELINE_SOURCES.map((source) => source.kind);

/** How summaries open sealed values: by the kind's own PI declaration, under the customer's keys. */
export function openerFor(vault: PiiVault): OpenSealed {
  return async (declarations, type, data, member) => {
    const codec = new DeclaredEventCodec<SubjectScopedEvent>(vault, declarations);
    const opened = await codec.open({ type, data: data as SubjectScopedEvent['data'] });
    return opened.data[member];
  };
}
