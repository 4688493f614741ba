import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { handleCommand, StreamFold } from '@pi-ledger/event-store/command-handler';
import { EVENT_STORE, GLOBAL_LOG } from '@pi-ledger/event-store/event-store.module';
import { EventStore, GlobalLog, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { checkupStream } from '@pi-ledger/ledger-domain/checkups/checkup.events';
import { complaintStream } from '@pi-ledger/ledger-domain/complaints/complaint.events';
import { followUpPlanStream } from '@pi-ledger/ledger-domain/follow-ups/follow-up-plan.events';
import { followUpStream } from '@pi-ledger/ledger-domain/follow-ups/follow-up.events';
import { messageStream } from '@pi-ledger/ledger-domain/messages/message.events';
import { orderStream } from '@pi-ledger/ledger-domain/orders/order.events';
import { Purpose } from '@pi-ledger/ledger-domain/registry/registry.events';
import type { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { rightsRequestStream } from '@pi-ledger/ledger-domain/rights-request/rights-request.events';
import { serviceRecordStream } from '@pi-ledger/ledger-domain/service-records/service-record.events';
import { CarriedEvent, decideRecordMove, effectiveEvents } from '@pi-ledger/ledger-domain/subject/record-move';
import { surveyResponseStream } from '@pi-ledger/ledger-domain/surveys/survey-response.events';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { RecordMoveCodec } from '@pi-ledger/pii-vault/record-move-codec';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { ProjectionFreshness } from '../../application/projection-freshness';
import { eventMetadata, RequestContext } from '../../application/request-context';

/** Rights requests still to be answered: carried to the survivor with their due dates. */
export const OPEN_REQUEST_STATUSES = ['received', 'verified', 'in_progress'];

/**
 * The kinds of records kept in streams of their own, each by the read model that lists a
 * customer's (its table, the record id's column, the category sealing it) and its stream; rights requests only while open
 * (one answered stays with the closed file, as the record of how it was answered).
 */
export const RECORD_KINDS = [
  { kind: 'checkup', table: 'checkup_visits', id: 'visit_id', category: `'health_records'`, stream: checkupStream },
  { kind: 'service', table: 'service_records', id: 'record_id', category: `'service_interactions'`, stream: serviceRecordStream },
  { kind: 'follow_up', table: 'follow_up_tasks', id: 'task_id', category: `'service_interactions'`, stream: followUpStream },
  { kind: 'follow_up_plan', table: 'follow_up_plans', id: 'plan_id', category: `'service_interactions'`, stream: followUpPlanStream },
  { kind: 'order', table: 'orders', id: 'order_id', category: `'consumption'`, stream: orderStream },
  { kind: 'complaint', table: 'complaints', id: 'complaint_id', category: 'text_category', stream: complaintStream },
  { kind: 'survey', table: 'survey_responses', id: 'response_id', category: `'service_interactions'`, stream: surveyResponseStream },
  { kind: 'message', table: 'outbox_messages', id: 'message_id', category: 'category', stream: messageStream },
  { kind: 'rights_request', table: 'rights_requests', id: 'request_id', category: 'NULL', stream: rightsRequestStream, open: OPEN_REQUEST_STATUSES },
] as const;

export type RecordKind = (typeof RECORD_KINDS)[number]['kind'];
export interface MovedRecord {
  kind: RecordKind;
  id: string;
  /** The category whose key seals it (none for a rights request: the requester's own). */
  category: Category | null;
}

type StreamEvent = { type: string; data: CarriedEvent['data'] };
type Stored = RecordedEvent<StreamEvent>;
/** The whole stream, as recorded: a move decides on what it reads now (effectiveEvents). */
const STREAM_FOLD: StreamFold<Stored[], StreamEvent> = { initialState: () => [], evolve: (events, event) => [...events, event as Stored] };

/**
 * Moves the duplicate's records to the survivor, each by a RecordMoved on its stream (record-move.ts):
 * its events opened under the duplicate's keys, restated for the survivor and sealed under its keys.
 * Run after the duplicate was closed (no record of it can be written any more) and before its keys
 * are shredded; a retry moves what is left (a record moved already is the survivor's).
 */
@Injectable()
export class MergeRecordMover {
  private readonly codec: RecordMoveCodec;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(GLOBAL_LOG) private readonly log: GlobalLog,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PII_VAULT) vault: PiiVault,
    private readonly freshness: ProjectionFreshness,
  ) {
    this.codec = new RecordMoveCodec(vault);
  }

  /** The records of `subjectId` as the read models list them once they have taken in the whole log. */
  async recordsOf(subjectId: string): Promise<MovedRecord[]> {
    await this.freshness.waitForCheckpoint(
      RECORD_KINDS.map((kind) => kind.table),
      await this.log.headCheckpoint(),
    );
    const selects = RECORD_KINDS.map(
      ({ kind, table, id, category, ...rest }) =>
        `(SELECT '${kind}'::text AS kind, ${id} AS id, ${category}::text AS category FROM ${table} WHERE subject_id = $1${'open' in rest ? ` AND status = ANY($2::text[])` : ''} ORDER BY ${id})`,
    );
    const { rows } = await this.pool.query<MovedRecord>(selects.join(' UNION ALL '), [subjectId, OPEN_REQUEST_STATUSES]);
    return rows;
  }

  /** Moves every record of the duplicate; returns those it moved (none on a retry that finds all moved). */
  async moveAll(survivorId: string, duplicateId: string, purpose: Purpose, context: RequestContext, now: string): Promise<MovedRecord[]> {
    const moved: MovedRecord[] = [];
    for (const record of await this.recordsOf(duplicateId)) if (await this.move(record, survivorId, duplicateId, purpose, context, now)) moved.push(record);
    return moved;
  }

  private async move(record: MovedRecord, survivorId: string, duplicateId: string, purpose: Purpose, context: RequestContext, now: string): Promise<boolean> {
    const streamId = RECORD_KINDS.find((kind) => kind.kind === record.kind)!.stream(record.id);
    const metadata = eventMetadata(context, { id: purpose.id, legalBasis: purpose.legalBasis });
    // decided again on the stream as it then stands when another write came between (an outbox sending a message)
    const handled = await handleCommand(
      this.store,
      streamId,
      STREAM_FOLD,
      async ({ state }) => decideRecordMove({ streamId, events: await this.codec.openEach(effectiveEvents(state)), survivorId, duplicateId, actor: context.actor.id, now }),
      { prepare: async (events) => ({ events: (await Promise.all(events.map((event) => this.codec.seal(event)))).map((event) => ({ ...event, metadata })) }) },
    );
    return handled.events.length > 0;
  }
}
