import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { handleCommand, StreamFold } from '@pi-ledger/event-store/command-handler';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { DeclaredEventCodec } from '@pi-ledger/pii-vault/declared-event-codec';
import { SERVICE_RECORD_PI } from '@pi-ledger/pii-vault/event-pi-declarations';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { decideServiceRecord, evolveServiceRecord, initialServiceRecordState, ServiceRecordState } from '@pi-ledger/ledger-domain/service-records/service-record.decider';
import { SERVICE_RECORD_CATEGORY, ServiceDetails, ServiceRecordEvent, serviceRecordStream, ServiceType } from '@pi-ledger/ledger-domain/service-records/service-record.events';
import { ServiceRecordQueries, StoredServiceRecord } from '@pi-ledger/read-models/projections/service-records/service-records.queries';
import { RequestContext } from '../application/request-context';
import { sealedUnder, SubjectRecordAccess } from '../subject-records/subject-record-access';
import { chinaDate } from '../subjects/subject-data.dto';
import { RecordServiceDto } from './service-records.dto';
import { followingMoves } from '@pi-ledger/ledger-domain/subject/record-move';

const SERVICE_FOLD: StreamFold<ServiceRecordState, ServiceRecordEvent<unknown>> = followingMoves({ initialState: initialServiceRecordState, evolve: evolveServiceRecord });

export type ServiceRecordView = ServiceRecordEvent<ServiceDetails | string>['data'];

/** Service records (服务记录): each its own stream, the details sealed under the customer's `service_interactions` key. */
@Injectable()
export class ServiceRecordsService {
  readonly codec: DeclaredEventCodec<ServiceRecordEvent<unknown>>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PII_VAULT) vault: PiiVault,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    private readonly access: SubjectRecordAccess,
    private readonly records: ServiceRecordQueries,
  ) {
    this.codec = new DeclaredEventCodec<ServiceRecordEvent<unknown>>(vault, SERVICE_RECORD_PI);
  }

  /** `ids.recordId`: an import's, derived from its job and row (a re-run is refused as `service-record-exists`). */
  async record(subjectId: string, input: RecordServiceDto, context: RequestContext, ids: { recordId?: string } = {}) {
    const purpose = await this.access.authorizeWrite(subjectId, context, input.purposeId, SERVICE_RECORD_CATEGORY);
    const recordId = ids.recordId ?? uuidv7();
    const now = this.clock();
    const handled = await handleCommand(
      this.store,
      serviceRecordStream(recordId),
      SERVICE_FOLD,
      ({ state }) =>
        decideServiceRecord(
          {
            type: 'RecordService',
            recordId,
            subjectId,
            serviceDate: input.serviceDate,
            serviceType: input.serviceType,
            staffId: input.staffId ?? context.actor.id,
            content: input.content,
            ...(input.outcome === undefined ? {} : { outcome: input.outcome }),
            recordedBy: context.actor.id,
            now: now.toISOString(),
            today: chinaDate(now),
          },
          state,
        ),
      { prepare: sealedUnder(this.codec, context, purpose) },
    );
    return { recordId, record: handled.events[0].data, version: handled.version, position: handled.position };
  }

  async list(subjectId: string, serviceType: ServiceType | undefined, context: RequestContext, purposeHeader: string | undefined): Promise<ServiceRecordView[]> {
    const read = await this.access.authorizeRead(subjectId, context, purposeHeader, SERVICE_RECORD_CATEGORY);
    const records = await this.open(await this.records.bySubject(subjectId, serviceType));
    await this.access.recordRead(context, [subjectId], read, SERVICE_RECORD_CATEGORY, 'service-records');
    return records;
  }

  /** Every service record of the subject for its access/copy export (PIPL Art. 45). */
  async exportOf(subjectId: string): Promise<ServiceRecordView[]> {
    return this.open(await this.records.bySubject(subjectId));
  }

  private async open(stored: readonly StoredServiceRecord[]): Promise<ServiceRecordView[]> {
    const opened = await this.codec.openAll(stored.map((data) => ({ type: 'ServiceRecorded' as const, data })));
    return opened.map((event) => ({ ...event.data, details: event.data.details as ServiceDetails | string }));
  }
}
